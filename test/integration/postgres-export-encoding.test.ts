import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toCsv } from '../../src-main/export/csv';
import { SESSION_SHAPE, type Exports } from '../../src-main/export/exports';
import type { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { pagedSessions, postgresExports } from '../fixtures/postgres-exports';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { seedMany } from '../fixtures/postgres-sessions';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

/**
 * A CSV export is PostgreSQL's COPY only where the database is UTF-8: in another encoding
 * (SQL_ASCII here) COPY hands stored bytes on unconverted and tests a cell's first character by
 * byte, so the full-width `＝` that spreadsheets read as `=` would go out unescaped. There the
 * export walks the sessions instead, and the file is what csvLines makes of the paging's sessions.
 */
describe('PostgreSQL CSV export from a database that is not UTF-8', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let pool: Pool;
  let dir: TempDir;
  let store: PostgresSessionStore;
  let exports: Exports;
  let statements: string[] = [];

  beforeAll(async () => {
    [server, dir] = await Promise.all([startPostgresServer(), tempDir()]);
    db = await server.createDatabase({ encoding: 'SQL_ASCII' });
    await seedMany(db.admin, 2, 3);
    const { rows } = await db.admin.query<{ id: string }>('select id::text as id from users limit 1');
    for (const device of ['\uff1dHYPERLINK("http://evil.example")', 'ünïcødé laptop', '\uff0b1']) {
      await db.admin.query(`insert into sessions (user_id, token_hash, device_info, expires_at) values ($1::uuid, md5($2), $2, now() + interval '1 hour')`, [rows[0]?.id, device]);
    }
    ({ pool, store, exports } = await postgresExports(server, db, dir.path, (statement) => statements.push(statement.text)));
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await server?.stop();
    await dir?.remove();
  });

  it('walks instead of COPY, and escapes a full-width formula as every export does', async () => {
    expect((await db.admin.query<{ e: string }>(`select current_setting('server_encoding') as e`)).rows[0]?.e).toBe('SQL_ASCII');
    const sessions = await pagedSessions(store);
    expect(sessions.map((s) => s.deviceId)).toContain('ünïcødé laptop');
    statements = [];
    const result = await exports.start({ exportId: randomUUID(), kind: 'sessions', format: 'csv', filter: { status: 'any' } }, () => undefined);
    if (!result.saved || result.fileName === undefined) throw new Error('not saved');
    expect(statements.some((text) => text.startsWith('copy ('))).toBe(false);
    const text = await readFile(join(dir.path, result.fileName), 'utf8');
    expect(text).toBe(toCsv(SESSION_SHAPE.columns, sessions.map((s) => SESSION_SHAPE.cells(s))));
    expect(text).toContain(`,"'\uff1dHYPERLINK(""http://evil.example"")",`);
    expect(text).toContain(`,'\uff0b1,`);
  });
});
