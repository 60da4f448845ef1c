import { randomBytes } from 'node:crypto';
import type { Pool } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SessionsQueryRequest } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { openPostgresPool } from '../../src-main/postgres/postgres-pool';
import { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser } from '../fixtures/postgres-sessions';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

async function all(store: PostgresSessionStore, request: Partial<SessionsQueryRequest>): Promise<{ sessions: Session[]; pages: number }> {
  const sessions: Session[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await store.query({ status: 'active', limit: 50, ...request, ...(cursor ? { cursor } : {}) });
    sessions.push(...page.sessions);
    cursor = page.nextCursor;
    pages += 1;
  } while (cursor);
  return { sessions, pages };
}

const ids = (sessions: { id: string }[]) => sessions.map((s) => s.id).sort();

describe('PostgreSQL sessions store (real PostgreSQL, the app migration verbatim)', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let pool: Pool;
  const cursors = new CursorCodec(randomBytes(32));

  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(async () => {
    db = await server.createDatabase();
    pool = await openPostgresPool({ url: db.url, password: server.password });
    return async () => {
      await pool.end();
      await db.drop();
    };
  });

  it('lists and filters by derived status, user id, user e-mail and time, mapping every column exactly', async () => {
    const alice = await insertUser(db.admin, 'alice@example.com');
    const bob = await insertUser(db.admin, 'bob@example.com');
    const active = await insertSessions(db.admin, Array.from({ length: 30 }, (_, i) => ({ userId: i % 3 === 0 ? alice : bob, ageMs: (i + 1) * MINUTE })));
    const revoked = await insertSessions(db.admin, Array.from({ length: 8 }, () => ({ userId: alice, revoked: { reason: 'offboarding: HR-1', agoMs: 5000 } })));
    // Past expires_at but never revoked: the app refuses them by its clock, so do we.
    const expired = await insertSessions(db.admin, Array.from({ length: 5 }, () => ({ userId: alice, ageMs: 3 * HOUR, lifetimeMs: HOUR })));
    const store = new PostgresSessionStore({ pool, cursors });

    expect(ids((await all(store, {})).sessions)).toEqual(ids(active));
    expect(ids((await all(store, { status: 'revoked' })).sessions)).toEqual(ids(revoked));
    expect(ids((await all(store, { status: 'expired' })).sessions)).toEqual(ids(expired));
    expect(ids((await all(store, { status: ['active', 'expired'] })).sessions)).toEqual(ids([...active, ...expired]));
    expect(ids((await all(store, { status: ['expired', 'revoked'] })).sessions)).toEqual(ids([...revoked, ...expired]));
    expect((await all(store, { status: 'any', limit: 7 })).sessions).toHaveLength(43);

    const aliceActive = active.filter((s) => s.userId === alice);
    expect(ids((await all(store, { user: alice })).sessions)).toEqual(ids(aliceActive));
    // The same user by e-mail, through users.email; an e-mail or name nobody has is nobody.
    expect(ids((await all(store, { user: 'alice@example.com' })).sessions)).toEqual(ids(aliceActive));
    expect((await store.query({ status: 'any', user: 'carol@example.com', limit: 50 })).sessions).toEqual([]);
    expect((await store.query({ status: 'any', user: 'alice', limit: 50 })).sessions).toEqual([]);

    // Created within [now - 20 min, now - 10 min] by the server's clock: 11 sessions.
    const { rows } = await db.admin.query<{ since: string; until: string }>(
      `select to_char((now() - interval '20 minutes 30 seconds') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as since,
              to_char((now() - interval '9 minutes 30 seconds') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as until`,
    );
    const window = rows[0] as { since: string; until: string };
    expect((await all(store, { since: window.since, until: window.until })).sessions).toHaveLength(11);

    const source = revoked[0] as (typeof revoked)[number];
    const session = await store.get(source.id);
    const stored = (await db.admin.query('select created_at::text as c, last_active_at::text as l, expires_at::text as e, revoked_at::text as r from sessions where id = $1', [source.id])).rows[0];
    expect(session).toEqual({
      id: source.id,
      user: alice,
      email: 'alice@example.com',
      deviceId: 'Chrome on macOS',
      ipAddress: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (Macintosh)',
      status: 'revoked',
      storedStatus: 'revoked',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}000Z$/),
      startedAt: expect.any(String),
      lastAccessAt: expect.any(String),
      expiresAt: expect.any(String),
      updatedAt: null,
      revokedBy: null,
      revokedAt: expect.any(String),
      revokedReason: 'offboarding: HR-1',
    });
    // Every microsecond PostgreSQL holds, in the normalised UTC form.
    const exact = (text: string) => new Date(text.replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString().slice(0, 19);
    expect(session?.createdAt?.slice(0, 19)).toBe(exact(stored.c));
    expect(session?.createdAt?.slice(20, 26)).toBe(/\.(\d+)/.exec(stored.c)?.[1]?.padEnd(6, '0'));
    expect(session?.startedAt).toBe(session?.createdAt);
    expect(session?.revokedAt?.slice(20, 26)).toBe(/\.(\d+)/.exec(stored.r)?.[1]?.padEnd(6, '0'));
    expect(await store.get('00000000-0000-4000-8000-000000000000')).toBeNull();
    expect(await store.get('not-a-uuid')).toBeNull();
  });

  it('pages by keyset in (expires_at, id) order without a gap or a repeat, through ties and writes between pages', async () => {
    const user = await insertUser(db.admin, 'tie@example.com');
    // 60 sessions share one expires_at to the microsecond: a page boundary falls inside them.
    const tied = await insertSessions(db.admin, Array.from({ length: 60 }, () => ({ userId: user, expiresAt: '2099-01-01 00:00:00.123456+00' })));
    const spread = await insertSessions(db.admin, Array.from({ length: 70 }, (_, i) => ({ userId: user, lifetimeMs: (i + 2) * HOUR })));
    const forever = await insertSessions(db.admin, [{ userId: user, expiresAt: 'infinity' }]);
    const store = new PostgresSessionStore({ pool, cursors });

    const seen: Session[] = [];
    let cursor: string | undefined;
    let pages = 0;
    let behind: { id: string }[] = [];
    do {
      const page = await store.query({ status: 'active', limit: 17, ...(cursor ? { cursor } : {}) });
      seen.push(...page.sessions);
      cursor = page.nextCursor;
      pages += 1;
      if (pages === 2) {
        // Written while paging (the position is inside the tied ones): one before the position,
        // not on later pages; one after it, which later pages bring.
        await insertSessions(db.admin, [{ userId: user, expiresAt: '2100-01-01 00:00:00+00' }]);
        behind = await insertSessions(db.admin, [{ userId: user, lifetimeMs: 90 * MINUTE }]);
      }
    } while (cursor);
    expect(pages).toBe(Math.ceil(132 / 17));
    expect(ids(seen)).toEqual(ids([...tied, ...spread, ...forever, ...behind]));
    expect(new Set(seen.map((s) => s.id)).size).toBe(seen.length);
    // Never expires: first, shown without an expiry time.
    expect(seen[0]?.id).toBe(forever[0]?.id);
    expect(seen[0]?.expiresAt).toBeNull();
    const order = seen.slice(1).map((s) => `${s.expiresAt} ${s.id}`);
    expect(order).toEqual([...order].sort().reverse());
  });

  it('refuses a forged cursor, one from another query, and Sentinel-only filters', async () => {
    const user = await insertUser(db.admin, 'c@example.com');
    await insertSessions(db.admin, Array.from({ length: 5 }, () => ({ userId: user })));
    const store = new PostgresSessionStore({ pool, cursors });
    const page = await store.query({ status: 'active', limit: 2 });
    const cursor = page.nextCursor as string;
    expect(cursor).toBeDefined();
    await expect(store.query({ status: 'revoked', limit: 2, cursor })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    await expect(store.query({ status: 'active', limit: 2, cursor: `${cursor.slice(0, -2)}xx` })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    const other = new PostgresSessionStore({ pool, cursors: new CursorCodec(randomBytes(32)) });
    await expect(other.query({ status: 'active', limit: 2, cursor })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    await expect(store.query({ status: 'active', limit: 2, profile: 'admin' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('filters revocations by time and by the reason code our text and other tools\' free text name', async () => {
    const user = await insertUser(db.admin, 'r@example.com');
    const ours = await insertSessions(db.admin, [
      { userId: user, revoked: { reason: 'credential_compromise: INC-9', agoMs: 10 * MINUTE } },
      { userId: user, revoked: { reason: 'credential_compromise', agoMs: 2 * MINUTE } },
      { userId: user, revoked: { reason: 'offboarding: HR-3', agoMs: 2 * MINUTE } },
    ]);
    const others = await insertSessions(db.admin, [
      { userId: user, revoked: { reason: 'User requested', agoMs: MINUTE } },
      { userId: user, revoked: { reason: null, agoMs: MINUTE } },
      { userId: user, revoked: { reason: 'by hand', at: 'null' } },
    ]);
    await insertSessions(db.admin, [{ userId: user }]);
    const store = new PostgresSessionStore({ pool, cursors });
    const [compromise, recentCompromise, offboarding] = ours as [(typeof ours)[0], (typeof ours)[0], (typeof ours)[0]];
    expect(ids((await all(store, { status: 'any', reasonCode: 'credential_compromise' })).sessions)).toEqual(ids([compromise, recentCompromise]));
    expect(ids((await all(store, { status: 'revoked', reasonCode: 'offboarding' })).sessions)).toEqual(ids([offboarding]));
    expect(ids((await all(store, { status: 'any', reasonCode: 'unknown' })).sessions)).toEqual(ids(others));
    expect((await all(store, { status: 'active', reasonCode: 'offboarding' })).sessions).toEqual([]);
    const since = new Date(Date.now() - 5 * MINUTE).toISOString();
    // Revoked in the last 5 minutes; one without revoked_at (another tool) has no revocation time.
    expect(ids((await all(store, { status: 'any', revokedSince: since })).sessions)).toEqual(ids([recentCompromise, offboarding, others[0], others[1]] as { id: string }[]));
    expect(ids((await all(store, { status: 'any', revokedUntil: since })).sessions)).toEqual(ids([compromise]));
  });

  it('gathers users with live sessions and their e-mails, and knows user ids', async () => {
    const alice = await insertUser(db.admin, 'alice@example.com');
    const bob = await insertUser(db.admin, 'bob@example.com');
    const carol = await insertUser(db.admin, 'carol@example.com');
    await insertSessions(db.admin, [
      ...Array.from({ length: 3 }, () => ({ userId: alice })),
      { userId: bob },
      { userId: bob, revoked: { reason: 'offboarding' } },
      { userId: carol, ageMs: 3 * HOUR, lifetimeMs: HOUR },
    ]);
    const store = new PostgresSessionStore({ pool, cursors });
    const users = await store.activeUsers();
    expect(users.sort((a, b) => a.live - b.live)).toEqual([
      { user: bob, live: 1, emails: ['bob@example.com'] },
      { user: alice, live: 3, emails: ['alice@example.com'] },
    ]);
    expect(await store.hasUser(carol)).toBe(true);
    expect(await store.hasUser('00000000-0000-4000-8000-000000000000')).toBe(false);
    expect(await store.hasUser('carol')).toBe(false);
  });

  it('works without users.email: users by id only, no e-mail shown', async () => {
    const user = await insertUser(db.admin, 'x@example.com');
    const [session] = await insertSessions(db.admin, [{ userId: user, ipAddress: '2001:db8::1', deviceInfo: null, userAgent: null }]);
    await db.admin.query('alter table users drop column email');
    const store = new PostgresSessionStore({ pool, cursors });
    const page = await store.query({ status: 'active', limit: 10 });
    expect(page.sessions).toHaveLength(1);
    expect(page.sessions[0]).toMatchObject({ id: session?.id, user, email: '', ipAddress: '2001:db8::1', deviceId: '', userAgent: '' });
    expect((await store.query({ status: 'active', user: 'x@example.com', limit: 10 })).sessions).toEqual([]);
    expect(await store.activeUsers()).toEqual([{ user, live: 1, emails: [] }]);
  });

  it('refuses to read a table missing an index, or with a wrong column type, saying which and how to fix it', async () => {
    const user = await insertUser(db.admin, 'i@example.com');
    await insertSessions(db.admin, [{ userId: user }]);
    await db.admin.query('drop index idx_sessions_expires_at');
    const store = new PostgresSessionStore({ pool, cursors });
    const missing = await store.query({ status: 'active', limit: 10 }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((missing as Error).message).toContain('expires_at');
    expect((missing as Error).message).toContain('CREATE INDEX idx_sessions_expires_at ON sessions(expires_at)');

    // Fixed by the operator: the next read checks again.
    await db.admin.query('create index idx_sessions_expires_at on sessions(expires_at)');
    await db.admin.query('alter table sessions alter column expires_at type timestamp without time zone');
    const wrongType = await store.query({ status: 'active', limit: 10 }).catch((e: unknown) => e);
    expect(wrongType).toMatchObject({ code: 'STORE_UNAVAILABLE' });
    expect((wrongType as Error).message).toContain('expires_at is timestamp without time zone (expected timestamp with time zone)');
  });
});
