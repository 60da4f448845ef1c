import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Ledger } from '../../src-main/ledger/ledger';
import { BlacklistMirror, blacklistRedisClient, blacklistTtlSeconds } from '../../src-main/revocation/blacklist';
import { DurableOutbox } from '../../src-main/revocation/outbox';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { makeTlsFiles, startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';

const now = () => Math.floor(Date.now() / 1000);

describe('blacklist mirror: revoked:<id> in Redis beside the DynamoDB revocation', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });

  const mirrorFor = (url: string) => {
    const redis = blacklistRedisClient(url);
    const mirror = new BlacklistMirror({ redis, outbox: new DurableOutbox(join(dir.path, 'outbox.jsonl')), retryIntervalMs: 200 });
    return { redis, mirror };
  };

  it('writes the entry with TTL = remaining lifetime, at least one hour, as relative EX', async () => {
    const long = sentinelItem({ seconds: now() - 60 }, { expires_at: formatRfc3339Nano(now() + 5 * 3600, 0), ttl: now() + 5 * 3600 });
    const short = sentinelItem({ seconds: now() - 60 }, { expires_at: formatRfc3339Nano(now() + 600, 0), ttl: now() + 600 });
    await table.put([long, short]);
    const { redis, mirror } = mirrorFor(inject('redisUrl'));
    const report = await table.revoker(dir.path, { blacklist: mirror }).revokeSessions({ ids: [long.id, short.id], reasonCode: 'credential_compromise', note: 'INC-1' });
    expect(report.results.map((r) => r.blacklist)).toEqual(['written', 'written']);
    const check = new Redis(inject('redisUrl'));
    expect(await check.get(`revoked:${long.id}`)).toBe('credential_compromise: INC-1');
    expect(await check.exists(`revoked:${short.id}`)).toBe(1);
    const longTtl = await check.ttl(`revoked:${long.id}`);
    expect(longTtl).toBeGreaterThan(5 * 3600 - 30);
    expect(longTtl).toBeLessThanOrEqual(5 * 3600);
    const shortTtl = await check.ttl(`revoked:${short.id}`);
    expect(shortTtl).toBeGreaterThan(3600 - 30);
    expect(shortTtl).toBeLessThanOrEqual(3600);
    check.disconnect();
    redis.disconnect();
  });

  it('repairs a missing blacklist entry when an already revoked session is revoked again', async () => {
    const s = sentinelItem({ seconds: now() - 60 }, { expires_at: formatRfc3339Nano(now() + 2 * 3600, 0), ttl: now() + 2 * 3600 });
    await table.put([s]);
    // First revoked without a blacklist (as Sentinel's own CLI would).
    await table.revoker(dir.path).revokeSessions({ ids: [s.id], reasonCode: 'security_incident', note: 'INC-7' });
    const { redis, mirror } = mirrorFor(inject('redisUrl'));
    const again = await table.revoker(dir.path, { blacklist: mirror }).revokeSessions({ ids: [s.id], reasonCode: 'offboarding' });
    expect(again.results).toEqual([{ id: s.id, user: 'alice', outcome: 'already_revoked', blacklist: 'written', credentialsUntil: expect.any(String), closedAt: expect.any(String) }]);
    const check = new Redis(inject('redisUrl'));
    // The value is the reason the store holds, not the one of this second attempt.
    expect(await check.get(`revoked:${s.id}`)).toBe('security_incident: INC-7');
    expect(await check.ttl(`revoked:${s.id}`)).toBeGreaterThan(2 * 3600 - 60);
    check.disconnect();
    redis.disconnect();
  });

  it('computes the TTL rule exactly', () => {
    expect(blacklistTtlSeconds(10_000_500, 10_000_000)).toBe(3600);
    expect(blacklistTtlSeconds(10_000_000 + 7200_001, 10_000_000)).toBe(7201);
    expect(blacklistTtlSeconds(0, 10_000_000)).toBe(3600);
  });

  it('answers within 3 s with Redis down: DynamoDB revoked, blacklist pending', async () => {
    const redis = await startRedisServer();
    await redis.stop();
    const sessions = Array.from({ length: 5 }, (_, i) => sentinelItem({ seconds: now() - 10 - i }));
    await table.put(sessions);
    const { redis: client, mirror } = mirrorFor(redis.url);
    const started = Date.now();
    const report = await table.revoker(dir.path, { blacklist: mirror }).revokeSessions({ ids: sessions.map((s) => s.id), reasonCode: 'security_incident' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(report.results.map((r) => [r.outcome, r.blacklist])).toEqual(Array(5).fill(['revoked', 'pending']));
    expect(mirror.pendingCount()).toBe(5);
    client.disconnect();
  });

  describe('a blacklist Redis that refuses us is a failure, not "pending"', () => {
    let guarded: RunningRedis;
    let tlsServer: RunningRedis;
    afterAll(async () => {
      await guarded?.stop();
      await tlsServer?.stop();
    });

    it('reports a wrong password, a missing password, a missing permission and an untrusted certificate as failed at once, and keeps the write for when the credentials are fixed', async () => {
      guarded = await startRedisServer({ password: 'right-password', extraArgs: ['--user', 'reader', 'on', '>reader-pass', '~*', '+@read'] });
      const tls = await makeTlsFiles(dir.path);
      tlsServer = await startRedisServer({ tls });
      const port = (url: string) => new URL(url).port;
      const cases: { label: string; url: string; auth?: { username?: string; password?: string }; says: RegExp }[] = [
        { label: 'wrong password', url: guarded.url, auth: { password: 'wrong' }, says: /WRONGPASS/ },
        { label: 'no password', url: guarded.url, says: /NOAUTH/ },
        { label: 'no permission', url: guarded.url, auth: { username: 'reader', password: 'reader-pass' }, says: /NOPERM/ },
        // The server's certificate is signed by a CA this client does not trust.
        { label: 'untrusted certificate', url: `rediss://127.0.0.1:${port(tlsServer.url)}`, says: /TLS: .*certificate/i },
      ];
      for (const c of cases) {
        const session = sentinelItem({ seconds: now() - 30 });
        await table.put([session]);
        const redis = blacklistRedisClient(c.url, c.auth ?? {});
        const outbox = new DurableOutbox(join(dir.path, `outbox-${c.label.replace(/ /g, '-')}.jsonl`));
        const mirror = new BlacklistMirror({ redis, outbox });
        try {
          const report = await table.revoker(dir.path, { blacklist: mirror }).revokeSessions({ ids: [session.id], reasonCode: 'security_incident' });
          expect(report.results[0], c.label).toMatchObject({ outcome: 'revoked', blacklist: 'failed', error: expect.stringMatching(c.says) });
          expect(report.results[0]?.error, c.label).toMatch(/not blacklisted/);
          // Failed now, and kept: it lands once the credentials are fixed (a later "revoke all of
          // this user" would no longer find the session, which is revoked in the store already).
          expect(mirror.pendingCount(), c.label).toBe(1);
          // The password never appears in what the operator is shown.
          expect(report.results[0]?.error).not.toMatch(/wrong|reader-pass|right-password/);
        } finally {
          redis.disconnect();
        }
      }
    });

    it('delivers a refused write once the credentials are fixed; a later timeout is an outage, not a refusal', async () => {
      const server = await startRedisServer({ password: 'new-password' });
      const redis = blacklistRedisClient(server.url, { password: 'old-password' });
      const outbox = new DurableOutbox(join(dir.path, 'outbox-rotated.jsonl'));
      const mirror = new BlacklistMirror({ redis, outbox });
      const admin = new Redis(server.url, { password: 'new-password' });
      try {
        const entry = { id: 'cafecafecafecafe', reason: 'offboarding', expiresAtMs: Date.now() + 3 * 3600_000 };
        await expect(mirror.write(entry)).rejects.toThrow(/WRONGPASS/);
        expect(mirror.pendingCount()).toBe(1);
        // The server's password is changed to the one this client has: it reconnects.
        await admin.config('SET', 'requirepass', 'old-password');
        await expect.poll(() => redis.ping().catch(() => 'down')).toBe('PONG');
        // Then, before anything landed, Redis stops answering for a while: that timeout is an
        // outage (kept as pending), not the refusal seen before the reconnection.
        const check = new Redis(server.url, { password: 'old-password' });
        await check.client('PAUSE', '3000', 'WRITE');
        expect(await mirror.write({ ...entry, id: 'cafecafecafe0002' })).toBe('pending');
        // Once it answers, both kept writes land.
        await expect.poll(async () => (await mirror.flush()).pending, { timeout: 15_000 }).toBe(0);
        expect(await check.get(`revoked:${entry.id}`)).toBe('offboarding');
        expect(await check.get('revoked:cafecafecafe0002')).toBe('offboarding');
        check.disconnect();
      } finally {
        admin.disconnect();
        redis.disconnect();
        await server.stop();
      }
    });

    it('says written when the entry landed, even if settling its outbox line then fails (a full disk)', async () => {
      class FullDiskOutbox extends DurableOutbox {
        override done(): Promise<void> {
          return Promise.reject(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
        }
      }
      const redis = blacklistRedisClient(inject('redisUrl'));
      const mirror = new BlacklistMirror({ redis, outbox: new FullDiskOutbox(join(dir.path, 'outbox-full.jsonl')) });
      const check = new Redis(inject('redisUrl'));
      try {
        const entry = { id: 'deaddeaddeaddead', reason: 'offboarding', expiresAtMs: Date.now() + 3600_000 };
        await mirror.intend(entry);
        expect(await mirror.write(entry)).toBe('written');
        expect(await check.get('revoked:deaddeaddeaddead')).toBe('offboarding');
      } finally {
        check.disconnect();
        redis.disconnect();
      }
    });

    it('never shortens an entry already there, and keeps its value', async () => {
      const redis = blacklistRedisClient(inject('redisUrl'));
      const mirror = new BlacklistMirror({ redis, outbox: new DurableOutbox(join(dir.path, 'outbox-long.jsonl')) });
      const check = new Redis(inject('redisUrl'));
      try {
        await check.set('revoked:beefbeefbeefbeef', 'fraud check', 'EX', 5 * 3600);
        await check.set('revoked:beefbeefbeef0002', 'fraud check', 'EX', 60);
        // Unknown expiry (one hour at least) must not cut the 5-hour entry down, nor rename it.
        expect(await mirror.write({ id: 'beefbeefbeefbeef', reason: 'offboarding', expiresAtMs: Date.now() })).toBe('written');
        expect(await check.ttl('revoked:beefbeefbeefbeef')).toBeGreaterThan(5 * 3600 - 60);
        expect(await check.get('revoked:beefbeefbeefbeef')).toBe('fraud check');
        // A one-minute entry is lengthened to the rule's hour.
        expect(await mirror.write({ id: 'beefbeefbeef0002', reason: 'offboarding', expiresAtMs: Date.now() })).toBe('written');
        expect(await check.ttl('revoked:beefbeefbeef0002')).toBeGreaterThan(3600 - 60);
      } finally {
        check.disconnect();
        redis.disconnect();
      }
    });

    it('sends the first write of a fresh client to Redis, not to the outbox, while the client is still connecting', async () => {
      const redis = blacklistRedisClient(inject('redisUrl'));
      const mirror = new BlacklistMirror({ redis, outbox: new DurableOutbox(join(dir.path, 'outbox-fresh.jsonl')) });
      try {
        expect(await mirror.write({ id: 'feedfacefeedface', reason: 'offboarding', expiresAtMs: Date.now() + 3600_000 })).toBe('written');
        expect(mirror.pendingCount()).toBe(0);
      } finally {
        redis.disconnect();
      }
    });
  });

  describe('with Redis stopped in the middle of a bulk revoke', () => {
    let redis: RunningRedis;
    afterAll(async () => {
      await redis?.stop();
    });

    it('keeps DynamoDB revocations, holds the rest in the outbox, and writes them all after Redis returns (also after a restart)', async () => {
      redis = await startRedisServer();
      const sessions = Array.from({ length: 60 }, (_, i) =>
        sentinelItem({ seconds: now() - 20 - i }, { user: 'leaver', expires_at: formatRfc3339Nano(now() + 2 * 3600 + i, 0), ttl: now() + 2 * 3600 + i }),
      );
      await table.put(sessions);
      const { redis: client, mirror } = mirrorFor(redis.url);
      let stopping: Promise<void> | undefined;
      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const report = await table.revoker(dir.path, { blacklist: mirror, ledger, concurrency: 2 }).revokeUsers({ users: ['leaver'], reasonCode: 'offboarding', ticket: 'HR-77' }, ({ done }) => {
        if (done === 20) stopping = redis.stop();
      });
      await stopping;
      expect(report.results.every((r) => r.outcome === 'revoked')).toBe(true);
      const written = report.results.filter((r) => r.blacklist === 'written').length;
      const pending = report.results.filter((r) => r.blacklist === 'pending').length;
      expect(written).toBeGreaterThanOrEqual(20);
      expect(pending).toBeGreaterThan(0);
      expect(written + pending).toBe(60);
      const outcomes = [];
      for await (const e of ledger.entries()) if (e.kind === 'outcome') outcomes.push(e.blacklist);
      expect(outcomes.filter((b) => b === 'pending')).toHaveLength(pending);
      client.disconnect();

      // The app restarts and Redis comes back on the same port: the new mirror finds the outbox.
      redis = await startRedisServer({ port: redis.port });
      const restarted = mirrorFor(redis.url);
      await restarted.mirror.start();
      expect(restarted.mirror.pendingCount()).toBe(pending);
      await expect.poll(() => restarted.mirror.pendingCount(), { timeout: 10_000 }).toBe(0);
      await restarted.mirror.stop();
      const check = new Redis(redis.url);
      for (const s of sessions) {
        // Entries written before the stop were lost with Redis (no persistence here); the
        // pending ones must now all be present, with the right TTL.
        const result = report.results.find((r) => r.id === s.id);
        if (result?.blacklist !== 'pending') continue;
        expect(await check.get(`revoked:${s.id}`)).toBe('offboarding');
        const ttl = await check.ttl(`revoked:${s.id}`);
        expect(ttl).toBeGreaterThan(2 * 3600 - 60);
        expect(ttl).toBeLessThanOrEqual(2 * 3600 + 60);
      }
      check.disconnect();
      restarted.redis.disconnect();
    });
  });
});
