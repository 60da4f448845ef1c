import { ActivityScreen } from '../features/activity/activity-screen';
import { AuditScreen } from '../features/audit/audit-screen';
import { ConnectionsScreen } from '../features/connections/connections-screen';
import { OffboardingScreen } from '../features/offboarding/offboarding-screen';
import { CommandPalette } from '../features/palette/command-palette';
import { PeopleScreen } from '../features/people/people-screen';
import { SessionsScreen } from '../features/sessions/sessions-screen';
import { useWatcher } from '../features/watch/use-watcher';
import { useWatch } from '../features/watch/watch-store';
import { SCREENS, useNavigation, type Screen } from './navigation-store';
import { Toasts } from '../ui/toasts';
import { SkipLink } from './skip-link';
import { TopBar } from './top-bar';

const SCREEN_VIEWS: Record<Screen, () => React.JSX.Element> = {
  sessions: SessionsScreen,
  people: PeopleScreen,
  activity: ActivityScreen,
  audit: AuditScreen,
  offboarding: OffboardingScreen,
  connections: ConnectionsScreen,
};

/** The frame: environment band and top bar, a left rail, and the current screen. */
export function AppShell() {
  const { screen, go } = useNavigation();
  const View = SCREEN_VIEWS[screen];
  useWatcher();
  const alerts = useWatch((s) => s.alerts.length);
  return (
    <div className="app">
      <SkipLink />
      <TopBar />
      <div className="frame">
        <nav className="rail" aria-label="Screens">
          {SCREENS.map((s) => (
            <button key={s.id} type="button" className="rail-item" aria-current={screen === s.id ? 'page' : undefined} onClick={() => go(s.id)}>
              {s.label}
              {s.id === 'sessions' && alerts > 0 ? (
                <span className="badge" data-testid="watch-badge">
                  {alerts}
                  <span className="visually-hidden"> new sessions of watched users</span>
                </span>
              ) : null}
            </button>
          ))}
        </nav>
        <main className="content" id="main">
          <View />
        </main>
      </div>
      <CommandPalette />
      <Toasts />
    </div>
  );
}
