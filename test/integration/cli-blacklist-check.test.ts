import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { Ledger } from '../../src-main/ledger/ledger';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { runCli } from '../fixtures/run-cli';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import type { TempDir } from '../fixtures/temp-dir';

const now = () => Math.floor(Date.now() / 1000);

interface CoverageJson {
  checked: number;
  gaps: { id: string; user: string; problem: 'missing' | 'short'; ttlSeconds: number | null; neededSeconds: number }[];
  repaired?: { id: string; blacklist: string }[];
}

describe('blacklist check: revoked sessions the blacklist does not cover, found and repaired (spawned, DynamoDB Local, redis-server)', () => {
  let table: TestTable;
  let dir: TempDir;
  let redis: RunningRedis;
  let admin: Redis;
  let conn: string[];

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  beforeAll(async () => {
    redis = await startRedisServer();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin.disconnect();
    await redis.stop();
  });
  beforeEach(async () => {
    await admin.flushall();
    conn = ['--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--blacklist-redis', redis.url, '--ledger', join(dir.path, 'ledger.jsonl')];
  });

  it('finds a key lost by a failover and one that expires before its session, repairs both (ledgered), and then passes', async () => {
    const lives = (hours: number) => ({ expires_at: formatRfc3339Nano(now() + hours * 3600, 0), ttl: now() + hours * 3600 });
    const sessions = [
      sentinelItem({ seconds: now() - 10 }, { user: 'gina', ...lives(6) }),
      sentinelItem({ seconds: now() - 11 }, { user: 'gina', ...lives(6) }),
      sentinelItem({ seconds: now() - 12 }, { user: 'hank', ...lives(3) }),
    ];
    await table.put(sessions);
    const [lost, shortened, kept] = sessions.map((s) => s.id) as [string, string, string];
    const revoked = await runCli(['sessions', 'revoke', lost, shortened, kept, '--reason-code', 'security_incident', ...conn]);
    expect(revoked.code).toBe(0);
    expect(await runCli(['blacklist', 'check', ...conn])).toMatchObject({ code: 0, stdout: 'blacklist covers all 3 revoked sessions still alive\n' });

    // A failover loses one key; someone shortens another to a minute.
    await admin.del(`revoked:${lost}`);
    await admin.expire(`revoked:${shortened}`, 60);
    const found = await runCli(['blacklist', 'check', '--output', 'json', ...conn]);
    expect(found.code).toBe(1);
    const report = JSON.parse(found.stdout) as CoverageJson;
    expect(report.checked).toBe(3);
    expect(report.gaps.map((g) => [g.id, g.user, g.problem])).toEqual(
      expect.arrayContaining([
        [lost, 'gina', 'missing'],
        [shortened, 'gina', 'short'],
      ]),
    );
    expect(report.gaps).toHaveLength(2);
    const short = report.gaps.find((g) => g.id === shortened);
    expect(short?.ttlSeconds).toBeLessThanOrEqual(60);
    expect(short?.neededSeconds).toBeGreaterThan(5 * 3600);
    const listed = await runCli(['blacklist', 'check', ...conn]);
    expect(listed).toMatchObject({ code: 1, stderr: '', stdout: expect.stringMatching(/^2 gaps in the blacklist among 3 revoked sessions still alive\n/) });
    expect(listed.stdout).toMatch(/revoked:<id> missing/);
    expect(listed.stdout).toMatch(/key expires first/);

    const repaired = await runCli(['blacklist', 'check', '--repair', '--output', 'json', ...conn]);
    expect(repaired.code).toBe(0);
    expect((JSON.parse(repaired.stdout) as CoverageJson).repaired).toEqual(expect.arrayContaining([{ id: lost, blacklist: 'written' }, { id: shortened, blacklist: 'written' }]));
    expect(await admin.get(`revoked:${lost}`)).toBe('security_incident');
    expect(await admin.ttl(`revoked:${lost}`)).toBeGreaterThan(6 * 3600 - 120);
    expect(await admin.ttl(`revoked:${shortened}`)).toBeGreaterThan(6 * 3600 - 120);
    expect(await runCli(['blacklist', 'check', ...conn])).toMatchObject({ code: 0 });

    // The repair is one run in the ledger: an outcome per session, saying what was wrong.
    const entries = [];
    for await (const e of new Ledger(join(dir.path, 'ledger.jsonl')).entries()) entries.push(e);
    const repairs = entries.filter((e) => e.note?.startsWith('blacklist repair'));
    expect(new Set(repairs.map((e) => e.run)).size).toBe(1);
    expect(repairs.map((e) => [e.sessionId, e.outcome, e.blacklist, e.reasonCode])).toEqual(
      expect.arrayContaining([
        [lost, 'already_revoked', 'written', 'security_incident'],
        [shortened, 'already_revoked', 'written', 'security_incident'],
      ]),
    );
    expect(repairs.find((e) => e.sessionId === lost)?.note).toBe(`blacklist repair: revoked:${lost} was missing`);
    expect((await runCli(['ledger', 'verify', '--ledger', join(dir.path, 'ledger.jsonl')])).code).toBe(0);
  });

  it('leaves out revoked sessions that are over, and refuses a connection without a blacklist', async () => {
    // Nothing of the test before (the table is the file's): those sessions are over now too.
    for (const id of (await table.store().query({ status: 'revoked', limit: 500 })).sessions.map((s) => s.id)) await table.put([sentinelItem({ seconds: now() - 9 * 3600 }, { id, status: 'revoked', expires_at: formatRfc3339Nano(now() - 60, 0), ttl: now() - 60 })]);
    const over = sentinelItem({ seconds: now() - 9 * 3600 }, { user: 'ivan', status: 'revoked', expires_at: formatRfc3339Nano(now() - 3600, 0), ttl: now() - 3600 });
    await table.put([over]);
    expect(await runCli(['blacklist', 'check', '--output', 'json', ...conn])).toMatchObject({ code: 0, stdout: expect.stringContaining('"checked": 0') });
    const without = await runCli(['blacklist', 'check', '--table', table.name, '--endpoint', inject('dynamoEndpoint')]);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/needs a connection with a blacklist Redis/);
    // A blacklist Redis that does not answer is an outage (exit 3), never a list of gaps.
    const away = await runCli(['blacklist', 'check', '--table', table.name, '--endpoint', inject('dynamoEndpoint'), '--blacklist-redis', 'redis://127.0.0.1:1', '--ledger', join(dir.path, 'ledger.jsonl')]);
    expect(away.code).toBe(3);
    expect(away.stderr).toMatch(/the blacklist Redis did not answer within 5 s/);
  });
});
