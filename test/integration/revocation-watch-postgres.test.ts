import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevocationAlarms } from '../../src-shared/proof';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import { openPostgresPool } from '../../src-main/postgres/postgres-pool';
import { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { RevocationWatch } from '../../src-main/proof/revocation-watch';
import { CursorCodec } from '../../src-main/stores/cursor';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser } from '../fixtures/postgres-sessions';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

const SENDER = { url: 'app://warden/index.html', isMainFrame: true };

/**
 * Use after revocation on the web app's PostgreSQL `sessions` table: an app server that skips the
 * revoked check keeps moving `last_active_at`; the watch reads every watched row in one SELECT.
 */
describe('the revocation watch on PostgreSQL', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let dir: TempDir;
  let pool: Pool;
  const workspaces: Workspace[] = [];

  beforeAll(async () => {
    server = await startPostgresServer();
    db = await server.createDatabase();
    dir = await tempDir();
    pool = await openPostgresPool({ url: db.url, password: server.password });
  });
  afterAll(async () => {
    for (const w of workspaces) await w.close();
    await pool?.end();
    await db?.drop();
    await server?.stop();
    await dir?.remove();
  });

  async function open() {
    const w = await openWorkspace(
      't',
      join(dir.path, 'data'),
      { id: 'op', name: 'shop-db', environment: 'production', readOnly: false, store: { kind: 'postgres', url: db.url }, secrets: { secret: server.password, blacklistSecret: null } },
      { chooseSavePath: async () => null, notify: () => undefined, revocationWatch: { periodMs: 3_600_000 } },
    );
    workspaces.push(w);
    const dispatch = createDispatch(w.handlers, { trustedOrigins: ['app://warden'] });
    const call = async <T>(channel: string, payload?: unknown): Promise<T> => {
      const result = await dispatch(channel, payload, SENDER);
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value as T;
    };
    if (!w.watch) throw new Error('no watch on a revoking PostgreSQL workspace');
    return { w, call, watch: w.watch };
  }

  /** An app request that skips `revoked = false`: it moves last_active_at on. */
  const request = (id: string) => db.admin.query('update sessions set last_active_at = now() where id = $1', [id]);

  it('alarms when last_active_at moves after the revocation, once per new activity, with the client the row names; reads one SELECT a tick', async () => {
    const user = await insertUser(db.admin, `kim-${randomBytes(3).toString('hex')}@example.com`);
    const [used, quiet, ...more] = await insertSessions(db.admin, Array.from({ length: 30 }, (_, i) => ({ userId: user, ipAddress: i === 0 ? '192.0.2.44' : '203.0.113.7' })));
    if (!used || !quiet) throw new Error('not seeded');
    const { call, watch, w } = await open();
    const info = await call<{ connection: { nonce: string } }>('app:info');
    const ids = [used.id, quiet.id, ...more.map((s) => s.id)];
    const report = await call<{ results: { outcome: string }[] }>('sessions:revoke', { ids, reasonCode: 'credential_compromise', connection: { id: 'op', nonce: info.connection.nonce } });
    expect(report.results.every((r) => r.outcome === 'revoked')).toBe(true);

    expect((await watch.tick()).alarms).toEqual([]);
    await request(used.id);
    const { alarms } = await watch.tick();
    expect(alarms.map((a) => [a.sessionId, a.user, a.client])).toEqual([[used.id, user, '192.0.2.44 (Mozilla/5.0 (Macintosh))']]);
    expect(alarms[0]?.summary).toMatch(/^activity after revocation from 192\.0\.2\.44 \(Mozilla\/5\.0 \(Macintosh\)\), last access /);
    expect((await watch.tick()).alarms).toEqual([]);
    await request(used.id);
    expect((await watch.tick()).alarms.map((a) => a.sessionId)).toEqual([used.id]);
    expect((await call<RevocationAlarms>('proof:alarms')).alarms).toHaveLength(2);

    // The same watch over the ledger with a store that says each statement: one SELECT for all 30.
    const statements: string[] = [];
    const counted = new PostgresSessionStore({ pool, cursors: new CursorCodec(randomBytes(32)), onQuery: ({ text }) => statements.push(text) });
    const again = new RevocationWatch({ store: counted, ledger: new Ledger(w.ledger.path), connection: 'shop-db' });
    const tick = await again.tick();
    expect(tick).toMatchObject({ read: 30, alarms: [] });
    expect(statements).toHaveLength(1);
    expect(statements[0]).toContain('where s.id = any($1::uuid[])');
  });
});
