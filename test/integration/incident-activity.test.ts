import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import type { IncidentView } from '../../src-shared/people';
import { openWorkspace } from '../../src-main/workspace';
import { createDispatch } from '../../src-main/ipc/dispatch';
import type { WebSessionJson } from '../fixtures/web-sessions';
import { tempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { startPeopleStores, type PeopleStores } from './people-stores';

const SENDER = { url: 'app://warden/index.html', isMainFrame: true };

interface AlarmLine {
  kind: string;
  connection: string;
  sessionId: string;
  activity?: { lastAccessAt: string | null; summary: string; client?: string };
}

/**
 * Activity after revocation on every connection of an incident, not only the active one: with the
 * Sentinel connection active, the web app's Redis and PostgreSQL sessions revoked "quietly" by
 * incident mode are read back when the incident view is read; a web app that keeps accepting a
 * revoked session is an alarm in that connection's ledger, once, and a stopped store says
 * unreachable rather than "no activity". On three real stores at once.
 */
describe('incident view: activity after revocation on every connection', () => {
  let stores: PeopleStores;

  beforeAll(async () => {
    // The active connection's own watch ticks once at open and then hourly: what the view shows comes from its read.
    stores = await startPeopleStores({ timeoutMs: 5_000, watchPeriodMs: 3_600_000 });
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  const ledger = async (): Promise<AlarmLine[]> =>
    (await readFile(join(stores.dataDir, 'ledger.jsonl'), 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as AlarmLine);
  const alarmsOf = async (sessionId: string) => (await ledger()).filter((e) => e.kind === 'alarm' && e.sessionId === sessionId);
  const get = async (incident: string) => (await stores.call('incidents:get', { incident })) as unknown as IncidentView;

  /** The app's request check without `revoked = false`: moves `last_active_at` on. */
  const pgRequest = (id: string) => stores.db.admin.query('update sessions set last_active_at = now() where id = $1', [id]);

  it('alarms on the web Redis and PostgreSQL sessions used after a quiet revocation, each in its own ledger once, and not again on the next read', async () => {
    const seed = await stores.revokeEverywhere('olga', 'INC-900');
    const web = seed.web.live[0] as WebSessionJson;
    const pg = seed.postgres.live[1]?.id ?? '';

    const before = await get('INC-900');
    expect(before.alarms).toEqual([]);
    expect(before.activity.map((c) => [c.name, c.state, c.sessions, c.newAlarms])).toEqual([
      ['sentinel-prod', 'checked', 2, 0],
      ['web-redis', 'checked', 2, 0],
      ['shop-db', 'checked', 3, 0],
    ]);

    const webAt = await stores.webRequest(web.id);
    await pgRequest(pg);
    const view = await get('INC-900');
    expect(view.activity.map((c) => [c.name, c.state, c.newAlarms])).toEqual([
      ['sentinel-prod', 'checked', 0],
      ['web-redis', 'checked', 1],
      ['shop-db', 'checked', 1],
    ]);
    expect(view.alarms.map((a) => [a.connection, a.sessionId]).sort()).toEqual(
      [
        ['shop-db', pg],
        ['web-redis', web.id],
      ].sort(),
    );
    const webAlarm = view.alarms.find((a) => a.sessionId === web.id);
    expect(webAlarm).toMatchObject({ user: 'u-olga', lastAccessAt: webAt.replace(/Z$/, '000000Z'), client: `203.0.113.7 (${web.userAgent})` });
    expect(webAlarm?.summary).toMatch(/^activity after revocation from 203\.0\.113\.7 \(Mozilla.*last access /);

    // In that connection's ledger, once each; a second read of the view writes nothing more.
    expect((await alarmsOf(web.id)).map((e) => e.connection)).toEqual(['web-redis']);
    expect((await alarmsOf(pg)).map((e) => e.connection)).toEqual(['shop-db']);
    const again = await get('INC-900');
    expect(again.activity.map((c) => c.newAlarms)).toEqual([0, 0, 0]);
    expect(again.alarms.length).toBe(2);
    expect(await alarmsOf(web.id)).toHaveLength(1);
    expect(await alarmsOf(pg)).toHaveLength(1);

    // New use is a new alarm, once, however many reads race for it (two views and the background alike).
    await stores.webRequest(web.id);
    const raced = await Promise.all([get('INC-900'), get('INC-900'), get('INC-900')]);
    expect(raced.map((v) => v.activity[1]?.newAlarms).reduce((a, b) => (a ?? 0) + (b ?? 0), 0)).toBe(1);
    expect(await alarmsOf(web.id)).toHaveLength(2);
    // The sessions not used never alarm.
    expect(await alarmsOf(seed.web.live[1]?.id ?? '')).toEqual([]);
  }, 120_000);

  it('a connection renamed since the revocation is still checked: its earlier revocations (recorded under the old name) are read back and alarm', async () => {
    const seed = await stores.revokeEverywhere('rita', 'INC-904');
    const web = seed.web.live[0] as WebSessionJson;
    const renamed = { id: stores.ids.web, name: 'web-redis-eu', environment: 'staging', colour: 'amber' as const, readOnly: false, store: { kind: 'redis' as const, urls: [stores.redis.url], cluster: false } };
    await stores.save(renamed);
    try {
      await stores.webRequest(web.id);
      const view = await get('INC-904');
      // Before: "checked", nothing read back (the ledger says web-redis, the watch looked for web-redis-eu), no alarm.
      expect(view.activity.map((c) => [c.name, c.state, c.sessions, c.newAlarms])[1]).toEqual(['web-redis-eu', 'checked', 2, 1]);
      expect(view.alarms.map((a) => a.sessionId)).toEqual([web.id]);
      expect(await alarmsOf(web.id)).toHaveLength(1);
      // Checked again (also through the active workspace's watch once it is the active one): no second alarm.
      await get('INC-904');
      await stores.call('connections:switch', { id: stores.ids.web });
      const active = await get('INC-904');
      expect(active.activity[1]).toMatchObject({ state: 'checked', sessions: 2, newAlarms: 0 });
      expect(await alarmsOf(web.id)).toHaveLength(1);
    } finally {
      await stores.save({ ...renamed, name: 'web-redis' });
      await stores.call('connections:switch', { id: stores.ids.sentinel });
    }
  }, 120_000);

  it('the active Sentinel connection is checked through its own watch: a fail-open server alarms once, whether the view or the watch reads first', async () => {
    const seed = await stores.revokeEverywhere('pavel', 'INC-901');
    const used = seed.sentinel.active[0]?.id ?? '';
    await stores.table.client.send(
      new UpdateCommand({
        TableName: stores.table.name,
        Key: { id: used },
        UpdateExpression: 'SET last_access_at = :t, request_count = request_count + :n, server_instance_id = :s, updated_at = :t',
        ExpressionAttributeValues: { ':t': formatRfc3339Nano(Math.floor(Date.now() / 1000) + 1, 0), ':n': 2, ':s': 'srv-3' },
      }),
    );
    const [view] = await Promise.all([get('INC-901'), stores.manager.run((w) => (w.watch ? w.watch.tick() : Promise.resolve(null)))]);
    const after = await get('INC-901');
    expect(after.alarms.map((a) => [a.connection, a.sessionId, a.server])).toEqual([['sentinel-prod', used, 'srv-3']]);
    expect(view.activity[0]?.state).toBe('checked');
    expect(await alarmsOf(used)).toHaveLength(1);
  }, 120_000);

  it('a stopped store is unreachable for the check, said for that connection, not "no activity"; the others are still checked', async () => {
    await stores.revokeEverywhere('quinn', 'INC-902');
    await stores.stopRedis();
    try {
      const view = await get('INC-902');
      const web = view.activity.find((c) => c.name === 'web-redis');
      expect(web).toMatchObject({ state: 'unreachable', sessions: 0, newAlarms: 0 });
      expect(web?.problem).toBeTruthy();
      expect(view.activity.filter((c) => c.name !== 'web-redis').map((c) => c.state)).toEqual(['checked', 'checked']);
      expect(view.now.groups.find((g) => g.connection.name === 'web-redis')?.state).toBe('unreachable');
    } finally {
      await stores.restartRedis();
    }
  }, 120_000);
});

/**
 * Two watches of one connection and ledger in one process (the active workspace's, and incident
 * mode's quiet one) take turns: whichever reads second sees the first one's alarm in the ledger
 * and does not write it again.
 */
describe('two watches of one connection', () => {
  it('alarm once when both read the same new activity at the same moment', async () => {
    const { startRedisServer } = await import('../fixtures/redis-server');
    const { Redis } = await import('ioredis');
    const redis = await startRedisServer();
    const dir = await tempDir();
    const admin = new Redis(redis.url);
    const open: Awaited<ReturnType<typeof openWorkspace>>[] = [];
    try {
      const now = Date.now();
      const session = webSession('u-rita', now);
      await writeWebSessions(admin, [session], now);
      const connection = { id: 'op', name: 'web-prod', environment: 'production', readOnly: false, store: { kind: 'redis' as const, urls: [redis.url], cluster: false } };
      const desktop = { chooseSavePath: async () => null, notify: () => undefined, revocationWatch: { periodMs: 3_600_000 } };
      for (let i = 0; i < 2; i += 1) open.push(await openWorkspace('t', join(dir.path, 'data'), connection, desktop));
      const [a, b] = open as [Awaited<ReturnType<typeof openWorkspace>>, Awaited<ReturnType<typeof openWorkspace>>];
      const dispatch = createDispatch(a.handlers, { trustedOrigins: ['app://warden'] });
      const info = await dispatch('app:info', undefined, SENDER);
      if (!info.ok) throw new Error(info.error.message);
      const nonce = (info.value as { connection: { nonce: string } }).connection.nonce;
      const revoked = await dispatch('sessions:revoke', { ids: [session.id], reasonCode: 'security_incident', connection: { id: 'op', nonce } }, SENDER);
      expect(revoked.ok).toBe(true);
      const watches = [a.watch, b.watch];
      if (!watches[0] || !watches[1]) throw new Error('no watch');
      await Promise.all(watches.map((w) => w?.tick()));

      const raw = (await admin.get(`session:${session.id}`)) ?? '';
      const record = JSON.parse(raw) as WebSessionJson;
      await admin.set(`session:${session.id}`, JSON.stringify({ ...record, lastActiveAt: new Date(Date.parse(record.revokedAt ?? '') + 5).toISOString() }), 'KEEPTTL');
      const reports = await Promise.all(watches.map((w) => w?.tick()));
      expect(reports.map((r) => r?.alarms.length).reduce((x, y) => (x ?? 0) + (y ?? 0), 0)).toBe(1);
      const lines = (await readFile(join(dir.path, 'data', 'ledger.jsonl'), 'utf8')).split('\n').filter((l) => l.includes('"kind":"alarm"'));
      expect(lines).toHaveLength(1);
    } finally {
      for (const w of open) await w.close();
      admin.disconnect();
      await redis.stop();
      await dir.remove();
    }
  }, 60_000);
});

/**
 * The background check: every incident's connections are read for use after revocation while the
 * app runs, so a web app still accepting a revoked session raises the alarm and the notification
 * with the incident view closed (and another connection active).
 */
describe('incident activity in the background', () => {
  let stores: PeopleStores;
  const notifications: { title: string; body: string }[] = [];

  beforeAll(async () => {
    stores = await startPeopleStores({ timeoutMs: 5_000, watchPeriodMs: 3_600_000, incidentCheckMs: 250, notify: (n) => void notifications.push(n) });
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  it('alarms on a quietly revoked web session used again, without the incident view open, once', async () => {
    const seed = await stores.revokeEverywhere('quinn', 'INC-950');
    const web = seed.web.live[0] as WebSessionJson;
    await stores.webRequest(web.id);

    const alarms = async () =>
      (await readFile(join(stores.dataDir, 'ledger.jsonl'), 'utf8'))
        .split('\n')
        .filter((l) => l.includes('"kind":"alarm"'))
        .map((l) => JSON.parse(l) as AlarmLine)
        .filter((e) => e.sessionId === web.id);
    await expect.poll(alarms, { timeout: 20_000, interval: 200 }).toHaveLength(1);
    expect((await alarms())[0]?.connection).toBe('web-redis');
    await expect.poll(() => notifications.length, { timeout: 5_000 }).toBeGreaterThan(0);
    // Further rounds find nothing new: still one alarm.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await alarms()).toHaveLength(1);
  }, 120_000);
});
