import { describe, expect, it } from 'vitest';
import { formatRevokeResults } from '../../src-main/cli/output';

describe('a cancelled revocation on the command line', () => {
  const report = {
    operator: 'local:tester',
    usersWithoutActiveSessions: [],
    unlistedUsers: [],
    cancelled: true,
    results: [
      { id: 'a1', user: 'ana', outcome: 'revoked' as const },
      { id: 'b2', user: 'ben', outcome: 'failed' as const, error: 'the store could not be used: timeout' },
      { id: 'c3', user: 'cy', outcome: 'not_attempted' as const },
      { id: 'd4', user: 'dee', outcome: 'not_attempted' as const },
    ],
  };

  it('says it was cancelled, how many were revoked and not attempted, and marks each session', () => {
    const text = formatRevokeResults(report, 'table', Date.parse('2026-12-01T00:00:00Z'));
    expect(text).toContain('Cancelled: 1 revoked, 2 not attempted (nothing was written for those: count them again with --dry-run and revoke the rest).');
    expect(text.split('\n').filter((line) => /^c3\s+cy\s+not_attempted/.test(line) || /^d4\s+dee\s+not_attempted/.test(line))).toHaveLength(2);
  });

  it('lists the sessions not attempted in JSON too, and says nothing of a cancel that did not happen', () => {
    const rows = JSON.parse(formatRevokeResults(report, 'json')) as { id: string; outcome: string }[];
    expect(rows.filter((r) => r.outcome === 'not_attempted').map((r) => r.id)).toEqual(['c3', 'd4']);
    const done = formatRevokeResults({ ...report, cancelled: undefined, results: report.results.slice(0, 1) }, 'table');
    expect(done).not.toContain('Cancelled');
  });
});
