import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src-shared/session';
import { Ledger } from '../../src-main/ledger/ledger';
import { CursorCodec } from '../../src-main/stores/cursor';
import { RedisSessionStore } from '../../src-main/web-sessions/redis-session-store';
import { connectRedis } from '../../src-main/web-sessions/redis-target';
import { RedisRevoker } from '../../src-main/web-sessions/redis-writer';
import { makeTlsFiles, startRedisCluster, startRedisServer, type RunningCluster, type RunningRedis } from '../fixtures/redis-server';
import { isolatedEnv, runCli } from '../fixtures/run-cli';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { revocationState, webSession, webSessionId, writeWebSessions } from '../fixtures/web-sessions';

const cursors = new CursorCodec(randomBytes(32));

async function listAll(store: RedisSessionStore, status: 'active' | 'any' = 'active'): Promise<Session[]> {
  const sessions: Session[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ status, limit: 40, ...(cursor ? { cursor } : {}) });
    sessions.push(...page.sessions);
    cursor = page.nextCursor;
  } while (cursor);
  return sessions;
}

describe('web sessions in a Redis Cluster (3 masters on free ports)', () => {
  let cluster: RunningCluster;
  let dir: TempDir;

  beforeAll(async () => {
    dir = await tempDir();
    cluster = await startRedisCluster(dir.path, 3);
  });
  afterAll(async () => {
    await cluster?.stop();
    await dir?.remove();
  });

  it('lists across every master and revokes sessions whose keys live on different slots', async () => {
    const now = Date.now();
    const sessions = Array.from({ length: 300 }, (_, i) => webSession(['hana', 'ivan', 'jun'][i % 3] as string, now, { ageMs: (i + 1) * 1000 }));
    const client = await connectRedis({ urls: cluster.urls.slice(0, 2) });
    try {
      expect(client).toBeInstanceOf(Cluster);
      await writeWebSessions(client, sessions, now);
      // The keys really are spread: every master holds some.
      for (const url of cluster.urls) {
        const node = new Redis(url);
        expect(await node.dbsize()).toBeGreaterThan(20);
        node.disconnect();
      }
      const store = new RedisSessionStore({ client, cursors, scanCount: 15 });
      expect((await listAll(store)).map((s) => s.id).sort()).toEqual(sessions.map((s) => s.id).sort());
      const hana = sessions.filter((s) => s.userId === 'hana');

      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const revoker = new RedisRevoker({ client, store, ledger, operator: 'local:analyst', connection: 'cluster' });
      // The web app keeps touching hana's sessions meanwhile (with its own compare-and-set, so it
      // never clobbers a revocation): our re-reads must still report `revoked`.
      const touch = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL') end";
      let touching = true;
      const toucher = (async () => {
        while (touching) {
          for (const s of hana.slice(0, 10)) {
            const raw = await client.get(`session:${s.id}`);
            if (raw && !(JSON.parse(raw) as { revoked: boolean }).revoked) {
              await client.eval(touch, 1, `session:${s.id}`, raw, JSON.stringify({ ...JSON.parse(raw), lastActiveAt: new Date().toISOString() }));
            }
          }
        }
      })();
      const report = await revoker.revokeUsers({ users: ['hana'], reasonCode: 'credential_compromise' });
      touching = false;
      await toucher;
      expect(report.results.map((r) => r.outcome)).toEqual(hana.map(() => 'revoked'));
      for (const s of hana) expect(await revocationState(client, s)).toBe('revoked');
      for (const s of sessions.filter((x) => x.userId !== 'hana').slice(0, 20)) expect(await revocationState(client, s)).toBe('untouched');
      expect((await listAll(store)).length).toBe(sessions.length - hana.length);
    } finally {
      client.disconnect();
    }

    // One node of the cluster, not in cluster mode: refused with what to do.
    await expect(connectRedis({ urls: [cluster.urls[0] as string] })).rejects.toThrow('node of a cluster: connect in cluster mode');

    // The command line, given two seed nodes.
    const listed = await runCli(['sessions', 'list', '--store', 'redis', ...cluster.urls.slice(1).flatMap((u) => ['--redis', u]), '--status', 'any', '--limit', '1000', '--output', 'json']);
    expect(listed.stderr).toBe('');
    expect(listed.code).toBe(0);
    expect((JSON.parse(listed.stdout) as Session[]).length).toBe(sessions.length);
  });

  it('leaves every session it touched refused by the web app when a node fails a write after the blacklist entry, and a second run completes them', async () => {
    const now = Date.now();
    const client = await connectRedis({ urls: cluster.urls });
    const nodes = cluster.urls.map((url) => new Redis(url));
    try {
      const omar = Array.from({ length: 60 }, (_, i) => webSession('omar', now, { ageMs: (i + 1) * 1000 }));
      await writeWebSessions(client, omar, now);
      // The node that serves a key's slot (the others answer MOVED).
      const holder = async (key: string) => {
        const served = await Promise.all(nodes.map((n) => n.exists(key).then(() => true, () => false)));
        return served.indexOf(true);
      };
      // A node that holds some of omar's session records but not his set: scripts are refused there.
      const setNode = await holder('user_sessions:omar');
      const homes = await Promise.all(omar.map((s) => holder(`session:${s.id}`)));
      const broken = [0, 1, 2].find((n) => n !== setNode && homes.includes(n)) as number;
      const onBroken = new Set(omar.filter((_, i) => homes[i] === broken).map((s) => s.id));
      expect(onBroken.size).toBeGreaterThan(5);
      await nodes[broken]?.call('ACL', 'SETUSER', 'default', '-evalsha', '-eval');

      const store = new RedisSessionStore({ client, cursors });
      const ledger = new Ledger(join(dir.path, 'omar-ledger.jsonl'));
      const revoker = new RedisRevoker({ client, store, ledger, operator: 'local:analyst', connection: 'cluster' });
      const first = await revoker.revokeUsers({ users: ['omar'], reasonCode: 'credential_compromise' });
      for (const r of first.results) {
        if (onBroken.has(r.id)) {
          expect(r.outcome).toBe('failed');
          expect(r.error).toMatch(new RegExp(`^revoked:${r.id} is written \\(the web app refuses the session\\), but flagging session:${r.id} revoked failed \\(.*NOPERM.*\\): run again to complete it$`));
        } else {
          expect(r.outcome).toBe('revoked');
        }
      }
      expect(first.results).toHaveLength(omar.length);
      // The web app refuses every one of them, complete or not; none is left flagged without its blacklist entry.
      for (const s of omar) expect(await client.exists(`revoked:${s.id}`)).toBe(1);
      for (const s of omar) expect(await revocationState(client, s)).toBe(onBroken.has(s.id) ? 'partial' : 'revoked');

      await nodes[broken]?.call('ACL', 'SETUSER', 'default', '+evalsha', '+eval');
      // They are no longer active (the blacklist refuses them), so they are retried by id, as the failed ones of the report.
      const failed = first.results.filter((r) => r.outcome === 'failed').map((r) => r.id);
      const second = await revoker.revokeSessions({ ids: failed, reasonCode: 'credential_compromise' });
      expect(failed.sort()).toEqual([...onBroken].sort());
      expect(second.results.every((r) => r.outcome === 'already_revoked')).toBe(true);
      for (const s of omar) expect(await revocationState(client, s)).toBe('revoked');
      expect(await ledger.verify()).toMatchObject({ ok: true });
    } finally {
      await Promise.all(nodes.map((n) => n.call('ACL', 'SETUSER', 'default', '+evalsha', '+eval').catch(() => undefined)));
      for (const n of nodes) n.disconnect();
      client.disconnect();
    }
  });
  it('finds the web users of an e-mail through the user indexes on every master, and a search cut short by its budget says how far it got out of every node\'s keys', async () => {
    const now = Date.now();
    const client = await connectRedis({ urls: cluster.urls });
    const nodes = cluster.urls.map((url) => new Redis(url));
    try {
      const users = Array.from({ length: 24 }, (_, i) => `mail-${i}`);
      const theirs = users.filter((_, i) => i % 2 === 0);
      await writeWebSessions(client, users.map((u, i) => webSession(u, now, { fields: { email: i % 2 === 0 ? 'shared-login@corp.example' : `${u}@corp.example` } })), now);
      // The person's indexes really are on more than one master.
      const indexKeysOn = await Promise.all(nodes.map(async (n) => (await n.keys('user_sessions:*')).length));
      // The node that serves a key's slot (the others answer MOVED).
      const homes = await Promise.all(theirs.map(async (u) => (await Promise.all(nodes.map((n) => n.exists(`user_sessions:${u}`).then(() => true, () => false)))).indexOf(true)));
      expect(new Set(homes).size).toBeGreaterThan(1);

      const store = new RedisSessionStore({ client, cursors, scanCount: 5 });
      const found = await store.usersWithEmail('Shared-Login@corp.example');
      expect([found.users.sort(), found.complete, found.indexesRead, found.undecided]).toEqual([[...theirs].sort(), true, indexKeysOn.reduce((a, b) => a + b, 0), 0]);

      // Its time already spent: it stops after the first batch, and counts every node's keys.
      const cut = await store.usersWithEmail('shared-login@corp.example', { deadline: 0, clock: () => 1 });
      const keysOn = await Promise.all(nodes.map((n) => n.dbsize()));
      expect(cut.complete).toBe(false);
      expect(cut.indexesRead).toBeLessThan(found.indexesRead);
      expect(cut.storeKeys).toBe(keysOn.reduce((a, b) => a + b, 0));
    } finally {
      for (const n of nodes) n.disconnect();
      client.disconnect();
    }
  });
});

describe('web sessions over TLS (rediss://) and with a password', () => {
  let dir: TempDir;
  let tls: Awaited<ReturnType<typeof makeTlsFiles>>;
  let server: RunningRedis;

  beforeAll(async () => {
    dir = await tempDir();
    tls = await makeTlsFiles(dir.path);
    server = await startRedisServer({ tls, password: 'canary-redis-pass-7f3a' });
  });
  afterAll(async () => {
    await server?.stop();
    await dir?.remove();
  });

  it('lists and revokes over rediss:// with the CA, and says why when the certificate is not trusted', async () => {
    const ca = await readFile(tls.ca);
    const client = await connectRedis({ urls: [server.url], password: 'canary-redis-pass-7f3a', tlsCa: ca });
    const now = Date.now();
    const sessions = Array.from({ length: 5 }, () => webSession('kim', now));
    try {
      await writeWebSessions(client, sessions, now);
      const store = new RedisSessionStore({ client, cursors });
      expect((await listAll(store)).length).toBe(5);
      const revoker = new RedisRevoker({ client, store, ledger: new Ledger(join(dir.path, 'tls-ledger.jsonl')), operator: 'local:analyst', connection: 'tls' });
      const report = await revoker.revokeSessions({ ids: [sessions[0]?.id as string], reasonCode: 'user_request' });
      expect(report.results[0]?.outcome).toBe('revoked');
      expect(await revocationState(client, sessions[0] as (typeof sessions)[0])).toBe('revoked');
    } finally {
      client.disconnect();
    }
    await expect(connectRedis({ urls: [server.url], password: 'canary-redis-pass-7f3a', tlsCa: await readFile(tls.otherCa) })).rejects.toThrow(/certificate/i);
    await expect(connectRedis({ urls: [server.url.replace('rediss:', 'redis:')], password: 'canary-redis-pass-7f3a' })).rejects.toThrow();
  });

  it('the command line takes the password from the environment and never prints it', async () => {
    const args = ['sessions', 'list', '--store', 'redis', '--redis', server.url, '--redis-ca', tls.ca, '--user', 'kim', '--output', 'json'];
    const ok = await runCli(args, isolatedEnv({ SESSION_WARDEN_REDIS_PASSWORD: 'canary-redis-pass-7f3a' }));
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toHaveLength(4);

    const wrong = await runCli(args, isolatedEnv({ SESSION_WARDEN_REDIS_PASSWORD: 'canary-wrong-pass-91b2' }));
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toMatch(/cannot reach Redis at rediss:\/\/127\.0\.0\.1:\d+: .*(WRONGPASS|invalid username-password)/);
    expect(wrong.stderr + wrong.stdout).not.toContain('canary-wrong-pass-91b2');

    const inUrl = await runCli(['sessions', 'list', '--store', 'redis', '--redis', server.url.replace('//', '//default:canary-url-pass-55c1@'), '--redis-ca', tls.ca]);
    expect(inUrl.code).toBe(3);
    expect(inUrl.stderr).toContain('rediss://default:***@127.0.0.1');
    expect(inUrl.stderr + inUrl.stdout).not.toContain('canary-url-pass-55c1');
  });
});

describe('the command line with --store redis', () => {
  let server: RunningRedis;
  let admin: Redis;
  let dir: TempDir;

  beforeAll(async () => {
    server = await startRedisServer();
    admin = new Redis(server.url);
    dir = await tempDir();
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
    await dir?.remove();
  });

  it('lists, shows and revokes a user\'s web sessions, with the ledger', async () => {
    const now = Date.now();
    const lee = Array.from({ length: 3 }, () => webSession('lee', now));
    const other = webSession('max', now);
    await writeWebSessions(admin, [...lee, other], now);
    const conn = ['--store', 'redis', '--redis', server.url, '--ledger', join(dir.path, 'ledger.jsonl')];

    const list = await runCli(['sessions', 'list', '--user', 'lee', '--output', 'json', ...conn]);
    expect(list.code).toBe(0);
    expect((JSON.parse(list.stdout) as Session[]).map((s) => s.id).sort()).toEqual(lee.map((s) => s.id).sort());
    // Web session ids are base64url: one in 64 begins with "-", so ids always go after "--".
    const show = await runCli(['sessions', 'show', '--output', 'json', ...conn, '--', other.id]);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: other.id, user: 'max', email: 'max@example.com', ipAddress: other.ipAddress });

    const revoke = await runCli(['users', 'revoke', 'lee', '--reason-code', 'offboarding', '--ticket', 'HR-77', '--output', 'json', ...conn]);
    expect(revoke.stderr).toBe('');
    expect(revoke.code).toBe(0);
    expect((JSON.parse(revoke.stdout) as { outcome: string }[]).map((r) => r.outcome)).toEqual(['revoked', 'revoked', 'revoked']);
    for (const s of lee) expect(await revocationState(admin, s)).toBe('revoked');
    expect(await revocationState(admin, other)).toBe('untouched');
    const verify = await runCli(['ledger', 'verify', '--ledger', join(dir.path, 'ledger.jsonl')]);
    expect(verify.stdout).toContain('ledger intact: 6 entries verified');
  });

  it('shows and revokes a session whose id begins with "-" once it follows "--", and says so when it does not', async () => {
    const now = Date.now();
    const dashed = webSession('noor', now, { fields: { id: `-h${webSessionId().slice(2)}` } });
    await writeWebSessions(admin, [dashed], now);
    const conn = ['--store', 'redis', '--redis', server.url, '--ledger', join(dir.path, 'dashed-ledger.jsonl')];

    const misread = await runCli(['sessions', 'show', dashed.id, '--output', 'json', ...conn]);
    expect(misread.code).toBe(2);
    expect(misread.stdout).toBe('');
    expect(misread.stderr).toBe(`session-warden: "${dashed.id}" begins with "-", so it reads as an option; put ids or users that begin with "-" after "--", as in: session-warden sessions show [options] -- ${dashed.id}\n`);
    expect(await revocationState(admin, dashed)).toBe('untouched');
    // An option value that begins with "-" is not mistaken for an id.
    const note = await runCli(['sessions', 'revoke', '--reason-code', 'other', '--note', '-urgent', ...conn, '--', dashed.id]);
    expect(note.code).toBe(2);
    expect(note.stderr).toContain("To specify an option argument starting with a dash use '--note=-XYZ'.");
    expect(note.stderr).not.toContain('put ids');
    expect(await revocationState(admin, dashed)).toBe('untouched');

    const show = await runCli(['sessions', 'show', '--output', 'json', ...conn, '--', dashed.id]);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ id: dashed.id, user: 'noor' });
    const revoke = await runCli(['sessions', 'revoke', '--reason-code', 'security_incident', '--output', 'json', ...conn, '--', dashed.id]);
    expect(revoke.code).toBe(0);
    expect((JSON.parse(revoke.stdout) as { outcome: string }[]).map((r) => r.outcome)).toEqual(['revoked']);
    expect(await revocationState(admin, dashed)).toBe('revoked');
  });

  it('refuses mixed or missing options before connecting, and fails fast when Redis is down', async () => {
    const mixed = await runCli(['sessions', 'list', '--store', 'redis', '--redis', server.url, '--table', 't']);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toContain('not DynamoDB options');
    expect((await runCli(['sessions', 'list', '--store', 'redis'])).stderr).toContain('--redis URL is required');
    expect((await runCli(['sessions', 'list', '--store', 'redis', '--redis', 'http://127.0.0.1:1'])).code).toBe(2);
    expect((await runCli(['sessions', 'list', '--redis', server.url, '--table', 't'])).stderr).toContain('are for --store redis');
    const stopped = await startRedisServer();
    await stopped.stop();
    const down = await runCli(['sessions', 'list', '--store', 'redis', '--redis', stopped.url]);
    expect(down.code).toBe(3);
    expect(down.stderr).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    expect(down.ms).toBeLessThan(10_000);
  });
});
