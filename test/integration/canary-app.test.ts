import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CanaryHistory, CanaryReportView, CanarySettings } from '../../src-shared/canary';
import type { ActivitySummary } from '../../src-shared/activity';
import type { AppInfo } from '../../src-shared/contract';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { createDispatch } from '../../src-main/ipc/dispatch';
import type { LedgerEntry } from '../../src-main/ledger/ledger-entry';
import type { CanaryTimers } from '../../src-main/proof/canary-runner';
import { openWorkspace, type DesktopServices, type Workspace, type WorkspaceConnection } from '../../src-main/workspace';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const SENDER = { url: 'app://warden/index.html', isMainFrame: true };

/** A protected service: `enforcing` refuses (401) a bearer session once `revoked:<id>` exists; `broken` forgot the check (always 200). */
async function startService(blacklist: Redis, mode: 'enforcing' | 'broken'): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const id = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      requests.push(id);
      const revoked = mode === 'enforcing' ? (await blacklist.exists(`revoked:${id}`)) === 1 : false;
      res.statusCode = revoked || !id ? 401 : 200;
      res.end();
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/me`, requests, close: () => new Promise((done) => server.close(() => done())) };
}

/** Timers the test fires by hand: the schedule's period is what was asked for, and nothing runs until the test says so. */
function manualTimers() {
  const scheduled: { run: () => void; ms: number; cleared: boolean }[] = [];
  const timers: CanaryTimers = {
    setInterval: (run, ms) => {
      const entry = { run, ms, cleared: false };
      scheduled.push(entry);
      return entry;
    },
    clearInterval: (handle) => {
      (handle as { cleared: boolean }).cleared = true;
    },
  };
  return { timers, scheduled };
}

/**
 * The enforcement canary in the app, over the real handler table, on DynamoDB Local with a
 * blacklist redis-server and a protected HTTP service on 127.0.0.1: `canary:run` proves an
 * opted-in connection and keeps the run in `canary-history.jsonl` (the CLI's file and format);
 * a connection that did not opt in, or a read-only one, is refused with nothing written; the
 * schedule runs on its period and a run that does not prove enforcement raises a notification.
 */
describe('the enforcement canary through the app handler table (DynamoDB Local, redis-server, an HTTP service)', () => {
  let redis: RunningRedis;
  let admin: Redis;
  let table: TestTable;
  let dir: TempDir;
  const opened: { workspace: Workspace; manager: ConnectionManager }[] = [];

  beforeAll(async () => {
    [redis, table, dir] = await Promise.all([startRedisServer(), createSentinelTable(inject('dynamoEndpoint')), tempDir()]);
    admin = new Redis(redis.url);
  });
  afterEach(async () => {
    for (const { workspace, manager } of opened.splice(0)) {
      await manager.close();
      // Closed by the test already in one case.
      await workspace.close().catch(() => undefined);
    }
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
    await table?.drop();
    await dir?.remove();
  });

  const connection = (readOnly: boolean, canary?: CanarySettings): WorkspaceConnection => ({
    id: readOnly ? 'auditor' : 'operator',
    name: 'prod-sentinel',
    environment: 'production',
    readOnly,
    store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, blacklistRedis: { url: redis.url } },
    ...(canary ? { canary } : {}),
  });

  async function open(conn: WorkspaceConnection, folder: string, extra: Partial<DesktopServices> = {}) {
    const dataDir = join(dir.path, folder);
    await mkdir(dataDir, { recursive: true });
    const notes: { title: string; body: string }[] = [];
    const desktop: DesktopServices = { chooseSavePath: async () => null, notify: (n) => notes.push(n), ...extra };
    const workspace = await openWorkspace('t', dataDir, conn, desktop);
    const vault = new SecretVault(fakeKeyring(), 'linux');
    const appDir = join(dir.path, `${folder}-app`);
    await mkdir(appDir, { recursive: true });
    const manager = new ConnectionManager({ version: 't', dataDir: appDir, store: new ConnectionStore(appDir, vault), vault, desktop });
    await manager.adopt({ ...workspace, close: async () => undefined });
    opened.push({ workspace, manager });
    const dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'], onInternalError: (c, e) => console.error('INTERNAL', c, e) });
    const call = async <T>(channel: string, payload?: unknown): Promise<T> => {
      const result = await dispatch(channel, payload, SENDER);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value as T;
    };
    return { call, workspace, notes, dataDir, historyPath: join(dataDir, 'canary-history.jsonl') };
  }

  const items = async () => (await table.client.send(new ScanCommand({ TableName: table.name, ConsistentRead: true }))).Items ?? [];
  async function entries(workspace: Workspace): Promise<LedgerEntry[]> {
    const all: LedgerEntry[] = [];
    for await (const e of workspace.ledger.entries()) all.push(e);
    return all;
  }
  const exists = async (path: string) => stat(path).then(
    () => true,
    () => false,
  );

  it('canary:run on an opted-in connection proves enforcement (accepted before, refused after), ledgers it, removes the canary and keeps the run; canary:history answers it', async () => {
    const service = await startService(admin, 'enforcing');
    try {
      const { call, workspace, notes, historyPath } = await open(connection(false, { enabled: true, probeUrl: service.url, thresholdMs: 60_000 }), 'proven');
      const before = await call<CanaryHistory>('canary:history');
      expect(before).toMatchObject({ status: { state: 'enabled', everyMinutes: 15, thresholdMs: 60_000, probeUrl: service.url, running: false }, runs: [] });

      const { report } = await call<{ report: CanaryReportView }>('canary:run');
      expect(report.proven).toBe(true);
      expect(report.connection).toBe('prod-sentinel');
      expect(report.steps.map((s) => [s.step, s.result])).toEqual([
        ['plant', 'ok'],
        ['probe-before', 'ok'],
        ['revoke', 'ok'],
        ['store', 'ok'],
        ['blacklist', 'ok'],
        ['probe-after', 'ok'],
        ['remove', 'ok'],
      ]);
      expect(service.requests).toEqual([report.sessionId, report.sessionId]);
      // Removed from the store and the blacklist.
      expect((await items()).filter((i) => i.id === report.sessionId)).toEqual([]);
      expect(await admin.exists(`revoked:${report.sessionId}`)).toBe(0);
      // Revoked through the normal, ledgered path, with the canary's note.
      const outcomes = (await entries(workspace)).filter((e) => e.sessionId === report.sessionId);
      expect(outcomes.length).toBeGreaterThan(0);
      expect(JSON.stringify(outcomes)).toContain('session-warden canary');
      // The CLI's file and format: one JSON object a line.
      const lines = (await readFile(historyPath, 'utf8')).trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] as string)).toEqual(report);
      // A proven run raises no alarm.
      expect(notes).toEqual([]);

      // A self-test, not activity: the canary's revocation is not counted.
      const activity = await call<ActivitySummary>('activity:summary', { since: new Date(Date.now() - 3_600_000).toISOString(), until: new Date(Date.now() + 60_000).toISOString() });
      expect(activity.total).toBe(0);

      const second = (await call<{ report: CanaryReportView }>('canary:run')).report;
      const history = await call<CanaryHistory>('canary:history');
      expect(history.runs.map((r) => r.sessionId)).toEqual([second.sessionId, report.sessionId]);
      expect((await call<CanaryHistory>('canary:history', { limit: 1 })).runs.map((r) => r.sessionId)).toEqual([second.sessionId]);
    } finally {
      await service.close();
    }
  });

  it('a proven run slower than the threshold is an alarm too: notified as slow, kept with the slow steps', async () => {
    const { call, notes } = await open(connection(false, { enabled: true, thresholdMs: 1 }), 'slow');
    const { report } = await call<{ report: CanaryReportView }>('canary:run');
    expect(report.proven).toBe(true);
    expect(report.slow).toContain('store');
    expect(notes).toHaveLength(1);
    expect(notes[0]?.title).toBe('Enforcement canary slow on prod-sentinel');
    expect(notes[0]?.body).toMatch(/^Revocation proven, but slower than 1 ms at .*store/);
    expect((await call<CanaryHistory>('canary:history')).runs[0]?.slow).toEqual(report.slow);
  });

  it('web sessions in Redis: proven through the app too, the blacklist being the same Redis; the canary and its revoked:<id> removed', async () => {
    const web: WorkspaceConnection = { id: 'web', name: 'shop-web', environment: 'production', readOnly: false, store: { kind: 'redis', urls: [redis.url], cluster: false }, canary: { enabled: true, thresholdMs: 60_000 } };
    const { call } = await open(web, 'web');
    const { report } = await call<{ report: CanaryReportView }>('canary:run');
    expect(report.proven).toBe(true);
    expect(report.connection).toBe('shop-web');
    expect(report.steps.find((s) => s.step === 'blacklist')?.result).toBe('ok');
    expect(await admin.exists(`session:${report.sessionId}`, `revoked:${report.sessionId}`)).toBe(0);
    expect((await call<CanaryHistory>('canary:history')).runs.map((r) => r.sessionId)).toEqual([report.sessionId]);
  });

  it('a connection that did not opt in is refused with nothing written; the other connections\u2019 runs in the same file are not its history', async () => {
    const { call, historyPath } = await open(connection(false), 'not-enabled');
    const other = { at: '2026-11-30T10:00:00.000Z', connection: 'staging-sentinel', sessionId: 'x', steps: [], proven: true, slow: [], thresholdMs: 2000 };
    await writeFile(historyPath, `${JSON.stringify(other)}\n`);
    const before = (await items()).length;
    await expect(call('canary:run')).rejects.toThrow(/^VALIDATION: The enforcement canary is not enabled for "prod-sentinel"/);
    expect((await items()).length).toBe(before);
    expect(await readFile(historyPath, 'utf8')).toBe(`${JSON.stringify(other)}\n`);
    expect(await call<CanaryHistory>('canary:history')).toMatchObject({ status: { state: 'not-enabled', everyMinutes: null }, runs: [] });
  });

  it('a read-only connection is refused (READ_ONLY) even when its saved settings say enabled (a hand-edited file), and never scheduled', async () => {
    const { timers, scheduled } = manualTimers();
    const { call, historyPath } = await open(connection(true, { enabled: true }), 'read-only', { canary: { timers } });
    const before = (await items()).length;
    await expect(call('canary:run')).rejects.toThrow(/^READ_ONLY: /);
    expect(scheduled).toEqual([]);
    expect((await items()).length).toBe(before);
    expect(await exists(historyPath)).toBe(false);
    expect((await call<CanaryHistory>('canary:history')).status.state).toBe('read-only');
  });

  it('the schedule runs every everyMinutes; a run against a service that never refuses is NOT proven, kept, and notified; closing the workspace stops it', async () => {
    const service = await startService(admin, 'broken');
    const { timers, scheduled } = manualTimers();
    try {
      const { call, notes, workspace } = await open(connection(false, { enabled: true, probeUrl: service.url, everyMinutes: 5, thresholdMs: 60_000 }), 'scheduled', {
        canary: { timers, clock: () => Date.parse('2026-11-30T12:00:00Z') },
      });
      expect(scheduled.map((s) => s.ms)).toEqual([5 * 60_000]);
      const status = (await call<CanaryHistory>('canary:history')).status;
      expect(status.nextAt).toBe('2026-11-30T12:05:00.000Z');
      // Nothing runs before the period is up.
      expect((await call<CanaryHistory>('canary:history')).runs).toEqual([]);

      scheduled[0]?.run();
      // One run at a time: a tick while it runs is not queued behind it.
      scheduled[0]?.run();
      await expect.poll(async () => (await call<CanaryHistory>('canary:history')).runs.length, { timeout: 20_000 }).toBe(1);
      await expect.poll(() => notes.length, { timeout: 5_000 }).toBe(1);
      const [run] = (await call<CanaryHistory>('canary:history')).runs;
      expect(run?.proven).toBe(false);
      expect(run?.steps.find((s) => s.step === 'probe-after')).toMatchObject({ result: 'failed', detail: expect.stringContaining('still accepts the revoked canary') });
      expect(notes[0]?.title).toBe('Enforcement NOT proven on prod-sentinel');
      expect(notes[0]?.body).toContain('probe-after');
      // The canary is gone anyway.
      expect((await items()).filter((i) => i.id === run?.sessionId)).toEqual([]);

      await workspace.close();
      expect(scheduled[0]?.cleared).toBe(true);
    } finally {
      await service.close();
    }
  });

  it('saved connections: connections:save refuses the canary on a read-only connection (nothing saved); an opted-in one is stored and opened with it', async () => {
    const { call } = await open(connection(false), 'saved');
    const store = { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, blacklistRedis: { url: redis.url } };
    const draft = { name: `auditor-${randomUUID().slice(0, 6)}`, environment: 'production', colour: 'red', readOnly: true, store, canary: { enabled: true } };
    await expect(call('connections:save', draft)).rejects.toThrow(/^VALIDATION: .*read-only connection never writes/);
    await expect(call('connections:save', { ...draft, canary: { enabled: true, probeUrl: 'https://user:pw@example.com/me' }, readOnly: false })).rejects.toThrow(/^VALIDATION: .*without credentials/);
    expect((await call<{ connections: unknown[] }>('connections:list')).connections).toEqual([]);

    const saved = await call<{ connection: { id: string; canary?: CanarySettings } }>('connections:save', { ...draft, readOnly: false, canary: { enabled: true, everyMinutes: 30 } });
    expect(saved.connection.canary).toEqual({ enabled: true, everyMinutes: 30 });
    const info = await call<AppInfo>('connections:switch', { id: saved.connection.id });
    expect(info.connection.readOnly).toBe(false);
    expect((await call<CanaryHistory>('canary:history')).status).toMatchObject({ state: 'enabled', everyMinutes: 30 });
  });
});
