import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import type { WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { createSentinelTable, revokeAsSentinelCli, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, serveBuiltRenderer, type RendererServer } from './harness';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:e2e' };
const ROWS = 2_600;

/**
 * The live table with 2,100 rows loaded (five pages) on a real Sentinel table: another process
 * revokes a row in view and a new session begins; the row's status changes where it is, the new
 * session appears highlighted on top, and each refresh costs at most 3 DynamoDB requests (the
 * whole list read again would be two Queries per loaded page).
 */
describe('the live table refreshes what is on screen', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  const now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    await table.put(Array.from({ length: ROWS }, (_, i) => sentinelItem({ seconds: now - 120 - i }, { user: `user${i % 97}` })));
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  it('shows a revocation by another process in the row in view and a new session highlighted, at most 3 store requests a tick', async () => {
    // What reaches DynamoDB, and when a refresh starts (its read of the head of the list), in order.
    const log: string[] = [];
    table.client.middlewareStack.add(
      (next, context) => async (args) => {
        log.push(String(context.commandName));
        return next(args);
      },
      { step: 'initialize', name: 'refresh-e2e-count' },
    );
    const handlers = table.handlers(dir.path, INFO);
    const counted: WorkspaceHandlerTable = {
      ...handlers,
      'sessions:query': (request, context) => {
        if (request.limit === 25) log.push('tick');
        return handlers['sessions:query'](request, context);
      },
    };
    const app = await openApp(browser, server, counted);
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await page.getByRole('checkbox', { name: 'Revoked' }).check();
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await page.getByRole('combobox', { name: 'Refresh every' }).selectOption('5000');

    // Scroll down until five pages are loaded (100 + 4 × 500 rows).
    const scroller = page.locator('.table-scroll');
    for (let loaded = 100; loaded < 2_100; loaded += 500) {
      await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await expect.poll(() => page.getByTestId('sessions-count').textContent(), { timeout: 20_000 }).toContain(`${(loaded + 500).toLocaleString('en-US')}+ loaded`);
    }
    // The operator settles in the middle of what is loaded.
    await scroller.evaluate((el) => el.scrollTo({ top: 1_000 * 34 }));
    const rowsInView = () =>
      page.locator('[data-testid="session-row"]').evaluateAll((rows, top) => {
        const box = (rows[0]?.closest('.table-scroll') as HTMLElement | null)?.getBoundingClientRect();
        if (!box) return [];
        return rows
          .filter((r) => {
            const b = r.getBoundingClientRect();
            return b.top >= box.top + 40 && b.bottom <= box.bottom;
          })
          .map((r) => r.getAttribute('data-session-id') ?? '')
          .slice(0, top);
      }, 20);
    // On a busy machine the rows at the new scroll position are drawn a moment later.
    await expect.poll(async () => (await rowsInView()).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(9);
    const target = (await rowsInView())[8] as string;
    const row = page.locator(`tr[data-session-id="${target}"]`);
    await expect(row.locator('.status').textContent()).resolves.toMatch(/active/i);

    await revokeAsSentinelCli(table, target, 'sentinel-cli', 'stolen laptop', Math.floor(Date.now() / 1000));
    const arrival = sentinelItem({ seconds: Math.floor(Date.now() / 1000) }, { user: 'newcomer' });
    await table.put([arrival]);

    await expect.poll(() => row.locator('.status').textContent(), { timeout: 20_000 }).toMatch(/revoked/i);
    await expect(row.isVisible()).resolves.toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'refresh-revoked-in-view-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SCREENSHOTS, 'refresh-revoked-in-view-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });

    // Two whole ticks, with nothing else happening: what each cost at the store.
    const start = log.length;
    await expect.poll(() => log.slice(start).filter((e) => e === 'tick').length, { timeout: 20_000 }).toBeGreaterThanOrEqual(3);
    const window = log.slice(start);
    const first = window.indexOf('tick');
    const second = window.indexOf('tick', first + 1);
    const third = window.indexOf('tick', second + 1);
    // The head of two status partitions (two Queries), one BatchGetItem for the rows in view: never per loaded page.
    for (const requests of [window.slice(first + 1, second), window.slice(second + 1, third)]) {
      expect(requests.length, requests.join()).toBeLessThanOrEqual(3);
      expect(requests).toContain('BatchGetItemCommand');
    }

    // The new session is on top, highlighted as new.
    await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
    const fresh = page.locator(`tr[data-session-id="${arrival.id}"]`);
    await fresh.waitFor();
    await expect(fresh.getAttribute('data-fresh')).resolves.toBe('true');
    await expect(page.getByTestId('sessions-count').textContent()).resolves.toContain('2,101+ loaded');
    await page.screenshot({ path: join(SCREENSHOTS, 'refresh-new-session-light.png') });
    expect(app.problems).toEqual([]);
    table.client.middlewareStack.remove('refresh-e2e-count');
    await app.close();
  });
});
