import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { explainComposition, LedgerListRequestSchema, type LedgerFilter } from '../../src-shared/audit';
import { AuditIndex } from '../../src-main/ledger/audit-index';
import { pageOfAuditRows, selectLedgerEntries } from '../../src-main/ledger/audit-rows';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerEntry, LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const at = (day: number, hour: number) => new Date(Date.UTC(2026, 10, day, hour, 0, 0)).toISOString();

function record(kind: 'attempt' | 'outcome', fields: Partial<LedgerRecord> & { sessionId: string; time: string }): LedgerRecord {
  return { kind, operator: 'secops.jane', connection: 'sentinel-prod', run: 'run-1', user: 'alice', reasonCode: 'offboarding', ...fields };
}

/** An attempt and its outcome, an hour apart (the row's time is the attempt's). */
function revocation(sessionId: string, attemptTime: string, fields: Partial<LedgerRecord> = {}): LedgerRecord[] {
  return [
    record('attempt', { sessionId, time: attemptTime, ...fields }),
    record('outcome', { sessionId, time: new Date(Date.parse(attemptTime) + 3_600_000).toISOString(), outcome: 'revoked', ...fields }),
  ];
}

describe('the ledger filter: the audit table, its counts, and what an export of it holds', () => {
  let dir: TempDir;
  let ledger: Ledger;

  beforeEach(async () => {
    dir = await tempDir();
    ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    await ledger.append([
      ...revocation('s1', at(1, 8)), // seq 1, 2
      ...revocation('s2', at(2, 8), { operator: 'secops.omar', connection: 'redis-web', reasonCode: 'credential_compromise' }), // 3, 4
      ...revocation('s3', at(3, 8), { connection: 'redis-web' }), // 5, 6
      // A user whose sessions could not be listed: an outcome entry alone.
      record('outcome', { sessionId: '', user: 'bob', time: at(4, 8), outcome: 'failed', error: 'could not list their sessions', run: 'run-2' }), // 7
      // An attempt whose outcome was never written: interrupted.
      record('attempt', { sessionId: 's4', time: at(5, 8), run: 'run-3' }), // 8
    ]);
  });
  afterEach(() => dir.remove());

  const list = async (filter: Record<string, unknown>) => pageOfAuditRows(await new AuditIndex(ledger.path).rows(), LedgerListRequestSchema.parse(filter));
  const entries = async () => {
    const all: LedgerEntry[] = [];
    for await (const e of ledger.entries()) all.push(e);
    return all;
  };

  it('keeps the rows of the revoke runs asked for (Open in Audit from a result), for the table and the export alike', async () => {
    const rows = await new AuditIndex(ledger.path).rows();
    const runs = ['00000000-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000003'];
    const relabelled = [...rows].map((r) => ({ ...r, run: r.run === 'run-2' ? (runs[0] as string) : r.run === 'run-3' ? (runs[1] as string) : r.run }));
    const page = pageOfAuditRows(relabelled, LedgerListRequestSchema.parse({ runs }));
    expect(page.rows.map((r) => (r.user === 'bob' ? 'bob' : r.sessionId)).sort()).toEqual(['bob', 's4']);
    expect(LedgerListRequestSchema.safeParse({ runs: ['not-a-run'] }).success).toBe(false);
    expect(LedgerListRequestSchema.safeParse({ runs: [] }).success).toBe(false);
  });

  it('filters by connection as well as operator and time range', async () => {
    expect((await list({ connection: 'redis-web' })).rows.map((r) => r.sessionId)).toEqual(['s3', 's2']);
    expect((await list({ connection: 'redis-web', operator: 'secops.jane' })).rows.map((r) => r.sessionId)).toEqual(['s3']);
    // The row's time is the attempt's: s1 was attempted on the 1st at 08:00, its outcome came at 09:00.
    expect((await list({ since: at(1, 8), until: at(1, 8) })).rows.map((r) => r.sessionId)).toEqual(['s1']);
    expect((await list({ since: at(2, 0), until: at(4, 23) })).rows.map((r) => r.sessionId || r.user)).toEqual(['bob', 's3', 's2']);
    expect(() => LedgerListRequestSchema.parse({ connection: '' })).toThrow();
  });

  it('says how the ledger entries make up the rows, whatever the filter, and which operators and connections it holds', async () => {
    const page = await list({ operator: 'secops.omar' });
    expect(page.total).toBe(1);
    expect(page.ledger).toEqual({ entries: 8, revocations: 5, withOutcome: 3, interrupted: 1, outcomeOnly: 1, perName: 0 });
    expect(page.facets).toEqual({
      operators: [{ name: 'secops.jane', count: 4 }, { name: 'secops.omar', count: 1 }],
      connections: [{ name: 'sentinel-prod', count: 3 }, { name: 'redis-web', count: 2 }],
    });
    // Where each row's entries are: an attempt and its outcome, or one of them alone.
    const rows = (await list({})).rows.map((r) => [r.sessionId || r.user, r.attemptSeq ?? null, r.seq]);
    expect(rows).toEqual([['s4', 8, 8], ['bob', null, 7], ['s3', 5, 6], ['s2', 3, 4], ['s1', 1, 2]]);
  });

  it('selects exactly the entries of the filtered rows for an export, in ledger order, with the ledger it was taken from', async () => {
    const select = (filter: LedgerFilter) => selectLedgerEntries(ledger.entries(), filter);
    const all = await entries();

    const web = await select({ connection: 'redis-web' });
    expect([...web.seqs.keys()]).toEqual([3, 4, 5, 6]);
    expect(web.composition).toEqual({ entries: 4, revocations: 2, withOutcome: 2, interrupted: 0, outcomeOnly: 0, perName: 0 });
    expect(web.seqs.get(3)).toBe(all[2]?.hash);
    expect(web.ledger).toEqual({ entries: 8, lastSeq: 8, lastHash: all[7]?.hash });

    // An interrupted attempt has its attempt entry only; a user who could not be listed, an outcome only.
    expect([...(await select({ outcome: 'interrupted' })).seqs.keys()]).toEqual([8]);
    expect([...(await select({ outcome: 'failed' })).seqs.keys()]).toEqual([7]);
    // The same rows as the table for the same filter.
    for (const filter of [{ text: 'alice' }, { since: at(2, 0) }, { operator: 'secops.jane', until: at(3, 12) }, { reasonCode: 'credential_compromise' as const }, {}]) {
      const table = await list(filter);
      const chosen = await select(filter);
      expect(chosen.composition.revocations).toBe(table.total);
      expect(chosen.composition.entries).toBe(chosen.seqs.size);
      const expected = table.rows.flatMap((r) => (r.attemptSeq !== undefined && r.attemptSeq !== r.seq ? [r.attemptSeq, r.seq] : [r.seq]));
      expect([...chosen.seqs.keys()]).toEqual(expected.sort((a, b) => a - b));
    }
  });

  it('tells entries in the units of the table: revocations, and what each stands for', () => {
    expect(explainComposition({ entries: 42, revocations: 21, withOutcome: 21, interrupted: 0, outcomeOnly: 0, perName: 0 })).toBe('21 revocation attempts and their outcomes');
    expect(explainComposition({ entries: 2, revocations: 1, withOutcome: 1, interrupted: 0, outcomeOnly: 0, perName: 0 })).toBe('1 revocation attempt and its outcome');
    expect(explainComposition({ entries: 8, revocations: 5, withOutcome: 3, interrupted: 1, outcomeOnly: 1, perName: 0 })).toBe(
      '5 revocations: 3 attempts with their outcomes (6 entries), 1 interrupted attempt with no outcome recorded (1 entry) and 1 user whose sessions could not be listed (1 outcome entry)',
    );
    expect(explainComposition({ entries: 2, revocations: 2, withOutcome: 0, interrupted: 2, outcomeOnly: 0, perName: 0 })).toBe('2 revocations: 2 interrupted attempts with no outcome recorded (2 entries)');
    expect(explainComposition({ entries: 0, revocations: 0, withOutcome: 0, interrupted: 0, outcomeOnly: 0, perName: 0 })).toBe('no revocations');
    // An offboarding run's names with nothing revoked are said as such, not as users that could not be listed.
    expect(explainComposition({ entries: 6, revocations: 4, withOutcome: 2, interrupted: 0, outcomeOnly: 0, perName: 2 })).toBe(
      '4 revocations: 2 attempts with their outcomes (4 entries) and 2 requested names with nothing revoked: no live sessions, or unknown (2 entries)',
    );
  });
});
