import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { explainComposition, type LedgerListResponse } from '../../src-shared/audit';
import type { AppInfo } from '../../src-shared/contract';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { AuditIndex } from '../../src-main/ledger/audit-index';
import { pageOfAuditRows, selectLedgerEntries } from '../../src-main/ledger/audit-rows';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerEntry } from '../../src-main/ledger/ledger-entry';
import { RevocationWatch } from '../../src-main/proof/revocation-watch';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Now as Sentinel writes it, with nanoseconds. */
function sentinelNow(): string {
  const ms = Date.now();
  return formatRfc3339Nano(Math.floor(ms / 1000), (ms % 1000) * 1_000_000 + 123);
}

async function entries(ledger: Ledger): Promise<LedgerEntry[]> {
  const all: LedgerEntry[] = [];
  for await (const e of ledger.entries()) all.push(e);
  return all;
}

/**
 * Use after revocation on a real Sentinel table (DynamoDB Local): a Sentinel-style writer keeps
 * serving a session we revoked (a server that cannot read the store fails open), and the watch,
 * reading every watched session with BatchGetItem, records it once per new activity.
 */
describe('the revocation watch on a Sentinel table', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });

  /** What a failing-open Sentinel server does on each credential fetch. */
  async function serve(id: string, server: string, requests: number): Promise<void> {
    await table.client.send(
      new UpdateCommand({
        TableName: table.name,
        Key: { id },
        UpdateExpression: 'SET last_access_at = :t, request_count = request_count + :n, server_instance_id = :s, updated_at = :t',
        ExpressionAttributeValues: { ':t': sentinelNow(), ':n': requests, ':s': server },
      }),
    );
  }

  /** DynamoDB requests the table's client sends while `work` runs, by command. */
  async function countRequests<T>(work: () => Promise<T>): Promise<{ result: T; commands: string[] }> {
    const commands: string[] = [];
    const name = `count-${Math.random()}`;
    table.client.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      return { result: await work(), commands };
    } finally {
      table.client.middlewareStack.remove(name);
    }
  }

  it('alarms within one tick of use after revocation, names the server, ledgers it once; an untouched session never alarms', async () => {
    const used = sentinelItem({ seconds: nowSeconds() - 600 });
    const quiet = sentinelItem({ seconds: nowSeconds() - 600 });
    await table.put([used, quiet]);
    const report = await table.revoker(dir.path).revokeSessions({ ids: [used.id, quiet.id], reasonCode: 'security_incident' });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked', 'revoked']);

    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const notes: { title: string; body: string }[] = [];
    const watch = new RevocationWatch({ store: table.store(), ledger, connection: 'test', notify: (n) => notes.push(n) });
    // Nothing used since the revocation.
    expect((await watch.tick()).alarms).toEqual([]);
    expect(watch.state()).toMatchObject({ watching: 2, alarms: [] });

    await serve(used.id, 'srv-3', 2);
    const { alarms } = await watch.tick();
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ sessionId: used.id, user: 'alice', server: 'srv-3', newRequests: 2, requestCount: 9 });
    expect(alarms[0]?.summary).toMatch(/^activity after revocation on server srv-3, 2 requests, last access \d{4}-/);
    expect(notes).toHaveLength(1);
    expect(notes[0]?.title).toBe('Revoked session used: alice');
    expect(notes[0]?.body).toContain('on server srv-3, 2 requests');

    // No new activity: no new alarm, however many ticks.
    expect((await watch.tick()).alarms).toEqual([]);
    expect((await watch.tick()).alarms).toEqual([]);
    let alarmEntries = (await entries(ledger)).filter((e) => e.kind === 'alarm');
    expect(alarmEntries).toHaveLength(1);
    const outcome = (await entries(ledger)).find((e) => e.kind === 'outcome' && e.sessionId === used.id);
    expect(alarmEntries[0]).toMatchObject({
      kind: 'alarm',
      sessionId: used.id,
      user: 'alice',
      run: outcome?.run,
      reasonCode: 'security_incident',
      revokedAt: outcome?.revokedAt,
      activity: { revocationSeq: outcome?.seq, server: 'srv-3', newRequests: 2, requestCount: 9 },
    });

    // More use: one more alarm, counting only the new requests.
    await serve(used.id, 'srv-5', 1);
    const second = await watch.tick();
    expect(second.alarms.map((a) => [a.server, a.newRequests])).toEqual([['srv-5', 1]]);
    alarmEntries = (await entries(ledger)).filter((e) => e.kind === 'alarm');
    expect(alarmEntries.map((e) => e.sessionId)).toEqual([used.id, used.id]);
    expect(watch.state().alarms.map((a) => a.server)).toEqual(['srv-5', 'srv-3']);
    // Ledgered again, but the operator was told a moment ago: no second notification for that session yet.
    expect(notes).toHaveLength(1);

    // Every reader of the ledger still works: verify, audit rows (alarms are no revocation, but
    // counted so the composition adds up to the verified entries), the export's selection.
    const verified = await ledger.verify();
    expect(verified).toMatchObject({ ok: true, verifiedEntries: 6 });
    const audit = new AuditIndex(ledger.path);
    const page = pageOfAuditRows(await audit.rows(), { limit: 200, offset: 0 }, audit.alarms);
    expect(page.rows.map((r) => r.outcome)).toEqual(['revoked', 'revoked']);
    expect(page.ledger).toMatchObject({ entries: 6, revocations: 2, withOutcome: 2, alarms: 2 });
    expect(explainComposition(page.ledger)).toBe('2 revocation attempts and their outcomes, and 2 alarms of activity after revocation (2 entries)');
    const selection = await selectLedgerEntries(ledger.entries(), {});
    expect([...selection.seqs.keys()]).toEqual([1, 2, 3, 4]);
    expect(selection.ledger.entries).toBe(6);

    // Through the real handlers: the ledger's CSV export holds the revocations' 4 entries and no
    // alarm; the audit list counts the alarms in its composition; verification passes.
    const info: AppInfo = { version: 't', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'test', kind: 'dynamodb', environment: 'test', table: table.name, readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:tester' };
    const handlers = table.handlers(dir.path, info);
    const context = { emit: () => undefined };
    const exported = await handlers['export:start']({ exportId: randomUUID(), kind: 'ledger', format: 'csv' }, context);
    expect(exported).toMatchObject({ saved: true, rows: 4, revocations: 2 });
    const csv = await readFile(join(dir.path, exported.fileName ?? ''), 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(5);
    expect(csv).not.toContain('alarm');
    const listed: LedgerListResponse = await handlers['ledger:list']({ limit: 200, offset: 0 }, context);
    expect(listed.ledger).toMatchObject({ entries: 6, revocations: 2, alarms: 2 });
    expect(await handlers['ledger:verify'](undefined, context)).toMatchObject({ ok: true, verifiedEntries: 6 });
  });

  it('after a restart watches the same sessions from the ledger and does not alarm again for activity already recorded', async () => {
    const s = sentinelItem({ seconds: nowSeconds() - 600 });
    await table.put([s]);
    await table.revoker(dir.path).revokeSessions({ ids: [s.id], reasonCode: 'offboarding' });
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const first = new RevocationWatch({ store: table.store(), ledger, connection: 'test' });
    await first.tick();
    await serve(s.id, 'srv-1', 4);
    expect((await first.tick()).alarms).toHaveLength(1);
    await first.stop();

    // The app restarts: a new watch over the same ledger.
    const notes: unknown[] = [];
    const again = new RevocationWatch({ store: table.store(), ledger: new Ledger(join(dir.path, 'ledger.jsonl')), connection: 'test', notify: (n) => notes.push(n) });
    expect((await again.tick()).alarms).toEqual([]);
    expect(again.state()).toMatchObject({ watching: 1, alarms: [{ sessionId: s.id, server: 'srv-1', newRequests: 4 }] });
    expect(notes).toEqual([]);
    // Use while the app was closed, or after: alarmed once, the requests counted from the last alarm.
    await serve(s.id, 'srv-2', 3);
    expect((await again.tick()).alarms.map((a) => [a.server, a.newRequests, a.requestCount])).toEqual([['srv-2', 3, 14]]);
    expect(notes).toHaveLength(1);
  });

  it('reads 250 watched sessions with 3 BatchGetItem requests a tick, never one request per session', async () => {
    const items = Array.from({ length: 250 }, () => sentinelItem({ seconds: nowSeconds() - 600 }));
    await table.put(items);
    await table.revoker(dir.path, { concurrency: 16 }).revokeSessions({ ids: items.map((i) => i.id), reasonCode: 'security_incident' });
    const watch = new RevocationWatch({ store: table.store(), ledger: new Ledger(join(dir.path, 'ledger.jsonl')), connection: 'test' });
    const { result, commands } = await countRequests(() => watch.tick());
    expect(result.read).toBe(250);
    expect(commands).toEqual(['BatchGetItemCommand', 'BatchGetItemCommand', 'BatchGetItemCommand']);
    // And the sessions it read are the ones revoked: one served again is found among them.
    const target = items[137];
    if (!target) throw new Error('no item');
    await serve(target.id, 'srv-9', 1);
    const { result: next, commands: again } = await countRequests(() => watch.tick());
    expect(next.alarms.map((a) => a.sessionId)).toEqual([target.id]);
    expect(again.filter((c) => c.startsWith('BatchGetItem'))).toHaveLength(3);
  });

  it('stops watching a session once its expiry plus the margin has passed', async () => {
    const s = sentinelItem({ seconds: nowSeconds() - 600 });
    const t = sentinelItem({ seconds: nowSeconds() - 600 });
    await table.put([s, t]);
    await table.revoker(dir.path).revokeSessions({ ids: [s.id, t.id], reasonCode: 'security_incident' });
    let now = Date.now();
    const watch = new RevocationWatch({ store: table.store(), ledger: new Ledger(join(dir.path, 'ledger.jsonl')), connection: 'test', clock: () => now, marginMs: 60_000 });
    expect((await watch.tick()).read).toBe(2);
    // 8 h lifetime (the fixture's) and a minute's margin later.
    now += 8 * 3_600_000 + 120_000;
    expect((await watch.tick()).read).toBe(2);
    expect((await watch.tick()).read).toBe(0);
    expect(watch.state().watching).toBe(0);
  });
});
