import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAppHandlers } from '../../src-main/app-handlers';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser } from '../fixtures/postgres-sessions';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { fakeKeyring } from '../fixtures/fake-keyring';

const SENDER = { url: 'app://warden/index.html', isMainFrame: true };

/**
 * A PostgreSQL workspace over the production app handler table: revocations by Session Warden and
 * by the application itself (`revoke_user_sessions`) both reach Activity, each session once; an
 * auditor connection's pool refuses writes in the database too.
 */
describe('a PostgreSQL workspace through the app handler table', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let dir: TempDir;
  const workspaces: Workspace[] = [];
  const managers: ConnectionManager[] = [];

  beforeAll(async () => {
    server = await startPostgresServer();
    db = await server.createDatabase();
    dir = await tempDir();
  });
  afterAll(async () => {
    for (const manager of managers) await manager.close();
    for (const workspace of workspaces) await workspace.close();
    await db?.drop();
    await server?.stop();
    await dir?.remove();
  });

  async function open(readOnly: boolean) {
    const workspace = await openWorkspace(
      't',
      join(dir.path, readOnly ? 'auditor' : 'operator'),
      { id: readOnly ? 'auditor' : 'operator', name: 'shop-db', environment: 'production', readOnly, store: { kind: 'postgres', url: db.url }, secrets: { secret: server.password, blacklistSecret: null } },
      { chooseSavePath: async () => null, notify: () => undefined },
    );
    workspaces.push(workspace);
    // The app's manager with this workspace active, as the app has it after a switch.
    const vault = new SecretVault(fakeKeyring(), 'linux');
    const appDir = join(dir.path, readOnly ? 'auditor-app' : 'operator-app');
    const manager = new ConnectionManager({ version: 't', dataDir: appDir, store: new ConnectionStore(appDir, vault), vault, desktop: { chooseSavePath: async () => null, notify: () => undefined } });
    await manager.adopt({ ...workspace, close: async () => undefined });
    managers.push(manager);
    const dispatch = createDispatch(createAppHandlers(manager), { trustedOrigins: ['app://warden'] });
    return async (channel: string, payload?: unknown) => {
      const result = await dispatch(channel, payload, SENDER);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value as Record<string, unknown>;
    };
  }

  it('counts our revocations and the application\'s own in Activity, each session once', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const ours = await insertUser(db.admin, 'kai@example.com');
    const theirs = await insertUser(db.admin, 'lou@example.com');
    const mine = await insertSessions(db.admin, [{ userId: ours }, { userId: ours }]);
    await insertSessions(db.admin, [{ userId: theirs }, { userId: theirs }, { userId: theirs }]);
    const call = await open(false);
    const info = await call('app:info');
    expect(info.connection).toMatchObject({ kind: 'postgres', capabilities: { where: 'Database', residual: 'next-request' } });
    const { nonce } = info.connection as { nonce: string };

    const report = await call('sessions:revoke', { ids: mine.map((s) => s.id), reasonCode: 'offboarding', ticket: 'HR-5', connection: { id: 'operator', nonce } });
    expect((report.results as { outcome: string }[]).map((r) => r.outcome)).toEqual(['revoked', 'revoked']);
    // The application revokes a user's sessions itself, with its own function and audit row.
    const revokedByApp = await db.admin.query<{ count: number }>(`select revoke_user_sessions($1, 'suspicious login', null, null) as count`, [theirs]);
    expect(revokedByApp.rows[0]?.count).toBe(3);

    const summary = await call('activity:summary', { since, until: new Date(Date.now() + 60_000).toISOString() });
    expect(summary.total).toBe(5);
    expect(summary.byOperator).toEqual(expect.arrayContaining([expect.objectContaining({ count: 2 })]));
    expect((summary.topUsers as { name: string; count: number }[]).map((u) => [u.name, u.count]).sort()).toEqual([[ours, 2], [theirs, 3]].sort());
  });

  it('an auditor connection lists, and its revocations are refused before the database is touched', async () => {
    const user = await insertUser(db.admin, 'max@example.com');
    const [session] = await insertSessions(db.admin, [{ userId: user }]);
    if (!session) throw new Error('seed');
    const call = await open(true);
    const page = await call('sessions:query', { user, status: 'active' });
    expect((page.sessions as { id: string }[]).map((s) => s.id)).toEqual([session.id]);
    const { nonce } = (await call('app:info')).connection as { nonce: string };
    await expect(call('sessions:revoke', { ids: [session.id], reasonCode: 'offboarding', connection: { id: 'auditor', nonce } })).rejects.toThrow(/^READ_ONLY/);
    const stored = await db.admin.query<{ revoked: boolean }>('select revoked from sessions where id = $1', [session.id]);
    expect(stored.rows[0]?.revoked).toBe(false);
  });
});
