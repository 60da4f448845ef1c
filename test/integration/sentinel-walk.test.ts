import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SessionsQueryRequest } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { SentinelStore } from '../../src-main/sentinel/sentinel-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { readAhead, exportPages } from '../../src-main/export/exports';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';

type Filter = Omit<SessionsQueryRequest, 'limit' | 'cursor'>;

/**
 * An export's walk over a Sentinel table (each partition read once, merged newest first) hands
 * out exactly the sessions, in exactly the order, that paging `query` does, for every status
 * filter; on small DynamoDB pages (30 items) so that many rows share a second across page and
 * partition boundaries; and reads each partition once, where paging `query` asks each again a page.
 */
describe('SentinelStore.walk: every session of a filter, each item read once, in query order', () => {
  let table: TestTable;
  const now = Math.floor(Date.now() / 1000);
  const COUNT = 2400;
  let reads = 0;
  let store: SentinelStore;

  beforeAll(async () => {
    table = await createSentinelTable(inject('dynamoEndpoint'));
    const statuses = ['active', 'active', 'revoked', 'expired', 'active'] as const;
    const items = Array.from({ length: COUNT }, (_, i) => {
      // Many sessions in each second (i % 300 seconds back), with and without a fraction, and
      // some stored active that expired (derived expired, read from the active partition).
      const status = statuses[i % statuses.length] as string;
      const pastExpiry = status === 'active' && i % 7 === 0;
      return sentinelItem(
        { seconds: now - 60 - (i % 300), nanos: i % 3 === 0 ? 0 : (i * 7919) % 1e9 },
        {
          user: `user${i % 4}`,
          status,
          expires_at: formatRfc3339Nano(pastExpiry ? now - 30 : now + 8 * 3600, 0),
          ttl: pastExpiry ? now - 30 : now + 8 * 3600,
          ...(status === 'revoked' ? { revoked_by: 'secops', revoked_reason: 'offboarding: leaver' } : {}),
        },
      );
    });
    await table.put(items);
    store = new SentinelStore({ client: table.client, tableName: table.name, cursors: new CursorCodec(randomBytes(32)), readPageSize: 30, clock: () => now * 1000, onRead: () => void (reads += 1) });
  }, 120_000);
  afterAll(async () => {
    await table?.drop();
  });

  const paged = async (filter: Filter): Promise<{ sessions: Session[]; reads: number }> => {
    reads = 0;
    const sessions: Session[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.query({ ...filter, limit: 100, ...(cursor ? { cursor } : {}) });
      sessions.push(...page.sessions);
      cursor = page.nextCursor;
    } while (cursor);
    return { sessions, reads };
  };
  const walked = async (filter: Filter): Promise<{ sessions: Session[]; reads: number; pages: number }> => {
    reads = 0;
    const sessions: Session[] = [];
    let pages = 0;
    for await (const page of readAhead(exportPages(store, filter))) {
      sessions.push(...page);
      pages += 1;
    }
    return { sessions, reads, pages };
  };

  const filters: [string, Filter][] = [
    ['every status', { status: 'any' }],
    ['active', { status: 'active' }],
    ['expired (the expired partition and the active one past expiry)', { status: 'expired' }],
    ['revoked and expired', { status: ['revoked', 'expired'] }],
    ['every status in a window', { status: 'any', since: formatRfc3339Nano(now - 300, 500_000_000), until: formatRfc3339Nano(now - 120, 0) }],
    ["one user's sessions", { status: 'any', user: 'user3' }],
  ];

  it.each(filters)('%s: the same sessions in the same order as paging query', async (_name, filter) => {
    const expected = await paged(filter);
    const got = await walked(filter);
    expect(got.sessions.length).toBeGreaterThan(0);
    expect(got.sessions.map((s) => s.id)).toEqual(expected.sessions.map((s) => s.id));
    expect(got.sessions).toEqual(expected.sessions);
  });

  it('reads each item of the three status partitions once (one Query per 30 items), on small pages', async () => {
    const got = await walked({ status: 'any' });
    expect(got.sessions).toHaveLength(COUNT);
    // Each partition: ceil(items / 30) pages, and one more when the last page is full.
    const perPartition = [COUNT * (3 / 5), COUNT / 5, COUNT / 5];
    const floor = perPartition.reduce((sum, n) => sum + Math.ceil(n / 30), 0);
    expect(got.reads).toBeGreaterThanOrEqual(floor);
    expect(got.reads).toBeLessThanOrEqual(floor + 3);
    expect(got.pages).toBeGreaterThan(10);
  });

  it("on DynamoDB's own pages: one Query a partition (each well under 1 MB), where paging query by 500 asks every partition again each page", async () => {
    let counted = 0;
    const plain = new SentinelStore({ client: table.client, tableName: table.name, cursors: new CursorCodec(randomBytes(32)), clock: () => now * 1000, onRead: () => void (counted += 1) });
    let rows = 0;
    for await (const page of plain.walk({ status: 'any' })) rows += page.length;
    expect(rows).toBe(COUNT);
    expect(counted).toBe(3);
    counted = 0;
    let cursor: string | undefined;
    do {
      const page = await plain.query({ status: 'any', limit: 500, ...(cursor ? { cursor } : {}) });
      cursor = page.nextCursor;
    } while (cursor);
    expect(counted).toBeGreaterThanOrEqual(12);
  });

  it('an unknown status set reads nothing; a bad time is a validation error', async () => {
    await expect(walked({ status: 'any', since: 'yesterday' } as Filter)).rejects.toMatchObject({ code: 'VALIDATION' });
    const none = await walked({ status: 'active', reasonCode: 'offboarding' });
    expect(none).toMatchObject({ sessions: [], reads: 0 });
  });
});
