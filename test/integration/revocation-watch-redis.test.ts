import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RevocationAlarms } from '../../src-shared/proof';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, withOwnRedis, writeWebSessions, type OwnRedis, type WebSessionJson } from '../fixtures/web-sessions';

const SENDER = { url: 'app://warden/index.html', isMainFrame: true };

/**
 * Use after revocation of web sessions (Redis, the web app's layout) through a real workspace: a
 * service that forgot the blacklist check keeps moving `lastActiveAt` of a revoked session.
 */
describe('the revocation watch on web sessions (Redis)', () => {
  let redis: OwnRedis;
  withOwnRedis((r) => (redis = r));
  let dir: TempDir;
  const open: Workspace[] = [];
  const notes: { title: string; body: string }[] = [];

  beforeEach(async () => {
    dir = await tempDir();
    notes.length = 0;
  });
  afterEach(async () => {
    for (const w of open.splice(0)) await w.close();
    await dir.remove();
  });

  async function workspace() {
    const w = await openWorkspace(
      't',
      join(dir.path, 'data'),
      { id: 'op', name: 'web-prod', environment: 'production', readOnly: false, store: { kind: 'redis', urls: [redis.server.url], cluster: false } },
      // One background tick at open; the test ticks itself after that.
      { chooseSavePath: async () => null, notify: (n) => notes.push(n), revocationWatch: { periodMs: 3_600_000 } },
    );
    open.push(w);
    const dispatch = createDispatch(w.handlers, { trustedOrigins: ['app://warden'] });
    const call = async <T>(channel: string, payload?: unknown): Promise<T> => {
      const result = await dispatch(channel, payload, SENDER);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value as T;
    };
    const watch = w.watch;
    if (!watch) throw new Error('no watch on a revoking web-session workspace');
    return { w, call, watch };
  }

  /** What a service that ignores `revoked:<id>` does on each request: moves lastActiveAt on. */
  async function request(id: string): Promise<void> {
    const raw = await redis.admin.get(`session:${id}`);
    if (raw === null) throw new Error('no session');
    const record = JSON.parse(raw) as WebSessionJson;
    const after = Math.max(Date.now(), Date.parse(record.revokedAt ?? record.lastActiveAt) + 1);
    await redis.admin.set(`session:${id}`, JSON.stringify({ ...record, lastActiveAt: new Date(after).toISOString() }), 'KEEPTTL');
  }

  async function revoke(call: <T>(channel: string, payload?: unknown) => Promise<T>, ids: string[]) {
    const info = await call<{ connection: { nonce: string } }>('app:info');
    const report = await call<{ results: { outcome: string }[] }>('sessions:revoke', { ids, reasonCode: 'security_incident', connection: { id: 'op', nonce: info.connection.nonce } });
    expect(report.results.map((r) => r.outcome)).toEqual(ids.map(() => 'revoked'));
  }

  it('alarms within one tick when a revoked session is used, names the client, ledgers it once, and resumes after a restart without alarming again', async () => {
    const now = Date.now();
    const used = webSession('u-ana', now);
    const quiet = webSession('u-ana', now, { fields: { ipAddress: '198.51.100.9' } });
    await writeWebSessions(redis.admin, [used, quiet], now);
    const { call, watch, w } = await workspace();
    await revoke(call, [used.id, quiet.id]);

    expect((await watch.tick()).alarms).toEqual([]);
    await request(used.id);
    const { alarms } = await watch.tick();
    expect(alarms).toHaveLength(1);
    expect(alarms[0]).toMatchObject({ sessionId: used.id, user: 'u-ana', client: `203.0.113.7 (${used.userAgent})` });
    expect(alarms[0]?.summary).toMatch(/^activity after revocation from 203\.0\.113\.7 \(Mozilla/);
    expect(alarms[0]?.requestCount).toBeUndefined();
    expect(notes.map((n) => n.title)).toEqual(['Revoked session used: u-ana']);
    expect((await watch.tick()).alarms).toEqual([]);

    // The renderer's channel: the watch's state and the alarm, from the ledger.
    const state = await call<RevocationAlarms>('proof:alarms');
    expect(state).toMatchObject({ watching: 2, alarms: [{ sessionId: used.id, client: `203.0.113.7 (${used.userAgent})` }] });
    expect(state.lastTick).toBeDefined();
    let alarmEntries = 0;
    for await (const e of w.ledger.entries()) if (e.kind === 'alarm') alarmEntries += 1;
    expect(alarmEntries).toBe(1);

    // The app restarts over the same data directory: the same sessions are watched, the old alarm is kept, not repeated.
    await w.close();
    open.splice(open.indexOf(w), 1);
    const again = await workspace();
    expect((await again.watch.tick()).alarms).toEqual([]);
    expect(await again.call<RevocationAlarms>('proof:alarms')).toMatchObject({ watching: 2, alarms: [{ sessionId: used.id }] });
    await request(used.id);
    expect((await again.watch.tick()).alarms.map((a) => a.sessionId)).toEqual([used.id]);
    expect((await again.call<RevocationAlarms>('proof:alarms')).alarms).toHaveLength(2);
    expect(notes).toHaveLength(2);
  });

  it('reads every watched session with one pipeline of MGETs a tick, never a GET per session', async () => {
    const now = Date.now();
    const sessions = Array.from({ length: 40 }, (_, i) => webSession(`u-${i}`, now));
    await writeWebSessions(redis.admin, sessions, now);
    const { call, watch } = await workspace();
    await revoke(call, sessions.map((s) => s.id));
    await watch.tick();
    await redis.admin.config('RESETSTAT');
    const report = await watch.tick();
    const stats = await redis.admin.info('commandstats');
    expect(report.read).toBe(40);
    const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
    expect(calls('mget')).toBe(2);
    expect(calls('get')).toBe(0);
  });

  it('keeps watching a revoked session whose record is rewritten so it no longer reads as a session, and says so; a deleted one is dropped', async () => {
    const now = Date.now();
    const [damaged, deleted, kept] = [webSession('u-eve', now), webSession('u-eve', now), webSession('u-eve', now)] as [WebSessionJson, WebSessionJson, WebSessionJson];
    await writeWebSessions(redis.admin, [damaged, deleted, kept], now);
    const { call, watch } = await workspace();
    await revoke(call, [damaged.id, deleted.id, kept.id]);
    expect((await watch.tick()).read).toBe(3);

    // Written in another form (not the web app's JSON): not a session, but not gone either.
    await redis.admin.set(`session:${damaged.id}`, 'not json {', 'KEEPTTL');
    await redis.admin.del(`session:${deleted.id}`);
    expect((await watch.tick()).read).toBe(3);
    expect(await call<RevocationAlarms>('proof:alarms')).toMatchObject({ watching: 2, unreadable: 1 });
    // Still read every tick: once it reads again, use after revocation alarms as before.
    expect((await watch.tick()).read).toBe(2);
    const record = { ...damaged, lastActiveAt: new Date(Date.now() + 1000).toISOString(), revoked: true, revokedAt: new Date(now).toISOString() };
    await redis.admin.set(`session:${damaged.id}`, JSON.stringify(record), 'KEEPTTL');
    const { alarms } = await watch.tick();
    expect(alarms.map((a) => a.sessionId)).toEqual([damaged.id]);
    expect((await call<RevocationAlarms>('proof:alarms')).unreadable).toBeUndefined();
  });

  it('a notification never carries control or direction-override characters from the store', async () => {
    const now = Date.now();
    // A user name that would read backwards (RLO) and a browser string with a C1 control and a newline.
    const s = webSession('u-\u202Eevil\u202C', now, { fields: { userAgent: 'Mozilla\u0085\nInjected\u2066line\u2069' } });
    await writeWebSessions(redis.admin, [s], now);
    const { call, watch } = await workspace();
    await revoke(call, [s.id]);
    await watch.tick();
    await request(s.id);
    expect((await watch.tick()).alarms).toHaveLength(1);
    expect(notes).toHaveLength(1);
    for (const text of [notes[0]?.title ?? '', notes[0]?.body ?? '']) expect(text).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(notes[0]?.title).toBe('Revoked session used: u- evil');
  });
});
