import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { sentinelTableDefinition } from '../../src-main/sentinel/table-schema';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { isolatedEnv, runCli, startCli } from '../fixtures/run-cli';
import { startSilentServer } from '../fixtures/silent-server';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const now = () => Math.floor(Date.now() / 1000);

interface PendingJson {
  total: number;
  oldestQueuedAt: string | null;
  targets: { target: string | null; pending: number; oldestQueuedAt: string | null; writes: { id: string; reason: string; queuedAt: string | null }[] }[];
}

describe('the command line and the blacklist Redis (spawned, DynamoDB Local, redis-server)', () => {
  let table: TestTable;
  let dir: TempDir;
  let conn: string[];
  let ledgerPath: string;
  let redis: RunningRedis | undefined;

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  beforeEach(() => {
    ledgerPath = join(dir.path, 'ledger.jsonl');
    conn = ['--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--ledger', ledgerPath];
  });
  afterAll(async () => {
    await redis?.stop();
  });
  const statusOf = async (id: string) => (await table.client.send(new GetCommand({ TableName: table.name, Key: { id }, ConsistentRead: true }))).Item?.status;

  it('exits 4 when the store is revoked but the blacklist is pending, lists what is pending, and delivers it at the start of the next run', async () => {
    redis = await startRedisServer({ password: 'bl-pass' });
    const port = redis.port;
    await redis.stop();
    const s = sentinelItem({ seconds: now() - 5 });
    await table.put([s]);
    // The password comes from the environment, never in the URL (which ps shows).
    const env = isolatedEnv({ SESSION_WARDEN_BLACKLIST_PASSWORD: 'bl-pass' });
    const revoked = await runCli(['sessions', 'revoke', s.id, '--reason-code', 'security_incident', '--blacklist-redis', redis.url, '--output', 'json', ...conn], env);
    expect(revoked.code).toBe(4);
    expect(JSON.parse(revoked.stdout)).toEqual([{ id: s.id, user: 'alice', outcome: 'revoked', blacklist: 'pending', credentialsUntil: expect.any(String) }]);
    expect(await statusOf(s.id)).toBe('revoked');
    const text = await runCli(['sessions', 'revoke', s.id, '--reason-code', 'security_incident', '--blacklist-redis', redis.url, ...conn], env);
    expect(text.code).toBe(4);
    expect(text.stdout).toMatch(/1 blacklist write\(s\) pending: not yet refused by enforcement points/);

    const pending = await runCli(['blacklist', 'pending', '--ledger', ledgerPath, '--output', 'json']);
    expect(pending.code).toBe(0);
    const listed = JSON.parse(pending.stdout) as PendingJson;
    expect(listed.total).toBe(1);
    expect(listed.targets).toEqual([
      expect.objectContaining({ target: redis.url, pending: 1, writes: [expect.objectContaining({ id: s.id, reason: 'security_incident', queuedAt: expect.stringMatching(/^\d{4}-/) })] }),
    ]);
    expect(Date.now() - Date.parse(listed.oldestQueuedAt ?? '')).toBeLessThan(120_000);
    const table_ = await runCli(['blacklist', 'pending', '--ledger', ledgerPath]);
    expect(table_.stdout).toContain(s.id);
    expect(table_.stdout).toMatch(/1 blacklist write\(s\) pending/);

    // Redis is back: any run that uses it (here a listing) delivers what was pending first.
    redis = await startRedisServer({ port, password: 'bl-pass' });
    const list = await runCli(['sessions', 'list', '--status', 'any', '--blacklist-redis', redis.url, '--output', 'json', ...conn], env);
    expect(list.code).toBe(0);
    const check = new Redis(redis.url, { password: 'bl-pass' });
    try {
      expect(await check.get(`revoked:${s.id}`)).toBe('security_incident');
      expect(await check.ttl(`revoked:${s.id}`)).toBeGreaterThan(3600 - 60);
    } finally {
      check.disconnect();
    }
    const after = JSON.parse((await runCli(['blacklist', 'pending', '--ledger', ledgerPath, '--output', 'json'])).stdout) as PendingJson;
    expect(after).toEqual({ total: 0, oldestQueuedAt: null, targets: [] });
    expect((await runCli(['blacklist', 'pending', '--ledger', ledgerPath])).stdout.trim()).toBe('no blacklist writes pending');
  });

  it('a run killed after the store write but before the blacklist answered loses no blacklist write', async () => {
    // The blacklist Redis has gone quiet: each write waits for its timeout.
    const silent = await startSilentServer();
    const port = Number(new URL(silent.url).port);
    const items = Array.from({ length: 5 }, (_, i) => sentinelItem({ seconds: now() - 5 - i }, { user: 'kim.compromised' }));
    await table.put(items);
    const args = ['users', 'revoke', 'kim.compromised', '--reason-code', 'credential_compromise', '--blacklist-redis', silent.url, ...conn];
    const child = startCli(args);
    const exited = new Promise((resolve) => child.once('close', resolve));
    try {
      await expect.poll(async () => (await Promise.all(items.map((i) => statusOf(i.id)))).every((st) => st === 'revoked'), { timeout: 20_000, interval: 20 }).toBe(true);
      child.kill('SIGKILL');
      await exited;
    } finally {
      await silent.close();
    }
    // Every intended entry is on disk, although no blacklist write ever settled.
    const pending = JSON.parse((await runCli(['blacklist', 'pending', '--ledger', ledgerPath, '--output', 'json'])).stdout) as PendingJson;
    expect(pending.total).toBe(5);
    expect(pending.targets[0]?.writes.map((w) => w.id).sort()).toEqual(items.map((i) => i.id).sort());
    // The next run against that Redis (here once it answers again) delivers them first.
    const back = await startRedisServer({ port });
    try {
      expect((await runCli(['sessions', 'list', '--blacklist-redis', back.url, ...conn])).code).toBe(0);
      const check = new Redis(back.url);
      try {
        for (const item of items) expect(await check.get(`revoked:${item.id}`)).toBe('credential_compromise');
      } finally {
        check.disconnect();
      }
    } finally {
      await back.stop();
    }
  });

  it('reports a refused blacklist (wrong or missing password) as failed, exit 4, keeps the writes for later, no password printed', async () => {
    redis ??= await startRedisServer({ password: 'bl-pass' });
    for (const [env, says] of [
      [isolatedEnv({ SESSION_WARDEN_BLACKLIST_PASSWORD: 'not-the-password' }), /WRONGPASS/],
      [isolatedEnv(), /NOAUTH/],
    ] as const) {
      const s = sentinelItem({ seconds: now() - 5 });
      await table.put([s]);
      const result = await runCli(['sessions', 'revoke', s.id, '--reason-code', 'offboarding', '--blacklist-redis', redis.url, '--output', 'json', ...conn], env);
      expect(result.code).toBe(4);
      const [row] = JSON.parse(result.stdout) as { outcome: string; blacklist: string; error: string }[];
      expect(row).toMatchObject({ outcome: 'revoked', blacklist: 'failed', error: expect.stringMatching(says) });
      expect(result.stdout + result.stderr).not.toContain('not-the-password');
      expect(await statusOf(s.id)).toBe('revoked');
    }
    // Kept: a run with the right password delivers them (the sessions are revoked already, so a
    // later "users revoke" would not find them to try again).
    const pending = JSON.parse((await runCli(['blacklist', 'pending', '--ledger', ledgerPath, '--output', 'json'])).stdout) as PendingJson;
    expect(pending.total).toBe(2);
    const fixed = await runCli(['sessions', 'list', '--blacklist-redis', redis.url, ...conn], isolatedEnv({ SESSION_WARDEN_BLACKLIST_PASSWORD: 'bl-pass' }));
    expect(fixed.code).toBe(0);
    expect(JSON.parse((await runCli(['blacklist', 'pending', '--ledger', ledgerPath, '--output', 'json'])).stdout)).toMatchObject({ total: 0 });
  });

  it('uses a saved connection\'s blacklist user and password, and refuses to connect without the password the app keeps sealed', async () => {
    // A blacklist user that may only write revoked:<id> keys, as a careful team would set it up.
    const guarded = await startRedisServer({ password: 'default-pass', extraArgs: ['--user', 'warden-bl', 'on', '>bl-user-pass', '~revoked:*', '+set', '+ping'] });
    const home = await tempDir();
    try {
      const dataDir = join(home.path, 'Session Warden');
      await mkdir(dataDir, { recursive: true });
      // Saved by the app: the blacklist password sealed with its (here: a test) keyring.
      const store = new ConnectionStore(dataDir, new SecretVault(fakeKeyring(), 'linux'));
      await store.save({
        name: 'prod-sentinel',
        environment: 'production',
        colour: 'red',
        readOnly: false,
        store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, blacklistRedis: { url: guarded.url, username: 'warden-bl' } },
        blacklistSecret: 'bl-user-pass',
      });
      const s = sentinelItem({ seconds: now() - 5 });
      await table.put([s]);
      const args = ['sessions', 'revoke', s.id, '--connection', 'prod-sentinel', '--reason-code', 'credential_compromise', '--output', 'json'];

      const refused = await runCli(args, isolatedEnv({ XDG_CONFIG_HOME: home.path }));
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/"prod-sentinel" keeps its blacklist Redis password sealed .* set SESSION_WARDEN_BLACKLIST_PASSWORD/);
      expect(await statusOf(s.id)).toBe('active');
      expect(existsSync(join(dataDir, 'ledger.jsonl'))).toBe(false);

      const done = await runCli(args, isolatedEnv({ XDG_CONFIG_HOME: home.path, SESSION_WARDEN_BLACKLIST_PASSWORD: 'bl-user-pass' }));
      expect(done.stderr).toBe('');
      expect(done.code).toBe(0);
      expect(JSON.parse(done.stdout)).toEqual([{ id: s.id, user: 'alice', outcome: 'revoked', blacklist: 'written', credentialsUntil: expect.any(String) }]);
      const check = new Redis(guarded.url, { password: 'default-pass' });
      try {
        expect(await check.get(`revoked:${s.id}`)).toBe('credential_compromise');
      } finally {
        check.disconnect();
      }
    } finally {
      await guarded.stop();
      await home.remove();
    }
  });

  it('asks for the blacklist password the app holds only in memory (no keyring), and a read-only connection never opens the blacklist', async () => {
    const home = await tempDir();
    try {
      const dataDir = join(home.path, 'Session Warden');
      await mkdir(dataDir, { recursive: true });
      // Without a usable keyring the app keeps the password for its run only: the file has none.
      const store = new ConnectionStore(dataDir, new SecretVault(fakeKeyring({ available: false }), 'linux'));
      const base = { environment: 'production', colour: 'red', blacklistSecret: 'in-memory-only' } as const;
      const dynamo = { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, blacklistRedis: { url: 'redis://127.0.0.1:1', username: 'warden-bl' } } as const;
      await store.save({ ...base, name: 'memory-only', readOnly: false, store: dynamo });
      await store.save({ ...base, name: 'auditor', readOnly: true, store: dynamo });
      const env = isolatedEnv({ XDG_CONFIG_HOME: home.path });
      const s = sentinelItem({ seconds: now() - 5 });
      await table.put([s]);
      const refused = await runCli(['sessions', 'revoke', s.id, '--connection', 'memory-only', '--reason-code', 'offboarding'], env);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/"memory-only" keeps its blacklist Redis password in the app only: set SESSION_WARDEN_BLACKLIST_PASSWORD/);
      expect(await statusOf(s.id)).toBe('active');
      // The auditor lists without any blacklist (port 1 would refuse, and no password is asked).
      const listed = await runCli(['sessions', 'list', '--connection', 'auditor', '--output', 'json'], env);
      expect(listed.stderr).toBe('');
      expect(listed.code).toBe(0);
    } finally {
      await home.remove();
    }
  });

  it('finds a DynamoDB Local table made with the configured keys (DynamoDB Local keeps one database per key and region)', async () => {
    const name = `team-table-${now()}`;
    const teamClient = new DynamoDBClient({ region: 'local', endpoint: inject('dynamoEndpoint'), credentials: { accessKeyId: 'TEAMKEY1', secretAccessKey: 'teamsecret' } });
    try {
      await teamClient.send(new CreateTableCommand(sentinelTableDefinition(name)));
    } finally {
      teamClient.destroy();
    }
    const args = ['sessions', 'list', '--table', name, '--endpoint', inject('dynamoEndpoint'), '--ledger', ledgerPath, '--output', 'json'];
    const withKeys = await runCli(args, isolatedEnv({ AWS_ACCESS_KEY_ID: 'TEAMKEY1', AWS_SECRET_ACCESS_KEY: 'teamsecret' }));
    expect(withKeys.stderr).toBe('');
    expect(withKeys.code).toBe(0);
    expect(JSON.parse(withKeys.stdout)).toEqual([]);
    // Without configured keys the fixed local ones are used: another database, so not found.
    const without = await runCli(args, isolatedEnv());
    expect(without.code).toBe(3);
    expect(without.stderr).toContain(`table "${name}" does not exist`);
  });
});
