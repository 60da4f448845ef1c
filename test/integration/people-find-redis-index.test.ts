import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeopleFindResponse, PeopleRevokeResponse } from '../../src-shared/people';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { startPeopleStores, type PeopleStores } from './people-stores';

/**
 * Finding a person by e-mail in the web app's Redis reads each user's index (`user_sessions:<id>`)
 * until a member is a session record with an e-mail. The index keeps ids of expired sessions until
 * the web app prunes it (DESIGN.md), so a few members picked at random could all be stale while the
 * user has a live session: the person was then reported "none" and revoke-everywhere left the
 * session open. On a real redis-server.
 */
describe('people:find by e-mail in a web Redis: user indexes read until a record answers', () => {
  let stores: PeopleStores;
  beforeAll(async () => {
    stores = await startPeopleStores({ timeoutMs: 8_000, watchPeriodMs: 3_600_000 });
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });
  const find = async (person: string) => (await stores.call('people:find', { person, connections: [stores.ids.web] })) as unknown as PeopleFindResponse;

  it('finds a live session among thirty expired ids not yet pruned from the index, every time', async () => {
    const now = Date.now();
    const redis = stores.redisClient();
    const live = webSession('u-vic', now, { fields: { email: 'Vic@Corp.Example' } });
    await writeWebSessions(redis, [live], now);
    await redis.sadd('user_sessions:u-vic', ...Array.from({ length: 30 }, (_, i) => `expired-vic-${i}`));
    for (let i = 0; i < 5; i += 1) {
      const group = (await find('vic@corp.example')).groups[0];
      expect([group?.state, group?.counts.active, group?.sessions.map((s) => s.id)]).toEqual(['found', 1, [live.id]]);
    }
  }, 60_000);

  it('members that are not sessions (a hash, an id of another shape) neither hide the user nor pass for "no session": incomplete in the search, failed in the revocation', async () => {
    const now = Date.now();
    const redis = stores.redisClient();
    const live = webSession('u-wes', now, { fields: { email: 'wes@corp.example' } });
    await writeWebSessions(redis, [live], now);
    await redis.hset('session:junk-wes', 'a', 'b');
    await redis.set('session:legacy.id.0001', JSON.stringify({ userId: 'u-wes', email: 'wes@corp.example' }));
    await redis.sadd('user_sessions:u-wes', 'junk-wes', 'legacy.id.0001');
    const found = await find('wes@corp.example');
    const group = found.groups[0];
    // Before: the listing threw WRONGTYPE for the whole group (unreachable), and the legacy id was passed over.
    expect([group?.state, group?.counts.active, group?.sessions.map((s) => s.id)]).toEqual(['incomplete', 1, [live.id]]);
    expect(group?.problem).toMatch(/^2 entries of wes@corp\.example's session index do not read as a session/);

    const target = { connection: stores.ids.web, fingerprint: group?.connection.fingerprint ?? '', ids: [live.id], everyLive: true, confirmedCount: 1 };
    const report = (await stores.call('people:revoke', { person: 'wes@corp.example', targets: [target], reasonCode: 'credential_compromise' })) as unknown as PeopleRevokeResponse;
    const revoked = report.groups[0];
    expect(revoked?.results.map((r) => [r.id, r.outcome])).toEqual([[live.id, 'revoked']]);
    expect(revoked?.state).toBe('failed');
    expect(revoked?.problem).toMatch(/2 entries of wes@corp\.example's session index do not read as a session and were not revoked/);
    await redis.del('user_sessions:u-wes', 'session:junk-wes', 'session:legacy.id.0001');
  }, 60_000);

  it('an index whose members exist but none reads as a session: the search says incomplete, never "none"', async () => {
    const redis = stores.redisClient();
    await redis.hset('session:junk-xan', 'a', 'b');
    await redis.set('session:notjson-xan', 'not a session');
    await redis.sadd('user_sessions:u-xan', 'junk-xan', 'notjson-xan');
    const group = (await find('nobody-here@corp.example')).groups[0];
    expect(group?.state).toBe('incomplete');
    expect(group?.problem).toMatch(/^1 user index holds \(user_sessions:\*\) only records that do not read as web sessions/);
    await redis.del('user_sessions:u-xan', 'session:junk-xan', 'session:notjson-xan');
    expect((await find('nobody-here@corp.example')).groups[0]?.state).toBe('none');
  }, 60_000);
});
