import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { checkPostgresSchema } from '../../src-main/postgres/schema-check';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startPostgresServer, type RunningPostgres, type TestDatabase } from '../fixtures/postgres-server';
import { insertSessions, insertUser } from '../fixtures/postgres-sessions';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

/** The machine is loaded (2 cores, a PostgreSQL server, Chromium): waits are generous. */
const WAIT = { timeout: 30_000 };
const PASSWORD_IN_URL = 'holds a password: put it in the password field, not in the URL';

/**
 * A PostgreSQL connection made the way an operator makes one: through the editor's form, tested
 * against a real server (the schema checks main runs), saved with its password in the vault, and
 * opened from the Connections screen, in Chromium over the production app handler table.
 */
describe('a PostgreSQL connection in the connection editor, Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let postgres: RunningPostgres;
  let db: TestDatabase;
  let dir: TempDir;
  let manager: ConnectionManager;
  let seeded = 0;
  const a11y: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, postgres] = await Promise.all([launchChromium(), serveBuiltRenderer(), startPostgresServer()]);
    db = await postgres.createDatabase();
    const ana = await insertUser(db.admin, 'ana.silva@example.com');
    const ben = await insertUser(db.admin, 'ben.okafor@example.com');
    const rows = await insertSessions(
      db.admin,
      Array.from({ length: 5 }, (_, i) => ({ userId: i % 2 ? ben : ana, ageMs: (i + 1) * 7 * 60_000, deviceInfo: 'MacBook Pro (macOS 15)', ipAddress: `198.51.100.${20 + i}` })),
    );
    seeded = rows.length;
    const vault = new SecretVault(fakeKeyring(), 'linux');
    manager = new ConnectionManager({
      version: '0.1.0',
      dataDir: dir.path,
      store: new ConnectionStore(dir.path, vault),
      vault,
      desktop: { chooseSavePath: async () => null, notify: () => undefined },
    });
    await manager.start();
  }, 180_000);
  afterAll(async () => {
    await manager?.close();
    await browser?.close();
    await server?.close();
    await db?.drop();
    await postgres?.stop();
    await dir?.remove();
  });

  async function openEditor(page: Page) {
    await page.getByRole('button', { name: 'Connections', exact: true }).click();
    await page.locator('[data-testid="connections"][data-state="ready"]').waitFor(WAIT);
    await page.getByRole('button', { name: 'New connection…' }).click();
    const editor = page.getByTestId('connection-editor');
    await editor.getByLabel('PostgreSQL (web app sessions table)').check();
    return editor;
  }

  it('refuses a URL holding a password at the field; tests, saves and opens one with the password in its field (light)', async () => {
    const app = await openApp(browser, server, manager);
    const { page } = app;
    const editor = await openEditor(page);
    await editor.getByLabel('Name', { exact: true }).fill('shop-db');
    // No team ledger for PostgreSQL, and the form says so.
    await expect(editor.textContent()).resolves.toContain('No team ledger for PostgreSQL');
    expect(await editor.getByTestId('team-ledger').count()).toBe(0);

    // A password in the URL: said at the field, nothing saved.
    const url = editor.getByLabel(/^URL/);
    await url.fill(db.url.replace('postgres@', `postgres:${encodeURIComponent(postgres.password)}@`));
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => editor.getByRole('alert').allTextContents(), WAIT).toContainEqual(expect.stringContaining(PASSWORD_IN_URL));
    await expect(url.getAttribute('aria-invalid')).resolves.toBe('true');
    // The error is the field's description, so a screen reader reads it with the field.
    const describedBy = ((await url.getAttribute('aria-describedby')) ?? '').split(' ');
    const description = await Promise.all(describedBy.map((id) => page.locator(`[id="${id}"]`).textContent()));
    expect(description.join(' ')).toContain(PASSWORD_IN_URL);
    await page.screenshot({ path: join(SCREENSHOTS, 'connection-editor-postgres-refused-light.png') });
    expect((await manager.list()).connections).toEqual([]);

    // The address in the URL, the password in its field.
    await url.fill(db.url);
    await editor.getByLabel('SSL mode').selectOption('disable');
    await editor.getByLabel(/^Password/).fill(postgres.password);
    await expect(url.getAttribute('aria-invalid')).resolves.toBe('false');
    // sslmode disable: no CA certificate to give.
    expect(await editor.getByLabel(/^CA certificate/).count()).toBe(0);

    // The connection test runs main's schema checks on the draft: each one passes, by name.
    const expected = (await checkPostgresSchema(db.admin)).checks.map((c) => c.name);
    expect(expected.length).toBeGreaterThan(3);
    await editor.getByRole('button', { name: 'Test connection' }).click();
    const results = editor.getByTestId('test-results');
    await results.waitFor(WAIT);
    await expect(results.getAttribute('data-ok')).resolves.toBe('true');
    const lines = await results.locator('li').allTextContents();
    expect(lines).toHaveLength(expected.length);
    for (const name of expected) expect(lines).toContainEqual(expect.stringContaining(`${name} (ok)`));
    a11y.push(...(await seriousViolations(page, 'PostgreSQL connection editor')));
    await page.screenshot({ path: join(SCREENSHOTS, 'connection-editor-postgres-light.png') });

    await editor.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('connection-editor').isVisible(), WAIT).toBe(false);
    const saved = (await manager.list()).connections;
    expect(saved).toHaveLength(1);
    expect(saved[0]).toMatchObject({ name: 'shop-db', hasSecret: true, secretKept: 'encrypted', store: { kind: 'postgres', url: db.url, sslmode: 'disable' } });
    expect(await readFile(join(dir.path, 'connections.json'), 'utf8')).not.toContain(postgres.password);

    // The list line: the database's address, its SSL mode, that a password is kept.
    const card = page.getByTestId('connection-card');
    await expect.poll(() => card.textContent(), WAIT).toContain(`PostgreSQL ${db.url}; SSL disable`);
    await expect(card.textContent()).resolves.toContain('password kept encrypted');
    a11y.push(...(await seriousViolations(page, 'connections with PostgreSQL')));
    await page.screenshot({ path: join(SCREENSHOTS, 'connections-postgres-light.png') });

    // Switch to it: the sessions, with the columns PostgreSQL has.
    await card.getByRole('button', { name: 'Switch to shop-db' }).click();
    await expect.poll(() => page.getByTestId('connection-name').textContent(), WAIT).toBe('shop-db');
    await page.getByRole('button', { name: 'Sessions', exact: true }).click();
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor(WAIT);
    await expect.poll(() => page.locator('[data-testid="session-row"]').count(), WAIT).toBe(seeded);
    const headers = (await page.locator('thead th').allTextContents()).join('|');
    expect(headers).toContain('E-mail');
    expect(headers).toContain('IP address');
    expect(headers).not.toContain('Profile');
    await expect(page.locator('[data-testid="session-row"]').first().textContent()).resolves.toMatch(/@example\.com/);
    expect(await page.content()).not.toContain(postgres.password);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('draws the PostgreSQL form in the dark scheme too', async () => {
    const app = await openApp(browser, server, manager, { colorScheme: 'dark' });
    const { page } = app;
    const editor = await openEditor(page);
    await editor.getByLabel('Name', { exact: true }).fill('shop-db (replica)');
    await editor.getByLabel(/^URL/).fill('postgres://warden@db.internal:5432/shop');
    await editor.getByLabel('SSL mode').selectOption('verify-full');
    await editor.getByLabel(/^CA certificate/).fill('-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----');
    await editor.getByLabel(/^Your e-mail in the app/).fill('secops@example.com');
    await editor.getByLabel(/^Blacklist Redis/).fill('rediss://cache.internal:6380');
    await editor.getByLabel(/^Its ACL user/).waitFor(WAIT);
    a11y.push(...(await seriousViolations(page, 'PostgreSQL connection editor (dark)')));
    await page.screenshot({ path: join(SCREENSHOTS, 'connection-editor-postgres-dark.png') });
    await editor.getByRole('button', { name: 'Cancel' }).click();
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('finds no serious or critical accessibility violation on these screens', () => {
    expect(a11y).toEqual([]);
  });
});
