import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHandlers } from '../../src-main/app-handlers';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { openDemoWorkspace, openWorkspace, type Workspace } from '../../src-main/workspace';
import type { StoreAuditPage, StoreAuditRow } from '../../src-shared/store-audit';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser } from '../fixtures/postgres-sessions';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const SENDER = { url: 'app://warden/index.html', isMainFrame: true };
const DESKTOP = { chooseSavePath: async () => null, notify: () => undefined };

type Call = (channel: string, payload?: unknown) => Promise<Record<string, unknown>>;

/**
 * The application's own `session_audit_log` through the production app handler table
 * (`audit:store`): the app's revoke_user_sessions, a user's own logout written by another tool, and
 * Session Warden's revocation (marked as ours), each once; paged without gaps; read on an auditor
 * connection; refused where the store keeps no such log.
 */
describe('audit:store: the application\'s session_audit_log', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let redis: RunningRedis;
  let dir: TempDir;
  const workspaces: Workspace[] = [];
  const managers: ConnectionManager[] = [];
  let opened = 0;

  beforeAll(async () => {
    [server, redis, dir] = await Promise.all([startPostgresServer(), startRedisServer(), tempDir()]);
    db = await server.createDatabase();
  });
  afterAll(async () => {
    for (const manager of managers) await manager.close();
    for (const workspace of workspaces) await workspace.close();
    await db?.drop();
    await server?.stop();
    await redis?.stop();
    await dir?.remove();
  });

  /** The app's handler table with `workspace` active, as after a switch. */
  async function through(workspace: Workspace): Promise<Call> {
    workspaces.push(workspace);
    const vault = new SecretVault(fakeKeyring(), 'linux');
    const appDir = join(dir.path, `app-${(opened += 1)}`);
    const manager = new ConnectionManager({ version: 't', dataDir: appDir, store: new ConnectionStore(appDir, vault), vault, desktop: DESKTOP });
    await manager.adopt({ ...workspace, close: async () => undefined });
    managers.push(manager);
    const dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
    return async (channel, payload) => {
      const result = await dispatch(channel, payload, SENDER);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value as Record<string, unknown>;
    };
  }

  const openPostgres = async (readOnly: boolean) =>
    through(
      await openWorkspace(
        't',
        join(dir.path, readOnly ? 'auditor' : 'operator'),
        { id: readOnly ? 'auditor' : 'operator', name: 'shop-db', environment: 'production', readOnly, store: { kind: 'postgres', url: db.url }, secrets: { secret: server.password, blacklistSecret: null } },
        DESKTOP,
      ),
    );

  /** Every page of the window, walking `nextBefore`. */
  async function allPages(call: Call, request: Record<string, unknown>): Promise<{ rows: StoreAuditRow[]; pages: number }> {
    const rows: StoreAuditRow[] = [];
    let before: string | undefined;
    let pages = 0;
    for (;;) {
      const page = (await call('audit:store', { ...request, ...(before ? { before } : {}) })) as unknown as StoreAuditPage;
      pages += 1;
      rows.push(...page.rows);
      if (page.nextBefore === undefined) return { rows, pages };
      expect(page.nextBefore).toBe(page.rows[page.rows.length - 1]?.id);
      before = page.nextBefore;
    }
  }

  it('reads the app\'s REVOKE_ALL, a user\'s own logout written by another tool and our revocation (marked ours), each once', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const kai = await insertUser(db.admin, 'kai@example.com');
    const lou = await insertUser(db.admin, 'lou@example.com');
    const mia = await insertUser(db.admin, 'mia@example.com');
    const [ours] = await insertSessions(db.admin, [{ userId: kai }]);
    await insertSessions(db.admin, [{ userId: lou }, { userId: lou }]);
    const [logout] = await insertSessions(db.admin, [{ userId: mia }]);
    if (!ours || !logout) throw new Error('seed');
    // Not a revocation: never listed.
    await db.admin.query(`insert into session_audit_log (session_id, user_id, action, details) values ($1, $2, 'SESSION_CREATED', '{}')`, [logout.id, mia]);

    const call = await openPostgres(false);
    const info = await call('app:info');
    expect(info.connection).toMatchObject({ kind: 'postgres', capabilities: { storeAudit: 'session_audit_log' } });
    const { nonce } = info.connection as { nonce: string };
    const report = await call('sessions:revoke', { ids: [ours.id], reasonCode: 'credential_compromise', note: 'INC-9', connection: { id: 'operator', nonce } });
    expect((report.results as { outcome: string }[]).map((r) => r.outcome)).toEqual(['revoked']);
    // The app itself: revoke_user_sessions writes one REVOKE_ALL row for the user's live sessions.
    expect((await db.admin.query<{ n: number }>(`select revoke_user_sessions($1, 'suspicious login', null, null) as n`, [lou])).rows[0]?.n).toBe(2);
    // A user logging out, written by another tool exactly as the app writes a single revocation.
    await db.admin.query(`update sessions set revoked = true, revoked_at = now(), revoked_reason = 'User logged out', revoked_by = $2 where id = $1 and revoked = false`, [logout.id, mia]);
    await db.admin.query(
      `insert into session_audit_log (session_id, user_id, action, ip_address, user_agent, details) values ($1, $2, 'SESSION_REVOKED', '198.51.100.4', 'Mozilla/5.0 (iPhone)', jsonb_build_object('sessionId', $3::text, 'reason', 'User logged out', 'revokedBy', $4::text))`,
      [logout.id, mia, logout.id, mia],
    );

    const page = (await call('audit:store', { since, limit: 50 })) as unknown as StoreAuditPage;
    expect(page.table).toBe('session_audit_log');
    expect(page.nextBefore).toBeUndefined();
    expect(page.rows.map((r) => [r.action, r.sessionId, r.userId, r.email, r.reason, r.revokedBy, r.operator, r.count, r.bySessionWarden])).toEqual([
      ['SESSION_REVOKED', logout.id, mia, 'mia@example.com', 'User logged out', mia, null, null, false],
      ['REVOKE_ALL', null, lou, 'lou@example.com', 'suspicious login', null, null, 2, false],
      ['SESSION_REVOKED', ours.id, kai, 'kai@example.com', 'credential_compromise: INC-9', null, expect.any(String), null, true],
    ]);
    expect(page.rows[0]).toMatchObject({ ipAddress: '198.51.100.4', userAgent: 'Mozilla/5.0 (iPhone)' });
    expect(page.rows[0]?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    // Each once: no row twice, no session twice; only ours is marked as the ledger's.
    expect(new Set(page.rows.map((r) => r.id)).size).toBe(3);
    const sessions = page.rows.flatMap((r) => (r.sessionId ? [r.sessionId] : []));
    expect(new Set(sessions).size).toBe(sessions.length);
    expect(page.rows.filter((r) => r.bySessionWarden)).toHaveLength(1);
    // The row carries no raw `details`: only the fields read from it.
    expect(Object.keys(page.rows[0] ?? {})).not.toContain('details');
  });

  it('pages by `before` with no gap and no repeat, and keeps to the time window', async () => {
    // The window starts now by the server's clock, which wrote every earlier row before it.
    const start = (await db.admin.query<{ t: string }>(`select to_json(clock_timestamp()) #>> '{}' as t`)).rows[0]?.t;
    const who = await insertUser(db.admin, 'pat@example.com');
    const seeded = await insertSessions(db.admin, Array.from({ length: 23 }, () => ({ userId: who })));
    for (const s of seeded) {
      await db.admin.query(`insert into session_audit_log (session_id, user_id, action, details) values ($1, $2, 'SESSION_REVOKED', jsonb_build_object('sessionId', $3::text, 'reason', 'User logged out', 'revokedBy', $4::text))`, [s.id, who, s.id, who]);
    }
    const call = await openPostgres(false);
    const whole = (await call('audit:store', { since: start, limit: 500 })) as unknown as StoreAuditPage;
    expect(whole.rows).toHaveLength(23);
    const paged = await allPages(call, { since: start, limit: 5 });
    expect(paged.pages).toBe(5);
    expect(paged.rows.map((r) => r.id)).toEqual(whole.rows.map((r) => r.id));
    expect(new Set(paged.rows.map((r) => r.id)).size).toBe(23);
    // Newest first by id: strictly descending.
    const ids = paged.rows.map((r) => BigInt(r.id));
    expect(ids.every((id, i) => i === 0 || id < (ids[i - 1] as bigint))).toBe(true);
    // A window after everything: nothing.
    expect(((await call('audit:store', { since: new Date(Date.now() + 60_000).toISOString(), limit: 10 })) as unknown as StoreAuditPage).rows).toEqual([]);
  });

  it('an auditor (read-only) connection reads it too', async () => {
    const call = await openPostgres(true);
    const info = await call('app:info');
    expect(info.connection).toMatchObject({ readOnly: true, capabilities: { storeAudit: 'session_audit_log' } });
    const page = (await call('audit:store', { limit: 500 })) as unknown as StoreAuditPage;
    expect(page.rows.length).toBeGreaterThanOrEqual(26);
    expect(page.rows.some((r) => r.action === 'REVOKE_ALL')).toBe(true);
  });

  it('a bad request is VALIDATION, before the database is asked', async () => {
    const call = await openPostgres(false);
    for (const bad of [{ limit: 0 }, { limit: 501 }, { before: '1; drop table users' }, { since: 'yesterday' }, { actions: ["SESSION_REVOKED' or 1=1"] }, { limit: 5, extra: true }]) {
      await expect(call('audit:store', bad)).rejects.toThrow(/^VALIDATION/);
    }
  });

  it('a Redis (web sessions) or Sentinel (demo) workspace says it keeps no such log', async () => {
    const web = await through(
      await openWorkspace('t', join(dir.path, 'web'), { id: 'web', name: 'shop-web', environment: 'staging', readOnly: false, store: { kind: 'redis', urls: [redis.url], cluster: false } }, DESKTOP),
    );
    const sentinel = await through(await openDemoWorkspace('t', join(dir.path, 'demo'), DESKTOP));
    for (const call of [web, sentinel]) {
      const info = await call('app:info');
      expect((info.connection as { capabilities: { storeAudit: unknown } }).capabilities.storeAudit).toBeNull();
      await expect(call('audit:store', { limit: 10 })).rejects.toThrow(/^VALIDATION: .*keeps no audit log of its own/);
    }
  });
});
