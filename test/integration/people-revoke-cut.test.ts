import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeopleFindResponse, PeopleRevokeResponse } from '../../src-shared/people';
import { startCuttingProxy, type CuttingProxy } from '../fixtures/cutting-proxy';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { startPeopleStores, type PeopleStores } from './people-stores';

/**
 * Revoke everywhere with one store cut in the middle of the revocation (not stopped before it):
 * the web Redis is reached through a proxy that drops the connection part-way through a command
 * once the revocation has written about a quarter of the person's 2,000 sessions. The other stores
 * complete; the cut group says failed with what was and was not revoked, nothing half-written;
 * revoking that group again completes it. On DynamoDB Local, redis-server and PostgreSQL at once.
 */
describe('incident mode: a store cut mid-revocation and mid-search', () => {
  let stores: PeopleStores;
  let proxy: CuttingProxy;
  let cutId: string;

  beforeAll(async () => {
    stores = await startPeopleStores({ timeoutMs: 8_000, watchPeriodMs: 3_600_000 });
    proxy = await startCuttingProxy(stores.redis.port);
    cutId = await stores.save({ name: 'web-through-proxy', environment: 'staging', colour: 'amber', readOnly: false, store: { kind: 'redis', urls: [proxy.url], cluster: false } });
  }, 120_000);
  afterAll(async () => {
    await proxy?.close();
    await stores?.close();
  });

  it('the other stores complete, the cut group is failed (each session revoked or untouched), and a retry of that group completes it', async () => {
    const login = 'ursula';
    const person = `${login}@corp.example`;
    const seed = await stores.seedAlice(login);
    const now = Date.now();
    const many = Array.from({ length: 2000 }, () => webSession(`u-${login}`, now, { fields: { email: person } }));
    const redis = stores.redisClient();
    await writeWebSessions(redis, many, now);
    const connections = [stores.ids.sentinel, cutId, stores.ids.postgres];
    await stores.call('connections:switch', { id: stores.ids.sentinel });
    const found = (await stores.call('people:find', { person, connections })) as unknown as PeopleFindResponse;
    expect(found.groups.map((g) => [g.connection.name, g.state, g.counts.active])).toEqual([
      ['sentinel-prod', 'found', 2],
      ['web-through-proxy', 'found', 2002],
      ['shop-db', 'found', 3],
    ]);
    const targets = found.groups.map((g) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.sessions.filter((s) => s.status === 'active').map((s) => s.id), everyLive: true, confirmedCount: g.counts.active }));

    // A quarter into the revocation's writes (the search and the read of every live session come first).
    const cut = proxy.cutAfter(900_000);
    const report = (await stores.call('people:revoke', { person, targets, reasonCode: 'credential_compromise' })) as unknown as PeopleRevokeResponse;
    await cut;
    expect(report.groups.map((g) => [g.connection.name, g.state])).toEqual([
      ['sentinel-prod', 'done'],
      ['web-through-proxy', 'failed'],
      ['shop-db', 'done'],
    ]);
    const web = report.groups[1];
    const outcomes = (o: string) => web?.results.filter((r) => r.outcome === o).length ?? 0;
    expect(outcomes('failed')).toBeGreaterThan(0);
    expect(outcomes('revoked')).toBeGreaterThan(0);
    expect(outcomes('revoked') + outcomes('failed')).toBe(2002);
    expect(web?.problem).toMatch(/sessions were not revoked: the store could not be used/);

    // Each session is revoked or untouched in the store: blacklisted and marked, or live in its user's index.
    const ids = [...seed.web.live.map((s) => s.id), ...many.map((s) => s.id)];
    const states = await Promise.all(
      ids.map(async (id) => {
        const [raw, blacklisted, indexed] = await Promise.all([redis.get(`session:${id}`), redis.exists(`revoked:${id}`), redis.sismember(`user_sessions:u-${login}`, id)]);
        const marked = raw !== null && (JSON.parse(raw) as { revoked?: boolean }).revoked === true;
        if (marked && blacklisted === 1 && indexed === 0) return 'revoked';
        if (!marked && blacklisted === 0 && indexed === 1) return 'live';
        return 'partial';
      }),
    );
    expect(states.filter((s) => s === 'partial')).toEqual([]);
    expect(states.filter((s) => s === 'revoked')).toHaveLength(outcomes('revoked'));

    // Retry what failed, as the dialog does: that group alone, its failed ids, every live session.
    await expect.poll(async () => ((await stores.call('people:find', { person, connections: [cutId] })) as unknown as PeopleFindResponse).groups[0]?.state, { timeout: 20_000 }).toBe('found');
    const again = (await stores.call('people:find', { person, connections: [cutId] })) as unknown as PeopleFindResponse;
    const group = again.groups[0];
    const failedIds = web?.results.filter((r) => r.outcome === 'failed').map((r) => r.id) ?? [];
    const retry = (await stores.call('people:revoke', {
      person,
      targets: [{ connection: cutId, fingerprint: group?.connection.fingerprint ?? '', ids: failedIds.slice(0, 500), everyLive: true, confirmedCount: group?.counts.active ?? 0 }],
      reasonCode: 'credential_compromise',
    })) as unknown as PeopleRevokeResponse;
    expect(retry.groups[0]?.state).toBe('done');
    const live = ((await stores.call('people:find', { person, connections: [cutId] })) as unknown as PeopleFindResponse).groups[0];
    expect(live?.counts.active).toBe(0);
  }, 240_000);

  it('a store stopped while the search is reading it (after its first SCAN was sent) is that group\'s unreachable, with why; the others are found; searched again once it is back, it is found', async () => {
    const login = 'viktor';
    const person = `${login}@corp.example`;
    await stores.seedAlice(login);
    const connections = [stores.ids.sentinel, cutId, stores.ids.postgres];
    // The search's scan of the user indexes is held at the proxy while Redis stops, then sent on.
    const stopped = proxy.beforeNext('user_sessions:*', () => stores.stopRedis());
    const found = (await stores.call('people:find', { person, connections })) as unknown as PeopleFindResponse;
    await stopped;
    expect(found.groups.map((g) => [g.connection.name, g.state])).toEqual([
      ['sentinel-prod', 'found'],
      ['web-through-proxy', 'unreachable'],
      ['shop-db', 'found'],
    ]);
    expect(found.groups[1]?.problem).toMatch(/could not be used|took longer|closed|refused/);
    await stores.restartRedis();
    // Redis keeps nothing across a restart here (no persistence): the web app signs viktor in again.
    const now = Date.now();
    await writeWebSessions(stores.redisClient(), [webSession(`u-${login}`, now, { fields: { email: person } }), webSession(`u-${login}`, now, { fields: { email: person } })], now);
    const again = (await stores.call('people:find', { person, connections: [cutId] })) as unknown as PeopleFindResponse;
    expect([again.groups[0]?.state, again.groups[0]?.counts.active]).toEqual(['found', 2]);
  }, 120_000);
  it('a store that stops answering while revoke-everywhere reads the person\'s live sessions fails that group within the time limit, with nothing revoked there; the others complete', async () => {
    const login = 'wanda';
    const person = `${login}@corp.example`;
    const seed = await stores.seedAlice(login);
    const connections = [stores.ids.sentinel, cutId];
    await stores.call('connections:switch', { id: stores.ids.sentinel });
    const found = (await stores.call('people:find', { person, connections })) as unknown as PeopleFindResponse;
    expect(found.groups.map((g) => [g.connection.name, g.state])).toEqual([
      ['sentinel-prod', 'found'],
      ['web-through-proxy', 'found'],
    ]);
    const targets = found.groups.map((g) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.sessions.filter((s) => s.status === 'active').map((s) => s.id), everyLive: true, confirmedCount: g.counts.active }));

    // The read of wanda's user indexes (after the named sessions are read) is held at the proxy, as
    // a store that accepts the command and never answers; it is let through once the report is in.
    let answer: () => void = () => undefined;
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const held = proxy.beforeNext('user_sessions', () => answered);
    const report = (await stores.call('people:revoke', { person, targets, reasonCode: 'credential_compromise' })) as unknown as PeopleRevokeResponse;
    answer();
    await held;
    expect(report.groups.map((g) => [g.connection.name, g.state])).toEqual([
      ['sentinel-prod', 'done'],
      ['web-through-proxy', 'failed'],
    ]);
    expect(report.groups[1]?.problem).toMatch(/^reading wanda@corp\.example's sessions in "web-through-proxy" failed \(the store could not be used: it did not answer in time\): nothing was revoked there/);
    expect(report.groups[1]?.results).toEqual([]);
    // Nothing of wanda's was written in Redis: each web session still live, not blacklisted.
    const redis = stores.redisClient();
    for (const s of seed.web.live) {
      const raw = await redis.get(`session:${s.id}`);
      expect([raw === null ? null : (JSON.parse(raw) as { revoked?: boolean }).revoked ?? false, await redis.exists(`revoked:${s.id}`)]).toEqual([false, 0]);
    }
  }, 60_000);
});
