import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BlacklistCoverage, BlacklistRepair } from '../../src-shared/blacklist-coverage';
import type { AppInfo } from '../../src-shared/contract';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { createDispatch } from '../../src-main/ipc/dispatch';
import type { LedgerEntry } from '../../src-main/ledger/ledger-entry';
import { openWorkspace, type Workspace, type WorkspaceConnection } from '../../src-main/workspace';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser } from '../fixtures/postgres-sessions';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const SENDER = { url: 'app://warden/index.html', isMainFrame: true };
const now = () => Math.floor(Date.now() / 1000);

/**
 * `blacklist:coverage` and `blacklist:repair` over the app's handler table, against real stores:
 * a blacklist key lost (a failover) and one shortened are both found, both repaired with the
 * revocation's TTL rule, the repair ledgered as one run; a read-only connection is refused; the
 * same on a PostgreSQL connection that mirrors to a blacklist Redis.
 */
describe('blacklist coverage and repair through the app handler table (DynamoDB Local, PostgreSQL, redis-server)', () => {
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
      await workspace.close();
    }
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
    await table?.drop();
    await dir?.remove();
  });

  async function open(connection: WorkspaceConnection, folder: string) {
    await mkdir(join(dir.path, folder), { recursive: true });
    const workspace = await openWorkspace('t', join(dir.path, folder), connection, { chooseSavePath: async () => null, notify: () => undefined });
    const vault = new SecretVault(fakeKeyring(), 'linux');
    const appDir = join(dir.path, `${folder}-app`);
    const manager = new ConnectionManager({ version: 't', dataDir: appDir, store: new ConnectionStore(appDir, vault), vault, desktop: { chooseSavePath: async () => null, notify: () => undefined } });
    await manager.adopt({ ...workspace, close: async () => undefined });
    opened.push({ workspace, manager });
    const dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
    const call = async <T>(channel: string, payload?: unknown): Promise<T> => {
      const result = await dispatch(channel, payload, SENDER);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value as T;
    };
    const info = await call<AppInfo>('app:info');
    return { call, info, workspace, confirmed: { id: info.connection.id, nonce: info.connection.nonce } };
  }

  const sentinel = (readOnly: boolean, blacklist = true): WorkspaceConnection => ({
    id: readOnly ? 'auditor' : 'operator',
    name: 'prod-sentinel',
    environment: 'production',
    readOnly,
    store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, ...(blacklist ? { blacklistRedis: { url: redis.url } } : {}) },
  });

  async function entries(workspace: Workspace): Promise<LedgerEntry[]> {
    const all: LedgerEntry[] = [];
    for await (const e of workspace.ledger.entries()) all.push(e);
    return all;
  }

  it('Sentinel: a lost key and a shortened one are found, both repaired (ledgered as one run), then covered; a gap no longer there is left alone', async () => {
    const lives = (hours: number) => ({ expires_at: new Date(Date.now() + hours * 3600_000).toISOString(), ttl: now() + hours * 3600 });
    const sessions = [
      sentinelItem({ seconds: now() - 10 }, { user: 'gina', ...lives(6) }),
      sentinelItem({ seconds: now() - 11 }, { user: 'gina', ...lives(6) }),
      sentinelItem({ seconds: now() - 12 }, { user: 'hank', ...lives(3) }),
    ];
    await table.put(sessions);
    const [lost, shortened, kept] = sessions.map((s) => s.id) as [string, string, string];
    const { call, info, workspace, confirmed } = await open(sentinel(false), 'sentinel');
    expect(info.connection.blacklist).toBe(true);
    await call('sessions:revoke', { ids: [lost, shortened, kept], reasonCode: 'security_incident', ticket: 'INC-9', connection: confirmed });
    const clean = await call<BlacklistCoverage>('blacklist:coverage');
    expect(clean).toMatchObject({ checked: 3, gaps: [], target: redis.url });

    await admin.del(`revoked:${lost}`);
    await admin.expire(`revoked:${shortened}`, 60);
    const found = await call<BlacklistCoverage>('blacklist:coverage');
    expect(found.checked).toBe(3);
    expect(found.gaps.map((g) => [g.id, g.user, g.problem, g.ttlSeconds === null])).toEqual(
      expect.arrayContaining([
        [lost, 'gina', 'missing', true],
        [shortened, 'gina', 'short', false],
      ]),
    );
    expect(found.gaps).toHaveLength(2);
    expect(found.gaps.find((g) => g.id === shortened)?.ttlSeconds).toBeLessThanOrEqual(60);
    expect(found.gaps.find((g) => g.id === shortened)?.neededSeconds).toBeGreaterThan(5 * 3600);

    // The operator confirms both, plus one that is covered: only the two are written.
    const repaired = await call<BlacklistRepair>('blacklist:repair', { ids: [lost, shortened, kept], connection: confirmed });
    expect(repaired.repaired).toEqual(expect.arrayContaining([{ id: lost, blacklist: 'written' }, { id: shortened, blacklist: 'written' }]));
    expect(repaired.repaired).toHaveLength(2);
    expect(repaired.alreadyCovered).toEqual([kept]);
    expect(await admin.get(`revoked:${lost}`)).toBe('security_incident');
    expect(await admin.ttl(`revoked:${lost}`)).toBeGreaterThan(6 * 3600 - 120);
    expect(await admin.ttl(`revoked:${shortened}`)).toBeGreaterThan(6 * 3600 - 120);
    expect((await call<BlacklistCoverage>('blacklist:coverage')).gaps).toEqual([]);

    // Ledgered exactly as the command line's repair: one run, an outcome per session saying what was wrong.
    const all = (await entries(workspace)).filter((e) => e.note?.startsWith('blacklist repair'));
    // An attempt per session before any key is written, then the outcomes: one run.
    expect(all.map((e) => [e.kind, e.run])).toEqual([
      ['attempt', repaired.run],
      ['attempt', repaired.run],
      ['outcome', repaired.run],
      ['outcome', repaired.run],
    ]);
    const repairs = all.filter((e) => e.kind === 'outcome');
    expect(repairs.map((e) => [e.sessionId, e.kind, e.outcome, e.blacklist, e.reasonCode, e.connection, e.user])).toEqual(
      expect.arrayContaining([
        [lost, 'outcome', 'already_revoked', 'written', 'security_incident', 'prod-sentinel', 'gina'],
        [shortened, 'outcome', 'already_revoked', 'written', 'security_incident', 'prod-sentinel', 'gina'],
      ]),
    );
    expect(repairs.find((e) => e.sessionId === lost)?.note).toBe(`blacklist repair: revoked:${lost} was missing`);
    expect(repairs.find((e) => e.sessionId === shortened)?.note).toMatch(/^blacklist repair: revoked:\S+ had \d+ s left of the session's \d+ s$/);
    expect((await workspace.ledger.verify()).ok).toBe(true);

    // Nothing left to repair: nothing written, no run.
    const again = await call<BlacklistRepair>('blacklist:repair', { ids: [lost], connection: confirmed });
    expect(again).toMatchObject({ repaired: [], alreadyCovered: [lost] });
    expect(again.run).toBeUndefined();

    // A repair confirmed on another opening of the connection is refused before anything is written.
    await admin.del(`revoked:${lost}`);
    await expect(call('blacklist:repair', { ids: [lost], connection: { id: confirmed.id, nonce: 'f'.repeat(32) } })).rejects.toThrow(/^CONNECTION_CHANGED: /);
    expect(await admin.exists(`revoked:${lost}`)).toBe(0);
    await expect(call('blacklist:repair', { ids: ['not an id!'], connection: confirmed })).rejects.toThrow(/^VALIDATION/);
  });

  it('a read-only connection is refused (READ_ONLY) and nothing is written; a connection without a blacklist says so', async () => {
    const s = sentinelItem({ seconds: now() - 20 }, { user: 'ivan', status: 'revoked', expires_at: new Date(Date.now() + 3 * 3600_000).toISOString(), ttl: now() + 3 * 3600 });
    await table.put([s]);
    const auditor = await open(sentinel(true), 'auditor');
    expect(auditor.info.connection).toMatchObject({ readOnly: true, blacklist: true });
    await expect(auditor.call('blacklist:coverage')).rejects.toThrow(/^READ_ONLY: .*read-only/);
    await expect(auditor.call('blacklist:repair', { ids: [s.id], connection: auditor.confirmed })).rejects.toThrow(/^READ_ONLY: /);
    expect(await admin.exists(`revoked:${s.id}`)).toBe(0);
    expect((await entries(auditor.workspace)).length).toBe(0);

    const bare = await open(sentinel(false, false), 'bare');
    expect(bare.info.connection.blacklist).toBe(false);
    await expect(bare.call('blacklist:coverage')).rejects.toThrow(/^VALIDATION: .*no blacklist Redis/);
    await expect(bare.call('blacklist:repair', { ids: [s.id], connection: bare.confirmed })).rejects.toThrow(/^VALIDATION: /);
  });

  describe('PostgreSQL with a blacklist Redis', () => {
    let server: RunningPostgres;
    let db: TestDatabase;
    beforeAll(async () => {
      server = await startPostgresServer();
      db = await server.createDatabase();
    });
    afterAll(async () => {
      await db?.drop();
      await server?.stop();
    });

    it('finds a lost key and a shortened one among the revoked sessions and repairs both', async () => {
      const user = await insertUser(db.admin, 'lou@example.com');
      const seeded = await insertSessions(db.admin, [{ userId: user }, { userId: user }, { userId: user, lifetimeMs: 2 * 3600_000 }]);
      const [lost, shortened, kept] = seeded.map((s) => s.id) as [string, string, string];
      const { call, info, workspace, confirmed } = await open(
        { id: 'shop', name: 'shop-db', environment: 'production', readOnly: false, store: { kind: 'postgres', url: db.url, blacklistRedis: { url: redis.url } }, secrets: { secret: server.password, blacklistSecret: null } },
        'postgres',
      );
      expect(info.connection).toMatchObject({ kind: 'postgres', blacklist: true });
      await call('sessions:revoke', { ids: [lost, shortened, kept], reasonCode: 'offboarding', connection: confirmed });
      expect((await call<BlacklistCoverage>('blacklist:coverage')).gaps).toEqual([]);
      await admin.del(`revoked:${lost}`);
      await admin.expire(`revoked:${shortened}`, 30);
      const found = await call<BlacklistCoverage>('blacklist:coverage');
      expect(found.checked).toBe(3);
      expect(found.gaps.map((g) => [g.id, g.problem]).sort()).toEqual(
        [
          [lost, 'missing'],
          [shortened, 'short'],
        ].sort(),
      );
      expect(found.gaps.every((g) => g.user === user)).toBe(true);
      const repaired = await call<BlacklistRepair>('blacklist:repair', { ids: found.gaps.map((g) => g.id), connection: confirmed });
      expect(repaired.repaired.map((r) => r.blacklist)).toEqual(['written', 'written']);
      expect(await admin.ttl(`revoked:${lost}`)).toBeGreaterThan(23 * 3600);
      expect(await admin.ttl(`revoked:${shortened}`)).toBeGreaterThan(23 * 3600);
      expect((await call<BlacklistCoverage>('blacklist:coverage')).gaps).toEqual([]);
      const repairs = (await entries(workspace)).filter((e) => e.note?.startsWith('blacklist repair'));
      expect(repairs.map((e) => [e.sessionId, e.reasonCode, e.connection])).toEqual(
        expect.arrayContaining([
          [lost, 'offboarding', 'shop-db'],
          [shortened, 'offboarding', 'shop-db'],
        ]),
      );
    });
  });
});
