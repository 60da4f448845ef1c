import { describe, expect, it } from 'vitest';
import type { RevokeReport } from '../../src-shared/revocation';
import { failedResults, firstOutcome, withRetry } from '../../src-renderer/src/api/revoke-outcome';

const RUN_1 = '00000000-0000-4000-8000-000000000001';
const RUN_2 = '00000000-0000-4000-8000-000000000002';
const RUN_3 = '00000000-0000-4000-8000-000000000003';

describe('a revocation and its retries, seen as one', () => {
  const first: RevokeReport = {
    run: RUN_1,
    operator: 'local:analyst',
    usersWithoutActiveSessions: ['nobody'],
    unlistedUsers: [],
    results: [
      { id: 'a', user: 'ann', outcome: 'revoked' },
      { id: 'b', user: 'ann', outcome: 'failed', error: 'throttled' },
      { id: 'c', user: 'bob', outcome: 'not_found' },
      { id: 'd', user: 'bob', outcome: 'failed', error: 'timeout' },
    ],
  };

  it('retries only the failed sessions, and keeps each session\'s latest result in its place', () => {
    const outcome = firstOutcome(first);
    expect(outcome.runs).toEqual([RUN_1]);
    expect(failedResults(outcome).map((r) => r.id)).toEqual(['b', 'd']);

    const retried = withRetry(outcome, {
      run: RUN_2,
      operator: 'local:analyst',
      usersWithoutActiveSessions: [],
      unlistedUsers: [],
      results: [
        { id: 'b', user: 'ann', outcome: 'revoked' },
        // Read by id, and the read failed: main knows no user for it.
        { id: 'd', user: '', outcome: 'failed', error: 'timeout again' },
      ],
    });
    expect(retried.runs).toEqual([RUN_1, RUN_2]);
    expect(retried.run).toBe(RUN_1);
    expect(retried.usersWithoutActiveSessions).toEqual(['nobody']);
    expect(retried.results.map((r) => [r.id, r.outcome, r.error])).toEqual([
      ['a', 'revoked', undefined],
      ['b', 'revoked', undefined],
      ['c', 'not_found', undefined],
      ['d', 'failed', 'timeout again'],
    ]);
    expect(failedResults(retried).map((r) => [r.id, r.user])).toEqual([['d', 'bob']]);

    const done = withRetry(retried, { run: RUN_3, operator: 'local:analyst', usersWithoutActiveSessions: [], unlistedUsers: [], results: [{ id: 'd', user: 'bob', outcome: 'already_revoked' }] });
    expect(done.runs).toEqual([RUN_1, RUN_2, RUN_3]);
    expect(failedResults(done)).toEqual([]);
    // The first outcome is left as it was (React state is never changed in place).
    expect(outcome.results[1]?.outcome).toBe('failed');
  });
});
