import { describe, expect, it } from 'vitest';
import type { RevokeReport } from '../../src-shared/revocation';
import { blacklistGaps, firstOutcome, retryableResults, revokeToast, withRetry } from '../../src-renderer/src/api/revoke-outcome';
import { pendingDetails, pendingHeadline } from '../../src-renderer/src/features/blacklist/pending-words';
import { ageLabel } from '../../src-renderer/src/ui/format-time';

const RUN_1 = '00000000-0000-4000-8000-000000000001';
const RUN_2 = '00000000-0000-4000-8000-000000000002';
const report = (results: RevokeReport['results'], extra: Partial<RevokeReport> = {}): RevokeReport => ({
  run: RUN_1,
  operator: 'secops.jane',
  usersWithoutActiveSessions: [],
  unlistedUsers: [],
  results,
  ...extra,
});
const REFUSED = 'the blacklist Redis refused the write (WRONGPASS invalid username-password pair): the session is not blacklisted; fix the blacklist credentials and run again';

describe('a revocation whose blacklist writes did not all land', () => {
  const run = report([
    { id: 'a', user: 'ann', outcome: 'revoked', blacklist: 'written' },
    { id: 'b', user: 'ann', outcome: 'revoked', blacklist: 'pending' },
    { id: 'c', user: 'bob', outcome: 'revoked', blacklist: 'failed', error: REFUSED },
    { id: 'd', user: 'bob', outcome: 'already_revoked', blacklist: 'failed', error: REFUSED },
    { id: 'e', user: 'bob', outcome: 'failed', error: 'throttled' },
  ]);

  it('is not a success: the toast says what is missing from the blacklist first', () => {
    expect(revokeToast(run)).toEqual({ text: 'Revoked in the store — 3 sessions not yet blacklisted, 1 not revoked.', tone: 'warning' });
    expect(revokeToast(report([{ id: 'a', user: 'ann', outcome: 'revoked', blacklist: 'written' }]))).toEqual({ text: '1 session revoked.', tone: 'success' });
    expect(revokeToast(report([], { unlistedUsers: [{ user: 'kim', error: 'could not list their sessions (throttled)' }] }))).toEqual({
      text: '0 sessions revoked, 1 user could not be listed.',
      tone: 'warning',
    });
  });

  it('counts pending and failed blacklist writes apart, and retries the failed ones with the failed revocations', () => {
    const gaps = blacklistGaps(run);
    expect(gaps.pending.map((r) => r.id)).toEqual(['b']);
    expect(gaps.failed.map((r) => r.id)).toEqual(['c', 'd']);
    // Pending writes are main's to deliver; a refused one is sent again as a revocation.
    expect(retryableResults(run).map((r) => r.id)).toEqual(['c', 'd', 'e']);
  });

  it('keeps "revoked" for a session revoked in the first run whose retry only wrote its blacklist entry', () => {
    const retried = withRetry(firstOutcome(run), {
      ...report([
        { id: 'c', user: 'bob', outcome: 'already_revoked', blacklist: 'written' },
        { id: 'd', user: 'bob', outcome: 'already_revoked', blacklist: 'written' },
        { id: 'e', user: '', outcome: 'revoked', blacklist: 'written' },
      ]),
      run: RUN_2,
    });
    expect(retried.results.map((r) => [r.id, r.outcome, r.blacklist, r.error])).toEqual([
      ['a', 'revoked', 'written', undefined],
      ['b', 'revoked', 'pending', undefined],
      ['c', 'revoked', 'written', undefined],
      ['d', 'already_revoked', 'written', undefined],
      ['e', 'revoked', 'written', undefined],
    ]);
    expect(retryableResults(retried)).toEqual([]);
    expect(revokeToast({ ...report([{ id: 'c', user: 'bob', outcome: 'already_revoked', blacklist: 'written' }]) }).text).toBe('1 already revoked session now blacklisted.');
  });
});

describe('pending blacklist writes, in words', () => {
  const now = Date.UTC(2026, 10, 22, 8, 30, 0);
  it('says how many and since when, to the minute', () => {
    expect(pendingHeadline({ total: 1, oldestQueuedAtMs: now - 20_000 }, now)).toBe('1 blacklist write pending (oldest < 1 min)');
    expect(pendingHeadline({ total: 3, oldestQueuedAtMs: now - 12 * 60_000 - 5_000 }, now)).toBe('3 blacklist writes pending (oldest 12 min)');
    expect(pendingHeadline({ total: 2, oldestQueuedAtMs: null }, now)).toBe('2 blacklist writes pending');
    expect(ageLabel(now - 3 * 3600_000, now)).toBe('3 h');
  });

  it('gives the exact time and each distinct reason on hover', () => {
    const error = 'Command timed out';
    const details = pendingDetails({
      total: 3,
      oldestQueuedAtMs: now - 60_000,
      targets: [
        { target: 'redis://a:6379', connection: 'eu', pending: 2, oldestQueuedAtMs: now - 60_000, error, lastAttemptMs: now },
        { target: 'redis://b:6379', connection: null, pending: 1, oldestQueuedAtMs: now, error, lastAttemptMs: null },
      ],
    });
    expect(details).toBe('Oldest queued 2026-11-22 08:29:00 UTC.\nLast attempt: Command timed out\nRetried in the background every 15 s; details on the Audit screen.');
  });
});
