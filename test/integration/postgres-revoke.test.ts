import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Pool } from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it } from 'vitest';
import { Ledger } from '../../src-main/ledger/ledger';
import { openPostgresPool } from '../../src-main/postgres/postgres-pool';
import { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { PostgresRevoker, PostgresWriter, type PostgresRevokerOptions } from '../../src-main/postgres/postgres-writer';
import { BlacklistMirror, blacklistRedisClient } from '../../src-main/revocation/blacklist';
import { DurableOutbox } from '../../src-main/revocation/outbox';
import { previewUsers } from '../../src-main/revocation/revoker';
import { CursorCodec } from '../../src-main/stores/cursor';
import { UserDirectory } from '../../src-main/users/user-directory';
import { startCuttingProxy } from '../fixtures/cutting-proxy';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { appAccepts, auditRowsOf, insertSessions, insertUser, storedRow } from '../fixtures/postgres-sessions';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('PostgreSQL revocation (real PostgreSQL): the conditional update and its audit row in one transaction', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let pool: Pool;
  let dir: TempDir;
  let ledger: Ledger;
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
    dir = await tempDir();
    ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    return async () => {
      await pool.end();
      await db.drop();
      await dir.remove();
    };
  });

  const revoker = (options: Partial<PostgresRevokerOptions> = {}) =>
    new PostgresRevoker({ pool: options.pool ?? pool, store: new PostgresSessionStore({ pool: options.pool ?? pool, cursors }), ledger, operator: 'alice.ops', connection: 'web-app-db', ...options });

  it('revokes as the app does: revoked, already revoked (stored reason kept), not found, expired; each with its one audit row', async () => {
    const user = await insertUser(db.admin, 'kim@example.com');
    const [live, justExpired] = await insertSessions(db.admin, [{ userId: user }, { userId: user, ageMs: 2 * HOUR, lifetimeMs: 2 * HOUR - 30_000 }]);
    const [before] = await insertSessions(db.admin, [{ userId: user, revoked: { reason: 'User requested', agoMs: MINUTE } }]);
    const [over] = await insertSessions(db.admin, [{ userId: user, ageMs: 2 * HOUR, lifetimeMs: HOUR }]);
    if (!live || !justExpired || !before || !over) throw new Error('seed');
    const missing = randomUUID();

    const report = await revoker().revokeSessions({ ids: [live.id, justExpired.id, before.id, over.id, missing, 'not-a-uuid'], reasonCode: 'credential_compromise', note: 'INC-42', ticket: 'SEC-7' });
    expect(report.results.map((r) => [r.id, r.user, r.outcome])).toEqual([
      [live.id, user, 'revoked'],
      // Expired 30 s ago by the server's clock: within the grace, revoked anyway.
      [justExpired.id, user, 'revoked'],
      [before.id, user, 'already_revoked'],
      [over.id, user, 'expired'],
      [missing, '', 'not_found'],
      ['not-a-uuid', '', 'not_found'],
    ]);

    // The app's own check refuses the revoked ones from their next request.
    expect(await appAccepts(db.admin, live.tokenHash)).toBe(false);
    const row = await storedRow(db.admin, live.id);
    expect(row).toMatchObject({ revoked: true, revoked_reason: 'credential_compromise: INC-42', revoked_by: null });
    expect(row.revoked_at).not.toBeNull();
    // No app user is alice.ops: revoked_by stays NULL and details say who.
    expect(await auditRowsOf(db.admin, live.id)).toEqual([
      {
        action: 'SESSION_REVOKED',
        user_id: user,
        details: { sessionId: live.id, reason: 'credential_compromise: INC-42', revokedBy: null, operator: 'alice.ops', ticket: 'SEC-7', tool: 'session-warden' },
      },
    ]);
    // Nothing written for the others: the earlier reason and revoker kept, no second audit row.
    expect(await storedRow(db.admin, before.id)).toMatchObject({ revoked: true, revoked_reason: 'User requested' });
    expect(await auditRowsOf(db.admin, before.id)).toEqual([]);
    expect(await storedRow(db.admin, over.id)).toMatchObject({ revoked: false, revoked_at: null });
    expect(await auditRowsOf(db.admin, over.id)).toEqual([]);

    const outcomes = [];
    for await (const e of ledger.entries()) if (e.kind === 'outcome') outcomes.push([e.sessionId, e.outcome]);
    expect(outcomes).toHaveLength(6);
  });

  it('records the operator as the app user of the same e-mail, and keeps the reason code first within varchar(255)', async () => {
    const user = await insertUser(db.admin, 'lee@example.com');
    const ops = await insertUser(db.admin, 'soc@example.com');
    const [session] = await insertSessions(db.admin, [{ userId: user }]);
    if (!session) throw new Error('seed');
    const note = `${'é'.repeat(300)} end`;
    const report = await revoker({ operatorEmail: 'soc@example.com' }).revokeSessions({ ids: [session.id], reasonCode: 'security_incident', note });
    expect(report.results[0]?.outcome).toBe('revoked');
    const row = await storedRow(db.admin, session.id);
    expect(row.revoked_by).toBe(ops);
    expect([...(row.revoked_reason ?? '')]).toHaveLength(255);
    expect(row.revoked_reason?.startsWith('security_incident: ééé')).toBe(true);
    expect(row.revoked_reason?.endsWith('…')).toBe(true);
    const [audit] = await auditRowsOf(db.admin, session.id);
    expect(audit?.details).toEqual({ sessionId: session.id, reason: row.revoked_reason, revokedBy: ops, tool: 'session-warden' });
  });

  it('never loses the app\'s concurrent last_active_at updates and never fails because of them', async () => {
    const user = await insertUser(db.admin, 'busy@example.com');
    const sessions = await insertSessions(db.admin, Array.from({ length: 30 }, () => ({ userId: user })));
    const before = new Map<string, string>();
    for (const s of sessions) before.set(s.id, (await storedRow(db.admin, s.id)).last_active_at);
    const latest = new Map<string, string>();
    let touches = 0;
    let stop = false;
    // Three app servers touching the sessions as fast as they can; one of them holds the row lock a
    // while. Each server has its own third of the sessions, so a session's writes come one after
    // the other and the last one answered is the last one written.
    const app = async (server: number, holdMs: number) => {
      const mine = sessions.filter((_, i) => i % 3 === server);
      const client = await db.admin.connect();
      try {
        for (let i = 0; !stop; i += 1) {
          const s = mine[(i * 7) % mine.length] as (typeof sessions)[number];
          if (holdMs > 0) await client.query('begin');
          const { rows } = await client.query<{ at: string }>('update sessions set last_active_at = now() where id = $1 returning last_active_at::text as at', [s.id]);
          if (holdMs > 0) {
            await client.query('select pg_sleep($1)', [holdMs / 1000]);
            await client.query('commit');
          }
          latest.set(s.id, (rows[0] as { at: string }).at);
          touches += 1;
        }
      } finally {
        client.release();
      }
    };
    const servers = [app(0, 0), app(1, 0), app(2, 15)];
    await expect.poll(() => touches).toBeGreaterThan(30);
    const report = await revoker().revokeUsers({ users: [user], reasonCode: 'credential_compromise', note: 'stolen cookie' });
    const touchesDuring = touches;
    await expect.poll(() => touches).toBeGreaterThan(touchesDuring + 30);
    stop = true;
    await Promise.all(servers);

    expect(report.results).toHaveLength(30);
    expect(report.results.every((r) => r.outcome === 'revoked')).toBe(true);
    let moved = 0;
    for (const s of sessions) {
      const row = await storedRow(db.admin, s.id);
      expect(row).toMatchObject({ revoked: true, revoked_reason: 'credential_compromise: stolen cookie' });
      // The app's last write is what the row holds: our update wrote only the revocation columns.
      if (latest.has(s.id)) expect(row.last_active_at).toBe(latest.get(s.id));
      if (row.last_active_at > (before.get(s.id) as string)) moved += 1;
      expect(await appAccepts(db.admin, s.tokenHash)).toBe(false);
      expect(await auditRowsOf(db.admin, s.id)).toHaveLength(1);
    }
    expect(moved).toBeGreaterThan(20);
  });

  it('leaves neither the update nor the audit row when the audit insert fails or the connection is killed in between', async () => {
    const user = await insertUser(db.admin, 'crash@example.com');
    const [failing, killed] = await insertSessions(db.admin, [{ userId: user }, { userId: user }]);
    if (!failing || !killed) throw new Error('seed');
    await db.admin.query(`create function refuse_audit() returns trigger language plpgsql as $$ begin raise exception 'audit disk full'; end $$`);
    await db.admin.query('create trigger refuse_audit before insert on session_audit_log for each row execute function refuse_audit()');
    const refused = await revoker().revokeSessions({ ids: [failing.id], reasonCode: 'offboarding' });
    expect(refused.results[0]).toMatchObject({ outcome: 'failed', error: expect.stringContaining('audit disk full') });
    expect(await storedRow(db.admin, failing.id)).toMatchObject({ revoked: false, revoked_at: null, revoked_reason: null });
    expect(await appAccepts(db.admin, failing.tokenHash)).toBe(true);

    // The audit insert hangs; the backend is killed meanwhile (a crash of our side, as the server sees it).
    await db.admin.query(`create or replace function refuse_audit() returns trigger language plpgsql as $$ begin perform pg_sleep(30); return new; end $$`);
    const running = revoker().revokeSessions({ ids: [killed.id], reasonCode: 'offboarding' });
    await expect
      .poll(async () => (await db.admin.query(`select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = 'session-warden' and query like 'insert into session_audit_log%'`)).rows.length)
      .toBe(1);
    const report = await running;
    expect(report.results[0]).toMatchObject({ outcome: 'failed', error: expect.stringContaining('connection') });
    expect(await storedRow(db.admin, killed.id)).toMatchObject({ revoked: false, revoked_at: null });
    expect(await auditRowsOf(db.admin, killed.id)).toEqual([]);

    // Fixed: running again revokes both, each with one audit row.
    await db.admin.query('drop trigger refuse_audit on session_audit_log');
    const again = await revoker().revokeSessions({ ids: [failing.id, killed.id], reasonCode: 'offboarding' });
    expect(again.results.map((r) => r.outcome)).toEqual(['revoked', 'revoked']);
    expect(await auditRowsOf(db.admin, killed.id)).toHaveLength(1);
  });

  it('reports every outcome of a bulk run whose connections are cut mid-way, with nothing half-written, and completes when run again', async () => {
    const proxy = await startCuttingProxy(server.port);
    const viaProxy = await openPostgresPool({ url: `postgres://postgres@127.0.0.1:${new URL(proxy.url).port}/${db.name}`, password: server.password });
    try {
      const user = await insertUser(db.admin, 'bulk@example.com');
      const sessions = await insertSessions(db.admin, Array.from({ length: 40 }, () => ({ userId: user })));
      const [warm] = await insertSessions(db.admin, [{ userId: user }]);
      const run = revoker({ pool: viaProxy });
      // One revocation first, so the cut falls among the bulk's own transactions.
      await run.revokeSessions({ ids: [(warm as { id: string }).id], reasonCode: 'offboarding' });
      void proxy.cutAfter(5000);
      const report = await run.revokeSessions({ ids: sessions.map((s) => s.id), reasonCode: 'offboarding', ticket: 'HR-9' });
      expect(report.results).toHaveLength(40);
      const failed = report.results.filter((r) => r.outcome === 'failed');
      expect(failed.length).toBeGreaterThan(0);
      expect(report.results.filter((r) => r.outcome === 'revoked').length).toBeGreaterThan(0);
      expect(report.results.every((r) => r.outcome === 'revoked' || r.outcome === 'failed')).toBe(true);
      for (const f of failed) expect(f.error).toMatch(/PostgreSQL/);
      // Each session is either revoked with its one audit row, or untouched; revoked exactly when reported so.
      for (const result of report.results) {
        const row = await storedRow(db.admin, result.id);
        const audit = await auditRowsOf(db.admin, result.id);
        expect([row.revoked, audit.length]).toEqual(row.revoked ? [true, 1] : [false, 0]);
        expect(row.revoked).toBe(result.outcome === 'revoked');
      }
      const again = await run.revokeSessions({ ids: sessions.map((s) => s.id), reasonCode: 'offboarding', ticket: 'HR-9' });
      expect(again.results.filter((r) => r.outcome === 'revoked').map((r) => r.id).sort()).toEqual(failed.map((f) => f.id).sort());
      expect(again.results.every((r) => r.outcome === 'revoked' || r.outcome === 'already_revoked')).toBe(true);
    } finally {
      await viaProxy.end();
      await proxy.close();
    }
  });

  it('gives up on a row locked past the statement timeout (nothing written) and still revokes the others', async () => {
    const user = await insertUser(db.admin, 'locked@example.com');
    const [locked, free] = await insertSessions(db.admin, [{ userId: user }, { userId: user }]);
    if (!locked || !free) throw new Error('seed');
    const impatient = await openPostgresPool({ url: db.url, password: server.password, statementTimeoutMs: 300 });
    const holder = await db.admin.connect();
    try {
      await holder.query('begin');
      await holder.query('select 1 from sessions where id = $1 for update', [locked.id]);
      const report = await revoker({ pool: impatient }).revokeSessions({ ids: [locked.id, free.id], reasonCode: 'policy_violation', note: 'n' });
      expect(report.results[0]).toMatchObject({ id: locked.id, outcome: 'failed', error: expect.stringContaining('statement timeout') });
      expect(report.results[1]).toMatchObject({ id: free.id, outcome: 'revoked' });
      await holder.query('commit');
      expect(await storedRow(db.admin, locked.id)).toMatchObject({ revoked: false });
      expect(await auditRowsOf(db.admin, locked.id)).toEqual([]);
    } finally {
      holder.release();
      await impatient.end();
    }
  });

  it('revokes all of a user and an offboarding list by e-mail through the generic Revoker, every requested name recorded', async () => {
    const mo = await insertUser(db.admin, 'mo@example.com');
    const ned = await insertUser(db.admin, 'ned@example.com');
    const other = await insertUser(db.admin, 'other@example.com');
    const moSessions = await insertSessions(db.admin, Array.from({ length: 3 }, () => ({ userId: mo })));
    await insertSessions(db.admin, [{ userId: ned, revoked: { reason: 'User requested' } }]);
    const [keep] = await insertSessions(db.admin, [{ userId: other }]);
    const store = new PostgresSessionStore({ pool, cursors });
    const preview = await previewUsers(store, new UserDirectory(store), ['MO@example.com', mo, ned, 'nobody@example.com']);
    // The store's user filter takes an e-mail too, ignoring case (users.email compared with lower()): found directly.
    expect(preview.map((p) => [p.requested, p.user, p.activeSessions])).toEqual([
      ['MO@example.com', 'MO@example.com', 3],
      [mo, mo, 3],
      [ned, ned, 0],
      ['nobody@example.com', 'nobody@example.com', 0],
    ]);
    expect(preview[2]?.known).toBe(true);

    const report = await revoker({ store }).revokeUsers({
      users: [mo, ned],
      requested: [
        { name: 'MO@example.com', user: mo },
        { name: ned, user: ned },
        { name: 'nobody@example.com', user: null },
      ],
      reasonCode: 'offboarding',
      ticket: 'HR-1234',
    });
    expect(report.results.map((r) => [r.user, r.outcome])).toEqual(moSessions.map(() => [mo, 'revoked']));
    expect(report.usersWithoutActiveSessions).toEqual([ned]);
    expect(report.unknownUsers).toEqual(['nobody@example.com']);
    for (const s of moSessions) expect(await appAccepts(db.admin, s.tokenHash)).toBe(false);
    expect(await appAccepts(db.admin, (keep as { tokenHash: string }).tokenHash)).toBe(true);
    const outcomes: [string, string][] = [];
    for await (const e of ledger.entries()) if (e.kind === 'outcome' && e.run === report.run) outcomes.push([e.user, String(e.outcome)]);
    expect(outcomes.sort()).toEqual([[mo, 'revoked'], [mo, 'revoked'], [mo, 'revoked'], [ned, 'no_active_sessions'], ['nobody@example.com', 'unknown_user']].sort());
  });

  it('mirrors each revocation to a real Redis blacklist: revoked:<id> = reason, TTL = remaining lifetime (server clock), at least an hour', async () => {
    const user = await insertUser(db.admin, 'hybrid@example.com');
    const [long, short] = await insertSessions(db.admin, [{ userId: user, lifetimeMs: 5 * HOUR }, { userId: user, lifetimeMs: 10 * MINUTE }]);
    const [earlier] = await insertSessions(db.admin, [{ userId: user, lifetimeMs: 3 * HOUR, revoked: { reason: 'security_incident: INC-1' } }]);
    if (!long || !short || !earlier) throw new Error('seed');
    const redis = blacklistRedisClient(inject('redisUrl'));
    const check = new Redis(inject('redisUrl'));
    try {
      const blacklist = new BlacklistMirror({ redis, outbox: new DurableOutbox(join(dir.path, 'outbox.jsonl')) });
      const report = await revoker({ blacklist }).revokeSessions({ ids: [long.id, short.id, earlier.id], reasonCode: 'credential_compromise' });
      expect(report.results.map((r) => [r.outcome, r.blacklist])).toEqual([
        ['revoked', 'written'],
        ['revoked', 'written'],
        ['already_revoked', 'written'],
      ]);
      expect(await check.get(`revoked:${long.id}`)).toBe('credential_compromise');
      const longTtl = await check.ttl(`revoked:${long.id}`);
      expect(longTtl).toBeGreaterThan(5 * HOUR / 1000 - 120);
      expect(longTtl).toBeLessThanOrEqual(5 * HOUR / 1000);
      expect(await check.ttl(`revoked:${short.id}`)).toBeGreaterThan(3600 - 60);
      // Revoked before (by the app): the blacklist holds the reason the table holds.
      expect(await check.get(`revoked:${earlier.id}`)).toBe('security_incident: INC-1');
      expect(blacklist.pendingCount()).toBe(0);
    } finally {
      redis.disconnect();
      check.disconnect();
    }
  });

  it('refuses a write on a read-only pool, and the writer says READ_ONLY', async () => {
    const user = await insertUser(db.admin, 'ro@example.com');
    const [session] = await insertSessions(db.admin, [{ userId: user }]);
    const readOnly = await openPostgresPool({ url: db.url, password: server.password, readOnly: true });
    try {
      await expect(readOnly.query('update sessions set revoked = true where id = $1', [session?.id])).rejects.toMatchObject({ code: '25006' });
      const writer = new PostgresWriter({ pool: readOnly, operator: 'auditor' });
      await expect(writer.revoke((session as { id: string }).id, { reasonCode: 'offboarding' }, '', Date.now())).rejects.toMatchObject({ code: 'READ_ONLY' });
      expect(await storedRow(db.admin, (session as { id: string }).id)).toMatchObject({ revoked: false });
      // Reads still work.
      expect((await new PostgresSessionStore({ pool: readOnly, cursors }).query({ status: 'active', limit: 5 })).sessions).toHaveLength(1);
    } finally {
      await readOnly.end();
    }
  });
});
