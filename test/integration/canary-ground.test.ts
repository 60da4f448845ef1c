import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { CANARY_USER, webCanaryGround } from '../../src-main/proof/canary-ground';
import { withOwnRedis, type OwnRedis } from '../fixtures/web-sessions';

/**
 * A crash between the canary's two writes: the web canary's record is written, then its entry in
 * the user's session set is refused. The record alone would be a live session nobody removes for
 * ten minutes; it must be gone when plant() fails.
 */
describe('the web canary written half way (redis-server)', () => {
  let redis: OwnRedis;
  withOwnRedis((r) => (redis = r));
  const clients: Redis[] = [];
  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });

  async function canaryKeys(): Promise<string[]> {
    return (await redis.admin.keys('session:session-warden-canary-*')).sort();
  }

  it('removes the record when adding it to the user set is refused, and says why', async () => {
    // A Redis user that may SET and DEL but not SADD: the second write fails after the first landed.
    await redis.admin.call('ACL', 'SETUSER', 'half-writer', 'on', '>half-writer-pw', '~*', '+@all', '-sadd');
    const client = new Redis(redis.server.url, { username: 'half-writer', password: 'half-writer-pw', maxRetriesPerRequest: 0 });
    clients.push(client);
    await expect(webCanaryGround(client).plant(Date.now())).rejects.toThrow(/NOPERM|sadd/i);
    expect(await canaryKeys()).toEqual([]);
    expect(await redis.admin.smembers(`user_sessions:${CANARY_USER}`)).toEqual([]);
  });

  it('leaves the record and the set entry in place when both writes land, until remove()', async () => {
    const ground = webCanaryGround(redis.admin);
    const planted = await ground.plant(Date.now());
    expect(await canaryKeys()).toEqual([`session:${planted.id}`]);
    expect(await redis.admin.smembers(`user_sessions:${CANARY_USER}`)).toEqual([planted.id]);
    await ground.remove(planted.id);
    expect(await canaryKeys()).toEqual([]);
    expect(await redis.admin.smembers(`user_sessions:${CANARY_USER}`)).toEqual([]);
  });
});
