import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { describeLedgerTable } from '../../src-main/team-ledger/dynamo-chain';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type AppPage, type RendererServer } from './harness';

const KEEP = "Keep a team ledger (every operator's revocations in one chained table)";

describe('the team ledger in the connection editor, in Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let redis: RunningRedis;
  let table: TestTable;
  let dir: TempDir;
  let manager: ConnectionManager;
  let app: AppPage;
  const a11y: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, redis, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), startRedisServer(), createSentinelTable(inject('dynamoEndpoint'))]);
    const vault = new SecretVault(fakeKeyring(), 'linux');
    manager = new ConnectionManager({ version: '0.1.0', dataDir: dir.path, store: new ConnectionStore(dir.path, vault), vault, desktop: { chooseSavePath: async () => null, notify: () => undefined } });
    await manager.start();
    app = await openApp(browser, server, manager);
    await app.page.getByRole('button', { name: 'Connections', exact: true }).click();
    await app.page.locator('[data-testid="connections"][data-state="ready"]').waitFor();
  });
  afterAll(async () => {
    await app?.close();
    await manager?.close();
    await browser?.close();
    await server?.close();
    await redis?.stop();
    const client = localDynamoClient(inject('dynamoEndpoint'));
    await client.send(new DeleteTableCommand({ TableName: `${table?.name}-revocations` })).catch(() => undefined);
    client.destroy();
    await table?.drop();
    await dir?.remove();
  });

  const editorOf = (page: Page) => page.getByTestId('connection-editor');
  async function newSentinel(page: Page, name: string, options: { readOnly?: boolean } = {}) {
    await page.getByRole('button', { name: 'New connection…' }).click();
    const editor = editorOf(page);
    await editor.getByLabel('Name', { exact: true }).fill(name);
    await editor.getByLabel('Region', { exact: true }).fill('local');
    await editor.getByLabel('Table', { exact: true }).fill(table.name);
    await editor.getByLabel(/^Endpoint/).fill(inject('dynamoEndpoint'));
    await editor.getByLabel('The default credential chain').check();
    if (options.readOnly) await editor.getByLabel(/Read-only \(auditor\)/).check();
    return editor;
  }
  async function saveAndClose(page: Page) {
    await editorOf(page).getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => editorOf(page).isVisible()).toBe(false);
  }
  const card = (page: Page, name: string) => page.getByTestId('connection-card').filter({ has: page.getByText(name, { exact: true }) });

  it('keeps a team ledger for a Sentinel table: prefilled, saved, created from the saved connection, then tested', async () => {
    const { page } = app;
    const editor = await newSentinel(page, 'sentinel-staging');
    // Off by default; checked with the keyboard, the table name is proposed from the session table.
    const keep = editor.getByLabel(KEEP, { exact: true });
    await expect(keep.isChecked()).resolves.toBe(false);
    await expect(editor.getByLabel('Ledger table', { exact: true }).count()).resolves.toBe(0);
    await keep.focus();
    await page.keyboard.press('Space');
    await expect(editor.getByLabel('Ledger table', { exact: true }).inputValue()).resolves.toBe(`${table.name}-revocations`);
    // Not saved yet: nothing to create a table from.
    await expect(editor.getByRole('button', { name: 'Create ledger table' }).count()).resolves.toBe(0);
    await saveAndClose(page);
    const saved = (await manager.list()).connections.find((c) => c.name === 'sentinel-staging');
    expect(saved?.store).toMatchObject({ kind: 'dynamodb', teamLedger: `${table.name}-revocations` });
    await expect(card(page, 'sentinel-staging').textContent()).resolves.toContain(`team ledger ${table.name}-revocations`);

    await card(page, 'sentinel-staging').getByRole('button', { name: 'Edit…' }).click();
    const edit = editorOf(page);
    await expect(edit.getByLabel(KEEP, { exact: true }).isChecked()).resolves.toBe(true);
    // An unsaved change to the ledger name: the button waits for Save (main acts on the saved connection).
    const create = edit.getByRole('button', { name: 'Create ledger table' });
    await edit.getByLabel('Ledger table', { exact: true }).fill('something-else');
    await expect(create.isDisabled()).resolves.toBe(true);
    await expect(edit.getByTestId('team-ledger').textContent()).resolves.toContain('Save the connection first');
    await edit.getByLabel('Ledger table', { exact: true }).fill(`${table.name}-revocations`);
    await expect(create.isEnabled()).resolves.toBe(true);

    // The test first says the table is missing, and what to do.
    await edit.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => edit.getByTestId('test-results').textContent()).toContain(`Team ledger table "${table.name}-revocations" does not exist: Create ledger table, or \`session-warden ledger init\``);

    await create.click();
    const outcome = edit.getByTestId('ledger-init-result');
    await outcome.waitFor();
    // DynamoDB Local has no continuous backups: said as such, never claimed.
    await expect(outcome.getAttribute('data-state')).resolves.toBe('warning');
    await expect(outcome.textContent()).resolves.toContain(`Created ${table.name}-revocations, but point-in-time recovery could not be turned on (UnknownOperationException`);
    const client = localDynamoClient(inject('dynamoEndpoint'));
    expect(await describeLedgerTable(client, `${table.name}-revocations`)).toBe('ok');
    client.destroy();
    await edit.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => edit.getByTestId('test-results').textContent()).toContain(`Team ledger table "${table.name}-revocations" found`);
    await edit.getByTestId('team-ledger').scrollIntoViewIfNeeded();
    a11y.push(...(await seriousViolations(page, 'connection editor with a team ledger')));
    await page.screenshot({ path: join(SCREENSHOTS, 'connection-editor-team-ledger-light.png') });
    // Again: the table is there already.
    await create.click();
    await expect.poll(() => outcome.textContent()).toContain(`${table.name}-revocations already exists`);
    await edit.getByRole('button', { name: 'Cancel' }).click();
  });

  it('offers no table creation on a read-only connection, which never writes', async () => {
    const { page } = app;
    const editor = await newSentinel(page, 'auditor-view', { readOnly: true });
    await editor.getByLabel(KEEP, { exact: true }).check();
    await editor.getByLabel('Ledger table', { exact: true }).fill(`${table.name}-auditor`);
    await saveAndClose(page);
    await card(page, 'auditor-view').getByRole('button', { name: 'Edit…' }).click();
    const edit = editorOf(page);
    const create = edit.getByRole('button', { name: 'Create ledger table' });
    await expect(create.isDisabled()).resolves.toBe(true);
    const why = await create.getAttribute('aria-describedby');
    await expect(page.locator(`[id="${why}"]`).textContent()).resolves.toContain('Read-only connections never write');
    await edit.getByTestId('team-ledger').scrollIntoViewIfNeeded();
    await page.screenshot({ path: join(SCREENSHOTS, 'connection-editor-team-ledger-read-only-light.png') });
    await edit.getByRole('button', { name: 'Cancel' }).click();
  });

  it('keeps a Redis connection’s team ledger in a stream, and the test warns when the server does not persist', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'New connection…' }).click();
    const editor = editorOf(page);
    await editor.getByLabel('Name', { exact: true }).fill('shop-web');
    await editor.getByLabel('Redis (web sessions)').check();
    await editor.getByLabel(/^URL/).fill(redis.url);
    await editor.getByLabel(KEEP, { exact: true }).check();
    await expect(editor.getByLabel('Stream key', { exact: true }).inputValue()).resolves.toBe('session-warden:revocations');
    await expect(editor.getByRole('button', { name: 'Create ledger table' }).count()).resolves.toBe(0);
    await editor.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => editor.getByTestId('test-results').textContent()).toContain('revocations in the stream would be lost with the server');
    await editor.getByTestId('team-ledger').scrollIntoViewIfNeeded();
    a11y.push(...(await seriousViolations(page, 'connection editor, Redis team ledger')));
    await page.screenshot({ path: join(SCREENSHOTS, 'connection-editor-team-ledger-redis-light.png') });
    await saveAndClose(page);
    expect((await manager.list()).connections.find((c) => c.name === 'shop-web')?.store).toMatchObject({ kind: 'redis', teamLedger: 'session-warden:revocations' });
    expect(app.problems).toEqual([]);
  });

  it('finds no serious or critical accessibility violation', () => {
    expect(a11y).toEqual([]);
  });
});
