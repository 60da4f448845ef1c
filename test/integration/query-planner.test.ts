import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SessionsQueryRequest } from '../../src-shared/contract';
import type { SentinelItem } from '../../src-main/sentinel/sentinel-item';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const T = NOW / 1000;
const USERS = ['alice', 'bob', 'carol'];
const PROFILES = ['prod-admin', 'billing-ro'];
const INSTANCES = ['sentinel-a', 'sentinel-b', 'sentinel-c'];

/** The expected answer, worked out independently of the store: filter, derive, sort. */
function expected(items: SentinelItem[], q: Partial<SessionsQueryRequest>): string[] {
  const exact = (t: string) => {
    const m = /^(.{19})(?:\.(\d+))?Z$/.exec(t) as RegExpExecArray;
    return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z`;
  };
  const derived = (i: SentinelItem) => (i.status === 'active' && Date.parse(i.expires_at) <= NOW ? 'expired' : i.status);
  const status = q.status ?? 'active';
  const wanted = status === 'any' ? ['active', 'revoked', 'expired'] : Array.isArray(status) ? status : [status];
  return items
    .filter((i) => wanted.includes(derived(i) as 'active'))
    .filter((i) => !q.user || i.user === q.user)
    .filter((i) => !q.profile || i.profile === q.profile)
    .filter((i) => !q.serverInstance || i.server_instance_id === q.serverInstance)
    .filter((i) => !q.since || exact(i.created_at) >= exact(q.since))
    .filter((i) => !q.until || exact(i.created_at) <= exact(q.until))
    .sort((a, b) => (exact(a.created_at) === exact(b.created_at) ? (a.id < b.id ? 1 : -1) : exact(a.created_at) < exact(b.created_at) ? 1 : -1))
    .map((i) => i.id);
}

describe('query planner against DynamoDB Local', () => {
  let table: TestTable;
  const items: SentinelItem[] = [];

  beforeAll(async () => {
    table = await createSentinelTable(inject('dynamoEndpoint'));
    for (let i = 0; i < 150; i += 1) {
      const created = T - 30 - i * 97;
      const kind = i % 10;
      const status = kind < 6 ? 'active' : kind < 8 ? 'revoked' : 'expired';
      // Some "active" sessions are past their expiry: they must count as expired.
      // Some expired sessions stopped gracefully before their expiry: ttl still ahead.
      const expires = kind === 5 ? T - 10 : status === 'expired' ? (i % 20 === 8 ? T + 1800 : T - 100) : T + 3600;
      items.push(
        sentinelItem(
          { seconds: created, nanos: (i % 4) * 250_000_000 },
          {
            user: USERS[i % 3] as string,
            profile: PROFILES[i % 2] as string,
            server_instance_id: INSTANCES[i % 3 === 0 ? 0 : (i % 5) % 3] as string,
            status,
            expires_at: formatRfc3339Nano(expires, 0),
            ttl: expires,
            ...(status === 'revoked' ? { revoked_by: 'x', revoked_reason: 'offboarding' } : {}),
          },
        ),
      );
    }
    await table.put(items);
  });
  afterAll(async () => {
    await table?.drop();
  });

  async function run(q: Partial<SessionsQueryRequest>) {
    const used = new Set<string>();
    const store = table.store(() => NOW);
    const withReads = new (store.constructor as typeof import('../../src-main/sentinel/sentinel-store').SentinelStore)({
      client: table.client,
      tableName: table.name,
      cursors: new (await import('../../src-main/stores/cursor')).CursorCodec(Buffer.alloc(32, 3)),
      clock: () => NOW,
      onRead: (r) => used.add(r.index ?? 'SCAN'),
    });
    const ids: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await withReads.query({ status: 'active', limit: 7, ...q, ...(cursor ? { cursor } : {}) } as SessionsQueryRequest);
      ids.push(...page.sessions.map((s) => s.id));
      cursor = page.nextCursor;
      pages += 1;
    } while (cursor);
    return { ids, used: [...used], pages };
  }

  const since = formatRfc3339Nano(T - 60 * 97, 500_000_000);
  const until = formatRfc3339Nano(T - 20 * 97, 0);
  it.each<[string, Partial<SessionsQueryRequest>, string]>([
    ['status active', { status: 'active' }, 'gsi-status'],
    ['status revoked', { status: 'revoked' }, 'gsi-status'],
    ['status expired (derived)', { status: 'expired' }, 'gsi-status'],
    ['user', { status: 'any', user: 'alice' }, 'gsi-user'],
    ['profile', { status: 'any', profile: 'billing-ro' }, 'gsi-profile'],
    ['server instance', { status: 'any', serverInstance: 'sentinel-b' }, 'gsi-server-instance'],
    ['since', { status: 'any', since }, 'gsi-status'],
    ['until + status', { status: 'revoked', until }, 'gsi-status'],
    ['user + status', { status: 'active', user: 'bob' }, 'gsi-user'],
    ['user + expired', { status: 'expired', user: 'carol' }, 'gsi-user'],
    ['user + profile', { status: 'any', user: 'alice', profile: 'prod-admin' }, 'gsi-user'],
    ['profile + server instance', { status: 'active', profile: 'prod-admin', serverInstance: 'sentinel-a' }, 'gsi-profile'],
    ['server instance + status', { status: 'revoked', serverInstance: 'sentinel-c' }, 'gsi-server-instance'],
    ['server instance + expired (derived)', { status: 'expired', serverInstance: 'sentinel-a' }, 'gsi-server-instance'],
    ['user + since + until', { status: 'any', user: 'bob', since, until }, 'gsi-user'],
    ['status + since', { status: 'active', since }, 'gsi-status'],
    ['no filter at all', { status: 'any' }, 'gsi-status'],
    ['active + expired', { status: ['active', 'expired'] }, 'gsi-status'],
    ['revoked + expired', { status: ['revoked', 'expired'] }, 'gsi-status'],
    ['user + active + revoked', { status: ['active', 'revoked'], user: 'alice' }, 'gsi-user'],
    ['profile + expired (incl. graceful stops)', { status: 'expired', profile: 'prod-admin' }, 'gsi-profile'],
  ])('%s: exactly the expected sessions, newest first, via %s', async (_label, q, index) => {
    const { ids, used, pages } = await run(q);
    const want = expected(items, q);
    expect(want.length).toBeGreaterThan(0);
    expect(ids).toEqual(want);
    expect(pages).toBeGreaterThanOrEqual(Math.ceil(want.length / 7));
    expect(used).toEqual([index]);
  });

  it('returns one session by id, and null for an unknown one', async () => {
    const store = table.store(() => NOW);
    const stale = items.find((_, i) => i % 10 === 5) as SentinelItem;
    expect(await store.get(stale.id)).toMatchObject({ id: stale.id, status: 'expired', storedStatus: 'active' });
    expect(await store.get('0000000000000000')).toBeNull();
  });

  it('refuses an unparsable time bound with a clear error', async () => {
    await expect(table.store().query({ status: 'any', since: '2026-02-30T00:00:00Z', limit: 5 })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});

describe('paging when a filter drops most of what DynamoDB reads', () => {
  it('still reaches the sessions behind 50 filtered-out ones (and users:revoke revokes them)', async () => {
    const table = await createSentinelTable(inject('dynamoEndpoint'));
    try {
      // Real time here, not NOW: the revoker below judges expiry by the real clock, and sessions
      // created around NOW stop being active 8 hours after it.
      const now = Date.now();
      const at = (s: number) => ({ seconds: Math.floor(now / 1000) - s });
      const newest = [sentinelItem(at(100), { user: 'alice' }), sentinelItem(at(101), { user: 'alice' })];
      const revoked = Array.from({ length: 50 }, (_, i) => sentinelItem(at(102 + i), { user: 'alice', status: 'revoked', revoked_by: 'x', revoked_reason: 'y' }));
      const oldest = sentinelItem(at(200), { user: 'alice' });
      await table.put([...newest, ...revoked, oldest]);
      const store = table.store(() => now);
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.query({ status: 'active', user: 'alice', limit: 2, ...(cursor ? { cursor } : {}) });
        ids.push(...page.sessions.map((s) => s.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(ids).toEqual([...newest, oldest].map((s) => s.id));
      const dir = await tempDir();
      const report = await table.revoker(dir.path).revokeUsers({ users: ['alice'], reasonCode: 'offboarding' });
      expect(report.results.map((r) => r.id).sort()).toEqual([...newest, oldest].map((s) => s.id).sort());
      await dir.remove();
    } finally {
      await table.drop();
    }
  });
});
