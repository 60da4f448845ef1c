import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser } from '../fixtures/postgres-sessions';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { isolatedEnv, runCli } from '../fixtures/run-cli';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

interface CoverageJson {
  checked: number;
  gaps: { id: string; problem: 'missing' | 'short' }[];
  repaired?: { id: string; blacklist: string }[];
}

/**
 * `blacklist check` is not Sentinel's alone: a PostgreSQL connection that mirrors its
 * revocations to a blacklist Redis (`--blacklist-redis`) is checked and repaired the same way.
 */
describe('blacklist check on a PostgreSQL store with a blacklist Redis (spawned, real PostgreSQL and redis-server)', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let redis: RunningRedis;
  let admin: Redis;
  let dir: TempDir;

  beforeAll(async () => {
    [server, redis, dir] = await Promise.all([startPostgresServer(), startRedisServer(), tempDir()]);
    db = await server.createDatabase();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await db?.drop();
    await server?.stop();
    await redis?.stop();
    await dir?.remove();
  });

  it('finds a lost key and a shortened one, repairs both (exit 0 after), ledgered', async () => {
    const env = isolatedEnv({ PGPASSWORD: server.password, XDG_CONFIG_HOME: dir.path });
    const ledger = join(dir.path, 'ledger.jsonl');
    const conn = ['--store', 'postgres', '--postgres', db.url, '--blacklist-redis', redis.url, '--ledger', ledger];
    const user = await insertUser(db.admin, 'mo@example.com');
    const [lost, shortened, kept] = (await insertSessions(db.admin, [{ userId: user }, { userId: user }, { userId: user }])).map((s) => s.id) as [string, string, string];
    expect((await runCli(['sessions', 'revoke', lost, shortened, kept, '--reason-code', 'security_incident', ...conn], env)).code).toBe(0);
    expect(await runCli(['blacklist', 'check', ...conn], env)).toMatchObject({ code: 0, stdout: 'blacklist covers all 3 revoked sessions still alive\n' });

    await admin.del(`revoked:${lost}`);
    await admin.expire(`revoked:${shortened}`, 60);
    const found = await runCli(['blacklist', 'check', '--output', 'json', ...conn], env);
    expect(found.code).toBe(1);
    const report = JSON.parse(found.stdout) as CoverageJson;
    expect(report.gaps.map((g) => [g.id, g.problem]).sort()).toEqual(
      [
        [lost, 'missing'],
        [shortened, 'short'],
      ].sort(),
    );
    const repaired = await runCli(['blacklist', 'check', '--repair', '--output', 'json', ...conn], env);
    expect(repaired.code).toBe(0);
    expect((JSON.parse(repaired.stdout) as CoverageJson).repaired).toEqual(expect.arrayContaining([{ id: lost, blacklist: 'written' }, { id: shortened, blacklist: 'written' }]));
    expect(await admin.get(`revoked:${lost}`)).toBe('security_incident');
    expect(await admin.ttl(`revoked:${shortened}`)).toBeGreaterThan(23 * 3600);
    expect((await runCli(['blacklist', 'check', ...conn], env)).code).toBe(0);
    const tail = await runCli(['ledger', 'tail', '--ledger', ledger], env);
    const notes = tail.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; note?: string });
    expect(notes.filter((e) => e.note?.startsWith('blacklist repair')).map((e) => e.kind)).toEqual(['attempt', 'attempt', 'outcome', 'outcome']);

    // Without a blacklist Redis, it says what it needs (exit 2).
    const without = await runCli(['blacklist', 'check', '--store', 'postgres', '--postgres', db.url, '--ledger', ledger], env);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/needs a connection with a blacklist Redis \(--blacklist-redis URL with a DynamoDB or PostgreSQL store/);
  });
});
