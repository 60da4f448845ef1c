import { mkdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDemoWorkspace, openWorkspace, type Workspace } from '../../src-main/workspace';
import { contract } from '../../src-shared/contract';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser, type SeededSession } from '../fixtures/postgres-sessions';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

/**
 * The Audit screen on a PostgreSQL connection shows the application's own session_audit_log
 * beside the ledger: the app's revoke_user_sessions, a user's own logout written by another
 * tool, and Session Warden's revocation (marked "also in the ledger", so never counted twice);
 * paged newest first; hostile strings shown as text. A Sentinel (demo) connection has no such section.
 */
describe('the application\'s audit log on the Audit screen, Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let postgres: RunningPostgres;
  let db: TestDatabase;
  let dir: TempDir;
  let workspace: Workspace;
  let ours: SeededSession;
  let logout: SeededSession;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, postgres] = await Promise.all([launchChromium(), serveBuiltRenderer(), startPostgresServer()]);
    db = await postgres.createDatabase();
    for (const person of ['ana.silva', 'ben.okafor', 'chloe.martin', 'helpdesk.admin']) ids.set(person, await insertUser(db.admin, `${person}@example.com`));
    const id = (person: string) => ids.get(person) as string;
    const seeded = await insertSessions(db.admin, [{ userId: id('ana.silva') }, { userId: id('ben.okafor') }, { userId: id('ben.okafor') }, { userId: id('chloe.martin') }, { userId: id('chloe.martin') }]);
    [ours, , , logout] = seeded as [SeededSession, SeededSession, SeededSession, SeededSession, SeededSession];
    // Older history, so the log has a second page: the helpdesk revoking sessions one at a time with another tool.
    const history = await insertSessions(db.admin, Array.from({ length: 52 }, () => ({ userId: id('chloe.martin') })));
    for (const s of history) {
      await db.admin.query(
        `insert into session_audit_log (session_id, user_id, action, ip_address, user_agent, details, created_at)
         values ($1, $2, 'SESSION_REVOKED', '10.0.4.2', 'helpdesk-cli/2.3', jsonb_build_object('sessionId', $3::text, 'reason', 'Stale session cleanup', 'revokedBy', $4::text), now() - interval '2 days')`,
        [s.id, id('chloe.martin'), s.id, id('helpdesk.admin')],
      );
    }
    workspace = await openWorkspace(
      '0.1.0',
      join(dir.path, 'pg'),
      { id: 'shop-db', name: 'shop-db', environment: 'production', readOnly: false, store: { kind: 'postgres', url: db.url }, secrets: { secret: postgres.password, blacklistSecret: null } },
      { chooseSavePath: async (name) => join(dir.path, name), notify: () => undefined },
    );
    // Session Warden's own revocation, through the workspace as the Sessions screen makes it.
    const info = await workspace.handlers['app:info'](undefined, { emit: () => undefined });
    const report = await workspace.handlers['sessions:revoke'](
      contract['sessions:revoke'].request.parse({ ids: [ours.id], reasonCode: 'credential_compromise', note: 'INC-4120', connection: { id: 'shop-db', nonce: info.connection.nonce } }),
      { emit: () => undefined },
    );
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked']);
    // The app itself: revoke_user_sessions for ben (one REVOKE_ALL row for both sessions).
    await db.admin.query(`select revoke_user_sessions($1, 'Password changed', $1, null)`, [id('ben.okafor')]);
    // chloe logs out on her phone, recorded by another tool as the app records it, with a hostile user agent.
    await db.admin.query(`update sessions set revoked = true, revoked_at = now(), revoked_reason = 'User logged out', revoked_by = $2 where id = $1`, [logout.id, id('chloe.martin')]);
    await db.admin.query(
      `insert into session_audit_log (session_id, user_id, action, ip_address, user_agent, details) values ($1, $2, 'SESSION_REVOKED', '198.51.100.23', $5, jsonb_build_object('sessionId', $3::text, 'reason', 'User logged out', 'revokedBy', $4::text))`,
      [logout.id, id('chloe.martin'), logout.id, id('chloe.martin'), '=HYPERLINK("http://evil.example")<img src=x onerror="window.__pwned=1">'],
    );
  });
  afterAll(async () => {
    await workspace?.close();
    await db?.drop();
    await postgres?.stop();
    await browser?.close();
    await server?.close();
    await dir?.remove();
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`shows the app's rows and ours, each once, ours marked as also in the ledger, paged newest first (${scheme})`, async () => {
      const app = await openApp(browser, server, workspace, { colorScheme: scheme });
      const { page } = app;
      await page.getByRole('button', { name: 'Audit', exact: true }).click();
      const region = page.getByRole('region', { name: "The application's audit log (session_audit_log)" });
      await page.locator('[data-testid="store-audit"][data-state="ready"]').waitFor();
      const rows = region.getByTestId('store-audit-row');
      await expect.poll(() => rows.count()).toBe(50);
      // Newest first: chloe's logout, the app's REVOKE_ALL for ben, then our revocation of ana's session.
      const first = rows.nth(0);
      await expect(first.textContent()).resolves.toContain(logout.id);
      await expect(first.textContent()).resolves.toContain('the user themself');
      await expect(first.textContent()).resolves.toContain('chloe.martin@example.com');
      await expect(first.getAttribute('data-ours')).resolves.toBe('false');
      const all = rows.nth(1);
      await expect(all.getAttribute('data-action')).resolves.toBe('REVOKE_ALL');
      await expect(all.textContent()).resolves.toContain('all live sessions of the user (2)');
      await expect(all.textContent()).resolves.toContain('ben.okafor@example.com');
      const mine = rows.nth(2);
      await expect(mine.getAttribute('data-ours')).resolves.toBe('true');
      await expect(mine.textContent()).resolves.toContain(ours.id);
      await expect(mine.textContent()).resolves.toContain('also in the ledger');
      await expect(mine.textContent()).resolves.toContain('credential_compromise: INC-4120');
      // Each session once: ours appears exactly once, and is counted as Session Warden's.
      expect(await region.locator('[data-ours="true"]').count()).toBe(1);
      await expect(region.getByTestId('store-audit-count').textContent()).resolves.toBe(
        '50 rows on this page: 49 by the application, its users or other tools; 1 by Session Warden (also in the ledger, counted there)',
      );
      // The ledger above holds that same revocation once.
      await expect.poll(() => page.locator('[data-testid="audit-row"]').count()).toBe(1);
      // A hostile user agent is text, never markup.
      await expect(first.textContent()).resolves.toContain('<img src=x onerror=');
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      // A real table: headers and a caption.
      const table = region.getByRole('table');
      await expect(table.locator('caption').textContent()).resolves.toContain('newest first');
      expect(await table.locator('th[scope="col"]').allTextContents()).toEqual(['Time (UTC)', 'Action', 'Written by', 'Session', 'User', 'By', 'Reason', 'IP address', 'User agent']);
      expect(await seriousViolations(page, `store audit log (${scheme})`)).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, `postgres-store-audit-${scheme}.png`) });

      // Older: the rest of the helpdesk's history, no row repeated, then back.
      const firstPage = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td:nth-child(4)')?.textContent ?? ''));
      await region.getByRole('button', { name: 'Older' }).click();
      await expect.poll(() => rows.count()).toBe(5);
      const secondPage = await rows.evaluateAll((trs) => trs.map((tr) => tr.querySelector('td:nth-child(4)')?.textContent ?? ''));
      expect(secondPage.filter((s) => firstPage.includes(s))).toEqual([]);
      await expect(region.getByTestId('store-audit-range').textContent()).resolves.toBe('51–55, newest first');
      await expect(region.getByRole('button', { name: 'Older' }).isDisabled()).resolves.toBe(true);
      if (scheme === 'dark') await page.screenshot({ path: join(SCREENSHOTS, `postgres-store-audit-older-${scheme}.png`) });
      await region.getByRole('button', { name: 'Newer' }).click();
      await expect.poll(() => rows.count()).toBe(50);
      expect(app.problems).toEqual([]);
      await app.close();
    });
  }

  it('exports the whole log through main as CSV, every page, cells escaped against formulas, with a manifest', async () => {
    const app = await openApp(browser, server, workspace);
    const { page } = app;
    await page.getByRole('button', { name: 'Audit', exact: true }).click();
    await page.locator('[data-testid="store-audit"][data-state="ready"]').waitFor();
    const region = page.getByRole('region', { name: "The application's audit log (session_audit_log)" });
    await region.getByRole('button', { name: 'Export session_audit_log…' }).click();
    await expect.poll(() => page.getByTestId('toasts').textContent()).toMatch(/Exported 55 audit log rows to store-audit-shop-db-.*\.csv/);
    const file = (await readdir(dir.path)).find((f) => /^store-audit-.*\.csv$/.test(f)) as string;
    const lines = (await readFile(join(dir.path, file), 'utf8')).trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,created_at,action,session_id,user_id,email,revoked_by,operator,reason,count,ip_address,user_agent,by_session_warden');
    expect(lines).toHaveLength(56);
    // Every row once, ours marked.
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(55);
    expect(lines.filter((l) => l.includes(ours.id))).toHaveLength(1);
    expect(lines.find((l) => l.includes(ours.id))?.endsWith(',true')).toBe(true);
    // The hostile user agent starts with '=': a spreadsheet must read it as text.
    const hostile = lines.find((l) => l.includes(logout.id)) as string;
    expect(hostile).toContain(`"'=HYPERLINK(""http://evil.example"")`);
    const manifest = JSON.parse(await readFile(join(dir.path, `${file}.manifest.json`), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ kind: 'store-audit', table: 'session_audit_log', rows: 55, window: {}, format: 'csv' });
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('a Sentinel (demo) connection has no such section', async () => {
    const demo = await openDemoWorkspace('0.1.0', join(dir.path, 'demo'), { chooseSavePath: async () => null, notify: () => undefined });
    try {
      const app = await openApp(browser, server, demo);
      const { page } = app;
      await page.getByRole('button', { name: 'Audit', exact: true }).click();
      await page.locator('[data-testid="audit"]:not([data-state="loading"])').waitFor();
      expect(await page.getByTestId('store-audit').count()).toBe(0);
      expect(app.problems).toEqual([]);
      await app.close();
    } finally {
      await demo.close();
    }
  });
});
