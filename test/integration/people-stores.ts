import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { createDispatch } from '../../src-main/ipc/dispatch';
import type { ConnectionSaveRequest } from '../../src-shared/connections';
import type { PeopleFindResponse, PeopleRevokeResponse } from '../../src-shared/people';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser, type SeededSession } from '../fixtures/postgres-sessions';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions, type WebSessionJson } from '../fixtures/web-sessions';
import type { SentinelItem } from '../../src-main/sentinel/sentinel-item';

const SENDER = { url: 'app://warden/index.html', isMainFrame: true };

/** The person of these tests, as the analyst types them. */
export const ALICE = 'alice@corp.example';

export interface AliceSeed {
  sentinel: { active: SentinelItem[]; revoked: SentinelItem[]; expired: SentinelItem[]; others: SentinelItem[] };
  web: { live: WebSessionJson[]; others: WebSessionJson[] };
  postgres: { userId: string; live: SeededSession[]; revoked: SeededSession[]; others: SeededSession[] };
}

/**
 * Three real stores at once, each a saved connection of one app: a Sentinel table on DynamoDB
 * Local, a web app's Redis (its own redis-server, so a test can stop and restart it) and the web
 * app's PostgreSQL. The handler table is the app's (createAppHandlers over the manager).
 */
export interface PeopleStores {
  dir: TempDir;
  /** The app's data directory (XDG_CONFIG_HOME=dir.path for the command line). */
  dataDir: string;
  table: TestTable;
  redis: RunningRedis;
  redisClient: () => Redis;
  pg: RunningPostgres;
  db: TestDatabase;
  manager: ConnectionManager;
  ids: { sentinel: string; web: string; postgres: string };
  call(channel: string, payload?: unknown): Promise<Record<string, unknown>>;
  /** The error code and message of a refused call. */
  fails(channel: string, payload?: unknown): Promise<{ code: string; message: string }>;
  /** alice's sessions (or another login's: `login`, `login@corp.example`, web user `u-login`) in every store, and one of bob's. */
  seedAlice(login?: string): Promise<AliceSeed>;
  /** Stops the web Redis; `restart` brings it back on the same port (empty: nothing persisted). */
  stopRedis(): Promise<void>;
  restartRedis(): Promise<void>;
  save(request: ConnectionSaveRequest): Promise<string>;
  /**
   * Seeds `login` (seedAlice) and revokes every live session of theirs in the three stores with
   * the Sentinel connection active, pinned to `incident`; throws unless every group is done.
   */
  revokeEverywhere(login: string, incident: string): Promise<AliceSeed>;
  /** A web app request that forgot `revoked:<id>`: `lastActiveAt` moves on, the key keeps its TTL (DESIGN.md's layout). Answers the new time. */
  webRequest(id: string): Promise<string>;
  close(): Promise<void>;
}

export async function startPeopleStores(
  options: { timeoutMs?: number; chooseSavePath?: (name: string) => Promise<string | null>; watchPeriodMs?: number; dataDirName?: string; incidentCheckMs?: number; notify?: (n: { title: string; body: string }) => void } = {},
): Promise<PeopleStores> {
  const dir = await tempDir('warden-people-');
  const started = await Promise.allSettled([createSentinelTable(inject('dynamoEndpoint')), startRedisServer(), startPostgresServer()] as const);
  const [tableStart, redisStart, pgStart] = started;
  if (tableStart.status === 'rejected' || redisStart.status === 'rejected' || pgStart.status === 'rejected') {
    // Nothing this file started outlives it.
    if (tableStart.status === 'fulfilled') await tableStart.value.drop().catch(() => undefined);
    if (redisStart.status === 'fulfilled') await redisStart.value.stop();
    if (pgStart.status === 'fulfilled') await pgStart.value.stop();
    await dir.remove();
    throw (started.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
  }
  const table = tableStart.value;
  const pg = pgStart.value;
  let redis = redisStart.value;
  const db = await pg.createDatabase();
  const vault = new SecretVault(fakeKeyring(), 'linux');
  // `Session Warden`: where the app keeps its data with XDG_CONFIG_HOME=dir, so the command line finds the same connections.
  const dataDir = join(dir.path, options.dataDirName ?? 'app');
  await mkdir(dataDir, { recursive: true });
  const manager = new ConnectionManager({
    version: 't',
    dataDir,
    store: new ConnectionStore(dataDir, vault),
    vault,
    desktop: { chooseSavePath: options.chooseSavePath ?? (async () => null), notify: options.notify ?? (() => undefined), ...(options.watchPeriodMs !== undefined ? { revocationWatch: { periodMs: options.watchPeriodMs } } : {}) },
    peopleTimeoutMs: options.timeoutMs ?? 8_000,
    ...(options.incidentCheckMs !== undefined ? { incidentCheckMs: options.incidentCheckMs } : {}),
  });
  await manager.start();
  const dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
  const raw = (channel: string, payload?: unknown) => dispatch(channel, payload, SENDER);
  const clients: Redis[] = [];
  const save = async (request: ConnectionSaveRequest) => (await manager.save(request)).id;
  const ids = {
    sentinel: await save({ name: 'sentinel-prod', environment: 'production', colour: 'red', readOnly: false, store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' } } }),
    web: await save({ name: 'web-redis', environment: 'staging', colour: 'amber', readOnly: false, store: { kind: 'redis', urls: [redis.url], cluster: false } }),
    postgres: await save({ name: 'shop-db', environment: 'staging', colour: 'blue', readOnly: false, store: { kind: 'postgres', url: db.url }, secret: pg.password }),
  };
  const stores: PeopleStores = {
    dir,
    dataDir,
    table,
    get redis() {
      return redis;
    },
    redisClient: () => {
      const client = new Redis(redis.url);
      // The tests stop this server: its reconnection errors are expected.
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    pg,
    db,
    manager,
    ids,
    save,
    async call(channel, payload) {
      const result = await raw(channel, payload);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value as Record<string, unknown>;
    },
    async fails(channel, payload) {
      const result = await raw(channel, payload);
      if (result.ok) throw new Error(`${channel} answered where it should have been refused`);
      return result.error;
    },
    async seedAlice(login = 'alice') {
      const email = `${login}@corp.example`;
      const webUser = `u-${login}`;
      const now = Date.now();
      const s = Math.floor(now / 1000);
      const sentinel = {
        active: [sentinelItem({ seconds: s - 600 }, { user: login }), sentinelItem({ seconds: s - 300 }, { user: login })],
        // Revoked two minutes ago by another tool: its credentials still work for 13 minutes.
        revoked: [sentinelItem({ seconds: s - 900 }, { user: login, status: 'revoked', revoked_by: 'soc', revoked_reason: 'credential_compromise', updated_at: new Date((s - 120) * 1000).toISOString() })],
        expired: [sentinelItem({ seconds: s - 40_000 }, { user: login, status: 'expired', expires_at: new Date((s - 10_000) * 1000).toISOString() })],
        others: [sentinelItem({ seconds: s - 100 }, { user: `bob.${login}` })],
      };
      await table.put([...sentinel.active, ...sentinel.revoked, ...sentinel.expired, ...sentinel.others]);
      const client = new Redis(redis.url);
      try {
        const web = {
          // The web app kept the e-mail as the person typed it at sign-up: found ignoring case.
          live: [webSession(webUser, now, { fields: { email: email.replace(/^./, (c) => c.toUpperCase()) } }), webSession(webUser, now, { ageMs: 120_000, fields: { email } })],
          others: [webSession(`u-bob-${login}`, now, { fields: { email: `bob.${login}@corp.example` } })],
        };
        await writeWebSessions(client, [...web.live, ...web.others], now);
        const userId = await insertUser(db.admin, email);
        const bob = await insertUser(db.admin, `bob.${login}@corp.example`);
        const postgres = {
          userId,
          live: await insertSessions(db.admin, [{ userId }, { userId }, { userId }]),
          revoked: await insertSessions(db.admin, [{ userId, revoked: { reason: 'suspicious login', agoMs: 60_000 } }]),
          others: await insertSessions(db.admin, [{ userId: bob }]),
        };
        return { sentinel, web, postgres };
      } finally {
        client.disconnect();
      }
    },
    async revokeEverywhere(login, incident) {
      const seed = await stores.seedAlice(login);
      const person = `${login}@corp.example`;
      const all = [ids.sentinel, ids.web, ids.postgres];
      await stores.call('connections:switch', { id: ids.sentinel });
      await stores.call('incidents:pin', { incident, person, connections: all });
      const found = (await stores.call('people:find', { person, connections: all })) as unknown as PeopleFindResponse;
      const targets = found.groups.map((g) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.sessions.filter((s) => s.status === 'active').map((s) => s.id) }));
      const report = (await stores.call('people:revoke', { person, targets, reasonCode: 'credential_compromise', incident })) as unknown as PeopleRevokeResponse;
      const states = report.groups.map((g) => g.state);
      if (states.some((state) => state !== 'done')) throw new Error(`revoke everywhere did not complete: ${states.join(', ')}`);
      return seed;
    },
    async webRequest(id) {
      const client = stores.redisClient();
      const raw = await client.get(`session:${id}`);
      if (raw === null) throw new Error('no session');
      const record = JSON.parse(raw) as WebSessionJson;
      const at = new Date(Math.max(Date.now(), Date.parse(record.revokedAt ?? record.lastActiveAt) + 1)).toISOString();
      await client.set(`session:${id}`, JSON.stringify({ ...record, lastActiveAt: at }), 'KEEPTTL');
      return at;
    },
    stopRedis: () => redis.stop(),
    async restartRedis() {
      redis = await startRedisServer({ port: redis.port });
    },
    async close() {
      for (const client of clients) client.disconnect();
      await manager.close();
      await table.drop().catch(() => undefined);
      await db.drop().catch(() => undefined);
      await Promise.all([pg.stop(), redis.stop().catch(() => undefined)]);
      await dir.remove();
    },
  };
  return stores;
}
