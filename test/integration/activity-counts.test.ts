import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import pg from 'pg';
import { activitySummary } from '../../src-main/activity/activity-source';
import { Ledger } from '../../src-main/ledger/ledger';
import { openPostgresPool } from '../../src-main/postgres/postgres-pool';
import { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { sessionPages, type SessionStore } from '../../src-main/session-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser, type SessionSeed } from '../fixtures/postgres-sessions';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const HOUR = 3_600_000;

/** What the Activity view used to do for its counts: page every session of each status. */
async function pagedCounts(store: SessionStore): Promise<{ active: number; revoked: number; expired: number }> {
  const counts = { active: 0, revoked: 0, expired: 0 };
  for (const status of ['active', 'revoked', 'expired'] as const) for await (const page of sessionPages(store, { status })) counts[status] += page.length;
  return counts;
}

const range = () => ({ since: new Date(Date.now() - 24 * HOUR).toISOString(), until: new Date(Date.now() + HOUR).toISOString() });

/**
 * The Activity view's refresh against real stores: its counts by status are exact (the same as
 * paging every session, which it no longer does), and the store requests one refresh makes do not
 * grow with the table (PostgreSQL: one count statement), or grow only by DynamoDB's 1 MB count
 * pages (never a page of sessions). Requests are counted at the client: every statement the
 * `pg` pool runs, every command the DynamoDB client sends.
 */
describe('Activity counts over PostgreSQL', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let dir: TempDir;
  beforeAll(async () => {
    server = await startPostgresServer();
    db = await server.createDatabase();
    dir = await tempDir();
  });
  afterAll(async () => {
    await db?.drop();
    await server?.stop();
    await dir?.remove();
  });

  it('counts exactly with the same number of statements at 1,000 and at 20,000 sessions', { timeout: 180_000 }, async () => {
    const pool = await openPostgresPool({ url: db.url, password: server.password });
    // Every statement, through `pool.query` or a checked-out client, is a client's query (the
    // pool's connections were opened before this test could watch them: counted on the class).
    let statements = 0;
    const original = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      statements += 1;
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof original;
    try {
      const store = new PostgresSessionStore({ pool, cursors: new CursorCodec(randomBytes(32)) });
      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const user = await insertUser(db.admin, 'ann@example.com');
      // Per 1,000: 700 live, 200 expired, 95 revoked long ago, 5 revoked within the range.
      const batch = (n: number): SessionSeed[] =>
        Array.from({ length: n }, (_, i) => {
          const k = i % 1000;
          if (k < 700) return { userId: user, ageMs: 60_000 + i };
          if (k < 900) return { userId: user, ageMs: 48 * HOUR, lifetimeMs: 24 * HOUR };
          if (k < 995) return { userId: user, ageMs: 72 * HOUR, revoked: { reason: 'offboarding', agoMs: 60 * HOUR } };
          return { userId: user, ageMs: 2 * HOUR, revoked: { reason: 'security_incident', agoMs: HOUR } };
        });
      const insert = async (n: number) => {
        for (let done = 0; done < n; done += 2000) await insertSessions(db.admin, batch(Math.min(2000, n - done)));
      };
      const refresh = async () => {
        const before = statements;
        const summary = await activitySummary(store, ledger, 'shop-db', range());
        return { summary, statements: statements - before };
      };

      await insert(1000);
      await refresh(); // the first reads the schema once
      const small = await refresh();
      expect(small.summary.byStatus).toEqual({ active: 700, revoked: 100, expired: 200, capped: false });
      expect(small.summary.byStatus).toEqual({ ...(await pagedCounts(store)), capped: false });
      expect(small.summary.total).toBe(5);

      await insert(19_000);
      const large = await refresh();
      expect(large.summary.byStatus).toEqual({ active: 14_000, revoked: 2_000, expired: 4_000, capped: false });
      expect(large.summary.byStatus).toEqual({ ...(await pagedCounts(store)), capped: false });
      expect(large.summary.total).toBe(100);
      // The revocations within the range are 20 times as many (100 against 5) and fit one page
      // either way: everything else is the one count statement.
      expect(large.statements).toBe(small.statements);
      expect(small.statements).toBeGreaterThanOrEqual(1);
      expect(small.statements).toBeLessThanOrEqual(3);
    } finally {
      pg.Client.prototype.query = original;
      await pool.end();
    }
  });
});

describe('Activity counts over DynamoDB Local', () => {
  let table: TestTable;
  let dir: TempDir;
  beforeAll(async () => {
    table = await createSentinelTable(inject('dynamoEndpoint'));
    dir = await tempDir();
  });
  afterAll(async () => {
    await table?.drop();
    await dir?.remove();
  });

  it('counts exactly (a session past its exact expires_at is expired) with 1 MB index pages, not pages of sessions', { timeout: 300_000 }, async () => {
    let sent = 0;
    table.client.middlewareStack.add(
      (next) => async (args) => {
        sent += 1;
        return next(args);
      },
      { step: 'initialize', name: 'countRequests' },
    );
    const store = table.store();
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const t = Math.floor(Date.now() / 1000);
    const items = (n: number, offset: number) =>
      Array.from({ length: n }, (_, i) => {
        const k = i % 100;
        const created = { seconds: t - 600 - offset - i };
        if (k < 70) return sentinelItem(created, { user: `u${i % 50}` });
        if (k < 80) return sentinelItem(created, { user: `u${i % 50}`, status: 'expired' });
        // Still `active` in the store, but its exact expiry (mid-second) has passed; its ttl second has not.
        if (k < 90) return sentinelItem(created, { user: `u${i % 50}`, expires_at: formatRfc3339Nano(t - 1, 500_000_000), ttl: t + 1 });
        return sentinelItem(created, { user: `u${i % 50}`, status: 'revoked', revoked_by: 'admin.cli', revoked_reason: 'x', updated_at: formatRfc3339Nano(t - 40 * 3600, 0) });
      });
    const refresh = async () => {
      const before = sent;
      const summary = await activitySummary(store, ledger, 'test', range());
      return { summary, requests: sent - before };
    };

    await table.put(items(1000, 0));
    const small = await refresh();
    expect(small.summary.byStatus).toEqual({ active: 700, revoked: 100, expired: 200, capped: false });
    expect(small.summary.byStatus).toEqual({ ...(await pagedCounts(store)), capped: false });

    await table.put(items(19_000, 1000));
    const large = await refresh();
    expect(large.summary.byStatus).toEqual({ active: 14_000, revoked: 2_000, expired: 4_000, capped: false });
    expect(large.summary.byStatus).toEqual({ ...(await pagedCounts(store)), capped: false });
    // Paging each status through the planner (500 sessions a page) took at least 40 requests for
    // 20,000 sessions. A count request covers 1 MB of the index: what is added is at most one
    // request per MB of added items (and one more per partition read).
    const addedBytes = 19_000 * Buffer.byteLength(JSON.stringify(items(1, 0)[0]));
    console.log(`Activity refresh, DynamoDB Local: ${small.requests} requests at 1,000 sessions, ${large.requests} at 20,000 (paging them took at least 40)`);
    expect(large.requests - small.requests).toBeLessThanOrEqual(Math.ceil(addedBytes / 1_000_000) + 3);
    expect(large.requests).toBeLessThan(40);
  });
});
