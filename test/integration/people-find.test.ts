import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PeopleFindResponse, PersonGroup } from '../../src-shared/people';
import { insertSessions, insertUser } from '../fixtures/postgres-sessions';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { ALICE, startPeopleStores, type AliceSeed, type PeopleStores } from './people-stores';

/**
 * people:find over the app's handler table, on three real stores at once: alice's sessions in a
 * Sentinel table (by login), a web app's Redis and its PostgreSQL (by e-mail), found in one search
 * with exact counts; a stopped store is that group's `unreachable`, the others still answer.
 */
describe('people:find across Sentinel, web Redis and PostgreSQL', () => {
  let stores: PeopleStores;
  let seed: AliceSeed;

  beforeAll(async () => {
    stores = await startPeopleStores({ timeoutMs: 5_000 });
    seed = await stores.seedAlice();
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  const find = async (person: string, connections: string[]) => (await stores.call('people:find', { person, connections })) as unknown as PeopleFindResponse;
  const all = () => [stores.ids.sentinel, stores.ids.web, stores.ids.postgres];

  it('finds alice in every store in one search, each by the name its identity map gives her', async () => {
    const found = await find(ALICE, all());
    expect(found.groups.map((g) => g.connection.name)).toEqual(['sentinel-prod', 'web-redis', 'shop-db']);
    const [sentinel, web, postgres] = found.groups as [PersonGroup, PersonGroup, PersonGroup];

    expect(sentinel).toMatchObject({ state: 'found', identity: { key: 'user', name: 'alice' }, counts: { active: 2, revoked: 1, expired: 1 } });
    expect(sentinel.connection).toMatchObject({ environment: 'production', production: true, colour: 'red', kind: 'dynamodb', readOnly: false });
    expect(new Set(sentinel.sessions.map((s) => s.id))).toEqual(new Set([...seed.sentinel.active, ...seed.sentinel.revoked, ...seed.sentinel.expired].map((s) => s.id)));
    // Live sessions first: what a revocation is confirmed for.
    expect(sentinel.sessions.slice(0, 2).every((s) => s.status === 'active')).toBe(true);
    expect(sentinel.exposure.live).toBe(true);

    // The web app names her by e-mail: resolved to her user id through its index of live users.
    expect(web).toMatchObject({ state: 'found', identity: { key: 'email', name: ALICE }, counts: { active: 2, revoked: 0, expired: 0 } });
    expect(new Set(web.sessions.map((s) => s.id))).toEqual(new Set(seed.web.live.map((s) => s.id)));
    expect(web.sessions.every((s) => s.user === 'u-alice')).toBe(true);

    expect(postgres).toMatchObject({ state: 'found', identity: { key: 'email', name: ALICE }, counts: { active: 3, revoked: 1, expired: 0 } });
    expect(new Set(postgres.sessions.map((s) => s.id))).toEqual(new Set([...seed.postgres.live, ...seed.postgres.revoked].map((s) => s.id)));

    for (const group of found.groups) {
      expect(group.lastActivityAt).not.toBeNull();
      expect(group.connection.fingerprint).toMatch(/^[0-9a-f]{32}$/);
      expect(group.more).toBe(false);
    }
    // bob is nowhere in alice's groups.
    const everyId = found.groups.flatMap((g) => g.sessions.map((s) => s.id));
    for (const other of [...seed.sentinel.others.map((s) => s.id), ...seed.web.others.map((s) => s.id), ...seed.postgres.others.map((s) => s.id)]) expect(everyId).not.toContain(other);
  });

  it('says a login cannot name someone where the connection names people by e-mail, and searches the rest', async () => {
    const found = await find('alice', all());
    expect(found.groups.map((g) => g.state)).toEqual(['found', 'cannot-derive', 'cannot-derive']);
    expect(found.groups[1]?.problem).toMatch(/e-mail/);
  });

  it('a Sentinel connection whose identity map asks for an e-mail says Sentinel has none', async () => {
    const id = await stores.save({
      name: 'sentinel-by-email',
      environment: 'staging',
      colour: 'amber',
      readOnly: false,
      identity: { key: 'email', template: '{email}' },
      store: { kind: 'dynamodb', region: 'local', table: stores.table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' } },
    });
    const found = await find(ALICE, [id]);
    expect(found.groups[0]).toMatchObject({ state: 'cannot-derive', identity: { key: 'email' } });
    expect(found.groups[0]?.problem).toMatch(/Sentinel sessions carry no e-mail/);
  });

  it('finds nobody as none, with zero counts', async () => {
    const found = await find('zoe@corp.example', all());
    expect(found.groups.map((g) => g.state)).toEqual(['none', 'none', 'none']);
    expect(found.groups.every((g) => g.counts.active + g.counts.revoked + g.counts.expired === 0)).toBe(true);
  });

  it('an e-mail carried by two web user ids finds the sessions of both', async () => {
    const now = Date.now();
    const client = stores.redisClient();
    const twin = webSession('u-greta-old', now, { fields: { email: 'greta@corp.example' } });
    const other = webSession('u-greta-new', now, { fields: { email: 'greta@corp.example' } });
    await writeWebSessions(client, [twin, other], now);
    const found = await find('greta@corp.example', [stores.ids.web]);
    expect(found.groups[0]).toMatchObject({ state: 'found', counts: { active: 2 } });
    expect(new Set(found.groups[0]?.sessions.map((s) => s.user))).toEqual(new Set(['u-greta-old', 'u-greta-new']));
  });

  it('finds an e-mail the web app stored in another case in PostgreSQL (users.email compared ignoring case), and both users where two differ only by case', async () => {
    const mixed = await insertUser(stores.db.admin, 'Heidi.Mixed@Corp.Example');
    const [live] = await insertSessions(stores.db.admin, [{ userId: mixed }]);
    const found = await find('heidi.mixed@corp.example', [stores.ids.postgres]);
    expect(found.groups[0]).toMatchObject({ state: 'found', identity: { key: 'email', name: 'heidi.mixed@corp.example' }, counts: { active: 1 } });
    expect(found.groups[0]?.sessions.map((s) => s.id)).toEqual([live?.id]);
    // users.email is UNIQUE as written, so the app can hold both spellings: both are the person.
    const lower = await insertUser(stores.db.admin, 'heidi.mixed@corp.example');
    await insertSessions(stores.db.admin, [{ userId: lower }]);
    const both = await find('HEIDI.MIXED@corp.example', [stores.ids.postgres]);
    expect(both.groups[0]).toMatchObject({ state: 'found', counts: { active: 2 } });
    expect(new Set(both.groups[0]?.sessions.map((s) => s.user))).toEqual(new Set([mixed, lower]));
  });

  it('refuses a connection that does not exist, before anything is read', async () => {
    const error = await stores.fails('people:find', { person: ALICE, connections: [stores.ids.web, '00000000-0000-4000-8000-000000000000'] });
    expect(error.code).toBe('VALIDATION');
  });

  it('a stopped store is its group\'s unreachable, with why; the others still answer', async () => {
    await stores.stopRedis();
    try {
      const found = await find(ALICE, all());
      const [sentinel, web, postgres] = found.groups as [PersonGroup, PersonGroup, PersonGroup];
      expect(web.state).toBe('unreachable');
      expect(web.problem).toMatch(/ECONNREFUSED|refused|down|did not answer|could not be used/);
      expect(web.connection.name).toBe('web-redis');
      expect(sentinel).toMatchObject({ state: 'found', counts: { active: 2 } });
      expect(postgres).toMatchObject({ state: 'found', counts: { active: 3 } });
    } finally {
      await stores.restartRedis();
    }
  });
});
