import { useFilters } from '../sessions/filters-store';
import { useWatch } from './watch-store';

/** Watched users, with their new sessions, above the table. Clicking one shows that user. */
export function WatchStrip() {
  const { watched, alerts, unwatch, dismiss } = useWatch();
  const setFilters = useFilters((s) => s.set);
  if (watched.length === 0) return null;
  return (
    <div className="watch-strip" role="region" aria-label="Watched users" data-testid="watch-strip">
      <span className="muted">Watching:</span>
      <ul>
        {watched.map((user) => {
          const fresh = alerts.filter((a) => a.user === user).length;
          return (
            <li key={user} className={fresh > 0 ? 'alerting' : undefined}>
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  setFilters({ user, statuses: ['active'] });
                  dismiss(user);
                }}
              >
                {user}
                {fresh > 0 ? ` — ${fresh} new session${fresh === 1 ? '' : 's'}` : ''}
              </button>
              <button type="button" className="icon-button small" aria-label={`Stop watching ${user}`} onClick={() => unwatch(user)}>
                ×
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
