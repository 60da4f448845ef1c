import { useQueries } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { wardenClient } from '../../api/warden-client';
import { useFilters } from '../sessions/filters-store';
import { useWatch } from './watch-store';

/**
 * Polls the active sessions of every watched user; a session id not seen before (after the
 * first answer for that user) raises an alert and a system notification through main.
 */
export function useWatcher(): void {
  const watched = useWatch((s) => s.watched);
  const addAlerts = useWatch((s) => s.addAlerts);
  const { refreshMs, paused } = useFilters();
  const known = useRef(new Map<string, Set<string>>());
  const results = useQueries({
    queries: watched.map((user) => ({
      queryKey: ['sessions', 'watch', user],
      queryFn: () => wardenClient.sessions.query({ status: 'active', user, limit: 200 }),
      refetchInterval: paused ? (false as const) : refreshMs,
      refetchIntervalInBackground: true,
    })),
  });
  const stamp = results.map((r) => r.dataUpdatedAt).join();

  useEffect(() => {
    const alerts = [];
    for (const [index, user] of watched.entries()) {
      const data = results[index]?.data;
      if (!data) continue;
      const ids = data.sessions.map((s) => s.id);
      const seen = known.current.get(user);
      if (!seen) {
        known.current.set(user, new Set(ids));
        continue;
      }
      for (const id of ids) {
        if (seen.has(id)) continue;
        seen.add(id);
        alerts.push({ user, sessionId: id, at: Date.now() });
      }
    }
    if (alerts.length === 0) return;
    addAlerts(alerts);
    for (const alert of alerts) void wardenClient.watch.notify({ sessionId: alert.sessionId }).catch(() => undefined);
    // `results` changes identity every render; `stamp` says when any answer changed.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [stamp, watched, addAlerts]);
}
