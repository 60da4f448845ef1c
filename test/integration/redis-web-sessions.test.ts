import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SessionsQueryRequest } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { Ledger } from '../../src-main/ledger/ledger';
import { CursorCodec } from '../../src-main/stores/cursor';
import { RedisSessionStore } from '../../src-main/web-sessions/redis-session-store';
import { connectRedis, type RedisClient } from '../../src-main/web-sessions/redis-target';
import { RedisRevoker } from '../../src-main/web-sessions/redis-writer';
import { startCuttingProxy } from '../fixtures/cutting-proxy';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { revocationState, webAppSeesRevoked, webSession, writeWebSessions, type WebSessionJson } from '../fixtures/web-sessions';

const HOUR = 3600_000;

/** Every page of a query, following the cursor. */
async function all(store: RedisSessionStore, request: Partial<SessionsQueryRequest>): Promise<{ sessions: Session[]; pages: number }> {
  const sessions: Session[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.query({ status: 'active', limit: 50, ...request, ...(cursor ? { cursor } : {}) });
    sessions.push(...page.sessions);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor);
  return { sessions, pages };
}

const ids = (sessions: { id: string }[]) => sessions.map((s) => s.id).sort();

describe('web sessions in Redis (real redis-server)', () => {
  let server: RunningRedis;
  let admin: Redis;
  let client: RedisClient;
  let dir: TempDir;
  let ledger: Ledger;
  const cursors = new CursorCodec(randomBytes(32));

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    client = await connectRedis({ urls: [server.url] });
  });
  afterAll(async () => {
    client?.disconnect();
    admin?.disconnect();
    await server?.stop();
  });
  beforeEach(async () => {
    await admin.flushall();
    dir = await tempDir();
    ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    return () => dir.remove();
  });

  it('lists and filters sessions written in the exact layout, across many SCAN pages', async () => {
    const now = Date.now();
    const active = Array.from({ length: 400 }, (_, i) => webSession(i % 4 === 0 ? 'alice' : `user-${i % 37}`, now, { ageMs: (i + 1) * 60_000 }));
    // The web app's own revocation: flag set, blacklist entry, id out of the user's set.
    const flagged = Array.from({ length: 60 }, () => webSession('alice', now, { fields: { revoked: true, revokedAt: new Date(now - 1000).toISOString(), revokedReason: 'logout everywhere' } }));
    // Cut off by the blacklist alone (another service wrote only revoked:<id>).
    const blacklistedOnly = Array.from({ length: 25 }, () => webSession('bob', now));
    // Past expiresAt while the key is still there (the key's TTL runs a day longer).
    const expired = Array.from({ length: 30 }, () => webSession('alice', now, { ageMs: 3 * HOUR, lifetimeMs: -HOUR }));
    await writeWebSessions(admin, [...active, ...flagged, ...blacklistedOnly], now);
    await writeWebSessions(admin, expired, now, 86_400);
    for (const s of flagged) await admin.set(`revoked:${s.id}`, 'logout everywhere', 'EX', 3600);
    for (const s of blacklistedOnly) await admin.set(`revoked:${s.id}`, 'fraud check', 'EX', 3600);
    // Unrelated keys the SCAN pattern must skip, and a value that is not a session record.
    await admin.set('rate:203.0.113.7', '12');
    await admin.set('session:not-json', '{oops');

    const store = new RedisSessionStore({ client, cursors, scanCount: 40 });
    const activeAll = await all(store, {});
    expect(activeAll.pages).toBeGreaterThanOrEqual(4);
    expect(ids(activeAll.sessions)).toEqual(ids(active));
    const revoked = await all(store, { status: 'revoked' });
    expect(ids(revoked.sessions)).toEqual(ids([...flagged, ...blacklistedOnly]));
    expect(ids((await all(store, { status: 'expired' })).sessions)).toEqual(ids(expired));
    expect((await all(store, { status: 'any' })).sessions).toHaveLength(active.length + flagged.length + blacklistedOnly.length + expired.length);

    // A user's active sessions come from user_sessions:<userId>; other statuses from the scan.
    const aliceActive = await all(store, { user: 'alice', limit: 20 });
    expect(ids(aliceActive.sessions)).toEqual(ids(active.filter((s) => s.userId === 'alice')));
    expect(ids((await all(store, { user: 'alice', status: ['revoked', 'expired'] })).sessions)).toEqual(ids([...flagged, ...expired]));

    // Created within a window: [now - 100 min, now - 50 min].
    const since = new Date(now - 100 * 60_000).toISOString();
    const until = new Date(now - 50 * 60_000).toISOString();
    const windowed = active.filter((s) => Date.parse(s.createdAt) >= Date.parse(since) && Date.parse(s.createdAt) <= Date.parse(until));
    expect(windowed.length).toBe(51);
    expect(ids((await all(store, { since, until })).sessions)).toEqual(ids(windowed));

    // Every page is newest first, and every field is mapped.
    const page = await store.query({ status: 'active', limit: 50 });
    const created = page.sessions.map((s) => s.createdAt ?? '');
    expect(created).toEqual([...created].sort().reverse());
    const source = blacklistedOnly[0] as WebSessionJson;
    expect(await store.get(source.id)).toEqual({
      id: source.id,
      user: 'bob',
      email: 'bob@example.com',
      deviceId: source.deviceInfo,
      ipAddress: source.ipAddress,
      userAgent: source.userAgent,
      status: 'revoked',
      storedStatus: 'blacklisted',
      createdAt: source.createdAt.replace('Z', '000000Z'),
      startedAt: source.createdAt.replace('Z', '000000Z'),
      lastAccessAt: source.lastActiveAt.replace('Z', '000000Z'),
      expiresAt: source.expiresAt.replace('Z', '000000Z'),
      updatedAt: null,
      revokedBy: null,
      revokedAt: null,
      revokedReason: 'fraud check',
    });
    expect(await store.get('not-json')).toBeNull();
  });

  it('refuses filters that do not apply and cursors that are not its own', async () => {
    const store = new RedisSessionStore({ client, cursors });
    await expect(store.query({ status: 'active', limit: 10, profile: 'prod-admin' })).rejects.toMatchObject({ code: 'VALIDATION' });
    const now = Date.now();
    await writeWebSessions(admin, Array.from({ length: 30 }, () => webSession('carol', now)), now);
    const first = await new RedisSessionStore({ client, cursors, scanCount: 5, maxBatchesPerPage: 1 }).query({ status: 'active', limit: 5 });
    expect(first.nextCursor).toBeDefined();
    await expect(store.query({ status: 'revoked', limit: 5, cursor: first.nextCursor as string })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    await expect(store.query({ status: 'active', limit: 5, cursor: `${first.nextCursor as string}x` })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });

  it('skips keys that expire during the scan, and stale ids left in a user set', async () => {
    const now = Date.now();
    const staying = Array.from({ length: 300 }, () => webSession('dave', now));
    const leaving = Array.from({ length: 300 }, () => webSession('dave', now));
    await writeWebSessions(admin, [...staying, ...leaving], now);
    await admin.sadd('user_sessions:dave', 'gone-long-ago');
    // An id the contract cannot carry is left out of the user's list, as it is out of the scan.
    await admin.set('session:bad:id', JSON.stringify(webSession('dave', now)), 'EX', 3600);
    await admin.sadd('user_sessions:dave', 'bad:id');

    for (const source of [{}, { user: 'dave' }]) {
      await writeWebSessions(admin, leaving, now);
      const store = new RedisSessionStore({ client, cursors, scanCount: 25 });
      const seen: Session[] = [];
      const first = await store.query({ status: 'active', limit: 50, ...source });
      seen.push(...first.sessions);
      // The rest of the leaving sessions expire (by TTL) before the next page is read.
      const seenIds = new Set(seen.map((s) => s.id));
      const expiring = leaving.filter((s) => !seenIds.has(s.id));
      for (const s of expiring) await admin.pexpire(`session:${s.id}`, 1);
      await expect.poll(async () => (await Promise.all(expiring.map((s) => admin.exists(`session:${s.id}`)))).every((n) => n === 0)).toBe(true);
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await store.query({ status: 'active', limit: 50, ...source, cursor });
        seen.push(...page.sessions);
        cursor = page.nextCursor;
      }
      const seenAll = new Set(seen.map((s) => s.id));
      // Every session that lived through the scan was listed; none that expired came back.
      expect(staying.every((s) => seenAll.has(s.id))).toBe(true);
      expect(expiring.some((s) => seenAll.has(s.id))).toBe(false);
      expect(seenAll.has('gone-long-ago')).toBe(false);
      expect(seenAll.has('bad:id')).toBe(false);
    }
  });

  it('revokes exactly as the web app does: blacklist with the TTL rule, flag kept with its TTL, id out of the set', async () => {
    const now = Date.now();
    const long = webSession('erin', now, { lifetimeMs: 5 * HOUR });
    const short = webSession('erin', now, { lifetimeMs: 10 * 60_000 });
    const flaggedOnly = webSession('erin', now, { fields: { revoked: true, revokedAt: new Date(now).toISOString(), revokedReason: 'user logout' } });
    const blacklistedOnly = webSession('erin', now);
    const expired = webSession('erin', now, { lifetimeMs: -10 * 60_000 });
    // Expired 30 s ago by its own clock: within the grace, revoked rather than skipped.
    const justExpired = webSession('erin', now, { lifetimeMs: -30_000 });
    await writeWebSessions(admin, [long, short, flaggedOnly, blacklistedOnly], now);
    await writeWebSessions(admin, [expired, justExpired], now, 3600);
    await admin.sadd('user_sessions:erin', flaggedOnly.id);
    await admin.set(`revoked:${blacklistedOnly.id}`, 'fraud check', 'EX', 600);
    const pttlBefore = await admin.pttl(`session:${long.id}`);

    const store = new RedisSessionStore({ client, cursors });
    const revoker = new RedisRevoker({ client, store, ledger, operator: 'local:analyst', connection: 'web@test' });
    const report = await revoker.revokeSessions({
      ids: [long.id, short.id, flaggedOnly.id, blacklistedOnly.id, expired.id, justExpired.id, 'no-such-session'],
      reasonCode: 'security_incident',
      note: 'phished',
      ticket: 'INC-9',
    });
    expect(report.results).toEqual([
      { id: long.id, user: 'erin', outcome: 'revoked', closedAt: expect.any(String) },
      { id: short.id, user: 'erin', outcome: 'revoked', closedAt: expect.any(String) },
      { id: flaggedOnly.id, user: 'erin', outcome: 'already_revoked', closedAt: expect.any(String) },
      { id: blacklistedOnly.id, user: 'erin', outcome: 'already_revoked', closedAt: expect.any(String) },
      { id: expired.id, user: 'erin', outcome: 'expired' },
      { id: justExpired.id, user: 'erin', outcome: 'revoked', closedAt: expect.any(String) },
      { id: 'no-such-session', user: '', outcome: 'not_found' },
    ]);
    // The app checks every request: each session is fully closed by its revocation, at that moment.
    for (const r of report.results.filter((r) => r.closedAt !== undefined)) expect(Math.abs(Date.parse(r.closedAt ?? '') - Date.now())).toBeLessThan(60_000);
    // Its blacklist entry still lives the hour the rule gives any entry.
    expect(await admin.ttl(`revoked:${justExpired.id}`)).toBeGreaterThan(3600 - 60);

    expect(await webAppSeesRevoked(admin, long.id)).toBe(true);
    expect(await admin.get(`revoked:${long.id}`)).toBe('security_incident: phished');
    // TTL = max(remaining lifetime, 1 h): 5 h for the long one, 1 h for the 10-minute one.
    expect(await admin.ttl(`revoked:${long.id}`)).toBeGreaterThan(5 * 3600 - 60);
    expect(await admin.ttl(`revoked:${long.id}`)).toBeLessThanOrEqual(5 * 3600);
    expect(await admin.ttl(`revoked:${short.id}`)).toBeGreaterThan(3600 - 60);
    expect(await admin.ttl(`revoked:${short.id}`)).toBeLessThanOrEqual(3600);
    const rewritten = JSON.parse((await admin.get(`session:${long.id}`)) as string) as WebSessionJson;
    expect(rewritten).toEqual({ ...long, revoked: true, revokedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), revokedReason: 'security_incident: phished' });
    const pttlAfter = await admin.pttl(`session:${long.id}`);
    expect(pttlAfter).toBeGreaterThan(pttlBefore - 60_000);
    expect(pttlAfter).toBeLessThanOrEqual(pttlBefore);
    // Only the expired session is left in the set: nothing is written for it.
    expect(await admin.smembers('user_sessions:erin')).toEqual([expired.id]);

    // Already revoked by someone else: completed, never overwritten.
    expect(await admin.get(`revoked:${flaggedOnly.id}`)).toBe('user logout');
    expect(JSON.parse((await admin.get(`session:${flaggedOnly.id}`)) as string)).toEqual(flaggedOnly);
    expect(await admin.get(`revoked:${blacklistedOnly.id}`)).toBe('fraud check');
    // Its 10-minute entry would have let the session back in before it expires: lengthened, value kept.
    expect(await admin.ttl(`revoked:${blacklistedOnly.id}`)).toBeGreaterThan(24 * 3600 - 60);
    expect(JSON.parse((await admin.get(`session:${blacklistedOnly.id}`)) as string)).toMatchObject({ revoked: true, revokedReason: 'fraud check' });
    // Expired: nothing written.
    expect(await admin.exists(`revoked:${expired.id}`)).toBe(0);

    // Each attempt and outcome is in the ledger, and running again is safe.
    const again = await revoker.revokeSessions({ ids: [long.id], reasonCode: 'security_incident' });
    expect(again.results[0]?.outcome).toBe('already_revoked');
    expect(await admin.get(`revoked:${long.id}`)).toBe('security_incident: phished');
    const attempts: string[] = [];
    const outcomes: string[] = [];
    for await (const entry of ledger.entries()) {
      if (entry.kind === 'attempt') attempts.push(entry.sessionId);
      else outcomes.push(entry.outcome ?? '');
    }
    expect(attempts).toHaveLength(8);
    expect(outcomes.sort()).toEqual(['already_revoked', 'already_revoked', 'already_revoked', 'expired', 'not_found', 'revoked', 'revoked', 'revoked']);
    expect((await ledger.verify()).ok).toBe(true);
  });

  it('judges expiry and TTLs by the server, not by a skewed client clock; a broken user set does not stop a revocation', async () => {
    const now = Date.now();
    const halfHour = webSession('hugo', now, { lifetimeMs: 30 * 60_000 });
    const fiveHours = webSession('hugo', now, { lifetimeMs: 5 * HOUR });
    const brokenSet = webSession('ivy', now);
    await writeWebSessions(admin, [halfHour, fiveHours, brokenSet], now);
    // Another program wrote the wrong type under ivy's set key.
    await admin.del('user_sessions:ivy');
    await admin.set('user_sessions:ivy', 'not a set');
    const store = new RedisSessionStore({ client, cursors });
    // Our clock runs four hours ahead.
    const revoker = new RedisRevoker({ client, store, ledger, operator: 'local:analyst', connection: 'web@test', clock: () => Date.now() + 4 * HOUR });
    const report = await revoker.revokeSessions({ ids: [halfHour.id, fiveHours.id, brokenSet.id], reasonCode: 'security_incident' });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked', 'revoked', 'revoked']);
    expect(await admin.ttl(`revoked:${fiveHours.id}`)).toBeGreaterThan(5 * 3600 - 60);
    expect(await admin.ttl(`revoked:${halfHour.id}`)).toBeGreaterThan(3600 - 60);
    // The session is cut off and flagged; the foreign key is left as it was.
    expect(await webAppSeesRevoked(admin, brokenSet.id)).toBe(true);
    expect(JSON.parse((await admin.get(`session:${brokenSet.id}`)) as string)).toMatchObject({ revoked: true });
    expect(await admin.get('user_sessions:ivy')).toBe('not a set');
  });

  it('keeps the web app\'s own update made between our read and our write (the record is rewritten inside the script)', async () => {
    const now = Date.now();
    const session = webSession('frank', now);
    await writeWebSessions(admin, [session], now);
    const key = `session:${session.id}`;
    // A proxy holds our first script call until the web app has touched the session: the
    // revoker read the session before the touch and writes after it, every time.
    const proxy = await startCuttingProxy(server.port);
    const viaProxy = await connectRedis({ urls: [proxy.url] });
    const touched = new Date(now + 5000).toISOString();
    const interleaved = proxy.beforeNext('evalsha', async () => {
      await admin.set(key, JSON.stringify({ ...session, lastActiveAt: touched }), 'KEEPTTL');
    });
    try {
      const revoker = new RedisRevoker({ client: viaProxy, store: new RedisSessionStore({ client: viaProxy, cursors }), ledger, operator: 'local:analyst', connection: 'web@test' });
      const report = await revoker.revokeSessions({ ids: [session.id], reasonCode: 'offboarding' });
      await interleaved;
      expect(report.results[0]?.outcome).toBe('revoked');
      expect(await revocationState(admin, session)).toBe('revoked');
      // Our write was based on the web app's latest version, not on the copy read before it.
      expect((JSON.parse((await admin.get(key)) as string) as WebSessionJson).lastActiveAt).toBe(touched);
    } finally {
      viaProxy.disconnect();
      await proxy.close();
    }
  });

  it('never reports a user as without sessions when their set holds entries that are not session ids', async () => {
    const now = Date.now();
    const olga = [webSession('olga', now), webSession('olga', now)];
    await writeWebSessions(admin, olga, now);
    // Another program put things in the users' sets that are no session ids.
    await admin.sadd('user_sessions:olga', 'not an id!', '');
    await admin.sadd('user_sessions:pat', '../../etc/passwd');
    const store = new RedisSessionStore({ client, cursors });
    const revoker = new RedisRevoker({ client, store, ledger, operator: 'local:analyst', connection: 'web@test' });
    const report = await revoker.revokeUsers({ users: ['olga', 'pat', 'quinn'], reasonCode: 'offboarding' });
    expect(report.results.map((r) => [r.user, r.outcome])).toEqual([
      ['olga', 'revoked'],
      ['olga', 'revoked'],
    ]);
    expect(report.unlistedUsers).toEqual([
      { user: 'olga', error: expect.stringMatching(/^2 entries of their session list are not a session id \(.*"not an id!".*\): they were not revoked/) },
      { user: 'pat', error: expect.stringMatching(/^1 entry of their session list is not a session id \("\.\.\/\.\.\/etc\/passwd"\)/) },
    ]);
    expect(report.usersWithoutActiveSessions).toEqual(['quinn']);
  });

  it('revokes 2,000 sessions of one user; a connection cut mid-command leaves each fully revoked or untouched', async () => {
    const now = Date.now();
    const sessions = Array.from({ length: 2000 }, () => webSession('grace', now));
    await writeWebSessions(admin, sessions, now);
    // The revoker talks to Redis through a proxy that drops the connection part-way through a
    // command, about a quarter into the revocations (after the listing of the user's sessions).
    const proxy = await startCuttingProxy(server.port);
    const cutClient = await connectRedis({ urls: [proxy.url] });
    try {
      const store = new RedisSessionStore({ client: cutClient, cursors });
      const revoker = new RedisRevoker({ client: cutClient, store, ledger, operator: 'local:analyst', connection: 'web@test' });
      const cut = proxy.cutAfter(700_000);
      const report = await revoker.revokeUsers({ users: ['grace'], reasonCode: 'offboarding', ticket: 'HR-1' });
      await cut;
      const count = (outcome: string) => report.results.filter((r) => r.outcome === outcome).length;
      expect(count('revoked')).toBeGreaterThan(100);
      expect(count('failed')).toBeGreaterThan(100);
      expect(count('revoked') + count('failed')).toBe(sessions.length);
      // Each failed session says the store went away, in an operator's words (not the client's).
      const reasons = new Set(report.results.filter((r) => r.outcome === 'failed').map((r) => r.error));
      for (const reason of reasons) expect(reason).toMatch(/^the store could not be used: /);
      const states = await Promise.all(sessions.map((s) => revocationState(admin, s)));
      expect(states.filter((s) => s === 'partial')).toEqual([]);
      expect(states.filter((s) => s === 'revoked').length).toBeGreaterThanOrEqual(count('revoked'));

      // Once Redis answers again, running again finishes the job.
      await expect.poll(async () => cutClient.ping().catch(() => 'down')).toBe('PONG');
      const rerun = await revoker.revokeSessions({ ids: sessions.map((s) => s.id), reasonCode: 'offboarding', ticket: 'HR-1' });
      expect(rerun.results.every((r) => r.outcome === 'revoked' || r.outcome === 'already_revoked')).toBe(true);
      const after = await Promise.all(sessions.map((s) => revocationState(admin, s)));
      expect(after.every((s) => s === 'revoked')).toBe(true);
      expect(await admin.exists('user_sessions:grace')).toBe(0);
      expect((await ledger.verify()).ok).toBe(true);
    } finally {
      cutClient.disconnect();
      await proxy.close();
    }
  });
});
