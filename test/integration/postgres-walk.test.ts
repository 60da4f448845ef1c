import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SessionsQueryRequest } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { openPostgresPool } from '../../src-main/postgres/postgres-pool';
import { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import { exportPages, readAhead } from '../../src-main/export/exports';
import { pagedSessions } from '../fixtures/postgres-exports';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { seedMany } from '../fixtures/postgres-sessions';

type Filter = Omit<SessionsQueryRequest, 'limit' | 'cursor'>;

/**
 * An export's walk over PostgreSQL (one statement through a cursor, in one read-only snapshot)
 * hands out exactly the sessions, in exactly the order, that paging `query` by keyset does, for
 * the listings' filters; and a walk stopped early (a cancelled export) gives its connection back
 * with its transaction rolled back.
 */
describe('PostgresSessionStore.walk: every session of a filter through one cursor, in query order', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresSessionStore;
  let user = '';
  const statements: string[] = [];

  beforeAll(async () => {
    server = await startPostgresServer();
    db = await server.createDatabase();
    // 60 users of 60 sessions: many share an expires_at to the microsecond (ties broken by id).
    await seedMany(db.admin, 60, 60);
    pool = await openPostgresPool({ url: db.url, password: server.password });
    store = new PostgresSessionStore({ pool, cursors: new CursorCodec(randomBytes(32)), onQuery: (s) => statements.push(s.text) });
    user = ((await db.admin.query<{ id: string }>('select user_id::text as id from sessions limit 1')).rows[0] as { id: string }).id;
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await server?.stop();
  });

  const paged = (filter: Filter): Promise<Session[]> => pagedSessions(store, filter, 250);
  const walked = async (filter: Filter): Promise<{ sessions: Session[]; pages: number }> => {
    const sessions: Session[] = [];
    let pages = 0;
    for await (const page of readAhead(exportPages(store, filter))) {
      sessions.push(...page);
      pages += 1;
    }
    return { sessions, pages };
  };

  const filters: [string, Filter][] = [
    ['every status', { status: 'any' }],
    ['active', { status: 'active' }],
    ['revoked and expired', { status: ['revoked', 'expired'] }],
    ['revoked for a reason', { status: 'revoked', reasonCode: 'offboarding' }],
    ['a device, every status (the index walk kept)', { status: 'any', device: 'device 3' }],
    ['a network', { status: 'any', ipAddress: '10.7.0.0/16' }],
    ['free text', { status: 'any', text: 'user1' }],
    ["one user's sessions", { status: 'any', user: 'USER' }],
    ['one user by e-mail', { status: 'any', user: 'user7@example.com' }],
  ];

  it.each(filters)('%s: the same sessions in the same order as paging query', async (_name, filter) => {
    const request = filter.user === 'USER' ? { ...filter, user } : filter;
    const expected = await paged(request);
    const got = await walked(request);
    expect(got.sessions.length).toBeGreaterThan(0);
    expect(got.sessions.map((s) => s.id)).toEqual(expected.map((s) => s.id));
    expect(got.sessions).toEqual(expected);
  });

  it('reads 3,600 sessions in pages of 1,000 from one statement', async () => {
    statements.length = 0;
    const got = await walked({ status: 'any' });
    expect(got.sessions).toHaveLength(3600);
    expect(got.pages).toBe(4);
    expect(statements).toHaveLength(1);
  });

  it('nothing to match reads nothing; a walk stopped early rolls back and gives its connection back', async () => {
    expect((await walked({ status: 'active', reasonCode: 'offboarding' })).sessions).toEqual([]);
    expect((await walked({ status: 'any', user: 'nobody@example.com' })).sessions).toEqual([]);
    for (let i = 0; i < 3; i += 1) {
      for await (const page of readAhead(store.walk({ status: 'any' }))) {
        expect(page.length).toBe(1000);
        break;
      }
    }
    // Every connection back in the pool, idle, none left inside a transaction.
    await expect.poll(() => pool.idleCount === pool.totalCount).toBe(true);
    const { rows } = await db.admin.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`);
    expect(rows[0]?.n).toBe(0);
  });
});
