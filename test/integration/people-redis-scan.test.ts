import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { searchPerson } from '../../src-main/people/person-search';
import { CursorCodec } from '../../src-main/stores/cursor';
import { RedisSessionStore } from '../../src-main/web-sessions/redis-session-store';
import { webSession, withOwnRedis, writeWebSessions, type OwnRedis } from '../fixtures/web-sessions';

/**
 * Finding a person by e-mail in a web app's Redis reads every `user_sessions:*` index (the app keeps
 * no e-mail → userId key): on a large store that is bounded by a budget, and a scan cut short says
 * how far it got (incomplete), never "no sessions". Real redis-server, its own (SCAN sees every key).
 */
describe('person search by e-mail in Redis: bounded and honest', () => {
  let redis: OwnRedis;
  withOwnRedis((r) => (redis = r));

  const USERS = 3000;

  async function seed(): Promise<void> {
    const now = Date.now();
    const sessions = Array.from({ length: USERS }, (_, i) => webSession(`u-${i}`, now, { fields: { email: `user${i}@corp.example` } }));
    for (let i = 0; i < sessions.length; i += 500) await writeWebSessions(redis.admin, sessions.slice(i, i + 500), now);
    await writeWebSessions(redis.admin, [webSession('u-olga', now, { fields: { email: 'Olga@Corp.Example' } })], now);
  }

  const store = () => new RedisSessionStore({ client: redis.client, cursors: new CursorCodec(randomBytes(32)), scanCount: 100 });

  it('with the budget spent after the first batch: incomplete, says how many indexes of how many keys were read, and never claims none', async () => {
    await seed();
    const keys = await redis.admin.dbsize();
    // The budget is over as soon as it is looked at: one SCAN batch is read, then the search stops.
    const finding = await searchPerson({ store: store(), kind: 'redis', person: 'nobody@corp.example', budget: { ms: 0 } });
    expect(finding.state).toBe('incomplete');
    expect(finding.counts).toEqual({ active: 0, revoked: 0, expired: 0 });
    const match = /^searched (\d[\d,]*) user indexes \(user_sessions:\*\) in a store of ([\d,]+) keys before the 0 s budget ran out; incomplete: nobody@corp\.example may have sessions in the indexes not read/.exec(finding.problem ?? '');
    expect(match, finding.problem).not.toBeNull();
    const read = Number((match?.[1] ?? '').replace(/,/g, ''));
    expect(read).toBeGreaterThan(0);
    expect(read).toBeLessThan(USERS);
    expect(Number((match?.[2] ?? '').replace(/,/g, ''))).toBe(keys);
  });

  it('with enough budget: complete, so nobody is none and a person stored in another case is found', async () => {
    const none = await searchPerson({ store: store(), kind: 'redis', person: 'nobody@corp.example', budget: { ms: 60_000 } });
    expect(none).toMatchObject({ state: 'none' });
    const olga = await searchPerson({ store: store(), kind: 'redis', person: 'olga@corp.example', budget: { ms: 60_000 } });
    expect(olga).toMatchObject({ state: 'found', counts: { active: 1 } });
    expect(olga.problem).toBeUndefined();
  });

  it('a clock that passes the budget midway stops there: found so far is listed, the group says incomplete', async () => {
    // A clock that advances one second per look: a 5 s budget is spent after five batches.
    let tick = 0;
    const clock = () => (tick += 1) * 1000;
    const finding = await searchPerson({ store: store(), kind: 'redis', person: 'user7@corp.example', budget: { ms: 5000, clock } });
    expect(finding.state).toBe('incomplete');
    expect(finding.problem).toMatch(/^searched \d[\d,]* user indexes \(user_sessions:\*\) in a store of [\d,]+ keys before the 5 s budget ran out; incomplete/);
  });
});
