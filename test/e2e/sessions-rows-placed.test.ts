import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, serveBuiltRenderer, type RendererServer } from './harness';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:e2e' };
/** Two pages: 100 and 500. */
const ROWS = 600;
const ROW_HEIGHT = 34;

interface DrawnRow {
  index: number;
  id: string | null;
  /** The row's top, from the body's top (px). */
  top: number;
  height: number;
  /** Its own style attribute, if any. */
  style: string | null;
}

/** The drawn rows in DOM order, where each sits in the body, and any style of their own. */
function drawnRows(page: Page): Promise<DrawnRow[]> {
  return page.locator('.sessions-table tbody').evaluate((body) => {
    const bodyTop = body.getBoundingClientRect().top;
    return [...body.querySelectorAll('tr')].map((tr) => {
      const box = tr.getBoundingClientRect();
      return { index: Number(tr.getAttribute('aria-rowindex')) - 2, id: tr.getAttribute('data-session-id'), top: box.top - bodyTop, height: box.height, style: tr.getAttribute('style') };
    });
  });
}

/**
 * The virtualised body places its rows without a style on any row (a position of its own on each
 * new row made Chromium's style recalculation slower with every row drawn until a major GC; the
 * renderer benchmark measures that): the rows in view follow one another from the first one's
 * place, so each row must still sit exactly at its index's height, in order, wherever the table
 * is scrolled, and the row at the top of the view is the one scrolled to.
 */
describe('the sessions table places its rows without a style on each', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  const now = Math.floor(Date.now() / 1000);
  let newestFirst: string[];

  beforeAll(async () => {
    dir = await tempDir();
    mkdirSync(SCREENSHOTS, { recursive: true });
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

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`draws each row at its index's place, in order, after scrolling (${colorScheme})`, async () => {
      const app = await openApp(browser, server, table.handlers(dir.path, INFO), { colorScheme });
      const { page } = app;
      await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
      const scroller = page.locator('.table-scroll');
      const headerHeight = await page.locator('.sessions-table thead').evaluate((h) => h.getBoundingClientRect().height);

      // Down the first page, then into the second (read ahead as the table is scrolled), then back up a little.
      for (const row of [0, 37, 80, 413, 401]) {
        await scroller.evaluate((el, top) => el.scrollTo({ top }), row * ROW_HEIGHT);
        await expect.poll(async () => (await drawnRows(page)).some((r) => r.index === row), { timeout: 20_000 }).toBe(true);
        const rows = await drawnRows(page);
        expect(rows.length).toBeGreaterThan(10);
        // In order, without a gap, each the session of its index, at its index's height, with no style of its own.
        rows.forEach((r, i) => {
          expect(r.index).toBe((rows[0] as DrawnRow).index + i);
          expect(r.id).toBe(newestFirst[r.index]);
          expect(r.top).toBeCloseTo(r.index * ROW_HEIGHT, 0);
          expect(r.height).toBeCloseTo(ROW_HEIGHT, 0);
          expect(r.style).toBeNull();
        });
        // The row scrolled to is the first one under the sticky header.
        const underHeader = await page.evaluate((y) => {
          const scroll = document.querySelector('.table-scroll') as HTMLElement;
          const box = scroll.getBoundingClientRect();
          return document.elementFromPoint(box.left + 200, box.top + y + 5)?.closest('tr')?.getAttribute('data-session-id') ?? null;
        }, headerHeight);
        expect(underHeader).toBe(newestFirst[row]);
      }
      await page.screenshot({ path: join(SCREENSHOTS, `sessions-scrolled-${colorScheme}.png`) });
      expect(app.problems).toEqual([]);
      await app.close();
    });
  }
});
