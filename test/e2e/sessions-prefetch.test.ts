import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import type { WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, type RendererServer, serveBuiltRenderer, tableRowIds } from './harness';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:e2e' };
/** Five pages: 100, then four of 500, and a few more. */
const ROWS = 2_150;

/**
 * Holding the scrollbar at the end of the list loads page after page. Each page is read while the
 * one before it is drawn (the page after a run of scrolled-to pages is read before the table asks
 * for it), and is then shown from that read: never read twice, every row once, in order.
 */
describe('loading on scroll reads the next page while the table draws the last', () => {
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

  /**
   * The app on the table, refresh paused (every read is the table's), every page main is asked
   * for logged (its cursor, and the cursor of the page after it); held at the end of the list,
   * once a frame, until three pages are shown (100 + 500 + 500), then let go.
   */
  async function threePagesLoaded() {
    const reads: { cursor: string | undefined; next: string | undefined }[] = [];
    const handlers = table.handlers(dir.path, INFO);
    const logged: WorkspaceHandlerTable = {
      ...handlers,
      'sessions:query': async (request, context) => {
        const page = await handlers['sessions:query'](request, context);
        reads.push({ cursor: request.cursor, next: page.nextCursor });
        return page;
      },
    };
    const app = await openApp(browser, server, logged);
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();
    const count = page.getByTestId('sessions-count');
    const scroller = page.locator('.table-scroll');
    await scroller.evaluate(async (el) => {
      while (!(document.querySelector('[data-testid="sessions-count"]')?.textContent ?? '').startsWith('1,100+ loaded')) {
        el.scrollTo(0, el.scrollHeight);
        await new Promise((r) => requestAnimationFrame(() => r(null)));
      }
    });
    // The table is no longer at its end (page 3 added 500 rows under the view): it asks for nothing more.
    // The fourth page is read all the same, after the third, while the table still shows three.
    await expect.poll(() => reads.length, { timeout: 20_000 }).toBe(4);
    expect(reads[3]?.cursor).toBe(reads[2]?.next);
    expect(await count.textContent()).toMatch(/^1,100\+ loaded/);
    return { app, page, reads, count, scroller };
  }

  it('reads the page after a run of scrolled-to pages before it is asked for, and shows it from that read', async () => {
    const { app, page, reads, count, scroller } = await threePagesLoaded();

    // Scrolled to the end again: the fourth page is shown from that read (not read again); the fifth is prefetched.
    await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => count.textContent(), { timeout: 20_000 }).toMatch(/^1,600\+ loaded/);
    await expect.poll(() => reads.length, { timeout: 20_000 }).toBe(5);
    expect(reads.map((r) => r.cursor)).toEqual([undefined, reads[0]?.next, reads[1]?.next, reads[2]?.next, reads[3]?.next]);
    expect(new Set(reads.map((r) => r.cursor)).size).toBe(5);

    // To the end of the list: every page read once, every row shown once, newest first, as the store lists them.
    await expect
      .poll(async () => {
        await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
        return count.textContent();
      }, { timeout: 30_000 })
      .toMatch(/^2,150 loaded/);
    expect(new Set(reads.map((r) => r.cursor)).size).toBe(reads.length);
    const shown = await tableRowIds(page);
    expect(shown.length).toBe(ROWS);
    expect(shown).toEqual(newestFirst);
    await app.close();
  });

  it('a revocation drops the page prefetched before it: the rows it revoked are never shown active from that read', async () => {
    const { app, page, reads, count, scroller } = await threePagesLoaded();
    const prefetched = reads[3]?.cursor;
    // user0 has sessions in every page, the prefetched fourth among them (rows 1,164, 1,261, …).
    const user0 = newestFirst.filter((_, i) => i % 97 === 0);
    await scroller.evaluate((el) => el.scrollTo(0, 0));
    await page.getByRole('button', { name: `Show details of session ${newestFirst[0]}` }).click();
    await page.getByRole('button', { name: 'Revoke all active sessions of user0…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason code (required)').selectOption('credential_compromise');
    await dialog.getByLabel(/To confirm, type the user name/).fill('user0');
    await dialog.getByRole('button', { name: `Revoke ${user0.length} sessions` }).click();
    await page.getByTestId('revoke-result').waitFor();
    expect(await page.locator('[data-testid="result-row"][data-outcome="revoked"]').count()).toBe(user0.length);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.keyboard.press('Escape');

    // Scrolled to the end: the fourth page is read again, after the revocation, and none of user0's sessions is listed.
    // Scrolled only until main has read it (logged before the table shows it): a scroll after it is shown would load a fifth.
    const readAgain = () => reads.filter((r) => r.cursor === prefetched).length;
    await expect
      .poll(async () => {
        if (readAgain() < 2) await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
        return readAgain();
      }, { timeout: 20_000 })
      .toBe(2);
    await expect.poll(() => count.textContent(), { timeout: 20_000 }).toMatch(/^1,5\d\d\+ loaded/);
    const shown = await tableRowIds(page);
    expect(shown.length).toBeGreaterThan(1_500);
    expect(shown.filter((id) => user0.includes(id))).toEqual([]);
    await app.close();
  });
});
