import { useEffect } from 'react';
import { useAppInfo } from '../../api/use-app-info';
import { wardenClient } from '../../api/warden-client';
import { useFilters } from '../sessions/filters-store';
import { useWatch } from './watch-store';

/**
 * Tells main whom to watch and how often; main reads each watched user's active sessions once a
 * tick and sends a new one (`watch:new`), which becomes an alert here (main raises the system
 * notification). Said again when the connection changes: each workspace watches for itself.
 */
export function useWatcher(): void {
  const watched = useWatch((s) => s.watched);
  const addAlerts = useWatch((s) => s.addAlerts);
  // The refresh settings only: the app's frame calls this, and must not redraw on each key typed into a filter.
  const refreshMs = useFilters((s) => s.refreshMs);
  const paused = useFilters((s) => s.paused);
  const nonce = useAppInfo().data?.connection.nonce;

  useEffect(() => {
    try {
      return wardenClient.on('watch:new', ({ alerts }) => {
        const at = Date.now();
        addAlerts(alerts.map((a) => ({ user: a.user, sessionId: a.sessionId, at })));
      });
    } catch {
      // No bridge to main (opened outside the app): the screens say so; there is nothing to hear.
      return undefined;
    }
  }, [addAlerts]);

  useEffect(() => {
    if (nonce === undefined) return;
    void wardenClient.watch.set({ users: watched, everyMs: paused ? null : refreshMs }).catch(() => undefined);
  }, [watched, refreshMs, paused, nonce]);
}
