import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Exports } from '../../src-main/export/exports';
import type { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import type { SessionsFilter } from '../../src-main/session-store';
import { pagedSessions, postgresExports, referenceCsv } from '../fixtures/postgres-exports';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { seedMany } from '../fixtures/postgres-sessions';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

/**
 * A PostgreSQL export (CSV: PostgreSQL's COPY, its line ends made CRLF; NDJSON: the store's walk,
 * times made by PostgreSQL, rows read as arrays) writes byte for byte the file that the sessions
 * paging `query` reads would make, encoded as exports were before (csv-stringify, formulas
 * defused, a lone CR or LF quoted, CRLF line ends): for
 * rows made to be awkward (no e-mail, times written in other zones, microseconds and none,
 * infinity, years BC, before 1000 and past 9999, cells beginning = + - @ tab CR, commas,
 * quotes and line breaks in cells, networks, IPv6) among ordinary ones, in several pages of
 * the walk; and for filters whose values COPY must carry as literals (it takes no parameters):
 * quotes, backslashes, `$1`, an attempt at SQL. The manifest's SHA-256 is the file's.
 */

const DEVICE = "O'Brien's \\ $1 %_ laptop";

const HOSTILE = ['=HYPERLINK("http://evil.example","click")', '+cmd|/c calc', '-2+3', '@SUM(A1:A2)', '\tTAB', '\rCR', 'a,b', 'say "hi"', 'line\nbreak', 'cr\ronly', 'crlf\r\nx', "'quoted", 'ünïcødé', '', ' =lead'];

describe('PostgreSQL export: the same bytes as the sessions paging reads, encoded as before', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let pool: Pool;
  let dir: TempDir;
  let store: PostgresSessionStore;
  let exports: Exports;
  let statements: string[] = [];

  beforeAll(async () => {
    [server, dir] = await Promise.all([startPostgresServer(), tempDir()]);
    db = await server.createDatabase();
    // 20 users of 60 ordinary sessions (times now() - n seconds: microsecond fractions, some with trailing zeros).
    await seedMany(db.admin, 20, 60);
    // A session whose user is gone from users (no e-mail): the web app's FK dropped for the test.
    await db.admin.query('alter table sessions drop constraint sessions_user_id_fkey');
    const { rows } = await db.admin.query<{ id: string }>(`insert into users (email) values ('=cmd@example.com'), ('-x@example.com') returning id::text as id`);
    const [evil, minus] = rows.map((r) => r.id) as [string, string];
    const orphan = randomUUID();
    const times: [string, string, string, string | null][] = [
      // created, last active, expires, revoked at
      ['2026-11-22 08:00:00.123456+05:30', '2026-11-22 08:00:00.1+00', '2026-11-23 08:00:00-07', null],
      ['2026-11-22 08:00:00+00', '2026-11-22 23:59:59.999999-02', 'infinity', '2026-11-22 09:00:00.000001+00'],
      ['0099-01-01 00:00:00.5+00', '0999-12-31 23:59:59+00', 'infinity', '-infinity'],
      ['0044-03-15 12:00:00+00 BC', '10000-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00', 'infinity'],
      ['2026-01-01 00:00:00.000010+14', '2026-01-01 00:00:00.010000-12', '2020-01-01 00:00:00+00', null],
      ['1000-01-01 00:00:00+00', '1969-12-31 23:59:59.999999+00', '2099-06-30 12:34:56.7+03:45', '1970-01-01 00:00:00+00'],
    ];
    let n = 0;
    for (const [created, last, expires, revokedAt] of times) {
      for (const [user, device, agent, reason, ip] of [
        [orphan, HOSTILE[n % HOSTILE.length], HOSTILE[(n + 3) % HOSTILE.length], HOSTILE[(n + 5) % HOSTILE.length], '10.0.0.0/8'],
        [evil, null, null, null, null],
        [minus, HOSTILE[(n + 7) % HOSTILE.length], HOSTILE[(n + 11) % HOSTILE.length], `offboarding: ${HOSTILE[(n + 1) % HOSTILE.length] ?? ''}`, '2001:db8::1'],
      ] as [string, string | null, string | null, string | null, string | null][]) {
        n += 1;
        await db.admin.query(
          `insert into sessions (user_id, token_hash, device_info, ip_address, user_agent, created_at, last_active_at, expires_at, revoked, revoked_at, revoked_reason, revoked_by)
           values ($1::uuid, $2, $3, $4::inet, $5, $6::timestamptz, $7::timestamptz, $8::timestamptz, $9, $10::timestamptz, $11, $12::uuid)`,
          [user, randomBytes(16).toString('hex'), device, ip, agent, created, last, expires, revokedAt !== null || n % 2 === 0, revokedAt, reason, n % 3 === 0 ? evil : null],
        );
      }
    }
    // One device that a filter's literal must carry whole: a quote, a backslash, a placeholder, LIKE's wildcards.
    await db.admin.query(`insert into sessions (user_id, token_hash, device_info, ip_address, user_agent, expires_at) values ($1::uuid, 'x', $2, '10.1.2.3', 'curl', now() + interval '1 hour')`, [minus, DEVICE]);
    ({ pool, store, exports } = await postgresExports(server, db, dir.path, (statement) => statements.push(statement.text)));
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await server?.stop();
    await dir?.remove();
  });

  const paged = (filter?: SessionsFilter) => pagedSessions(store, filter);

  const exported = async (format: 'csv' | 'ndjson', filter: SessionsFilter = { status: 'any' }) => {
    const result = await exports.start({ exportId: randomUUID(), kind: 'sessions', format, filter }, () => undefined);
    if (!result.saved || result.fileName === undefined) throw new Error('not saved');
    const path = join(dir.path, result.fileName);
    const bytes = await readFile(path);
    const manifest = JSON.parse(await readFile(`${path}.manifest.json`, 'utf8')) as { sha256: string; rows: number };
    return { bytes, manifest };
  };

  it('CSV: byte for byte the paged sessions encoded as before, the manifest hashing the file', async () => {
    const sessions = await paged();
    expect(sessions).toHaveLength(1200 + 18 + 1);
    // The awkward rows are there and awkward: no e-mail, null times, hostile first characters.
    expect(sessions.some((s) => s.email === '')).toBe(true);
    expect(sessions.some((s) => s.expiresAt === null)).toBe(true);
    expect(sessions.some((s) => s.createdAt === '0099-01-01T00:00:00.500000000Z')).toBe(true);
    expect(sessions.some((s) => s.createdAt === '2026-11-22T02:30:00.123456000Z')).toBe(true);
    statements = [];
    const { bytes, manifest } = await exported('csv');
    // Written by one COPY, not the walk.
    expect(statements.map((text) => text.slice(0, 6))).toEqual(['copy (']);
    const expected = referenceCsv(sessions);
    expect(bytes.toString('utf8')).toBe(expected);
    expect(bytes.equals(Buffer.from(expected, 'utf8'))).toBe(true);
    expect(manifest.rows).toBe(sessions.length);
    expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(bytes.toString('utf8')).toContain(`,'=cmd@example.com,`);
    expect(bytes.toString('utf8')).toContain(`"'\rCR"`);
  });

  it.each<[string, SessionsFilter, number]>([
    ['a device with a quote, a backslash and a placeholder', { status: 'any', device: DEVICE }, 1],
    ['free text that tries to end the statement', { status: 'any', text: "'); drop table sessions; --" }, 0],
    ['free text of a quote', { status: 'any', text: "'" }, 1],
    ['a user by an e-mail that begins as a formula', { status: 'any', user: '=CMD@example.com' }, 1],
    ['a reason code none of the known ones (an array of literals)', { status: 'any', reasonCode: 'unknown' }, 1],
    ['a network and a time window', { status: 'any', ipAddress: '10.0.0.0/8', since: '2026-01-01T00:00:00.000010000Z', until: '2026-11-22T09:00:00Z' }, 1],
  ])('CSV of %s: the rows the paging reads for the same filter, byte for byte', async (_name, filter, atLeast) => {
    const sessions = await paged(filter);
    expect(sessions.length).toBeGreaterThanOrEqual(atLeast);
    statements = [];
    const { bytes, manifest } = await exported('csv', filter);
    expect(statements.map((text) => text.slice(0, 6))).toEqual(['copy (']);
    expect(bytes.toString('utf8')).toBe(referenceCsv(sessions));
    expect(manifest.rows).toBe(sessions.length);
    // The attempt at SQL was a value: the table is whole.
    expect((await db.admin.query<{ n: number }>('select count(*)::int as n from sessions')).rows[0]?.n).toBe(1200 + 18 + 1);
  });

  it('NDJSON: each line the paged session as JSON, key for key in the same order', async () => {
    const sessions = await paged();
    const { bytes, manifest } = await exported('ndjson');
    expect(bytes.toString('utf8')).toBe(sessions.map((s) => `${JSON.stringify(s)}\n`).join(''));
    expect(manifest.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
  });
});
