import { useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import type { RevocationAlarm } from '../../../src-shared/proof';
import { wardenClient } from './warden-client';

const ALARMS_KEY = ['proof', 'alarms'] as const;

/**
 * The revocation watch of the active connection (main reads revoked sessions back and records use
 * after revocation as ledger alarms): polled every 10 s, reset with the other queries on a switch.
 */
export function useRevocationAlarms() {
  return useQuery({ queryKey: ALARMS_KEY, queryFn: () => wardenClient.proof.alarms(), refetchInterval: 10_000 });
}

/** The newest alarm of each session that has one. */
export function useAlarmedSessions(): ReadonlyMap<string, RevocationAlarm> {
  const { data } = useRevocationAlarms();
  return useMemo(() => {
    const bySession = new Map<string, RevocationAlarm>();
    // Newest first: the first seen for a session is its latest.
    for (const alarm of data?.alarms ?? []) if (!bySession.has(alarm.sessionId)) bySession.set(alarm.sessionId, alarm);
    return bySession;
  }, [data]);
}

/** One session's alarms, newest first. */
export function useAlarmsOf(sessionId: string | null): RevocationAlarm[] {
  const { data } = useRevocationAlarms();
  return useMemo(() => (sessionId === null ? [] : (data?.alarms ?? []).filter((a) => a.sessionId === sessionId)), [data, sessionId]);
}
