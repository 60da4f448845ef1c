import { OffboardingScreen } from '../features/offboarding/offboarding-screen';
import { SessionsScreen } from '../features/sessions/sessions-screen';
import { useNavigation, type Screen } from './navigation-store';
import { TopBar } from './top-bar';

const SCREENS: { id: Screen; label: string }[] = [
  { id: 'sessions', label: 'Sessions' },
  { id: 'offboarding', label: 'Offboarding' },
];

/** The frame: environment band and top bar, a left rail, and the current screen. */
export function AppShell() {
  const { screen, go } = useNavigation();
  return (
    <div className="app">
      <TopBar />
      <div className="frame">
        <nav className="rail" aria-label="Screens">
          {SCREENS.map((s) => (
            <button key={s.id} type="button" className="rail-item" aria-current={screen === s.id ? 'page' : undefined} onClick={() => go(s.id)}>
              {s.label}
            </button>
          ))}
        </nav>
        <main className="content">{screen === 'sessions' ? <SessionsScreen /> : <OffboardingScreen />}</main>
      </div>
    </div>
  );
}
