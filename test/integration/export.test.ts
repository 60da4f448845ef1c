import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { putAll } from '../../src-main/demo/demo-store';
import { createHandlers } from '../../src-main/handlers';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { toSession } from '../../src-main/sentinel/sentinel-item';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'audit export', kind: 'dynamodb', environment: 'prod', table: 'sentinel', readOnly: true, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:auditor' };
const COUNT = 25_000;
const HOSTILE_USERS = ['=HYPERLINK("http://evil.example","click")', '+cmd|/c calc', '-2+3', '@SUM(A1:A2)', '\tTAB', 'comma, "quoted"\nnewline'];

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

describe(`exports through the real handler (${COUNT.toLocaleString('en-US')} sessions in DynamoDB Local)`, () => {
  let table: TestTable;
  let dir: TempDir;
  let dispatch: Dispatch;
  let ledger: Ledger;
  let savePath: string | null;
  const events: { event: string; payload: unknown }[] = [];
  const now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    [table, dir] = await Promise.all([createSentinelTable(inject('dynamoEndpoint')), tempDir()]);
    const statuses = ['active', 'active', 'active', 'revoked', 'expired'] as const;
    const items = Array.from({ length: COUNT }, (_, i) =>
      sentinelItem(
        { seconds: now - 60 - (i % 86_400), nanos: (i * 7919) % 1e9 },
        {
          // The hostile names go to revoked sessions (i % 5 === 3), exported as CSV below.
          user: i % 5 === 3 && i < 5 * HOSTILE_USERS.length ? (HOSTILE_USERS[(i - 3) / 5] as string) : `user${i % 3000}`,
          status: statuses[i % statuses.length] as string,
          request_count: i % 1000,
          // Nobody's expiry falls during the test: derived statuses cannot change under it.
          expires_at: formatRfc3339Nano(now + 8 * 3600, 0),
          ttl: now + 8 * 3600,
          ...(i % 5 === 3 ? { revoked_by: 'secops', revoked_reason: 'offboarding: leaver' } : {}),
        },
      ),
    );
    // Eight writers at once: seeding is the slow part of this test, not the export.
    const chunk = Math.ceil(items.length / 8);
    await Promise.all(Array.from({ length: 8 }, (_, w) => putAll(table.client, table.name, items.slice(w * chunk, (w + 1) * chunk))));
    ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const handlers = createHandlers({
      ledgerConnection: 'audit',
      store: table.store(),
      revoker: null,
      ledger,
      info: () => INFO,
      chooseSavePath: async (name) => (savePath === null ? null : join(dir.path, savePath ?? name)),
      notify: () => undefined,
    });
    dispatch = createDispatch(handlers, { trustedOrigins: ['app://warden'] });
  }, 300_000);
  afterAll(async () => {
    await table?.drop().catch(() => undefined); // the last test drops it mid-export
    await dir?.remove();
  });

  const start = async (request: object) => {
    const result = await dispatch('export:start', request, OURS, (event, payload) => events.push({ event, payload }));
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value as { saved: boolean; cancelled: boolean; rows: number; fileName?: string; manifestFileName?: string; sha256?: string };
  };

  it('exports every session of a filter, row for row with the store, with a manifest whose hash matches', async () => {
    savePath = 'all-sessions.ndjson';
    const exportId = randomUUID();
    const result = await start({ exportId, kind: 'sessions', format: 'ndjson', filter: { status: 'any' } });
    expect(result).toMatchObject({ saved: true, cancelled: false, rows: COUNT, fileName: 'all-sessions.ndjson', manifestFileName: 'all-sessions.ndjson.manifest.json' });

    const data = await readFile(join(dir.path, 'all-sessions.ndjson'));
    const exported = data.toString('utf8').trimEnd().split('\n').map((line) => JSON.parse(line) as Session);
    // The store, read independently (a plain scan), mapped the same way.
    const stored = new Map<string, Session>();
    let start_: Record<string, unknown> | undefined;
    const nowMs = Date.now();
    do {
      const out = await table.client.send(new ScanCommand({ TableName: table.name, ...(start_ ? { ExclusiveStartKey: start_ } : {}) }));
      for (const item of out.Items ?? []) {
        const session = toSession(item, nowMs);
        if (session) stored.set(session.id, session);
      }
      start_ = out.LastEvaluatedKey;
    } while (start_);
    expect(stored.size).toBe(COUNT);
    expect(new Set(exported.map((s) => s.id)).size).toBe(COUNT);
    for (const session of exported) expect(session).toEqual(stored.get(session.id));
    // Newest first across every page.
    const created = exported.map((s) => s.createdAt ?? '');
    expect(created.every((c, i) => i === 0 || (created[i - 1] as string) >= c)).toBe(true);

    const manifest = JSON.parse(await readFile(join(dir.path, 'all-sessions.ndjson.manifest.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      file: 'all-sessions.ndjson',
      kind: 'sessions',
      format: 'ndjson',
      rows: COUNT,
      sha256: sha256(data),
      filter: { status: 'any' },
      operator: 'local:auditor',
      connection: { name: 'audit export', environment: 'prod' },
    });
    expect(result.sha256).toBe(sha256(data));
    expect(Date.parse(manifest.exportedAt as string)).toBeGreaterThan(Date.now() - 600_000);
    // Progress came while it ran, ending with the full count.
    const progress = events.filter((e) => e.event === 'export:progress' && (e.payload as { exportId: string }).exportId === exportId);
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)?.payload).toEqual({ exportId, rows: COUNT });
    // 25,000 rows through DynamoDB Local twice (the export, then an independent scan): fifty pages
    // of the store, enough to cross every page boundary; export at scale is the benchmark's (npm run bench).
  }, 240_000);

  it('writes RFC 4180 CSV with formula cells escaped, honouring the filter', async () => {
    savePath = 'revoked.csv';
    const result = await start({ exportId: randomUUID(), kind: 'sessions', format: 'csv', filter: { status: 'revoked' } });
    expect(result.rows).toBe(COUNT / 5);
    const text = await readFile(join(dir.path, 'revoked.csv'), 'utf8');
    expect(text.split('\r\n')[0]).toBe('id,user,email,profile,server_instance_id,status,stored_status,created_at,started_at,last_access_at,expires_at,updated_at,request_count,source_identity,device_id,ip_address,user_agent,revoked_by,revoked_at,revoked_reason');
    const rows = parse(text, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(COUNT / 5);
    expect(rows.every((r) => r.status === 'revoked' && r.revoked_by === 'secops')).toBe(true);
    const hostile = rows.filter((r) => !/^user\d+$/.test(r.user ?? ''));
    expect(hostile.map((r) => r.user).sort()).toEqual(["'+cmd|/c calc", "'-2+3", "'=HYPERLINK(\"http://evil.example\",\"click\")", "'@SUM(A1:A2)", "'\tTAB", 'comma, "quoted"\nnewline'].sort());
  });

  it('exports the ledger as JSON, entry for entry', async () => {
    await ledger.append([
      { kind: 'attempt', time: new Date().toISOString(), operator: 'local:a', connection: 'c', run: randomUUID(), sessionId: 'abc', user: '=cmd', reasonCode: 'offboarding' },
    ]);
    savePath = 'ledger.json';
    const result = await start({ exportId: randomUUID(), kind: 'ledger', format: 'json' });
    expect(result.rows).toBe(1);
    const entries = [];
    for await (const e of ledger.entries()) entries.push(e);
    expect(JSON.parse(await readFile(join(dir.path, 'ledger.json'), 'utf8'))).toEqual(entries);
  });

  it('cancels a running export and leaves nothing on disk; a closed save dialog writes nothing', async () => {
    savePath = 'cancelled.csv';
    const exportId = randomUUID();
    const running = start({ exportId, kind: 'sessions', format: 'csv', filter: { status: 'any' } });
    await expect.poll(() => events.some((e) => e.event === 'export:progress' && (e.payload as { exportId: string }).exportId === exportId), { timeout: 30_000 }).toBe(true);
    expect(await dispatch('export:cancel', { exportId }, OURS)).toEqual({ ok: true, value: { cancelled: true } });
    expect(await running).toEqual({ saved: false, cancelled: true, rows: 0 });
    expect((await readdir(dir.path)).filter((f) => f.startsWith('cancelled'))).toEqual([]);
    expect(await dispatch('export:cancel', { exportId }, OURS)).toEqual({ ok: true, value: { cancelled: false } });

    savePath = null;
    expect(await start({ exportId: randomUUID(), kind: 'ledger', format: 'csv' })).toEqual({ saved: false, cancelled: false, rows: 0 });
  });

  it('a store that fails in the middle of an export: a typed error, and nothing left on disk (runs last: drops the table)', async () => {
    savePath = 'interrupted.csv';
    const exportId = randomUUID();
    const running = dispatch('export:start', { exportId, kind: 'sessions', format: 'csv', filter: { status: 'any' } }, OURS, (event, payload) => events.push({ event, payload }));
    await expect.poll(() => events.some((e) => e.event === 'export:progress' && (e.payload as { exportId: string }).exportId === exportId), { timeout: 30_000 }).toBe(true);
    await table.client.send(new DeleteTableCommand({ TableName: table.name }));
    const result = await running;
    expect(result).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
    expect((await readdir(dir.path)).filter((f) => f.startsWith('interrupted'))).toEqual([]);
    // Failing on the first page, with the header still being written: the same, and no stray
    // stream error escapes.
    for (const format of ['csv', 'json', 'ndjson']) {
      savePath = `first-page.${format}`;
      expect(await dispatch('export:start', { exportId: randomUUID(), kind: 'sessions', format, filter: { status: 'any' } }, OURS)).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
    }
    expect((await readdir(dir.path)).filter((f) => f.startsWith('first-page'))).toEqual([]);
  });
});

describe('a ledger export holds exactly what the audit filter shows', () => {
  let table: TestTable;
  let dir: TempDir;
  let dispatch: Dispatch;
  let ledger: Ledger;
  const day = (d: number, hour = 8) => new Date(Date.UTC(2026, 9, d, hour)).toISOString();
  const pair = (sessionId: string, time: string, fields: Record<string, string> = {}) => [
    { kind: 'attempt' as const, time, operator: 'secops.jane', connection: 'sentinel-prod', run: `run-${sessionId}`, sessionId, user: 'alice', reasonCode: 'offboarding' as const, ...fields },
    { kind: 'outcome' as const, time, operator: 'secops.jane', connection: 'sentinel-prod', run: `run-${sessionId}`, sessionId, user: 'alice', reasonCode: 'offboarding' as const, outcome: 'revoked' as const, ...fields },
  ];

  beforeAll(async () => {
    [table, dir] = await Promise.all([createSentinelTable(inject('dynamoEndpoint')), tempDir()]);
    ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    await ledger.append([
      ...pair('aaaaaaaaaaaaaaa1', day(1)),
      ...pair('aaaaaaaaaaaaaaa2', day(2), { operator: 'secops.omar' }),
      ...pair('aaaaaaaaaaaaaaa3', day(3), { connection: 'redis-web' }),
      ...pair('aaaaaaaaaaaaaaa4', day(20)),
      // Interrupted: the attempt alone.
      { kind: 'attempt', time: day(4), operator: 'secops.jane', connection: 'sentinel-prod', run: 'run-x', sessionId: 'aaaaaaaaaaaaaaa5', user: 'bob', reasonCode: 'security_incident' },
    ]);
    const handlers = createHandlers({
      ledgerConnection: 'sentinel-prod',
      store: table.store(),
      revoker: null,
      ledger,
      info: () => INFO,
      chooseSavePath: async (name) => join(dir.path, name),
      notify: () => undefined,
    });
    dispatch = createDispatch(handlers, { trustedOrigins: ['app://warden'] });
  });
  afterAll(async () => {
    await table?.drop();
    await dir?.remove();
  });

  const call = async (channel: string, request: object) => {
    const result = await dispatch(channel, request, OURS);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value as Record<string, unknown>;
  };

  it('exports the entries of the filtered rows only, and the manifest states the filter and the units', async () => {
    const filter = { operator: 'secops.jane', connection: 'sentinel-prod', since: day(1, 0), until: day(10, 0) };
    const listed = (await call('ledger:list', { ...filter })) as { total: number; rows: { sessionId: string }[] };
    expect(listed.rows.map((r) => r.sessionId)).toEqual(['aaaaaaaaaaaaaaa5', 'aaaaaaaaaaaaaaa1']);

    const result = (await call('export:start', { exportId: randomUUID(), kind: 'ledger', format: 'csv', filter })) as { rows: number; revocations: number; fileName: string; sha256: string };
    expect(result).toMatchObject({ saved: true, rows: 3, revocations: 2 });
    const data = await readFile(join(dir.path, result.fileName));
    const rows = parse(data.toString('utf8'), { columns: true }) as Record<string, string>[];
    // Ledger order, each entry exactly as in the ledger (its own hash, the hash before it).
    const entries = [];
    for await (const e of ledger.entries()) entries.push(e);
    expect(rows.map((r) => [r.seq, r.kind, r.session_id])).toEqual([
      ['1', 'attempt', 'aaaaaaaaaaaaaaa1'],
      ['2', 'outcome', 'aaaaaaaaaaaaaaa1'],
      ['9', 'attempt', 'aaaaaaaaaaaaaaa5'],
    ]);
    expect(rows.map((r) => r.hash)).toEqual([entries[0]?.hash, entries[1]?.hash, entries[8]?.hash]);

    const manifest = JSON.parse(await readFile(join(dir.path, `${result.fileName}.manifest.json`), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({
      kind: 'ledger',
      rows: 3,
      sha256: sha256(data),
      filter,
      revocations: 2,
      contents: '3 ledger entries, for 2 revocations: 1 attempt with its outcome (2 entries) and 1 interrupted attempt with no outcome recorded (1 entry)',
      ledger: { entries: 9, lastSeq: 9, lastHash: entries[8]?.hash, verified: { ok: true, verifiedEntries: 9 } },
    });
    expect(manifest.filterDescription).toBe('operator secops.jane; connection sentinel-prod; attempted from 2026-10-01T00:00:00.000Z to 2026-10-10T00:00:00.000Z');
  });

  it('exports the whole ledger, entry for entry, when nothing is filtered, and says so', async () => {
    const result = (await call('export:start', { exportId: randomUUID(), kind: 'ledger', format: 'ndjson', filter: {} })) as { rows: number; revocations: number; fileName: string };
    expect(result).toMatchObject({ rows: 9, revocations: 5 });
    const manifest = JSON.parse(await readFile(join(dir.path, `${result.fileName}.manifest.json`), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ filter: {}, filterDescription: 'none: every revocation in the ledger', revocations: 5 });
  });

  it('refuses a filter it cannot apply exactly: nothing is written', async () => {
    for (const filter of [{ operator: '' }, { connection: 42 }, { since: 'yesterday' }, { reasonCode: 'bored' }, { user: 'alice' }]) {
      const answer = await dispatch('export:start', { exportId: randomUUID(), kind: 'ledger', format: 'csv', filter }, OURS);
      expect(answer).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect((await readdir(dir.path)).filter((f) => f.endsWith('.csv')).length).toBe(1);
  });
});
