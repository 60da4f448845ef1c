import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CursorCodec } from '../../src-main/stores/cursor';
import { SentinelStore } from '../../src-main/sentinel/sentinel-store';
import { UserDirectory } from '../../src-main/users/user-directory';
import { RedisSessionStore } from '../../src-main/web-sessions/redis-session-store';
import type { RedisClient } from '../../src-main/web-sessions/redis-target';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { webSession, withOwnRedis, writeWebSessions } from '../fixtures/web-sessions';

const NOW = Date.now();
const BASE = Math.floor(NOW / 1000) - 3600;

describe('the user directory of a Sentinel table (DynamoDB Local)', () => {
  let table: TestTable;
  beforeAll(async () => {
    table = await createSentinelTable(inject('dynamoEndpoint'));
    await table.put([
      ...Array.from({ length: 19 }, (_, i) => sentinelItem({ seconds: BASE + i }, { user: 'alice' })),
      ...Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: BASE + i }, { user: 'grace.ho' })),
      // Still `active` in the store but past expires_at: not live.
      ...Array.from({ length: 2 }, (_, i) => sentinelItem({ seconds: BASE - 9 * 3600 + i }, { user: 'alice' })),
      sentinelItem({ seconds: BASE - 9 * 3600 }, { user: 'stale.only' }),
      // Known to the table, nothing live.
      sentinelItem({ seconds: BASE }, { user: 'bob', status: 'revoked', revoked_by: 'soc', revoked_reason: 'offboarding' }),
    ]);
  });
  afterAll(async () => {
    await table?.drop();
  });

  it('counts live sessions per user from gsi-status alone, leaving out sessions past their expiry', async () => {
    const reads: string[] = [];
    const store = new SentinelStore({ client: table.client, tableName: table.name, cursors: new CursorCodec(randomBytes(32)), onRead: (r) => reads.push(`${r.operation}:${r.index ?? 'table'}`) });
    const users = await store.activeUsers();
    expect(users.sort((a, b) => a.user.localeCompare(b.user))).toEqual([
      { user: 'alice', live: 19, emails: [] },
      { user: 'grace.ho', live: 3, emails: [] },
    ]);
    expect(new Set(reads)).toEqual(new Set(['Query:gsi-status']));
    expect(await store.hasUser('bob')).toBe(true);
    expect(await store.hasUser('Bob')).toBe(false);
  });

  it('answers users:lookup over the real handler table: did-you-mean with live counts, case and e-mail resolved', async () => {
    const directory = new UserDirectory(table.store());
    expect(await directory.lookup('Alice')).toMatchObject({ match: 'resolved', user: 'alice', how: 'case', live: 19, known: false });
    expect(await directory.lookup('ali')).toMatchObject({ match: 'none', live: 0, known: false, suggestions: [{ user: 'alice', live: 19, why: 'prefix' }] });
    expect(await directory.lookup('Grace.Ho@example.com')).toMatchObject({ match: 'resolved', user: 'grace.ho', how: 'email', live: 3 });
    expect(await directory.lookup('bob')).toMatchObject({ match: 'none', known: true, live: 0 });
    expect(await directory.lookup('alice')).toMatchObject({ match: 'exact', user: 'alice', live: 19, known: true });
  });
});

describe('the user directory of web sessions (real redis-server)', () => {
  let admin: Redis;
  let client: RedisClient;
  withOwnRedis((own) => ({ admin, client } = own));

  it('finds users through their user_sessions sets (SCAN, never KEYS), with the e-mail their sessions carry', async () => {
    await admin.flushall();
    const uid = 'u-7f3a9c2e';
    await writeWebSessions(admin, [
      ...Array.from({ length: 4 }, () => webSession(uid, NOW, { fields: { email: 'Olivia.Reyes@Example.com' } })),
      ...Array.from({ length: 2 }, () => webSession('pavel', NOW)),
    ], NOW);
    // Many unrelated keys: the directory pages through them.
    await admin.mset(Object.fromEntries(Array.from({ length: 600 }, (_, i) => [`rate:${i}`, '1'])));
    const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)), scanCount: 50 });
    const before = Number((await admin.info('commandstats')).match(/cmdstat_keys:calls=(\d+)/)?.[1] ?? 0);
    const users = await store.activeUsers();
    expect(users.sort((a, b) => a.user.localeCompare(b.user))).toEqual([
      { user: 'pavel', live: 2, emails: ['pavel@example.com'] },
      { user: uid, live: 4, emails: ['Olivia.Reyes@Example.com'] },
    ]);
    expect(Number((await admin.info('commandstats')).match(/cmdstat_keys:calls=(\d+)/)?.[1] ?? 0)).toBe(before);
    const directory = new UserDirectory(store);
    expect(await directory.lookup('olivia.reyes@example.com')).toMatchObject({ match: 'resolved', user: uid, how: 'email', live: 4 });
    expect(await directory.lookup('Pavel')).toMatchObject({ match: 'resolved', user: 'pavel', how: 'case', live: 2 });
    // No session set of that name: whether the store ever held one would take a scan, so unknown (null).
    expect(await directory.lookup('olivia')).toMatchObject({ match: 'none', known: null, suggestions: [{ user: uid, live: 4, why: 'email' }] });
  });
});
