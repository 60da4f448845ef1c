import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SESSION_KEYS } from '../../src-main/export/exports';
import { openPostgresPool } from '../../src-main/postgres/postgres-pool';
import { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { seedMany } from '../fixtures/postgres-sessions';

/**
 * Review of 5b2fe46 (a CSV export is one COPY statement): the connection's statement_timeout
 * (15 s by default) and node-postgres's query_timeout (5 s more) bound each statement, and the walk
 * was many short FETCHes, each well within them, however long the export took. One COPY lasts the
 * whole export (the server waits while the file is written), so a large export, or one written
 * slowly, must not be cut by them; a COPY that gets nothing (a lock it waits for) must still fail
 * in about the time a FETCH would, not hang. And the walk pinned its transaction's isolation
 * (repeatable read): the COPY's must not become serializable where the database says so.
 */
describe("PostgreSQL CSV export (COPY) and the connection's timeouts and defaults (review)", () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let pool: Pool;
  let store: PostgresSessionStore;
  /** A pool whose connections pass a proxy that can go silent (drop what the server sends). */
  let silent: { pool: Pool; store: PostgresSessionStore; proxy: Server; sockets: Socket[]; stalled: boolean } | undefined;

  beforeAll(async () => {
    server = await startPostgresServer();
    db = await server.createDatabase();
    // 60,000 sessions: about 80 batches of COPY_BATCH bytes, far more than the sockets between
    // the server and main hold, so the server waits for main to read on.
    await seedMany(db.admin, 200, 300);
    // A statement may take 300 ms (the client's own read timeout: 5.3 s).
    pool = await openPostgresPool({ url: db.url, password: server.password, statementTimeoutMs: 300 });
    store = new PostgresSessionStore({ pool, cursors: new CursorCodec(randomBytes(32)) });
    const sockets: Socket[] = [];
    const proxy = createServer((socket) => {
      const upstream = connect(server.port, '127.0.0.1');
      sockets.push(socket, upstream);
      socket.pipe(upstream);
      upstream.on('data', (data: Buffer) => {
        if (!silent?.stalled) socket.write(data);
      });
      for (const [a, b] of [[socket, upstream], [upstream, socket]] as const) {
        a.on('error', () => undefined);
        a.on('close', () => b.destroy());
      }
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const address = proxy.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const proxied = await openPostgresPool({ url: db.url.replace(`:${server.port}/`, `:${address.port}/`), password: server.password, statementTimeoutMs: 300 });
    silent = { pool: proxied, store: new PostgresSessionStore({ pool: proxied, cursors: new CursorCodec(randomBytes(32)) }), proxy, sockets, stalled: false };
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await silent?.pool.end();
    await new Promise((resolve) => silent?.proxy.close(resolve) ?? resolve(undefined));
    await db?.drop();
    await server?.stop();
  });

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('an export written slowly, for longer than both timeouts, has every row', async () => {
    const lines = await store.csvLines({ status: 'any' }, SESSION_KEYS);
    if (!lines) throw new Error('expected COPY');
    const started = Date.now();
    let rows = 0;
    let batches = 0;
    for await (const batch of lines) {
      rows += batch.rows;
      batches += 1;
      // A slow disk: the server waits on the socket meanwhile.
      await sleep(100);
    }
    expect(batches).toBeGreaterThan(50);
    expect(Date.now() - started).toBeGreaterThan(5300);
    expect(rows).toBe(60_000);
    await expect.poll(() => pool.totalCount - pool.idleCount).toBe(0);
  }, 60_000);

  it('a COPY that waits for a lock fails about when a statement would, and leaves no backend waiting', async () => {
    // The schema read first (it would wait for the lock too, as a statement).
    await store.schema();
    const holder = await db.admin.connect();
    try {
      await holder.query('begin');
      await holder.query('lock table sessions in access exclusive mode');
      const started = Date.now();
      const lines = await store.csvLines({ status: 'any' }, SESSION_KEYS);
      if (!lines) throw new Error('expected COPY');
      const failure = await (async () => {
        for await (const batch of lines) expect(batch.rows).toBe(-1);
      })().then(
        () => null,
        (error: unknown) => error,
      );
      expect(String(failure)).toMatch(/timeout|lock/i);
      expect(Date.now() - started).toBeLessThan(10_000);
      await expect.poll(() => pool.totalCount - pool.idleCount).toBe(0);
      const waiting = await db.admin.query(`select pid from pg_stat_activity where application_name = 'session-warden' and wait_event_type = 'Lock'`);
      expect(waiting.rows).toEqual([]);
    } finally {
      await holder.query('rollback').catch(() => undefined);
      holder.release();
    }
  }, 60_000);

  it('a COPY whose connection goes silent mid-export fails in about the read timeout, not never', async () => {
    if (!silent) throw new Error('no proxy');
    const { store: through, pool: proxied } = silent;
    const lines = await through.csvLines({ status: 'any' }, SESSION_KEYS);
    if (!lines) throw new Error('expected COPY');
    let silentSince = 0;
    const failure = await (async () => {
      for await (const batch of lines) {
        expect(batch.rows).toBeGreaterThan(0);
        if (silentSince === 0) {
          silent.stalled = true;
          silentSince = Date.now();
        }
      }
    })().then(
      () => null,
      (error: unknown) => error,
    );
    expect(String(failure)).toMatch(/did not answer|connection|timeout/i);
    // The read timeout is 5.3 s; what the sockets held before the silence is read first.
    expect(Date.now() - silentSince).toBeLessThan(15_000);
    await expect.poll(() => proxied.totalCount - proxied.idleCount).toBe(0);
  }, 60_000);

  it('where the database makes transactions serializable, the COPY reads as the walk does (repeatable read): no predicate locks on the sessions it reads', async () => {
    await db.admin.query(`alter database ${db.name} set default_transaction_isolation = 'serializable'`);
    const fresh = await openPostgresPool({ url: db.url, password: server.password });
    // The web app's revocation under way meanwhile (serializable too, by the same setting).
    const app = await db.admin.connect();
    try {
      await app.query('begin isolation level serializable');
      await app.query(`update sessions set revoked = true, revoked_at = now() where id = (select id from sessions where not revoked limit 1)`);
      const through = new PostgresSessionStore({ pool: fresh, cursors: new CursorCodec(randomBytes(32)) });
      const lines = await through.csvLines({ status: 'any' }, SESSION_KEYS);
      if (!lines) throw new Error('expected COPY');
      const held: number[] = [];
      for await (const batch of lines) {
        expect(batch.rows).toBeGreaterThan(0);
        // Mid-export: the COPY's transaction is open, the server waiting for main to read on.
        const { rows } = await db.admin.query<{ locks: number }>(
          `select count(*)::int as locks from pg_locks l join pg_stat_activity a on a.pid = l.pid where a.application_name = 'session-warden' and a.query like 'copy (%' and l.mode = 'SIReadLock'`,
        );
        held.push(rows[0]?.locks ?? -1);
        break;
      }
      // Serializable, it holds SIRead locks on what it read (and so may make the app's own
      // serializable writes fail) for as long as the export is written.
      expect(held).toEqual([0]);
    } finally {
      await app.query('rollback').catch(() => undefined);
      app.release();
      await fresh.end();
      await db.admin.query(`alter database ${db.name} reset default_transaction_isolation`);
    }
  }, 60_000);

  it('a filter value holding U+0000 (which no PostgreSQL text holds) is refused as the walk refuses it, not as a lost connection', async () => {
    for (const filter of [{ status: 'any', text: 'a\u0000b' }, { status: 'any', device: '\u0000' }, { status: 'any', user: 'x\u0000@example.com' }] as const) {
      const walk = await (async () => {
        for await (const page of store.walk(filter)) expect(page).toEqual([]);
      })().then(
        () => null,
        (error: unknown) => error,
      );
      expect(String(walk)).toMatch(/0x00/);
      const lines = await store.csvLines(filter, SESSION_KEYS);
      if (!lines) throw new Error('expected COPY');
      const copy = await (async () => {
        for await (const batch of lines) expect(batch.rows).toBe(-1);
      })().then(
        () => null,
        (error: unknown) => error,
      );
      expect(String(copy)).toMatch(/0x00|U\+0000/);
      expect(String(copy)).not.toMatch(/lost|run again/);
    }
    await expect.poll(() => pool.totalCount - pool.idleCount).toBe(0);
  });
});
