import { SessionsScreen } from '../features/sessions/sessions-screen';
import { TopBar } from './top-bar';

/** The frame: environment band and top bar, a left rail, and the current screen. */
export function AppShell() {
  return (
    <div className="app">
      <TopBar />
      <div className="frame">
        <nav className="rail" aria-label="Screens">
          <a href="#sessions" className="rail-item" aria-current="page">
            Sessions
          </a>
        </nav>
        <main className="content" id="sessions">
          <SessionsScreen />
        </main>
      </div>
    </div>
  );
}
