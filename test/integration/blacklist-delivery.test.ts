import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import type { BlacklistPending } from '../../src-shared/blacklist';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { DurableOutbox, outboxPathFor } from '../../src-main/revocation/outbox';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { isolatedEnv, runCli } from '../fixtures/run-cli';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const now = () => Math.floor(Date.now() / 1000);

describe('pending blacklist writes are delivered whichever connection is on screen (app handler table)', () => {
  let dir: TempDir;
  let table: TestTable;
  let redis: RunningRedis;
  let manager: ConnectionManager;
  let dispatch: Dispatch;

  beforeEach(async () => {
    [dir, table, redis] = await Promise.all([tempDir(), createSentinelTable(inject('dynamoEndpoint')), startRedisServer({ password: 'bl-secret' })]);
  });
  afterEach(async () => {
    await manager?.close();
    await redis.stop();
    await table.drop();
    await dir.remove();
  });

  const call = async <T>(channel: Parameters<Dispatch>[0], payload?: unknown): Promise<T> => {
    const result = await dispatch(channel, payload, OURS);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value as T;
  };

  it('from app start, on the demo store, with the saved connection\'s own credentials; writes another process adds meanwhile are seen', async () => {
    // A saved Sentinel connection whose blacklist Redis needs a password (sealed by the keyring).
    const vault = new SecretVault(fakeKeyring(), 'linux');
    const store = new ConnectionStore(dir.path, vault);
    await store.save({
      name: 'prod-sentinel',
      environment: 'production',
      colour: 'red',
      readOnly: false,
      store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, blacklistRedis: { url: redis.url } },
      blacklistSecret: 'bl-secret',
    });
    // Left pending by an earlier run (Redis was away then).
    const outbox = new DurableOutbox(outboxPathFor(dir.path, redis.url));
    await outbox.add({ id: 'aaaaaaaaaaaaaaa1', reason: 'offboarding', expiresAtMs: Date.now() + 2 * 3600_000 });
    await outbox.add({ id: 'aaaaaaaaaaaaaaa2', reason: 'offboarding', expiresAtMs: Date.now() + 2 * 3600_000 });

    manager = new ConnectionManager({ version: 't', dataDir: dir.path, store, vault, desktop: { chooseSavePath: async () => null, notify: () => undefined }, blacklistRetryMs: 300 });
    const check = new Redis(redis.url, { password: 'bl-secret' });
    try {
      await manager.start();
      dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
      // The app is on the demo store, yet the other connection's writes land.
      expect((await call<{ connection: { kind: string } }>('app:info')).connection.kind).toBe('demo');
      await expect.poll(() => check.get('revoked:aaaaaaaaaaaaaaa2')).toBe('offboarding');
      expect(await check.ttl('revoked:aaaaaaaaaaaaaaa1')).toBeGreaterThan(2 * 3600 - 60);
      await expect.poll(async () => (await call<BlacklistPending>('blacklist:pending')).total).toBe(0);

      // The command line queues a write for the same Redis while the app runs (the Redis refuses
      // it: it has no password), and the app's next round delivers it with the saved credentials.
      const s = sentinelItem({ seconds: now() - 5 });
      await table.put([s]);
      const cli = await runCli(
        ['sessions', 'revoke', s.id, '--reason-code', 'security_incident', '--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--blacklist-redis', redis.url, '--ledger', join(dir.path, 'ledger.jsonl'), '--output', 'json'],
        isolatedEnv(),
      );
      // Refused (no password): failed for the command line (exit 4), and kept in the shared outbox.
      expect(cli.code).toBe(4);
      expect(JSON.parse(cli.stdout)[0]).toMatchObject({ outcome: 'revoked', blacklist: 'failed' });
      const retried = await call<BlacklistPending>('blacklist:retry');
      expect(retried.total).toBe(0);
      expect(await check.get(`revoked:${s.id}`)).toBe('security_incident');
    } finally {
      check.disconnect();
    }
  });

  it('shows how many are pending, since when and why, for a Redis that refuses the saved credentials and one no connection knows', async () => {
    const vault = new SecretVault(fakeKeyring(), 'linux');
    const store = new ConnectionStore(dir.path, vault);
    await store.save({
      name: 'stale-password',
      environment: 'production',
      colour: 'red',
      readOnly: false,
      store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, blacklistRedis: { url: redis.url } },
      blacklistSecret: 'an-old-password',
    });
    const queuedAt = Date.now() - 12 * 60_000;
    const ours = new DurableOutbox(outboxPathFor(dir.path, redis.url), { clock: () => queuedAt });
    await ours.add({ id: 'bbbbbbbbbbbbbbb1', reason: 'offboarding', expiresAtMs: Date.now() + 3600_000 });
    const orphan = new DurableOutbox(outboxPathFor(dir.path, 'redis://127.0.0.1:1'), { clock: () => queuedAt + 60_000 });
    await orphan.add({ id: 'bbbbbbbbbbbbbbb2', reason: 'offboarding', expiresAtMs: Date.now() + 3600_000 });

    manager = new ConnectionManager({ version: 't', dataDir: dir.path, store, vault, desktop: { chooseSavePath: async () => null, notify: () => undefined }, blacklistRetryMs: 60_000 });
    await manager.start();
    dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
    const status = await call<BlacklistPending>('blacklist:retry');
    expect(status.total).toBe(2);
    expect(status.oldestQueuedAtMs).toBe(queuedAt);
    const byConnection = new Map(status.targets.map((t) => [t.connection, t]));
    expect(byConnection.get('stale-password')).toMatchObject({ pending: 1, oldestQueuedAtMs: queuedAt, error: expect.stringMatching(/WRONGPASS/) });
    expect(byConnection.get(null)).toMatchObject({ pending: 1, error: expect.stringMatching(/no saved connection uses this blacklist Redis/) });
    // Never the password, in any answer.
    expect(JSON.stringify(status)).not.toContain('an-old-password');
  });
});
