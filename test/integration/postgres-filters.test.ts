import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SessionsQueryRequest } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { openPostgresPool } from '../../src-main/postgres/postgres-pool';
import { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import { storeKindNamed } from '../../src-main/stores/registry';
import { openWorkspace, type Workspace, type WorkspaceConnection } from '../../src-main/workspace';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser, type SeededSession } from '../fixtures/postgres-sessions';
import { createSentinelTable, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const HOUR = 3600_000;
const SENDER = { url: 'app://warden/index.html', isMainFrame: true };

const ids = (sessions: { id: string }[]) => sessions.map((s) => s.id).sort();

/** Every page of a filter: the sessions in order, and how many pages. */
async function all(store: PostgresSessionStore, request: Partial<SessionsQueryRequest>, limit = 50): Promise<{ sessions: Session[]; pages: number }> {
  const sessions: Session[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.query({ status: 'active', limit, ...request, ...(cursor ? { cursor } : {}) });
    sessions.push(...page.sessions);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor);
  return { sessions, pages };
}

/**
 * Device, address and free-text filters on the web app's PostgreSQL table (real PostgreSQL, the
 * migration verbatim): each matches what it says and nothing else, `%`, `_` and `\` are plain
 * characters, pages neither repeat nor skip, a cursor is bound to its filter, and a bad network
 * is the operator's mistake said in words. Stores whose kind does not serve a filter refuse it.
 */
describe('PostgreSQL sessions: filters by device, IP address (inet) and free text', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresSessionStore;
  const cursors = new CursorCodec(randomBytes(32));
  let s: Record<string, SeededSession>;
  let obrien = '';
  let oxbrien = '';

  beforeAll(async () => {
    server = await startPostgresServer();
    db = await server.createDatabase();
    pool = await openPostgresPool({ url: db.url, password: server.password });
    store = new PostgresSessionStore({ pool, cursors });
    const alice = await insertUser(db.admin, 'alice@example.com');
    const bob = await insertUser(db.admin, 'bob@example.com');
    obrien = await insertUser(db.admin, 'o_brien@example.com');
    oxbrien = await insertUser(db.admin, 'oxbrien@example.com');
    const named: [string, Parameters<typeof insertSessions>[1][number]][] = [
      ['iphone', { userId: alice, deviceInfo: 'iPhone 15 (iOS 18)', ipAddress: '10.1.2.3', userAgent: 'Mozilla/5.0 (iPhone)' }],
      ['pixel', { userId: bob, deviceInfo: 'Pixel 8', ipAddress: '10.1.200.9', userAgent: 'Mozilla/5.0 (Linux; Android 15)' }],
      ['mac', { userId: alice, deviceInfo: 'MacBook Pro', ipAddress: '10.2.0.1' }],
      ['percent', { userId: bob, deviceInfo: 'Windows 100% laptop', ipAddress: '192.0.2.10' }],
      ['thousand', { userId: bob, deviceInfo: 'Windows 1000 laptop', ipAddress: '192.0.2.11' }],
      ['underscore', { userId: obrien, deviceInfo: 'dev_box', ipAddress: '2001:db8::1', userAgent: 'curl/8.5.0' }],
      ['decoy', { userId: oxbrien, deviceInfo: 'devXbox', ipAddress: '2001:db8:1::5' }],
      ['backslash', { userId: alice, deviceInfo: 'back\\slash', ipAddress: null, userAgent: 'Agent\\X' }],
      ['revoked', { userId: alice, deviceInfo: 'iPhone 15 (iOS 18)', ipAddress: '10.1.2.3', revoked: { reason: 'offboarding' } }],
      ['outside', { userId: bob, deviceInfo: null, ipAddress: '2001:db9::1', userAgent: null }],
    ];
    const seeded = await insertSessions(
      db.admin,
      named.map(([, seed], i) => ({ lifetimeMs: (i + 2) * HOUR, ...seed })),
    );
    s = Object.fromEntries(named.map(([name], i) => [name, seeded[i] as SeededSession]));
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await server?.stop();
  });

  const of = (...names: string[]) => ids(names.map((n) => s[n] as SeededSession));
  const listed = async (request: Partial<SessionsQueryRequest>) => ids((await all(store, request)).sessions);

  it('device: a case-insensitive part of device_info', async () => {
    expect(await listed({ device: 'iphone' })).toEqual(of('iphone'));
    expect(await listed({ device: 'iphone', status: 'any' })).toEqual(of('iphone', 'revoked'));
    expect(await listed({ device: 'PIXEL' })).toEqual(of('pixel'));
    expect(await listed({ device: 'windows' })).toEqual(of('percent', 'thousand'));
    expect(await listed({ device: 'nothing like it' })).toEqual([]);
  });

  it('takes %, _ and \\ literally, never as LIKE wildcards', async () => {
    expect(await listed({ device: '100%' })).toEqual(of('percent'));
    expect(await listed({ device: 'dev_box' })).toEqual(of('underscore'));
    expect(await listed({ device: '%' })).toEqual(of('percent'));
    expect(await listed({ device: '_' })).toEqual(of('underscore'));
    expect(await listed({ device: 'k\\s' })).toEqual(of('backslash'));
    expect(await listed({ text: 'o_brien' })).toEqual(of('underscore'));
    expect(await listed({ text: '\\' })).toEqual(of('backslash'));
    expect(await listed({ text: '%' })).toEqual(of('percent'));
  });

  it('ipAddress: a network matches every address in it (<<=), an address itself, IPv4 and IPv6', async () => {
    expect(await listed({ ipAddress: '10.1.0.0/16' })).toEqual(of('iphone', 'pixel'));
    expect(await listed({ ipAddress: '10.0.0.0/8' })).toEqual(of('iphone', 'pixel', 'mac'));
    expect(await listed({ ipAddress: '10.1.2.3' })).toEqual(of('iphone'));
    expect(await listed({ ipAddress: '10.1.2.3', status: 'any' })).toEqual(of('iphone', 'revoked'));
    expect(await listed({ ipAddress: '10.1.2.4' })).toEqual([]);
    expect(await listed({ ipAddress: '192.0.2.10/32' })).toEqual(of('percent'));
    expect(await listed({ ipAddress: '2001:db8::/32' })).toEqual(of('underscore', 'decoy'));
    expect(await listed({ ipAddress: '2001:db8::1' })).toEqual(of('underscore'));
    expect(await listed({ ipAddress: '2001:DB8::1/128' })).toEqual(of('underscore'));
    expect(await listed({ ipAddress: '0.0.0.0/0' })).toEqual(of('iphone', 'pixel', 'mac', 'percent', 'thousand'));
    // Combined with other filters: all of them hold.
    expect(await listed({ ipAddress: '10.0.0.0/8', device: 'mac' })).toEqual(of('mac'));
    expect(await listed({ ipAddress: '10.0.0.0/8', user: 'bob@example.com' })).toEqual(of('pixel'));
  });

  it('text: free text over id, user id, e-mail, device, browser and address, ignoring case', async () => {
    const underscore = s.underscore as SeededSession;
    expect(await listed({ text: underscore.id.slice(0, 13).toUpperCase() })).toEqual(of('underscore'));
    expect(await listed({ text: obrien.slice(0, 13) })).toEqual(of('underscore'));
    expect(await listed({ text: 'OXBRIEN@' })).toEqual(of('decoy'));
    expect(await listed({ text: 'alice@example' })).toEqual(of('iphone', 'mac', 'backslash'));
    expect(await listed({ text: 'macbook' })).toEqual(of('mac'));
    expect(await listed({ text: 'ANDROID 15' })).toEqual(of('pixel'));
    expect(await listed({ text: 'curl/8' })).toEqual(of('underscore'));
    expect(await listed({ text: '192.0.2.1' })).toEqual(of('percent', 'thousand'));
    expect(await listed({ text: '2001:db8:1::' })).toEqual(of('decoy'));
    expect(await listed({ text: 'example.com' })).toHaveLength(9);
    expect(await listed({ text: 'zzz-nowhere' })).toEqual([]);
  });

  it('refuses a bad network or address as VALIDATION saying what a valid one looks like, never PostgreSQL\'s words', async () => {
    for (const bad of ['10.1.0.0/33', '10.1/16', '300.1.2.3', 'fe80::1%eth0', 'alice', '10.1.2.3/16/2']) {
      const error = await store.query({ status: 'active', limit: 10, ipAddress: bad }).catch((e: unknown) => e);
      expect(error, bad).toMatchObject({ code: 'VALIDATION' });
      expect((error as Error).message).toContain('10.1.0.0/16');
      expect((error as Error).message).not.toMatch(/syntax|inet/);
    }
  });

  it('pages each filter without a repeat or a gap, and binds a cursor to its filter', async () => {
    const user = await insertUser(db.admin, 'pager@example.com');
    // 40 that match each filter among 40 that match none, expiries interleaved so each page mixes both.
    const matching = await insertSessions(
      db.admin,
      Array.from({ length: 40 }, (_, i) => ({ userId: user, lifetimeMs: (100 + 2 * i) * HOUR, deviceInfo: `Kiosk ${i}`, ipAddress: `10.9.${i}.1`, userAgent: `needle-agent ${i}` })),
    );
    await insertSessions(
      db.admin,
      Array.from({ length: 40 }, (_, i) => ({ userId: user, lifetimeMs: (101 + 2 * i) * HOUR, deviceInfo: `Desk ${i}`, ipAddress: `10.8.${i}.1`, userAgent: `plain ${i}` })),
    );
    for (const filter of [{ device: 'kiosk' }, { ipAddress: '10.9.0.0/16' }, { text: 'NEEDLE-agent' }, { device: 'kiosk', ipAddress: '10.9.0.0/16', text: 'needle', user }]) {
      const { sessions, pages } = await all(store, filter, 7);
      expect(pages, JSON.stringify(filter)).toBe(Math.ceil(40 / 7));
      expect(new Set(sessions.map((x) => x.id)).size).toBe(sessions.length);
      expect(ids(sessions)).toEqual(ids(matching));
      const order = sessions.map((x) => x.expiresAt ?? '');
      expect(order).toEqual([...order].sort().reverse());
    }

    const first = await store.query({ status: 'active', limit: 5, device: 'kiosk' });
    const cursor = first.nextCursor as string;
    expect(cursor).toBeDefined();
    for (const other of [{ device: 'desk' }, { device: 'kiosk', ipAddress: '10.9.0.0/16' }, { ipAddress: '10.9.0.0/16' }, { text: 'kiosk' }, {}]) {
      await expect(store.query({ status: 'active', limit: 5, ...other, cursor }), JSON.stringify(other)).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    }
    // The same filter continues.
    expect((await store.query({ status: 'active', limit: 5, device: 'kiosk', cursor })).sessions).toHaveLength(5);
  });

  describe('through a workspace (the app handler path and the command line open stores the same way)', () => {
    let dir: TempDir;
    let table: TestTable;
    const workspaces: Workspace[] = [];

    beforeAll(async () => {
      dir = await tempDir();
      table = await createSentinelTable(inject('dynamoEndpoint'));
    });
    afterAll(async () => {
      for (const workspace of workspaces) await workspace.close();
      await table?.drop();
      await dir?.remove();
    });

    async function queryThrough(connection: Omit<WorkspaceConnection, 'id' | 'name' | 'environment' | 'readOnly'>, request: Record<string, unknown>) {
      const workspace = await openWorkspace('t', join(dir.path, String(workspaces.length)), { id: 'c', name: 'c', environment: 'test', readOnly: true, ...connection }, { chooseSavePath: async () => null, notify: () => undefined });
      workspaces.push(workspace);
      const dispatch = createDispatch(workspace.handlers, { trustedOrigins: ['app://warden'] });
      return dispatch('sessions:query', request, SENDER);
    }

    it('the store a kind opens keeps every method of its adapter besides the check (getMany for the revocation watch)', async () => {
      const opened = await storeKindNamed('postgres').open({ kind: 'postgres', url: db.url }, { secret: server.password, blacklistSecret: null });
      try {
        const wanted = [(s.iphone as SeededSession).id, (s.pixel as SeededSession).id];
        expect([...((await opened.store.getMany?.(wanted)) ?? new Map()).keys()].sort()).toEqual([...wanted].sort());
        expect((await opened.store.get(wanted[0] as string))?.deviceId).toBe('iPhone 15 (iOS 18)');
        expect(await opened.store.hasUser((s.iphone as SeededSession).userId)).toBe(true);
        await expect(opened.store.query({ status: 'active', limit: 5, profile: 'admin' })).rejects.toMatchObject({ code: 'VALIDATION' });
      } finally {
        await opened.close();
      }
    });

    it('PostgreSQL serves them and answers a bad network with the contract\'s words', async () => {
      const pg = { store: { kind: 'postgres' as const, url: db.url }, secrets: { secret: server.password, blacklistSecret: null } };
      const served = await queryThrough(pg, { ipAddress: '10.1.0.0/16', device: 'iphone', text: 'alice' });
      expect(served).toMatchObject({ ok: true });
      expect(ids((served as { value: { sessions: Session[] } }).value.sessions)).toEqual(of('iphone'));
      const bad = await queryThrough(pg, { ipAddress: '10.1.0.0/99' });
      expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      expect((bad as { error: { message: string } }).error.message).toContain('an IP address or network, such as 203.0.113.7, 10.1.0.0/16');
      const profile = await queryThrough(pg, { profile: 'admin' });
      expect(profile).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringContaining('cannot be filtered by profile') } });
    });

    it.each([
      ['Redis web sessions', () => ({ store: { kind: 'redis' as const, urls: [inject('redisUrl')], cluster: false } })],
      ['Sentinel (DynamoDB)', () => ({ store: { kind: 'dynamodb' as const, region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' as const } } })],
      ['the demo store', () => ({ store: { kind: 'demo' as const } })],
    ])('%s refuse device, ipAddress and text (VALIDATION, naming the filter)', async (_name, connection) => {
      const opened = connection();
      for (const [filter, value, words] of [
        ['device', 'iphone', 'device'],
        ['ipAddress', '10.1.0.0/16', 'IP address'],
        ['text', 'alice', 'free text'],
      ] as const) {
        const answer = await queryThrough(opened, { [filter]: value });
        expect(answer, filter).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
        expect((answer as { error: { message: string } }).error.message).toContain(`cannot be filtered by ${words}`);
      }
    });
  });
});
