import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, serveBuiltRenderer, type RendererServer } from './harness';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:e2e' };
/** Three pages: 100, 500 and the last 450. */
const ROWS = 1_050;
const ROW_HEIGHT = 34;

/** Where the operator is: the last row drawn (rows in view and the overscan below them), 0-based. */
function lastDrawnRow(page: Page): Promise<number> {
  return page.locator('[data-testid="session-row"]').evaluateAll((rows) => Math.max(...rows.map((r) => Number(r.getAttribute('aria-rowindex')) - 2)));
}

/**
 * Reading ahead on a real Sentinel table: once the operator scrolls, the next page is loaded while
 * rows of the current one are still below the view, so the operator scrolling down never waits at
 * the end of what is loaded; opening the screen loads the first page only.
 */
describe('the sessions table reads ahead of the operator', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  const now = Math.floor(Date.now() / 1000);
  let newestFirst: string[];

  beforeAll(async () => {
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    const items = Array.from({ length: ROWS }, (_, i) => sentinelItem({ seconds: now - 120 - i }, { user: `user${i % 97}` }));
    await table.put(items);
    newestFirst = items.map((s) => s.id);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  it('loads the next page while rows of this one are still below the view', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO));
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    const count = () => page.getByTestId('sessions-count').textContent();
    await expect.poll(count).toBe('100+ loaded, newest first');
    const scroller = page.locator('.table-scroll');

    // A little way down the first page: the next page arrives before the operator nears its end.
    await scroller.evaluate((el, top) => el.scrollTo({ top }), 30 * ROW_HEIGHT);
    await expect.poll(count, { timeout: 20_000 }).toBe('600+ loaded, newest first');
    // Nothing below row 100 was ever drawn: the operator was well short of the end (which alone used to load more).
    expect(await lastDrawnRow(page)).toBeLessThan(100 - 20);
    // Row 101 onwards are the store's next rows, newest first, ready before they are scrolled to.
    await scroller.evaluate((el, top) => el.scrollTo({ top }), 100 * ROW_HEIGHT);
    await page.locator(`tr[data-session-id="${newestFirst[100]}"]`).waitFor();

    // Further down, about 200 rows before the end of the second page: the last page is read ahead too.
    await scroller.evaluate((el, top) => el.scrollTo({ top }), 360 * ROW_HEIGHT);
    await expect.poll(count, { timeout: 20_000 }).toBe('1,050 loaded, newest first');
    expect(await lastDrawnRow(page)).toBeLessThan(600 - 20);
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
