import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { RevokeReport } from '../../src-shared/revocation';
import type { TeamLedgerStatus } from '../../src-shared/team-ledger';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { isolatedEnv, runCli } from '../fixtures/run-cli';
import { Ledger } from '../../src-main/ledger/ledger';
import { createLedgerTable, DynamoTeamChain } from '../../src-main/team-ledger/dynamo-chain';
import { RedisTeamChain } from '../../src-main/team-ledger/redis-chain';
import { deviceId } from '../../src-main/team-ledger/device-id';
import { TeamLedger } from '../../src-main/team-ledger/team-ledger';
import type { TeamEntry } from '../../src-main/team-ledger/team-entry';
import { connectRedis } from '../../src-main/web-sessions/redis-target';
import { RedisRevoker } from '../../src-main/web-sessions/redis-writer';
import { RedisSessionStore } from '../../src-main/web-sessions/redis-session-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { startGatedProxy } from '../fixtures/gated-proxy';
import { startRedisServer } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { randomBytes } from 'node:crypto';

const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const DESKTOP = { chooseSavePath: async () => null, notify: () => undefined };

async function until<T>(what: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (ok(value) || Date.now() > end) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('two app instances on one Sentinel table keep one team ledger', () => {
  let table: TestTable;
  let dirs: TempDir[];
  let workspaces: Workspace[];
  const ledgerTable = () => `${table.name}-revocations`;
  const base = () => localDynamoClient(inject('dynamoEndpoint'));

  beforeEach(async () => {
    table = await createSentinelTable(inject('dynamoEndpoint'));
    dirs = await Promise.all([tempDir(), tempDir()]);
    workspaces = [];
  });
  afterEach(async () => {
    await Promise.all(workspaces.map((w) => w.close()));
    await base().send(new DeleteTableCommand({ TableName: ledgerTable() })).catch(() => undefined);
    await table.drop();
    await Promise.all(dirs.map((d) => d.remove()));
  });

  const open = async (dir: TempDir, readOnly = false) => {
    const workspace = await openWorkspace(
      't',
      dir.path,
      {
        id: '0d9f7a3e-8f1b-4c52-9d3a-5b2f1e7c6a40',
        name: 'prod-sentinel',
        environment: 'production',
        store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, teamLedger: ledgerTable() },
        readOnly,
      },
      DESKTOP,
    );
    workspaces.push(workspace);
    const dispatch: Dispatch = createDispatch(workspace.handlers, { trustedOrigins: ['app://warden'] });
    const call = async <T>(channel: Parameters<Dispatch>[0], payload?: unknown): Promise<T> => {
      const result = await dispatch(channel, payload, OURS);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value as T;
    };
    const info = await call<{ connection: { id: string; nonce: string } }>('app:info');
    return { call, confirmed: { id: info.connection.id, nonce: info.connection.nonce } };
  };

  it('revoking at the same time: one chain, no fork, each desk verifies the other’s entries', async () => {
    await createLedgerTable(base(), ledgerTable());
    const now = Math.floor(Date.now() / 1000);
    const alice = Array.from({ length: 40 }, (_, i) => sentinelItem({ seconds: now - 100 - i }, { user: 'alice' }));
    const bob = Array.from({ length: 40 }, (_, i) => sentinelItem({ seconds: now - 200 - i }, { user: 'bob' }));
    await table.put([...alice, ...bob]);
    const [one, two] = await Promise.all([open(dirs[0] as TempDir), open(dirs[1] as TempDir)]);
    const [r1, r2] = await Promise.all([
      one.call<RevokeReport>('users:revoke', { users: ['alice'], reasonCode: 'security_incident', ticket: 'SEC-7', connection: one.confirmed }),
      two.call<RevokeReport>('users:revoke', { users: ['bob'], reasonCode: 'offboarding', ticket: 'HR-12', connection: two.confirmed }),
    ]);
    expect(r1.results.filter((r) => r.outcome === 'revoked')).toHaveLength(40);
    expect(r2.results.filter((r) => r.outcome === 'revoked')).toHaveLength(40);
    // Delivered in the background, without anyone asking.
    for (const desk of [one, two]) expect((await until(() => desk.call<TeamLedgerStatus>('ledger:team'), (s) => s.configured && s.pending === 0)).configured).toBe(true);
    for (const desk of [one, two]) expect(await desk.call<TeamLedgerStatus>('ledger:team')).toMatchObject({ pending: 0, lastError: null, label: `DynamoDB table ${ledgerTable()}` });

    const entries = (await new DynamoTeamChain(base(), ledgerTable(), 'x').read(1, 10_000)).map((s) => JSON.parse(s.text) as TeamEntry);
    // 80 sessions, an attempt and an outcome each.
    expect(entries).toHaveLength(160);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    for (let i = 1; i < entries.length; i += 1) expect(entries[i]?.prev).toBe(entries[i - 1]?.hash);
    expect(new Set(entries.map((e) => e.device)).size).toBe(2);
    expect(new Set(entries.map((e) => e.entry.ticket))).toEqual(new Set(['SEC-7', 'HR-12']));
    // The entries carry who did it, in full, and the local position and hash they witness.
    expect(entries[0]?.entry.principal).toBeDefined();
    for (const desk of [one, two]) {
      const report = await desk.call<{ ok: boolean; team?: { ok: boolean; entries: number; pending: number } }>('ledger:verify');
      expect(report).toMatchObject({ ok: true, team: { ok: true, entries: 160, pending: 0 } });
    }
  });

  it('the team ledger missing during a revocation: the revocation succeeds, the entries wait, and are delivered after a restart', async () => {
    const now = Math.floor(Date.now() / 1000);
    const items = Array.from({ length: 5 }, (_, i) => sentinelItem({ seconds: now - 10 - i }, { user: 'carol' }));
    await table.put(items);
    const one = await open(dirs[0] as TempDir);
    const report = await one.call<RevokeReport>('users:revoke', { users: ['carol'], reasonCode: 'offboarding', connection: one.confirmed });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked', 'revoked', 'revoked', 'revoked', 'revoked']);
    const waiting = await until(() => one.call<TeamLedgerStatus>('ledger:deliver'), (s) => s.configured && s.lastError !== null);
    expect(waiting).toMatchObject({ pending: 10, lastError: expect.stringMatching(/does not exist: create it with `session-warden ledger init`/) });
    const verify = await one.call<{ ok: boolean }>('ledger:verify').catch((e: unknown) => e);
    expect(verify).toBeInstanceOf(Error); // the team chain cannot be read: said, not passed as intact

    // The app is closed; the table is created; the app starts again and delivers on its own.
    await workspaces.splice(0).map((w) => w.close())[0];
    await createLedgerTable(base(), ledgerTable());
    const again = await open(dirs[0] as TempDir);
    const delivered = await until(() => again.call<TeamLedgerStatus>('ledger:team'), (s) => s.configured && s.pending === 0 && s.teamEntries === 10);
    expect(delivered).toMatchObject({ pending: 0, teamEntries: 10, lastError: null });
    expect(await again.call('ledger:verify')).toMatchObject({ ok: true, team: { ok: true, entries: 10, pending: 0 } });
  });

  it('a read-only desk reads and verifies the team ledger and writes nothing to it', async () => {
    await createLedgerTable(base(), ledgerTable());
    const now = Math.floor(Date.now() / 1000);
    await table.put([sentinelItem({ seconds: now - 10 }, { user: 'dave' })]);
    const operator = await open(dirs[0] as TempDir);
    await operator.call('users:revoke', { users: ['dave'], reasonCode: 'offboarding', connection: operator.confirmed });
    await until(() => operator.call<TeamLedgerStatus>('ledger:team'), (s) => s.configured && s.pending === 0);
    const auditor = await open(dirs[1] as TempDir, true);
    expect(await auditor.call('ledger:verify')).toMatchObject({ ok: true, team: { ok: true, entries: 2, pending: 0 } });
    expect(await auditor.call('ledger:team')).toMatchObject({ configured: true, pending: 0 });
  });
});

describe('a web-session Redis whose team stream goes quiet mid-run', () => {
  it('revocations succeed, the entries stay pending across a restart, and reach the stream once it answers', async () => {
    const dir = await tempDir();
    const server = await startRedisServer();
    const proxy = await startGatedProxy(Number(new URL(server.url).port));
    const admin = new Redis(server.url);
    const client = await connectRedis({ urls: [server.url] });
    // The team chain reaches Redis through a link that is down during the run.
    const quiet = new Redis(proxy.url, { commandTimeout: 500, maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true });
    quiet.on('error', () => undefined); // the partition is the point
    try {
      const now = Date.now();
      const sessions = Array.from({ length: 3 }, () => webSession('erin', now));
      await writeWebSessions(admin, sessions, now);
      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const chainOf = (c: Redis) => new RedisTeamChain(c, 'session-warden:revocations', '127.0.0.1');
      const team = new TeamLedger({ ledger, chain: chainOf(quiet), dataDir: dir.path, device: await deviceId(dir.path) });
      const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)) });
      const revoker = new RedisRevoker({ client, store, ledger: team.stamping(ledger), operator: 'local:erin-admin', connection: 'shop-web' });
      const report = await revoker.revokeUsers({ users: ['erin'], reasonCode: 'offboarding' });
      expect(report.results.map((r) => r.outcome)).toEqual(['revoked', 'revoked', 'revoked']);
      const status = await team.deliver();
      expect(status).toMatchObject({ pending: 6, lastError: expect.any(String) });
      expect(await admin.exists('session-warden:revocations')).toBe(0);
      await team.stop();

      // Restart: a new process, the same data directory; the link is back.
      proxy.open();
      const reconnected = new Redis(proxy.url);
      const after = new TeamLedger({ ledger: new Ledger(join(dir.path, 'ledger.jsonl')), chain: chainOf(reconnected), dataDir: dir.path, device: await deviceId(dir.path) });
      expect(await after.status()).toMatchObject({ pending: 6 });
      expect(await after.deliver()).toMatchObject({ pending: 0, lastError: null, teamEntries: 6 });
      const stream = await admin.xrange('session-warden:revocations', '-', '+');
      expect(stream.map(([id]) => id)).toEqual(['1-0', '2-0', '3-0', '4-0', '5-0', '6-0']);
      expect((await after.verify()).team).toMatchObject({ ok: true, entries: 6, pending: 0 });
      reconnected.disconnect();
    } finally {
      quiet.disconnect();
      client.disconnect();
      admin.disconnect();
      await proxy.close();
      await server.stop();
      await dir.remove();
    }
  });
});

describe('the app delivers what the command line left for a saved connection’s team ledger, whichever connection is on screen', () => {
  it('from the demo store, with the saved connection’s own client, and says why while it cannot', async () => {
    const table = await createSentinelTable(inject('dynamoEndpoint'));
    const dir = await tempDir();
    const ledgerTable = `${table.name}-revocations`;
    const base = localDynamoClient(inject('dynamoEndpoint'));
    // Where both the app and the command line find their data (connections.json, ledger.jsonl).
    const dataDir = join(dir.path, 'Session Warden');
    await mkdir(dataDir);
    const vault = new SecretVault(fakeKeyring(), 'linux');
    const store = new ConnectionStore(dataDir, vault);
    await store.save({
      name: 'prod-sentinel',
      environment: 'production',
      colour: 'red',
      readOnly: false,
      store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, teamLedger: ledgerTable },
    });
    const manager = new ConnectionManager({ version: 't', dataDir, store, vault, desktop: DESKTOP, blacklistRetryMs: 300 });
    try {
      // The command line revokes through the saved connection while its team ledger table is not there yet.
      const s = sentinelItem({ seconds: Math.floor(Date.now() / 1000) - 5 }, { user: 'yara' });
      await table.put([s]);
      const cli = await runCli(['sessions', 'revoke', s.id, '--reason-code', 'offboarding', '--connection', 'prod-sentinel'], isolatedEnv({ XDG_CONFIG_HOME: dir.path }));
      expect(cli.code).toBe(0);
      expect(cli.stderr).toMatch(/2 ledger entries are not on the team ledger/);

      await manager.start();
      const dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
      const info = await dispatch('app:info', undefined, OURS);
      expect(info.ok && (info.value as { connection: { kind: string } }).connection.kind).toBe('demo');
      await expect.poll(() => manager.teamLedgers.problems(), { timeout: 10_000 }).toEqual([{ connection: 'prod-sentinel', error: expect.stringMatching(/2 pending: the team ledger table ".+" does not exist/) }]);
      await createLedgerTable(base, ledgerTable);
      const chain = new DynamoTeamChain(base, ledgerTable, 'x');
      await expect.poll(async () => (await chain.read(1, 10)).length, { timeout: 10_000 }).toBe(2);
      await expect.poll(() => manager.teamLedgers.problems()).toEqual([]);
    } finally {
      await manager.close();
      await base.send(new DeleteTableCommand({ TableName: ledgerTable })).catch(() => undefined);
      await table.drop();
      await dir.remove();
    }
  });
});
