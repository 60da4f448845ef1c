import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ledger } from '../../src-main/ledger/ledger';
import { startCuttingProxy, type CuttingProxy } from '../fixtures/cutting-proxy';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { isolatedEnv, runCli } from '../fixtures/run-cli';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webAppSeesRevoked, webSession, writeWebSessions, type WebSessionJson } from '../fixtures/web-sessions';

/**
 * What the web application does on every request (its `validateSession`): refuse a blacklisted
 * or revoked session, otherwise stamp `lastActiveAt` and write the record back with its TTL.
 * Plain GET and SET, as the app does them: no compare-and-set.
 */
async function validateSession(redis: Redis, id: string): Promise<boolean> {
  if ((await redis.exists(`revoked:${id}`)) === 1) return false;
  const raw = await redis.get(`session:${id}`);
  if (raw === null) return false;
  const record = JSON.parse(raw) as WebSessionJson;
  if (record.revoked || Date.parse(record.expiresAt) <= Date.now()) return false;
  await redis.set(`session:${id}`, JSON.stringify({ ...record, lastActiveAt: new Date().toISOString() }), 'KEEPTTL');
  return true;
}

describe('a session kept busy by its owner (real redis-server)', () => {
  let server: RunningRedis;
  let proxy: CuttingProxy;
  let dir: TempDir;

  beforeAll(async () => {
    server = await startRedisServer();
    // The operator is a few milliseconds away from Redis; the app servers sit next to it.
    proxy = await startCuttingProxy(server.port, { latencyMs: 3 });
    dir = await tempDir();
  });
  afterAll(async () => {
    await proxy?.close();
    await server?.stop();
    await dir?.remove();
  });

  it('revokes all 30 sessions of a user whose requests three app servers serve as fast as they can', async () => {
    const now = Date.now();
    const sessions = Array.from({ length: 30 }, () => webSession('mallory', now));
    const admin = new Redis(server.url);
    await writeWebSessions(admin, sessions, now);

    // Three app servers serve mallory's stolen cookies in a tight loop until every one is refused.
    const servers = Array.from({ length: 3 }, () => new Redis(server.url));
    let touches = 0;
    let serving = true;
    const load = servers.map(async (app, n) => {
      while (serving) {
        let accepted = 0;
        for (const s of n % 2 === 0 ? sessions : [...sessions].reverse()) {
          if (await validateSession(app, s.id)) accepted += 1;
        }
        touches += accepted;
        if (accepted === 0) await new Promise((r) => setTimeout(r, 1));
      }
    });
    try {
      // Let the load get going before the operator acts.
      await expect.poll(() => touches).toBeGreaterThan(300);
      const ledger = join(dir.path, 'ledger.jsonl');
      const result = await runCli(
        ['users', 'revoke', 'mallory', '--reason-code', 'credential_compromise', '--ticket', 'INC-77', '--store', 'redis', '--redis', proxy.url, '--ledger', ledger, '--output', 'json'],
        isolatedEnv(),
      );
      const touchesDuring = touches;
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const outcomes = JSON.parse(result.stdout) as { id: string; outcome: string }[];
      expect(outcomes).toHaveLength(30);
      expect(outcomes.filter((o) => o.outcome !== 'revoked')).toEqual([]);
      // The web app's own check refuses every one of them from now on.
      for (const s of sessions) {
        expect(await webAppSeesRevoked(admin, s.id)).toBe(true);
        expect(await validateSession(admin, s.id)).toBe(false);
      }
      expect(touchesDuring).toBeGreaterThan(300);
      expect(await admin.smembers('user_sessions:mallory')).toEqual([]);
      expect((await new Ledger(ledger).verify()).ok).toBe(true);
    } finally {
      serving = false;
      await Promise.all(load);
      for (const app of servers) app.disconnect();
      admin.disconnect();
    }
  });

  it('rewrites the record from what it holds at that moment: a request served meanwhile keeps its lastActiveAt', async () => {
    const now = Date.now();
    const session = webSession('nadia', now);
    const admin = new Redis(server.url);
    await writeWebSessions(admin, [session], now);
    // The web app serves a request between our read and our write, every time.
    const touched = new Date(now + 7000).toISOString();
    const interleaved = proxy.beforeNext('evalsha', async () => {
      await admin.set(`session:${session.id}`, JSON.stringify({ ...session, lastActiveAt: touched }), 'KEEPTTL');
    });
    try {
      const result = await runCli(
        ['sessions', 'revoke', '--reason-code', 'offboarding', '--store', 'redis', '--redis', proxy.url, '--ledger', join(dir.path, 'ledger-2.jsonl'), '--output', 'json', '--', session.id],
        isolatedEnv(),
      );
      await interleaved;
      expect(result.code).toBe(0);
      expect((JSON.parse(result.stdout) as { outcome: string }[])[0]?.outcome).toBe('revoked');
      const record = JSON.parse((await admin.get(`session:${session.id}`)) as string) as WebSessionJson;
      expect(record).toEqual({ ...session, lastActiveAt: touched, revoked: true, revokedAt: expect.any(String), revokedReason: 'offboarding' });
      expect(await admin.get(`revoked:${session.id}`)).toBe('offboarding');
    } finally {
      admin.disconnect();
    }
  });

  it('refuses a session whose record Redis cannot decode (a lone surrogate in a field the owner controls)', async () => {
    const now = Date.now();
    // JSON.parse (the web app) reads "\ud800" happily; Redis' cjson refuses it.
    const session = webSession('oscar', now, { fields: { deviceInfo: 'evil\ud800' } });
    const admin = new Redis(server.url);
    await writeWebSessions(admin, [session], now);
    try {
      const result = await runCli(
        ['users', 'revoke', 'oscar', '--reason-code', 'credential_compromise', '--store', 'redis', '--redis', proxy.url, '--ledger', join(dir.path, 'ledger-3.jsonl'), '--output', 'json'],
        isolatedEnv(),
      );
      const [row] = JSON.parse(result.stdout) as { outcome: string; error?: string }[];
      expect(row).toMatchObject({ outcome: 'revoked', error: expect.stringMatching(/revoked:.* is written \(the web app refuses the session\).*left unflagged/) });
      expect(await webAppSeesRevoked(admin, session.id)).toBe(true);
      expect(await validateSession(admin, session.id)).toBe(false);
      expect(await admin.get(`revoked:${session.id}`)).toBe('credential_compromise');
      expect(await admin.smembers('user_sessions:oscar')).toEqual([]);
    } finally {
      admin.disconnect();
    }
  });
});
