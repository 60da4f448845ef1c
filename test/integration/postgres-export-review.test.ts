import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exports } from '../../src-main/export/exports';
import { postgresExports } from '../fixtures/postgres-exports';
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

  it('each session is exported once, or the export fails: never a session twice (review)', async () => {
    const { rows } = await db.admin.query<{ n: number }>('select count(*)::int as n from sessions');
    const sessions = rows[0]?.n ?? 0;
    expect(sessions).toBe(12);
    let result: Awaited<ReturnType<Exports['start']>> | undefined;
    try {
      result = await exports.start({ exportId: randomUUID(), kind: 'sessions', format: 'ndjson', filter: { status: 'any' } }, () => undefined);
    } catch (error) {
      // Refusing is exact too: it says why, and no file claims these rows.
      expect(String(error)).toMatch(/users holds more than one row/);
      expect((await readdir(dir.path)).filter((f) => f.endsWith('.ndjson'))).toEqual([]);
      return;
    }
    if (!result.saved || result.fileName === undefined) return;
    const lines = (await readFile(join(dir.path, result.fileName), 'utf8')).split('\n').filter((l) => l !== '');
    const ids = lines.map((l) => (JSON.parse(l) as { id: string }).id);
    expect(new Set(ids).size).toBe(sessions);
    expect(ids).toHaveLength(sessions);
  }, 120_000);
});
