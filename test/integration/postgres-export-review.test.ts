import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exports } from '../../src-main/export/exports';
import type { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { pagedSessions, postgresExports, referenceCsv } from '../fixtures/postgres-exports';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { seedMany } from '../fixtures/postgres-sessions';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

/**
 * Review of 59db7ef (the export's walk reads the e-mail by a left join on users.id): the schema
 * check asks users for an id and an e-mail column, not for id to be unique. Where users holds two
 * rows of one id (no primary key: a copy, a view), an export must still be exact: each session
 * once, or no file at all (the sessions paging itself fails there, loudly).
 */
describe('PostgreSQL export over a users table whose id is not unique (review)', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let pool: Pool;
  let dir: TempDir;
  let exports: Exports;

  beforeAll(async () => {
    [server, dir] = await Promise.all([startPostgresServer(), tempDir()]);
    db = await server.createDatabase();
    await seedMany(db.admin, 3, 4);
    // users without its primary key (and the keys that reference it), one user's row twice.
    await db.admin.query('alter table users drop constraint users_pkey cascade');
    await db.admin.query(`insert into users (id, email) select id, 'second-' || email from users order by email limit 1`);
    ({ pool, exports } = await postgresExports(server, db, dir.path));
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await server?.stop();
    await dir?.remove();
  });

  it.each(['ndjson', 'csv'] as const)('%s: each session is exported once, or the export fails: never a session twice (review)', async (format) => {
    const { rows } = await db.admin.query<{ n: number }>('select count(*)::int as n from sessions');
    const sessions = rows[0]?.n ?? 0;
    expect(sessions).toBe(12);
    let result: Awaited<ReturnType<Exports['start']>> | undefined;
    try {
      result = await exports.start({ exportId: randomUUID(), kind: 'sessions', format, filter: { status: 'any' } }, () => undefined);
    } catch (error) {
      // Refusing is exact too: it says why, and no file claims these rows.
      expect(String(error)).toMatch(/users holds more than one row for user "[0-9a-f-]{36}" \(users.id is not unique\): the export stopped rather than write session [0-9a-f-]{36} twice/);
      expect((await readdir(dir.path)).filter((f) => f.endsWith(`.${format}`) || f.endsWith('.tmp'))).toEqual([]);
      await expect.poll(() => pool.totalCount - pool.idleCount).toBe(0);
      return;
    }
    if (!result.saved || result.fileName === undefined) return;
    const text = await readFile(join(dir.path, result.fileName), 'utf8');
    const lines = text.split(format === 'csv' ? '\r\n' : '\n').filter((l) => l !== '');
    const ids = format === 'csv' ? lines.slice(1).map((l) => l.split(',')[0]) : lines.map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(ids).size).toBe(sessions);
    expect(ids).toHaveLength(sessions);
  }, 120_000);
});

/**
 * The schema check lets sessions.ip_address be text (or varchar) instead of inet: then anything
 * may be written in it, and a CSV export (PostgreSQL's COPY) must escape it as every other text
 * cell, byte for byte as the paging's sessions would be written: a formula behind an apostrophe,
 * an empty address as nothing.
 */
describe('PostgreSQL CSV export where ip_address is text (review)', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let pool: Pool;
  let dir: TempDir;
  let exports: Exports;
  let store: PostgresSessionStore;

  beforeAll(async () => {
    [server, dir] = await Promise.all([startPostgresServer(), tempDir()]);
    db = await server.createDatabase();
    await seedMany(db.admin, 2, 3);
    await db.admin.query('alter table sessions alter column ip_address type text');
    const { rows } = await db.admin.query<{ id: string }>('select id::text as id from users limit 1');
    for (const ip of ['=1+1', '', '-2', '@x', '\tx', ' 10.0.0.1', 'a,"b"', '::1']) {
      await db.admin.query(`insert into sessions (user_id, token_hash, ip_address, expires_at) values ($1::uuid, md5($2), $2, now() + interval '1 hour')`, [rows[0]?.id, ip]);
    }
    ({ pool, store, exports } = await postgresExports(server, db, dir.path));
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await server?.stop();
    await dir?.remove();
  });

  it('each address is written as the paging reads it, escaped as a text cell', async () => {
    const sessions = await pagedSessions(store);
    expect(sessions.map((s) => s.ipAddress)).toEqual(expect.arrayContaining(['=1+1', '', '-2', '@x', '\tx', ' 10.0.0.1', 'a,"b"', '::1']));
    const result = await exports.start({ exportId: randomUUID(), kind: 'sessions', format: 'csv', filter: { status: 'any' } }, () => undefined);
    if (!result.saved || result.fileName === undefined) throw new Error('not saved');
    const text = await readFile(join(dir.path, result.fileName), 'utf8');
    expect(text).toBe(referenceCsv(sessions));
    expect(text).toContain(`,'=1+1,`);
    expect(text).toContain(`,"a,""b""",`);
  });
});
