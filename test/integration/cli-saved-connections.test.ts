import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { isolatedEnv, runCli } from '../fixtures/run-cli';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { revocationState, webSession, writeWebSessions } from '../fixtures/web-sessions';

/**
 * The command line reads connections.json through the app's own connection store: a Redis
 * connection the app saved (with its password sealed by the app's keyring) is used as the app
 * uses it, with the password from the environment, and refused without it.
 */
describe('the command line on connections the app saved', () => {
  let redis: RunningRedis;
  let home: TempDir;
  let admin: Redis;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    redis = await startRedisServer({ password: 'web-secret' });
    admin = new Redis(redis.url, { password: 'web-secret' });
    home = await tempDir();
    const dataDir = join(home.path, 'Session Warden');
    await mkdir(dataDir, { recursive: true });
    const store = new ConnectionStore(dataDir, new SecretVault(fakeKeyring(), 'linux'));
    await store.save({ name: 'shop-web', environment: 'staging', colour: 'amber', readOnly: false, store: { kind: 'redis', urls: [redis.url], cluster: false }, secret: 'web-secret' });
    await store.save({ name: 'shop-web-audit', environment: 'staging', colour: 'amber', readOnly: true, store: { kind: 'redis', urls: [redis.url], cluster: false }, secret: 'web-secret' });
    env = isolatedEnv({ XDG_CONFIG_HOME: home.path });
  });

  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
    await home.remove();
  });

  it('refuses a saved Redis connection whose password the app sealed, saying which variable to set; nothing is read', async () => {
    const result = await runCli(['sessions', 'list', '--connection', 'shop-web'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`saved connection "shop-web" keeps its Redis password sealed with the app's OS keyring, which the command line cannot open: set SESSION_WARDEN_REDIS_PASSWORD`);
    expect(result.stderr).not.toContain('web-secret');
  });

  it('lists and revokes through a saved Redis connection with the password from the environment, recorded under its name', async () => {
    const now = Date.now();
    const session = webSession('amira', now);
    await writeWebSessions(admin, [session], now);
    const withPassword = { ...env, SESSION_WARDEN_REDIS_PASSWORD: 'web-secret' };
    const listed = await runCli(['sessions', 'list', '--connection', 'shop-web', '--user', 'amira', '--output', 'json'], withPassword);
    expect(listed.stderr).toBe('');
    expect((JSON.parse(listed.stdout) as { id: string }[]).map((s) => s.id)).toEqual([session.id]);
    const revoked = await runCli(['sessions', 'revoke', '--connection', 'shop-web', '--reason-code', 'offboarding', '--output', 'json', '--', session.id], withPassword);
    expect(revoked.code).toBe(0);
    expect((JSON.parse(revoked.stdout) as { outcome: string }[])[0]?.outcome).toBe('revoked');
    expect(await revocationState(admin, session)).toBe('revoked');
    const ledger = await runCli(['ledger', 'list', '--output', 'json'], withPassword);
    expect((JSON.parse(ledger.stdout) as { connection: string }[]).map((e) => e.connection)).toContain('shop-web');
  });

  it('a read-only saved Redis connection lists and refuses to revoke before anything is written', async () => {
    const now = Date.now();
    const session = webSession('noor', now);
    await writeWebSessions(admin, [session], now);
    const withPassword = { ...env, SESSION_WARDEN_REDIS_PASSWORD: 'web-secret' };
    expect((await runCli(['sessions', 'list', '--connection', 'shop-web-audit', '--output', 'json'], withPassword)).code).toBe(0);
    const refused = await runCli(['sessions', 'revoke', '--connection', 'shop-web-audit', '--reason-code', 'offboarding', '--', session.id], withPassword);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('connection "shop-web-audit" is read-only');
    expect(await revocationState(admin, session)).toBe('untouched');
  });

  it('refuses a --store that is not the saved connection\'s kind, and flags mixed with --connection', async () => {
    const wrongKind = await runCli(['sessions', 'list', '--connection', 'shop-web', '--store', 'dynamodb'], env);
    expect(wrongKind.code).toBe(2);
    expect(wrongKind.stderr).toContain('saved connection "shop-web" is a redis store, not --store dynamodb');
    const mixed = await runCli(['sessions', 'list', '--connection', 'shop-web', '--redis', redis.url], env);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('use either --connection or');
  });
});
