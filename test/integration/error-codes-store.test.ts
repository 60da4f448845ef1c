import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppInfo, Channel, SessionsPage } from '../../src-shared/contract';
import type { IpcError } from '../../src-shared/result';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions, type WebSessionJson } from '../fixtures/web-sessions';

const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const PASSWORD = 'hunter2-never-shown';

/**
 * Error codes as the renderer receives them, over the production table (the app's handler table
 * in front of the connection manager, through the one dispatcher), on a real Redis.
 */
describe('error codes of a web-sessions connection, over the app handler table', () => {
  let dir: TempDir;
  let redis: RunningRedis;
  let manager: ConnectionManager;
  let dispatch: Dispatch;
  let internal: string[];
  let info: AppInfo;
  let sessions: WebSessionJson[];

  beforeEach(async () => {
    internal = [];
    [dir, redis] = await Promise.all([tempDir(), startRedisServer({ password: PASSWORD })]);
    const vault = new SecretVault(fakeKeyring(), 'linux');
    manager = new ConnectionManager({ version: 't', dataDir: dir.path, store: new ConnectionStore(dir.path, vault), vault, desktop: { chooseSavePath: async () => null, notify: () => undefined } });
    await manager.start();
    dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'], onInternalError: (channel, error) => internal.push(`${channel}: ${String(error)}`) });
    const now = Date.now();
    sessions = [...Array.from({ length: 3 }, () => webSession('alice', now)), webSession('bob', now)];
    const admin = new Redis(redis.url, { password: PASSWORD });
    await writeWebSessions(admin, sessions, now);
    admin.disconnect();
  });
  afterEach(async () => {
    await manager.close();
    await redis.stop();
    await dir.remove();
  });

  const answer = async (channel: Channel, payload?: unknown): Promise<{ ok: true; value: unknown } | { ok: false; error: IpcError }> => dispatch(channel, payload, OURS);
  const call = async <T>(channel: Channel, payload?: unknown): Promise<T> => {
    const result = await answer(channel, payload);
    if (!result.ok) throw new Error(`${channel}: ${result.error.code} ${result.error.message}`);
    return result.value as T;
  };
  /** Saves the Redis as a connection (its password sealed in the vault) and makes it the active one. */
  const openShopWeb = async (): Promise<AppInfo> => {
    const { connection } = await call<{ connection: { id: string } }>('connections:save', {
      name: 'shop-web', environment: 'production', colour: 'red', readOnly: false, store: { kind: 'redis', urls: [redis.url], cluster: false }, secret: PASSWORD,
    });
    return call<AppInfo>('connections:switch', { id: connection.id });
  };
  const confirmed = () => ({ id: info.connection.id, nonce: info.connection.nonce });
  const expectStoreUnavailable = (result: Awaited<ReturnType<typeof answer>>, why: RegExp) => {
    expect(result).toMatchObject({ ok: false, error: { code: 'STORE_UNAVAILABLE' } });
    const { message } = (result as { error: IpcError }).error;
    // Which connection, which store, why, and what to do; never the client's own words or a secret.
    expect(message).toMatch(/^The store of "shop-web" \(redis:\/\/127\.0\.0\.1:\d+\) could not be used: /);
    expect(message).toMatch(why);
    expect(message).toContain('Check that it is running and reachable from this machine, then try again.');
    expect(message).not.toContain(PASSWORD);
    expect(message).not.toMatch(/enableOfflineQueue|Stream isn't writeable|Connection is closed|Command timed out/);
  };

  it('answers STORE_UNAVAILABLE, readable and without the password, for listing and revoking once Redis is stopped mid-use; nothing is revoked or recorded', async () => {
    info = await openShopWeb();
    const alice = sessions.filter((s) => s.userId === 'alice');
    expect((await call<SessionsPage>('sessions:query', { user: 'alice' })).sessions).toHaveLength(3);

    await redis.stop();
    const down = /the connection to it (is down \(reconnecting in the background\)|closed during the request)/;
    for (const [channel, payload] of [
      ['sessions:query', {}],
      ['sessions:query', { user: 'alice' }],
      ['sessions:get', { id: alice[0]?.id }],
      ['users:preview', { users: ['alice', 'bob'] }],
      ['users:lookup', { text: 'alic' }],
    ] as const) {
      expectStoreUnavailable(await answer(channel, payload), down);
    }
    // Revoking: refused once, before anything is attempted, rather than a failure per session.
    for (const [channel, payload] of [
      ['sessions:revoke', { ids: alice.map((s) => s.id), reasonCode: 'credential_compromise', ticket: 'INC-1', connection: confirmed() }],
      ['users:revoke', { users: ['alice', 'bob'], reasonCode: 'offboarding', ticket: 'HR-1', connection: confirmed() }],
    ] as const) {
      const result = await answer(channel, payload);
      expectStoreUnavailable(result, down);
      expect((result as { error: IpcError }).error.message).toContain('Nothing was revoked.');
    }
    const ledger = await readFile(join(dir.path, 'ledger.jsonl'), 'utf8').catch(() => '');
    expect(ledger).toBe('');
    expect(internal).toEqual([]);

    // Redis is back on its address: the same connection answers again, without a switch.
    redis = await startRedisServer({ port: redis.port, password: PASSWORD });
    await expect.poll(async () => (await answer('sessions:query', {})).ok, { timeout: 15_000 }).toBe(true);
  });

  it('answers STORE_UNAVAILABLE ("did not answer in time") when Redis stops answering mid-use', async () => {
    info = await openShopWeb();
    expect((await call<SessionsPage>('sessions:query', {})).sessions).toHaveLength(4);
    const admin = new Redis(redis.url, { password: PASSWORD });
    try {
      // Every other client's commands wait: a hung server, as far as the app can tell.
      await admin.call('CLIENT', 'PAUSE', '8000', 'ALL');
      expectStoreUnavailable(await answer('sessions:query', { user: 'alice' }), /it did not answer in time/);
      await admin.call('CLIENT', 'UNPAUSE');
    } finally {
      admin.disconnect();
    }
    expect(internal).toEqual([]);
  });

  it('answers INVALID_CURSOR for a cursor that does not verify: tampered, for another query, from before a switch, or not a cursor at all', async () => {
    // Enough sessions that a page of a SCAN listing ends with a cursor.
    const now = Date.now();
    const admin = new Redis(redis.url, { password: PASSWORD });
    await writeWebSessions(admin, Array.from({ length: 1200 }, (_, i) => webSession(`user.${i % 40}`, now)), now);
    admin.disconnect();
    info = await openShopWeb();
    const first = await call<SessionsPage>('sessions:query', { status: 'active', limit: 10 });
    const cursor = first.nextCursor;
    if (cursor === undefined) throw new Error('expected a cursor');
    expect((await answer('sessions:query', { status: 'active', limit: 10, cursor })).ok).toBe(true);

    const [payload, signature] = cursor.split('.') as [string, string];
    const flipped = `${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const forged = `${Buffer.from(JSON.stringify({ v: 1, q: 'x', at: '0:0', id: '' })).toString('base64url')}.${signature}`;
    for (const [label, request] of [
      ['a changed signature', { status: 'active', limit: 10, cursor: flipped }],
      ['a forged position with a real signature', { status: 'active', limit: 10, cursor: forged }],
      ['the cursor of another filter', { status: 'revoked', limit: 10, cursor }],
      ['no cursor at all', { status: 'active', limit: 10, cursor: 'not-a-cursor' }],
    ] as const) {
      const result = await answer('sessions:query', request);
      expect(result, label).toMatchObject({ ok: false, error: { code: 'INVALID_CURSOR', message: expect.stringContaining('Start again from the first page.') } });
    }

    // Cursors do not outlive the workspace that issued them: away and back, the old one is refused.
    await call('connections:switch', { id: 'demo' });
    await call('connections:switch', { id: info.connection.id });
    expect(await answer('sessions:query', { status: 'active', limit: 10, cursor })).toMatchObject({ ok: false, error: { code: 'INVALID_CURSOR' } });
    expect(internal).toEqual([]);
  });

  it('answers INVALID_CURSOR on the demo (Sentinel) store too', async () => {
    const page = await call<SessionsPage>('sessions:query', { status: 'any', limit: 5 });
    const cursor = page.nextCursor;
    if (cursor === undefined) throw new Error('expected a cursor');
    expect((await answer('sessions:query', { status: 'any', limit: 5, cursor })).ok).toBe(true);
    expect(await answer('sessions:query', { status: 'any', limit: 5, cursor: `${cursor.slice(0, -2)}xx` })).toMatchObject({ ok: false, error: { code: 'INVALID_CURSOR' } });
    expect(await answer('sessions:query', { status: 'active', limit: 5, cursor })).toMatchObject({ ok: false, error: { code: 'INVALID_CURSOR' } });
    expect(internal).toEqual([]);
  });
});
