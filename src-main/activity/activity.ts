import { ACTIVITY_REASONS, type ActivityReason, type ActivitySummary } from '../../src-shared/activity';
import { revocationTime, type Session } from '../../src-shared/session';
import type { LedgerEntry } from '../ledger/ledger-entry';
import { epochMillis } from '../stores/exact-time';
import { reasonOf } from './reason-of';

/** One revocation of one session, wherever it was learned from. */
export interface Revocation {
  sessionId: string;
  user: string;
  /** Null when the session is gone from the store (only the ledger remembers it). */
  profile: string | null;
  operator: string;
  reason: ActivityReason;
  atMs: number;
  source: 'ledger' | 'store';
}

/**
 * Revocations from our ledger (outcome `revoked` on this connection) and from the store's revoked
 * sessions (which include revocations by other tools, such as Sentinel's own CLI), each session
 * counted once: the ledger's record wins, the store adds what only it knows (the profile).
 */
export function mergeRevocations(storeRevoked: readonly Session[], ledger: Iterable<LedgerEntry>, connection: string): Revocation[] {
  const stored = new Map(storeRevoked.map((s) => [s.id, s]));
  const merged = new Map<string, Revocation>();
  for (const entry of ledger) {
    if (entry.kind !== 'outcome' || entry.outcome !== 'revoked' || entry.connection !== connection) continue;
    const atMs = epochMillis(entry.revokedAt) ?? Date.parse(entry.time);
    const session = stored.get(entry.sessionId);
    merged.set(entry.sessionId, {
      sessionId: entry.sessionId,
      user: entry.user || session?.user || '',
      // null: the session is gone from the store; '' a store without profiles (web sessions).
      profile: session ? (session.profile ?? '') : null,
      operator: entry.operator,
      reason: entry.reasonCode,
      atMs,
      source: 'ledger',
    });
  }
  for (const session of storeRevoked) {
    if (merged.has(session.id)) continue;
    const atMs = epochMillis(revocationTime(session));
    if (atMs === null) continue;
    merged.set(session.id, {
      sessionId: session.id,
      user: session.user,
      profile: session.profile ?? '',
      operator: session.revokedBy ?? 'unknown',
      reason: reasonOf(session.revokedReason),
      atMs,
      source: 'store',
    });
  }
  return [...merged.values()];
}

export { reasonOf };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** A bucket that keeps the chart readable: hours up to two days, days up to 62 days, then weeks. */
export function bucketFor(sinceMs: number, untilMs: number): ActivitySummary['bucket'] {
  const span = untilMs - sinceMs;
  if (span <= 2 * DAY) return 'hour';
  if (span <= 62 * DAY) return 'day';
  return 'week';
}

/** Start of the bucket holding `ms`, in UTC (weeks start on Monday). */
export function bucketStart(ms: number, bucket: ActivitySummary['bucket']): number {
  if (bucket === 'hour') return Math.floor(ms / HOUR) * HOUR;
  const day = Math.floor(ms / DAY) * DAY;
  if (bucket === 'day') return day;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0
  return day - weekday * DAY;
}

function bucketEnd(start: number, bucket: ActivitySummary['bucket']): number {
  return start + (bucket === 'hour' ? HOUR : bucket === 'day' ? DAY : 7 * DAY);
}

const TOP = 10;

/** The chart series and small multiples for a range; revocations outside it are ignored. */
export function summarize(
  revocations: readonly Revocation[],
  range: { sinceMs: number; untilMs: number },
  byStatus: ActivitySummary['byStatus'],
): ActivitySummary {
  const bucket = bucketFor(range.sinceMs, range.untilMs);
  const inRange = revocations.filter((r) => r.atMs >= range.sinceMs && r.atMs <= range.untilMs);
  const series: ActivitySummary['series'] = [];
  const index = new Map<number, ActivitySummary['series'][number]>();
  for (let start = bucketStart(range.sinceMs, bucket); start <= range.untilMs; start = bucketEnd(start, bucket)) {
    const counts = Object.fromEntries(ACTIVITY_REASONS.map((r) => [r, 0])) as Record<ActivityReason, number>;
    const row = { start: new Date(start).toISOString(), end: new Date(bucketEnd(start, bucket)).toISOString(), total: 0, counts };
    series.push(row);
    index.set(start, row);
  }
  for (const r of inRange) {
    const row = index.get(bucketStart(r.atMs, bucket));
    if (!row) continue;
    row.counts[r.reason] += 1;
    row.total += 1;
  }
  return {
    since: new Date(range.sinceMs).toISOString(),
    until: new Date(range.untilMs).toISOString(),
    bucket,
    series,
    total: inRange.length,
    fromLedger: inRange.filter((r) => r.source === 'ledger').length,
    fromStoreOnly: inRange.filter((r) => r.source === 'store').length,
    byStatus,
    topUsers: top(inRange.map((r) => r.user || '(no user)')),
    topProfiles: top(inRange.map((r) => (r.profile === null ? '(session gone from the store)' : r.profile || '(no profile)'))),
    byOperator: top(inRange.map((r) => r.operator)),
  };
}

function top(names: string[]): { name: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1))
    .slice(0, TOP);
}
