import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { appAccepts, auditRowsOf, insertSessions, insertUser, type SeededSession } from '../fixtures/postgres-sessions';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

async function ready(page: Page): Promise<void> {
  await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
}

/**
 * The web app's PostgreSQL sessions table in the workspace: opened by its store kind as the app
 * opens a saved connection, drawn from its capabilities, revoked as the app revokes (the update
 * and its audit row), in Chromium over the production app handler table.
 */
describe('PostgreSQL sessions in the workspace, Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let postgres: RunningPostgres;
  let db: TestDatabase;
  let dir: TempDir;
  let workspace: Workspace;
  const people = ['ana.silva', 'ben.okafor', 'chloe.martin'];
  const userIds = new Map<string, string>();
  let seeded: SeededSession[] = [];
  let compromised: SeededSession[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, postgres] = await Promise.all([launchChromium(), serveBuiltRenderer(), startPostgresServer()]);
    db = await postgres.createDatabase();
    for (const person of [...people, 'mallory']) userIds.set(person, await insertUser(db.admin, `${person}@example.com`));
    const devices = ['MacBook Pro (macOS 15)', 'iPhone 16 (iOS 19)', 'ThinkPad X1 (Windows 11)'];
    seeded = await insertSessions(
      db.admin,
      Array.from({ length: 24 }, (_, i) => ({
        userId: userIds.get(people[i % people.length] as string) as string,
        ageMs: (i + 1) * 9 * 60_000,
        deviceInfo: devices[i % devices.length] as string,
        ipAddress: `198.51.100.${10 + i}`,
        userAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 15_1) AppleWebKit/605.1.15 Safari/605.1.15',
      })),
    );
    compromised = await insertSessions(
      db.admin,
      Array.from({ length: 3 }, (_, i) => ({ userId: userIds.get('mallory') as string, ageMs: (i + 2) * 60_000, ipAddress: '203.0.113.66', deviceInfo: 'unknown device' })),
    );
    workspace = await openWorkspace(
      '0.1.0',
      dir.path,
      { id: 'shop-db', name: 'shop-db', environment: 'production', readOnly: false, store: { kind: 'postgres', url: db.url }, secrets: { secret: postgres.password, blacklistSecret: null } },
      { chooseSavePath: async (name) => join(dir.path, name), notify: () => undefined },
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

  it('lists the sessions with the columns PostgreSQL has, and the detail panel shows its fields (light)', async () => {
    const app = await openApp(browser, server, workspace);
    const { page } = app;
    await ready(page);
    await expect.poll(() => page.locator('[data-testid="session-row"]').count()).toBe(seeded.length + compromised.length);
    const headers = (await page.locator('thead th').allTextContents()).join('|');
    expect(headers).toContain('E-mail');
    expect(headers).toContain('IP address');
    expect(headers).not.toContain('Profile');
    await expect(page.locator('.top-facts').textContent()).resolves.toContain('Database');
    await page.screenshot({ path: join(SCREENSHOTS, 'postgres-sessions-light.png') });
    const first = seeded[0] as SeededSession;
    await page.getByRole('button', { name: `Show details of session ${first.id}` }).click();
    const panel = page.getByTestId('detail-panel');
    for (const text of ['ana.silva@example.com', '198.51.100.10', 'MacBook Pro (macOS 15)', 'Mozilla/5.0']) {
      await expect(panel.textContent()).resolves.toContain(text);
    }
    expect(await seriousViolations(page, 'postgres sessions')).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'postgres-detail-light.png') });
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('revokes every session of a compromised user as the app does: the update and its audit row (dark)', async () => {
    const app = await openApp(browser, server, workspace, { colorScheme: 'dark' });
    const { page } = app;
    await ready(page);
    const mallory = userIds.get('mallory') as string;
    await page.getByRole('button', { name: `Show details of session ${compromised[0]?.id}` }).click();
    await page.screenshot({ path: join(SCREENSHOTS, 'postgres-detail-dark.png') });
    await page.getByRole('button', { name: `Revoke all active sessions of ${mallory}…` }).click();
    const dialog = page.getByRole('dialog');
    // Users are UUIDs here: the dialog names the person by e-mail, and asks for the e-mail, not the UUID.
    await expect(dialog.getByRole('heading').textContent()).resolves.toBe(`Revoke all 3 active sessions of mallory@example.com (user ${mallory})`);
    await dialog.getByLabel('Reason code (required)').selectOption('security_incident');
    await dialog.getByLabel('Ticket or incident reference (optional)').fill('INC-7001');
    await dialog.getByLabel(/To confirm, type the user's e-mail/).fill(mallory);
    await dialog.getByRole('button', { name: 'Revoke 3 sessions' }).click();
    await dialog.getByText("Type the user's e-mail to confirm.").waitFor();
    expect(await auditRowsOf(db.admin, (compromised[0] as SeededSession).id)).toEqual([]);
    await dialog.getByLabel(/To confirm, type the user's e-mail/).fill('mallory@example.com');
    await page.screenshot({ path: join(SCREENSHOTS, 'postgres-revoke-dialog-dark.png') });
    await dialog.getByRole('button', { name: 'Revoke 3 sessions' }).click();
    await page.getByTestId('revoke-result').waitFor();
    expect(await page.locator('[data-testid="result-row"][data-outcome="revoked"]').count()).toBe(3);
    await page.screenshot({ path: join(SCREENSHOTS, 'postgres-revoke-result-dark.png') });
    await page.getByRole('button', { name: 'Done' }).click();
    for (const s of compromised) {
      expect(await appAccepts(db.admin, s.tokenHash)).toBe(false);
      expect((await auditRowsOf(db.admin, s.id)).map((r) => r.action)).toEqual(['SESSION_REVOKED']);
    }
    expect(await appAccepts(db.admin, (seeded[0] as SeededSession).tokenHash)).toBe(true);
    expect(await seriousViolations(page, 'postgres revoke (dark)')).toEqual([]);
    expect(app.problems).toEqual([]);
    await app.close();
  });
  it('filtered by a user id, the user header names the person by e-mail with the id beside (light)', async () => {
    const app = await openApp(browser, server, workspace);
    const { page } = app;
    await ready(page);
    const ben = userIds.get('ben.okafor') as string;
    await page.getByLabel('User', { exact: true }).fill(ben);
    const header = page.getByTestId('user-header');
    await header.waitFor();
    await expect(header.getByRole('heading').textContent()).resolves.toBe(`ben.okafor@example.com${ben}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'postgres-user-header-light.png') });
    await page.getByLabel('User', { exact: true }).fill('');
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it.each(['light', 'dark'] as const)('filters by an IP network and a device in the filter bar, and searches in the database (%s)', async (colorScheme) => {
    const app = await openApp(browser, server, workspace, { colorScheme });
    const { page } = app;
    await ready(page);
    const shown = async () => (await page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''))).sort();
    const expected = (keep: (i: number) => boolean) => seeded.filter((_, i) => keep(i)).map((s) => s.id).sort();
    // Every session (mallory's too while not yet revoked: this test may run alone).
    await expect.poll(async () => (await shown()).length).toBeGreaterThanOrEqual(seeded.length);

    // 198.51.100.16/29 is .16 to .23: sessions 6 to 13; of those, every third is an iPhone.
    const ip = page.getByLabel('IP address', { exact: true });
    await ip.fill('198.51.100.16');
    await expect.poll(shown).toEqual(expected((i) => i === 6));
    await ip.fill('198.51.100.16/');
    // Not yet an address or network: said at the field; the filter in effect stays.
    await expect(page.getByText('an address or network, e.g. 10.1.0.0/16').isVisible()).resolves.toBe(true);
    await expect(ip.getAttribute('aria-invalid')).resolves.toBe('true');
    expect(await shown()).toEqual(expected((i) => i === 6));
    await page.screenshot({ path: join(SCREENSHOTS, `postgres-filters-unfinished-${colorScheme}.png`) });
    await ip.fill('198.51.100.16/29');
    await expect.poll(shown).toEqual(expected((i) => i >= 6 && i <= 13));
    await page.getByLabel('Device', { exact: true }).fill('iphone');
    await expect.poll(shown).toEqual(expected((i) => i >= 6 && i <= 13 && i % 3 === 1));
    const chips = page.getByRole('list', { name: 'Active filters' });
    await expect(chips.textContent()).resolves.toContain('IP: 198.51.100.16/29');
    await expect(chips.textContent()).resolves.toContain('device: iphone');
    await page.screenshot({ path: join(SCREENSHOTS, `postgres-filters-${colorScheme}.png`) });

    // The search box is the database's search here (not "Search loaded rows"): ThinkPads among all.
    await page.getByRole('button', { name: 'Clear all filters' }).click();
    // Every session (mallory's too while not yet revoked: this test may run alone).
    await expect.poll(async () => (await shown()).length).toBeGreaterThanOrEqual(seeded.length);
    await expect(ip.inputValue()).resolves.toBe('');
    const search = page.getByLabel(/^Search/);
    await expect(page.locator('.field.search > span').textContent()).resolves.toBe('Search /');
    await search.fill('THINKPAD');
    await expect.poll(shown).toEqual(expected((i) => i % 3 === 2));
    await page.screenshot({ path: join(SCREENSHOTS, `postgres-search-${colorScheme}.png`) });
    expect(await seriousViolations(page, `postgres filters (${colorScheme})`)).toEqual([]);
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
