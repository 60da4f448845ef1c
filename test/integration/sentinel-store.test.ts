import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { Session } from '../../src-shared/session';
import { randomBytes } from 'node:crypto';
import { WardenError } from '../../src-main/errors';
import { CursorCodec } from '../../src-main/stores/cursor';
import { SentinelStore } from '../../src-main/sentinel/sentinel-store';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';

const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);
const BASE = NOW / 1000 - 3600;
const clock = () => NOW;

async function allPages(table: TestTable, status: 'active' | 'revoked' | 'expired', limit: number, readPageSize?: number) {
  const store = table.store(clock, readPageSize);
  const pages: Session[][] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ status, limit, ...(cursor ? { cursor } : {}) });
    pages.push(page.sessions);
    cursor = page.nextCursor;
  } while (cursor && pages.length < 100);
  return pages;
}

describe('SentinelStore against DynamoDB Local', () => {
  let table: TestTable;

  beforeAll(async () => {
    table = await createSentinelTable(inject('dynamoEndpoint'));
  });
  afterAll(async () => {
    await table?.drop();
  });

  it('creates the table exactly as DESIGN.md describes it', async () => {
    const { Table } = await table.client.send(new DescribeTableCommand({ TableName: table.name }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    const indexes = Object.fromEntries(
      (Table?.GlobalSecondaryIndexes ?? []).map((i) => [i.IndexName, { keys: i.KeySchema?.map((k) => `${k.AttributeName}:${k.KeyType}`), projection: i.Projection?.ProjectionType }]),
    );
    expect(indexes).toEqual({
      'gsi-user': { keys: ['user:HASH', 'created_at:RANGE'], projection: 'ALL' },
      'gsi-status': { keys: ['status:HASH', 'created_at:RANGE'], projection: 'ALL' },
      'gsi-profile': { keys: ['profile:HASH', 'created_at:RANGE'], projection: 'ALL' },
      'gsi-server-instance': { keys: ['server_instance_id:HASH', 'status:RANGE'], projection: 'ALL' },
    });
  });

  it('returns active sessions newest first, exact to the nanosecond, across pages', async () => {
    // 23 sessions; several share one second with fractions of different lengths, whose raw
    // strings sort wrongly (`.5Z` < `Z`, `.12Z` < `.1Z`), and one group straddles a page cut.
    const nanos = [0, 100_000_000, 120_000_000, 500_000_000, 999_999_999, 1, 50];
    const items = [
      ...Array.from({ length: 16 }, (_, i) => sentinelItem({ seconds: BASE + i * 10, nanos: (i * 37_000_000) % 1e9 })),
      ...nanos.map((n) => sentinelItem({ seconds: BASE + 75, nanos: n })),
    ];
    await table.put(items);
    const expected = items
      .map((i) => ({ id: i.id, at: `${new Date(Date.parse(i.created_at.replace(/\.\d+Z$/, 'Z'))).toISOString().slice(0, 19)}`, item: i }))
      .sort((a, b) => {
        const ka = exactKey(a.item.created_at);
        const kb = exactKey(b.item.created_at);
        return ka === kb ? (a.id < b.id ? 1 : -1) : ka < kb ? 1 : -1;
      })
      .map((e) => e.id);

    // Also with DynamoDB handing back 2 or 3 items per request, so that its pages cut the
    // shared second in the middle, not only ours.
    for (const readPageSize of [undefined, 2, 3]) {
      const pages = await allPages(table, 'active', 5, readPageSize);
      expect(pages.length).toBeGreaterThanOrEqual(3);
      expect(pages.slice(0, -1).every((p) => p.length === 5)).toBe(true);
      const ids = pages.flat().map((s) => s.id);
      expect(ids, `read page size ${readPageSize}`).toEqual(expected);
      const times = pages.flat().map((s) => s.createdAt as string);
      expect([...times].sort().reverse()).toEqual(times);
    }
  });

  it('parses every field of an item exactly', async () => {
    const item = sentinelItem(
      { seconds: BASE + 2000, nanos: 123456789 },
      {
        user: 'carol.nguyen',
        profile: 'billing-ro',
        server_instance_id: 'sentinel-use1-2c88a51f',
        last_access_at: '2026-11-22T11:35:00.5Z',
        expires_at: '2026-11-22T19:33:20.000000001Z',
        updated_at: '2026-11-22T13:35:00.5+02:00',
        request_count: 4711,
        source_identity: 'sentinel:carol.nguyen:77aa88bb',
        device_id: 'c0ffee00c0ffee00',
      },
    );
    await table.put([item]);
    const page = await table.store(clock).query({ status: 'active', limit: 500 });
    const session = page.sessions.find((s) => s.id === item.id);
    expect(session).toEqual({
      id: item.id,
      user: 'carol.nguyen',
      profile: 'billing-ro',
      serverInstanceId: 'sentinel-use1-2c88a51f',
      status: 'active',
      storedStatus: 'active',
      createdAt: '2026-11-22T11:33:20.123456789Z',
      startedAt: '2026-11-22T11:33:20.123456789Z',
      lastAccessAt: '2026-11-22T11:35:00.500000000Z',
      expiresAt: '2026-11-22T19:33:20.000000001Z',
      updatedAt: '2026-11-22T11:35:00.500000000Z',
      requestCount: 4711,
      sourceIdentity: 'sentinel:carol.nguyen:77aa88bb',
      deviceId: 'c0ffee00c0ffee00',
      revokedBy: null,
      revokedAt: null,
      revokedReason: null,
    });
  });

  it('derives status on read: active past its expiry is expired, not active', async () => {
    const stale = sentinelItem({ seconds: BASE - 9 * 3600 }, { expires_at: formatSeconds(NOW / 1000 - 5), ttl: NOW / 1000 - 5 });
    const storedExpired = sentinelItem({ seconds: BASE - 10 * 3600 }, { status: 'expired', expires_at: formatSeconds(NOW / 1000 - 3600), ttl: NOW / 1000 - 3600 });
    // Expires half a second after "now": still active, although its ttl second has begun.
    const almost = sentinelItem({ seconds: BASE + 3000 }, { expires_at: '2026-11-22T12:00:00.5Z', ttl: NOW / 1000 });
    await table.put([stale, storedExpired, almost]);
    const active = (await allPages(table, 'active', 50)).flat().map((s) => s.id);
    expect(active).not.toContain(stale.id);
    expect(active).toContain(almost.id);
    const expired = (await allPages(table, 'expired', 1)).flat();
    expect(expired.map((s) => s.id)).toEqual([stale.id, storedExpired.id]);
    expect(expired[0]).toMatchObject({ status: 'expired', storedStatus: 'active' });
  });

  it('lists revoked sessions with who revoked them and why', async () => {
    const revoked = sentinelItem({ seconds: BASE + 5 }, { status: 'revoked', revoked_by: 'secops.jane', revoked_reason: 'credential_compromise: INC-4471' });
    await table.put([revoked]);
    const page = await table.store(clock).query({ status: 'revoked', limit: 50 });
    expect(page.sessions).toHaveLength(1);
    expect(page.sessions[0]).toMatchObject({ id: revoked.id, status: 'revoked', revokedBy: 'secops.jane', revokedReason: 'credential_compromise: INC-4471' });
  });

  it('shows hostile or malformed store values as data, never failing the page', async () => {
    const odd = sentinelItem({ seconds: BASE + 1 }, { user: '<img src=x onerror=alert(1)>', request_count: -3 as number, started_at: 'yesterday' });
    await table.client.send(new PutCommand({ TableName: table.name, Item: { ...odd, device_id: 42 } }));
    const page = await table.store(clock).query({ status: 'active', limit: 500 });
    expect(page.sessions.find((s) => s.id === odd.id)).toMatchObject({
      user: '<img src=x onerror=alert(1)>',
      requestCount: 0,
      startedAt: null,
      deviceId: '',
    });
  });

  it('refuses a cursor that was forged, edited, or issued for another status', async () => {
    const store = table.store(clock);
    const first = await store.query({ status: 'active', limit: 2 });
    expect(first.nextCursor).toBeDefined();
    const cursor = first.nextCursor as string;
    await expect(store.query({ status: 'revoked', limit: 2, cursor })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    await expect(store.query({ status: 'active', limit: 2, cursor: `${cursor.slice(0, -2)}AA` })).rejects.toBeInstanceOf(WardenError);
    await expect(table.store(clock).query({ status: 'active', limit: 2, cursor })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });

  it('says plainly when the table does not exist', async () => {
    const store = new SentinelStore({ client: table.client, tableName: 'no-such-sentinel-table', cursors: new CursorCodec(randomBytes(32)) });
    await expect(store.query({ status: 'active', limit: 5 })).rejects.toMatchObject({
      code: 'STORE_UNAVAILABLE',
      message: expect.stringContaining('"no-such-sentinel-table" (or one of its indexes) was not found'),
    });
  });
});

function exactKey(raw: string): string {
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(raw);
  if (!m) throw new Error(raw);
  return `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}`;
}

function formatSeconds(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}
