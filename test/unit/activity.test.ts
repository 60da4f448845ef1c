import { describe, expect, it } from 'vitest';
import type { Session } from '../../src-shared/session';
import type { LedgerListRequest } from '../../src-shared/audit';
import { bucketFor, bucketStart, mergeRevocations, reasonOf, summarize } from '../../src-main/activity/activity';
import { sealEntry, GENESIS, type LedgerEntry, type LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { AuditRowBuilder, pageOfAuditRows } from '../../src-main/ledger/audit-rows';

const H = 3_600_000;
const T0 = Date.parse('2026-11-20T00:00:00.000Z'); // a Friday

function revoked(id: string, fields: Partial<Session>): Session {
  return {
    id, user: 'u', profile: 'p', serverInstanceId: '', status: 'revoked', storedStatus: 'revoked', createdAt: null, startedAt: null, lastAccessAt: null,
    expiresAt: null, updatedAt: null, requestCount: 0, sourceIdentity: '', deviceId: '', revokedBy: null, revokedAt: null, revokedReason: null, ...fields,
  };
}

function ledger(records: Partial<LedgerRecord>[]): LedgerEntry[] {
  let prev = GENESIS;
  return records.map((r, i) => {
    const entry = sealEntry({ kind: 'outcome', time: new Date(T0).toISOString(), operator: 'local:a', connection: 'prod', run: 'r1', sessionId: 's', user: 'u', reasonCode: 'offboarding', ...r } as LedgerRecord, i + 1, prev);
    prev = entry.hash;
    return entry;
  });
}

describe('activity', () => {
  it('picks a bucket that fits the range and aligns it in UTC (weeks from Monday)', () => {
    expect(bucketFor(T0, T0 + 24 * H)).toBe('hour');
    expect(bucketFor(T0, T0 + 7 * 24 * H)).toBe('day');
    expect(bucketFor(T0, T0 + 90 * 24 * H)).toBe('week');
    expect(new Date(bucketStart(T0 + 5.5 * H, 'hour')).toISOString()).toBe('2026-11-20T05:00:00.000Z');
    expect(new Date(bucketStart(T0 + 5.5 * H, 'day')).toISOString()).toBe('2026-11-20T00:00:00.000Z');
    expect(new Date(bucketStart(T0 + 5.5 * H, 'week')).toISOString()).toBe('2026-11-16T00:00:00.000Z');
  });

  it('reads a reason code from stored reason text, and calls other tools\' free text unknown', () => {
    expect(reasonOf('offboarding: leaver')).toBe('offboarding');
    expect(reasonOf('credential_compromise')).toBe('credential_compromise');
    expect(reasonOf('laptop stolen')).toBe('unknown');
    expect(reasonOf(null)).toBe('unknown');
  });

  it('counts each session once, ledger first, and ignores other connections and non-revocations', () => {
    const store = [
      revoked('a', { user: 'mallory', profile: 'prod-admin', revokedAt: '2026-11-20T01:00:00.000000000Z', revokedBy: 'local:a', revokedReason: 'security_incident' }),
      revoked('d', { user: 'dora', profile: 'ro', updatedAt: '2026-11-20T02:30:00.000000000Z', revokedBy: 'admin.cli', revokedReason: 'laptop stolen' }),
    ];
    const entries = ledger([
      { sessionId: 'a', user: 'mallory', reasonCode: 'security_incident', outcome: 'revoked', revokedAt: '2026-11-20T01:00:00Z' },
      { sessionId: 'c', user: 'leaver', reasonCode: 'offboarding', outcome: 'revoked', revokedAt: '2026-11-20T03:10:00Z' },
      { sessionId: 'x', outcome: 'already_revoked' },
      { sessionId: 'y', outcome: 'revoked', connection: 'staging' },
      { sessionId: 'z', kind: 'attempt' },
    ]);
    const merged = mergeRevocations(store, entries, 'prod');
    expect(merged.map((r) => [r.sessionId, r.source, r.profile, r.operator, r.reason]).sort()).toEqual([
      ['a', 'ledger', 'prod-admin', 'local:a', 'security_incident'],
      ['c', 'ledger', null, 'local:a', 'offboarding'],
      ['d', 'store', 'ro', 'admin.cli', 'unknown'],
    ]);
    const summary = summarize(merged, { sinceMs: T0, untilMs: T0 + 24 * H }, { active: 5, revoked: 2, expired: 1, capped: false });
    expect(summary.bucket).toBe('hour');
    expect(summary.series).toHaveLength(25);
    expect(summary.series.filter((b) => b.total > 0).map((b) => [b.start.slice(11, 16), b.total, Object.entries(b.counts).filter(([, n]) => n > 0)])).toEqual([
      ['01:00', 1, [['security_incident', 1]]],
      ['02:00', 1, [['unknown', 1]]],
      ['03:00', 1, [['offboarding', 1]]],
    ]);
    expect(summary).toMatchObject({ total: 3, fromLedger: 2, fromStoreOnly: 1, byStatus: { active: 5, revoked: 2, expired: 1 } });
    expect(summary.byOperator).toEqual([{ name: 'local:a', count: 2 }, { name: 'admin.cli', count: 1 }]);
    expect(summary.topProfiles.map((p) => p.name).sort()).toEqual(['(session gone from the store)', 'prod-admin', 'ro']);
    // Outside the range: not counted.
    expect(summarize(merged, { sinceMs: T0 + 2 * H, untilMs: T0 + 24 * H }, { active: 0, revoked: 0, expired: 0, capped: false }).total).toBe(2);
  });
});

describe('audit rows', () => {
  it('joins attempts to outcomes, newest first, and keeps an attempt without outcome as interrupted', () => {
    const entries = ledger([
      { kind: 'attempt', sessionId: 's1', run: 'r1' },
      { kind: 'outcome', sessionId: 's1', run: 'r1', outcome: 'revoked', ticket: 'HR-1' },
      { kind: 'attempt', sessionId: 's2', run: 'r1', user: 'bob' },
      { kind: 'attempt', sessionId: 's3', run: 'r2', note: 'phished' },
      { kind: 'outcome', sessionId: 's3', run: 'r2', outcome: 'failed', error: 'timeout', note: 'phished' },
    ]);
    const builder = new AuditRowBuilder();
    for (const e of entries) builder.add(e);
    const rows = [...builder.newestFirst()];
    expect(rows.map((r) => [r.seq, r.sessionId, r.outcome])).toEqual([
      [5, 's3', 'failed'],
      [3, 's2', 'interrupted'],
      [2, 's1', 'revoked'],
    ]);
    const page = (request: Partial<LedgerListRequest>) => pageOfAuditRows(rows, { limit: 10, offset: 0, ...request });
    expect(page({ text: 'PHISH' }).rows.map((r) => r.sessionId)).toEqual(['s3']);
    expect(page({ outcome: 'interrupted' }).rows.map((r) => r.user)).toEqual(['bob']);
    expect(page({ text: 'hr-1' }).rows.map((r) => r.sessionId)).toEqual(['s1']);
    expect(page({ offset: 1, limit: 1 })).toMatchObject({ rows: [rows[1]], total: 3 });
    expect(page({ offset: 3 })).toMatchObject({ rows: [], total: 3 });
    // The whole ledger's make-up, whatever the page: 2 rows of two entries, 1 interrupted attempt.
    expect(page({ offset: 3 }).ledger).toEqual({ entries: 5, revocations: 3, withOutcome: 2, interrupted: 1, outcomeOnly: 0, perName: 0 });
  });

  it('joins an outcome that arrives after the rows were read, and keeps interrupted rows in ledger order', () => {
    const entries = ledger([
      { kind: 'attempt', sessionId: 'a', run: 'r1' },
      { kind: 'attempt', sessionId: 'b', run: 'r1' },
      { kind: 'outcome', sessionId: 'b', run: 'r1', outcome: 'revoked' },
      { kind: 'attempt', sessionId: 'c', run: 'r1' },
      { kind: 'outcome', sessionId: 'c', run: 'r1', outcome: 'expired' },
      { kind: 'outcome', sessionId: 'a', run: 'r1', outcome: 'revoked' },
    ]);
    const builder = new AuditRowBuilder();
    for (const e of entries.slice(0, 5)) builder.add(e);
    expect([...builder.newestFirst()].map((r) => [r.seq, r.sessionId, r.outcome])).toEqual([
      [5, 'c', 'expired'],
      [3, 'b', 'revoked'],
      [1, 'a', 'interrupted'],
    ]);
    builder.add(entries[5] as (typeof entries)[5]);
    expect([...builder.newestFirst()].map((r) => [r.seq, r.sessionId, r.outcome])).toEqual([
      [6, 'a', 'revoked'],
      [5, 'c', 'expired'],
      [3, 'b', 'revoked'],
    ]);
  });
});
