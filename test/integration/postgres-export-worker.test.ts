import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { WardenError } from '../../src-main/errors';
import { Exports } from '../../src-main/export/exports';
import type { ExportWorkerFault } from '../../src-main/export/export-protocol';
import { Ledger } from '../../src-main/ledger/ledger';
import { POSTGRES_CAPABILITIES } from '../../src-main/postgres/capabilities';
import type { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { postgresExports } from '../fixtures/postgres-exports';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { seedMany } from '../fixtures/postgres-sessions';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

/**
 * A PostgreSQL sessions export, as the app runs it (Exports over the store's walk), whose encoder
 * thread fails part way through (a fault the built worker makes on purpose): the operator gets the
 * reason, the store's transaction is let go, and no file is left, nor the thread. The export that
 * follows on the same store writes every row.
 */
describe('PostgreSQL export: the encoder thread failing mid-export', () => {
  let server: RunningPostgres;
  let db: TestDatabase;
  let pool: Pool;
  let dir: TempDir;
  let store: PostgresSessionStore;
  const info: AppInfo = {
    version: 'test',
    connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'pg', kind: 'postgres', environment: 'test', table: 'sessions', readOnly: true, capabilities: POSTGRES_CAPABILITIES },
    operator: 'local:test',
  };

  beforeAll(async () => {
    [server, dir] = await Promise.all([startPostgresServer(), tempDir()]);
    db = await server.createDatabase();
    // 5,000 sessions: five FETCHes of the walk, so the fault comes with pages still to read.
    await seedMany(db.admin, 50, 100);
    ({ pool, store } = await postgresExports(server, db, dir.path));
  }, 120_000);
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await server?.stop();
    await dir?.remove();
  });

  const exportWith = (name: string, fault?: ExportWorkerFault) =>
    new Exports({ store, ledger: new Ledger(join(dir.path, 'ledger.jsonl')), info: () => info, chooseSavePath: async (file) => join(dir.path, `${name}-${file}`), exportWorker: { fault } }).start(
      { exportId: randomUUID(), kind: 'sessions', format: 'csv', filter: { status: 'any' } },
      () => undefined,
    );

  it.each([
    ['throw', /encoder failed \(test fault after batch 3\)/],
    ['exit', /encoder stopped \(exit code 70\)/],
  ] as const)('the thread %s after its third batch: the reason, no file, and the walk released', async (kind, reason) => {
    const error = await exportWith(kind, { after: 3, kind }).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(WardenError);
    expect((error as WardenError).code).toBe('INTERNAL');
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toContain('nothing was left on disk');
    expect((await readdir(dir.path)).filter((f) => f.startsWith(`${kind}-`))).toEqual([]);
    // The walk's connection went back to the pool (its transaction rolled back), none left checked out.
    await expect.poll(() => pool.totalCount - pool.idleCount).toBe(0);
  });

  it('cancelled while its COPY is still being read: no file, the COPY stopped on the server, its connection closed, not pooled', async () => {
    const exports = new Exports({ store, ledger: new Ledger(join(dir.path, 'ledger.jsonl')), info: () => info, chooseSavePath: async (file) => join(dir.path, `cancelled-${file}`) });
    const exportId = randomUUID();
    let progress = 0;
    const result = await exports.start({ exportId, kind: 'sessions', format: 'csv', filter: { status: 'any' } }, (_channel, payload) => {
      // At the first batch written: 5,000 sessions are several batches, so the COPY is not over.
      progress = (payload as { rows: number }).rows;
      exports.cancel(exportId);
    });
    expect(result).toEqual({ saved: false, cancelled: true, rows: 0 });
    expect(progress).toBeGreaterThan(0);
    expect(progress).toBeLessThan(5000);
    expect((await readdir(dir.path)).filter((f) => f.startsWith('cancelled-'))).toEqual([]);
    await expect.poll(() => pool.totalCount - pool.idleCount).toBe(0);
    // The server is not left reading sessions for nobody.
    await expect
      .poll(async () => (await db.admin.query<{ n: number }>(`select count(*)::int as n from pg_stat_activity where query like 'copy (%' and pid <> pg_backend_pid()`)).rows[0]?.n)
      .toBe(0);
  });

  it('then the same store exports every row', async () => {
    const result = await exportWith('after');
    expect(result).toMatchObject({ saved: true, rows: 5000 });
    expect((await readdir(dir.path)).filter((f) => f.startsWith('after-')).sort()).toEqual([result.fileName, result.manifestFileName].sort());
  });
});
