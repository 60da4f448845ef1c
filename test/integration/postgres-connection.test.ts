import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readPostgresAuditLog } from '../../src-main/postgres/audit-log';
import { openPostgresPool, parsePostgresUrl, postgresPoolConfig, redactPostgresUrl } from '../../src-main/postgres/postgres-pool';
import { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { PostgresRevoker } from '../../src-main/postgres/postgres-writer';
import { checkPostgresSchema } from '../../src-main/postgres/schema-check';
import { CursorCodec } from '../../src-main/stores/cursor';
import { freePort } from '../fixtures/free-port';
import { startPostgresServer, type RunningPostgres } from '../fixtures/postgres-server';
import { insertSessions, insertUser } from '../fixtures/postgres-sessions';
import { makeTlsFiles } from '../fixtures/redis-server';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { Ledger } from '../../src-main/ledger/ledger';
import { join } from 'node:path';

const rejection = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as Error & { code?: string });

describe('PostgreSQL connections: libpq conventions', () => {
  it('reads a URL as libpq does, and refuses what it cannot honour without echoing a password', () => {
    expect(parsePostgresUrl('postgres://app@127.0.0.1/sessions')).toMatchObject({ host: '127.0.0.1', port: 5432, database: 'sessions', user: 'app', sslmode: 'disable', password: null });
    expect(parsePostgresUrl('postgresql://app@db.example.com:6432')).toMatchObject({ database: 'app', port: 6432, sslmode: 'verify-full', where: 'app@db.example.com:6432/app' });
    expect(parsePostgresUrl('postgres://app@db.example.com/x?sslmode=require&connect_timeout=3')).toMatchObject({ sslmode: 'require', connectTimeoutMs: 3000 });
    expect(parsePostgresUrl('postgres://app@db.example.com/x?sslmode=require', 'verify-ca').sslmode).toBe('verify-ca');
    expect(parsePostgresUrl('postgres:///x?host=/var/run/postgresql&user=app')).toMatchObject({ host: '/var/run/postgresql', sslmode: 'disable' });
    for (const [url, says] of [
      ['postgres://app@db.example.com/x?sslmode=prefer', 'sslmode=prefer is not supported'],
      ['postgres://app@db.example.com/x?sslrootcert=/etc/ca.pem', 'give the CA certificate itself'],
      ['postgres://app@db.example.com/x?target_session_attrs=any', '"target_session_attrs" is not supported'],
      ['postgres://app@a.example.com,b.example.com/x', 'several hosts'],
      ['postgres://db.example.com/x', 'name the database user'],
      ['mysql://app@db.example.com/x', 'starts with postgres://'],
    ] as const) {
      expect(() => parsePostgresUrl(url)).toThrow(expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining(says) }));
    }
    let message = '';
    try {
      parsePostgresUrl('postgres://app:hunter2@db.example.com/x?sslmode=prefer');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('hunter2');
    expect(redactPostgresUrl('postgres://app:hunter2@db.example.com/x?password=hunter3')).toBe('postgres://app:***@db.example.com/x?password=***');
    expect(redactPostgresUrl('app:hunter2@db')).toBe('***@db');
  });

  it('sets application_name, timeouts and read-only transactions at startup, and reads no password from the environment', async () => {
    const { poolConfig, target } = postgresPoolConfig({ url: 'postgres://app:in-url@127.0.0.1/x', password: 'kept-apart', readOnly: true, statementTimeoutMs: 1234 });
    expect(poolConfig).toMatchObject({ application_name: 'session-warden', statement_timeout: 1234, ssl: false });
    expect(poolConfig.options).toContain('-c default_transaction_read_only=on');
    expect(target.where).toBe('app@127.0.0.1:5432/x');
    expect(JSON.stringify(target)).not.toContain('kept-apart');
    expect(await (poolConfig.password as () => string)()).toBe('kept-apart');
    expect(await (postgresPoolConfig({ url: 'postgres://app:in%20url@127.0.0.1/x' }).poolConfig.password as () => string)()).toBe('in url');
    expect(postgresPoolConfig({ url: 'postgres://app@127.0.0.1/x' }).poolConfig.options).not.toContain('read_only');
    expect(() => postgresPoolConfig({ url: 'postgres://app@db.example.com/x', caPem: 'not a certificate' })).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });
});

describe('PostgreSQL connections against a real server (scram-sha-256 over TCP)', () => {
  let server: RunningPostgres;

  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('connects with the password kept apart, named session-warden in pg_stat_activity', async () => {
    const db = await server.createDatabase();
    const pool = await openPostgresPool({ url: db.url, password: server.password });
    try {
      const { rows } = await pool.query<{ name: string; ro: string; tz: string }>(
        "select application_name as name, current_setting('default_transaction_read_only') as ro, current_setting('TimeZone') as tz from pg_stat_activity where pid = pg_backend_pid()",
      );
      expect(rows[0]).toEqual({ name: 'session-warden', ro: 'off', tz: 'UTC' });
    } finally {
      await pool.end();
      await db.drop();
    }
  });

  it('says what failed, never the password: wrong password, no such database, nothing listening, PGPASSWORD not used', async () => {
    const db = await server.createDatabase();
    try {
      const wrong = await rejection(openPostgresPool({ url: db.url, password: 'Wr0ng-Secret!' }));
      expect(wrong).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(wrong?.message).toContain('refused the login');
      expect(wrong?.message).toContain(`postgres@127.0.0.1:${server.port}/${db.name}`);
      expect(wrong?.message).not.toContain('Wr0ng-Secret!');
      const inUrl = await rejection(openPostgresPool({ url: db.url.replace('postgres@', 'postgres:Url-Secret-9@') }));
      expect(inUrl?.message).not.toContain('Url-Secret-9');

      const noDb = await rejection(openPostgresPool({ url: db.url.replace(db.name, 'no_such_db'), password: server.password }));
      expect(noDb?.message).toContain('the database does not exist');

      const port = await freePort();
      const started = Date.now();
      const refused = await rejection(openPostgresPool({ url: `postgres://postgres@127.0.0.1:${port}/x`, password: 'p', connectTimeoutMs: 2000 }));
      expect(refused?.message).toContain('nothing listens there');
      expect(Date.now() - started).toBeLessThan(3000);

      // node-postgres would take PGPASSWORD by itself: a connection without a password has none.
      process.env.PGPASSWORD = server.password;
      try {
        const none = await rejection(openPostgresPool({ url: db.url }));
      expect(none).toMatchObject({ code: 'STORE_UNAVAILABLE', message: expect.stringContaining('the server asks for a password and none is given') });
      } finally {
        delete process.env.PGPASSWORD;
      }
    } finally {
      await db.drop();
    }
  });

  it('cancels a statement past the statement timeout with a clear error, and opens read-only transactions in auditor mode', async () => {
    const db = await server.createDatabase();
    const impatient = await openPostgresPool({ url: db.url, password: server.password, statementTimeoutMs: 200 });
    const auditor = await openPostgresPool({ url: db.url, password: server.password, readOnly: true });
    try {
      const user = await insertUser(db.admin, 'a@example.com');
      const cursors = new CursorCodec(randomBytes(32));
      // A read the server cancels: the store's error says so.
      await db.admin.query(`create function slow_now() returns timestamptz language sql as $$ select now() from pg_sleep(1) $$`);
      const slow = new PostgresSessionStore({ pool: impatient, cursors });
      await slow.schema();
      const timedOut = await rejection(impatient.query('select slow_now()'));
      expect(timedOut?.code).toBe('57014');
      const { poolError } = await import('../../src-main/postgres/postgres-pool');
      expect(poolError(impatient, timedOut).message).toContain("ran past the connection's statement timeout");

      const write = await rejection(auditor.query("insert into users (email) values ('x@example.com')"));
      expect(write?.code).toBe('25006');
      expect(poolError(auditor, write)).toMatchObject({ code: 'READ_ONLY' });
      await insertSessions(db.admin, [{ userId: user }]);
      expect((await new PostgresSessionStore({ pool: auditor, cursors }).query({ status: 'active', limit: 10 })).sessions).toHaveLength(1);
    } finally {
      await impatient.end();
      await auditor.end();
      await db.drop();
    }
  });
});

describe('PostgreSQL over TLS: sslmode disable, require, verify-ca, verify-full with a CA given as PEM', () => {
  let server: RunningPostgres;
  let dir: TempDir;
  let ca = '';
  let otherCa = '';
  let url = '';

  beforeAll(async () => {
    dir = await tempDir();
    const tls = await makeTlsFiles(dir.path);
    [ca, otherCa] = await Promise.all([readFile(tls.ca, 'utf8'), readFile(tls.otherCa, 'utf8')]);
    server = await startPostgresServer({ tls });
    url = `postgres://postgres@127.0.0.1:${server.port}/postgres`;
  });
  afterAll(async () => {
    await server?.stop();
    await dir?.remove();
  });

  async function sslOf(pool: Pool): Promise<boolean> {
    try {
      const { rows } = await pool.query<{ ssl: boolean }>('select ssl from pg_stat_ssl where pid = pg_backend_pid()');
      return rows[0]?.ssl === true;
    } finally {
      await pool.end();
    }
  }

  it('encrypts and verifies as each sslmode says', async () => {
    const password = server.password;
    expect(await sslOf(await openPostgresPool({ url: `${url}?sslmode=verify-full`, password, caPem: ca }))).toBe(true);
    expect(await sslOf(await openPostgresPool({ url, sslmode: 'verify-ca', password, caPem: ca }))).toBe(true);
    expect(await sslOf(await openPostgresPool({ url: `${url}?sslmode=require`, password }))).toBe(true);
    // This machine's address: plain text unless asked otherwise.
    expect(await sslOf(await openPostgresPool({ url, password }))).toBe(false);

    for (const sslmode of ['verify-full', 'verify-ca'] as const) {
      const untrusted = await rejection(openPostgresPool({ url, sslmode, password, caPem: otherCa }));
      expect(untrusted).toMatchObject({ code: 'STORE_UNAVAILABLE' });
      expect(untrusted?.message).toMatch(/TLS: the server certificate is not signed by/);
    }
    // Without a CA, verify-full trusts only the public roots, which did not sign this one.
    expect((await rejection(openPostgresPool({ url, sslmode: 'verify-full', password })))?.message).toContain('TLS');
  });
});

describe('PostgreSQL connection test and the app audit log', () => {
  let server: RunningPostgres;

  beforeAll(async () => {
    server = await startPostgresServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('passes on the migration as written and names every check', async () => {
    const db = await server.createDatabase();
    const pool = await openPostgresPool({ url: db.url, password: server.password });
    try {
      const result = await checkPostgresSchema(pool);
      expect(result.ok).toBe(true);
      expect(result.checks.map((c) => [c.name, c.state])).toEqual([
        ['Connection', 'ok'],
        ['Table sessions', 'ok'],
        ['Table users', 'ok'],
        ['Table session_audit_log', 'ok'],
        ['Index on sessions: user_id', 'ok'],
        ['Index on sessions: token_hash', 'ok'],
        ['Index on sessions: expires_at', 'ok'],
        ['Index on sessions: partial (user_id, revoked, expires_at) where revoked = false', 'ok'],
        ['Function revoke_user_sessions', 'ok'],
        ['Privileges', 'ok'],
      ]);
      expect(result.checks[0]?.detail).toMatch(/^PostgreSQL 1\d\.\d+.*, database warden_\d+_\d+ as postgres$/);
      expect(result.checks[7]?.detail).toBe('idx_sessions_active');
    } finally {
      await pool.end();
      await db.drop();
    }
  });

  it('names what is missing or of the wrong type, and what a restricted role lacks', async () => {
    const db = await server.createDatabase();
    await db.admin.query('drop index idx_sessions_user_id');
    await db.admin.query('drop index idx_sessions_active');
    await db.admin.query('alter table sessions alter column expires_at type timestamp without time zone');
    await db.admin.query('alter table sessions alter column revoked_reason type text');
    await db.admin.query('alter table session_audit_log drop column details');
    await db.admin.query('drop function revoke_user_sessions');
    await db.admin.query("create role reader login password 'reader-pw'");
    await db.admin.query('grant select on sessions to reader');
    const pool = await openPostgresPool({ url: db.url, password: server.password });
    const reader = await openPostgresPool({ url: db.url.replace('postgres@', 'reader@'), password: 'reader-pw' });
    try {
      const result = await checkPostgresSchema(pool);
      expect(result.ok).toBe(false);
      const byName = Object.fromEntries(result.checks.map((c) => [c.name, c]));
      expect(byName['Table sessions']).toMatchObject({
        state: 'failed',
        detail: 'expires_at is timestamp without time zone (expected timestamp with time zone); revoked_reason is text (expected character varying(255))',
      });
      expect(byName['Table session_audit_log']).toMatchObject({ state: 'failed', detail: 'details is missing' });
      expect(byName['Index on sessions: user_id']).toMatchObject({ state: 'failed', detail: expect.stringContaining('missing: a user') });
      expect(byName['Index on sessions: user_id']?.detail).toContain('CREATE INDEX idx_sessions_user_id ON sessions(user_id)');
      expect(byName['Index on sessions: partial (user_id, revoked, expires_at) where revoked = false']).toMatchObject({ state: 'warning' });
      expect(byName['Function revoke_user_sessions']).toMatchObject({ state: 'warning', detail: expect.stringContaining('missing') });

      const restricted = Object.fromEntries((await checkPostgresSchema(reader)).checks.map((c) => [c.name, c]));
      expect(restricted.Privileges).toMatchObject({
        state: 'failed',
        detail: 'this role lacks SELECT on users, SELECT on session_audit_log (Activity and Audit), UPDATE on sessions, INSERT on session_audit_log (read and write)',
      });
      // Looked at through a read-only pool: an auditor connection needs no write privileges,
      // one meant for revoking (readOnly: false) still does.
      const readOnlyReader = await openPostgresPool({ url: db.url.replace('postgres@', 'reader@'), password: 'reader-pw', readOnly: true });
      try {
        const auditor = Object.fromEntries((await checkPostgresSchema(readOnlyReader)).checks.map((c) => [c.name, c]));
        expect(auditor.Privileges?.detail).toBe('this role lacks SELECT on users, SELECT on session_audit_log (Activity and Audit) (read-only transactions (auditor mode): revocations are refused)');
        const revoking = Object.fromEntries((await checkPostgresSchema(readOnlyReader, { readOnly: false })).checks.map((c) => [c.name, c]));
        expect(revoking.Privileges?.detail).toContain('UPDATE on sessions, INSERT on session_audit_log (read and write)');
      } finally {
        await readOnlyReader.end();
      }
    } finally {
      await pool.end();
      await reader.end();
      await db.drop();
    }
  });

  it('says the tables are not there on an empty database, and that it cannot connect', async () => {
    const db = await server.createDatabase({ schema: false });
    const pool = await openPostgresPool({ url: db.url, password: server.password });
    try {
      const result = await checkPostgresSchema(pool);
      expect(result.ok).toBe(false);
      expect(result.checks.find((c) => c.name === 'Table sessions')).toMatchObject({ state: 'failed', detail: expect.stringContaining('not found') });
      await pool.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [db.name]);
      await db.admin.end();
      await db.drop();
      const gone = await checkPostgresSchema(pool);
      expect(gone.ok).toBe(false);
      expect(gone.checks[0]).toMatchObject({ name: 'Connection', state: 'failed' });
    } finally {
      await pool.end();
    }
  });

  it("reads the app's revocation audit rows, ours, another tool's and revoke_user_sessions', newest first, by page and time", async () => {
    const db = await server.createDatabase();
    const pool = await openPostgresPool({ url: db.url, password: server.password });
    const dir = await tempDir();
    try {
      const kim = await insertUser(db.admin, 'kim@example.com');
      const lee = await insertUser(db.admin, 'lee@example.com');
      const admin = await insertUser(db.admin, 'admin@example.com');
      const [mine, theirs] = await insertSessions(db.admin, [{ userId: kim }, { userId: kim }]);
      await insertSessions(db.admin, [{ userId: lee }, { userId: lee }, { userId: lee }]);
      if (!mine || !theirs) throw new Error('seed');
      // The app logging a session in: not a revocation.
      await db.admin.query(`insert into session_audit_log (session_id, user_id, action, ip_address, user_agent, details) values ($1, $2, 'SESSION_CREATED', '203.0.113.7', 'Mozilla/5.0', '{}')`, [mine.id, kim]);
      const store = new PostgresSessionStore({ pool, cursors: new CursorCodec(randomBytes(32)) });
      await new PostgresRevoker({ pool, store, ledger: new Ledger(join(dir.path, 'l.jsonl')), operator: 'soc.desk', connection: 'db' }).revokeSessions({ ids: [mine.id], reasonCode: 'credential_compromise', note: 'INC-5' });
      // Another tool, as the app itself revokes one session.
      await db.admin.query(`update sessions set revoked = true, revoked_at = now(), revoked_reason = 'Suspicious login', revoked_by = $2 where id = $1 and revoked = false`, [theirs.id, admin]);
      await db.admin.query(`insert into session_audit_log (session_id, user_id, action, details) values ($1, $2, 'SESSION_REVOKED', jsonb_build_object('sessionId', $4::text, 'reason', 'Suspicious login', 'revokedBy', $3::text))`, [theirs.id, kim, admin, theirs.id]);
      // The user's "log out everywhere".
      expect((await db.admin.query<{ n: number }>(`select revoke_user_sessions($1, 'User requested', $1, null) as n`, [lee])).rows[0]?.n).toBe(3);

      const all = await readPostgresAuditLog(pool, { limit: 10 });
      expect(all.nextBefore).toBeUndefined();
      expect(all.rows.map((r) => [r.action, r.sessionId, r.userId, r.reason, r.revokedBy, r.operator, r.count, r.bySessionWarden])).toEqual([
        ['REVOKE_ALL', null, lee, 'User requested', lee, null, 3, false],
        ['SESSION_REVOKED', theirs.id, kim, 'Suspicious login', admin, null, null, false],
        ['SESSION_REVOKED', mine.id, kim, 'credential_compromise: INC-5', null, 'soc.desk', null, true],
      ]);
      expect(all.rows[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);

      const first = await readPostgresAuditLog(pool, { limit: 2 });
      expect(first.rows).toHaveLength(2);
      const second = await readPostgresAuditLog(pool, { limit: 2, before: first.nextBefore });
      expect(second.rows.map((r) => r.sessionId)).toEqual([mine.id]);
      expect(second.nextBefore).toBeUndefined();

      const withCreated = await readPostgresAuditLog(pool, { limit: 10, actions: ['SESSION_CREATED'] });
      expect(withCreated.rows).toMatchObject([{ action: 'SESSION_CREATED', ipAddress: '203.0.113.7', userAgent: 'Mozilla/5.0' }]);

      const later = new Date(Date.now() + 60_000).toISOString();
      expect((await readPostgresAuditLog(pool, { limit: 10, since: later })).rows).toEqual([]);
      expect((await readPostgresAuditLog(pool, { limit: 10, until: later })).rows).toHaveLength(3);
      await expect(readPostgresAuditLog(pool, { limit: 10, before: '1; drop table users' })).rejects.toMatchObject({ code: 'VALIDATION' });
    } finally {
      await pool.end();
      await db.drop();
      await dir.remove();
    }
  });
});
