import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, serveBuiltRenderer, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:e2e' };
const rowIds = (page: Page) => page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));

describe('the live table and watched users', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  const now = Math.floor(Date.now() / 1000);
  const zed = sentinelItem({ seconds: now - 300 }, { user: 'zed.watched' });
  const others = Array.from({ length: 5 }, (_, i) => sentinelItem({ seconds: now - 100 - i }, { user: `other${i}` }));

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    await table.put([zed, ...others]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  it('highlights new rows, keeps the selection, and raises a badge and a notification for a watched user', async () => {
    const notifications: { title: string; body: string }[] = [];
    const app = await openApp(browser, server, table.handlers(dir.path, INFO, notifications));
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await page.getByRole('combobox', { name: 'Refresh every' }).selectOption('5000');
    await page.getByRole('checkbox', { name: `Select session ${others[2]?.id}` }).check();
    await page.getByRole('button', { name: `Show details of session ${zed.id}` }).click();
    await page.getByRole('button', { name: 'Watch zed.watched for new sessions' }).click();
    await expect(page.getByTestId('watch-strip').textContent()).resolves.toContain('zed.watched');
    await page.getByRole('button', { name: 'Close details' }).click();

    // The compromised account signs in again, and someone else starts a session too.
    const t = Math.floor(Date.now() / 1000);
    const again = sentinelItem({ seconds: t }, { user: 'zed.watched' });
    const newcomer = sentinelItem({ seconds: t - 1 }, { user: 'newcomer' });
    await table.put([again, newcomer]);

    await expect.poll(() => page.getByTestId('watch-badge').textContent(), { timeout: 20_000 }).toContain('1');
    await expect.poll(() => notifications.length, { timeout: 10_000 }).toBe(1);
    expect(notifications[0]?.title).toBe('New session of watched user zed.watched');
    expect(notifications[0]?.body).toContain(again.id);
    await expect.poll(() => page.locator('[data-testid="session-row"][data-fresh="true"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id')).sort()), { timeout: 20_000 }).toEqual([again.id, newcomer.id].sort());
    expect((await rowIds(page)).slice(0, 2)).toEqual([again.id, newcomer.id]);
    expect(await page.getByRole('checkbox', { name: `Select session ${others[2]?.id}` }).isChecked()).toBe(true);
    await expect(page.getByTestId('selection-bar').textContent()).resolves.toContain('1 session of 1 user selected');
    await expect(page.getByTestId('watch-strip').textContent()).resolves.toContain('zed.watched — 1 new session');
    await page.screenshot({ path: join(SCREENSHOTS, 'watch-alert-light.png') });

    await page.getByRole('button', { name: 'zed.watched — 1 new session' }).click();
    await expect.poll(async () => (await rowIds(page)).sort()).toEqual([again.id, zed.id].sort());
    expect(await page.getByTestId('watch-badge').count()).toBe(0);
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
