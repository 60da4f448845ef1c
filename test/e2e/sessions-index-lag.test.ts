import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo, SessionsPage } from '../../src-shared/contract';
import type { WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, type RendererServer, serveBuiltRenderer, tableRowIds } from './harness';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:e2e' };
const ROWS = 1_200;
/** lag.user's sessions: one on the first page, one on the second, one on the third. */
const LAG_ROWS = [0, 150, 650];

/**
 * DynamoDB lists sessions from an index that follows the table eventually: just after a
 * revocation, a page may still list what it revoked, active. Pages loaded after the operator
 * revoked a user's sessions never show them active all the same.
 */
describe('pages read from an index that lags a revocation', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  const now = Math.floor(Date.now() / 1000);
  let newestFirst: string[];

  beforeAll(async () => {
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    const items = Array.from({ length: ROWS }, (_, i) => sentinelItem({ seconds: now - 120 - i }, { user: LAG_ROWS.includes(i) ? 'lag.user' : `user${i % 53}` }));
    await table.put(items);
    newestFirst = items.map((s) => s.id);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  it('a page the index still lists a revoked session on, active, does not show it', async () => {
    const handlers = table.handlers(dir.path, INFO);
    const context = { emit: () => undefined } as unknown as Parameters<WorkspaceHandlerTable['sessions:query']>[1];
    // The pages after the first as the index lists them before the revocation, kept to be served after it.
    const stale = new Map<string, SessionsPage>();
    const first = await handlers['sessions:query']({ status: 'active', limit: 100 }, context);
    let cursor = first.nextCursor;
    for (let i = 0; i < 2 && cursor !== undefined; i += 1) {
      const page = await handlers['sessions:query']({ status: 'active', limit: 500, cursor }, context);
      stale.set(cursor, page);
      cursor = page.nextCursor;
    }
    const lagUser = LAG_ROWS.map((i) => newestFirst[i] as string);
    expect([...stale.values()].flatMap((p) => p.sessions.map((s) => s.id)).filter((id) => lagUser.includes(id))).toHaveLength(2);
    const lagging: WorkspaceHandlerTable = {
      ...handlers,
      'sessions:query': async (request, ctx) => {
        const page = request.cursor === undefined ? undefined : stale.get(request.cursor);
        return page ?? handlers['sessions:query'](request, ctx);
      },
    };
    const app = await openApp(browser, server, lagging);
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await page.getByRole('button', { name: 'Pause' }).click();

    await page.getByRole('button', { name: `Show details of session ${newestFirst[0]}` }).click();
    await page.getByRole('button', { name: 'Revoke all active sessions of lag.user…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason code (required)').selectOption('credential_compromise');
    await dialog.getByLabel(/To confirm, type the user name/).fill('lag.user');
    await dialog.getByRole('button', { name: 'Revoke 3 sessions' }).click();
    await page.getByTestId('revoke-result').waitFor();
    expect(await page.locator('[data-testid="result-row"][data-outcome="revoked"]').count()).toBe(3);
    await page.getByRole('button', { name: 'Done' }).click();
    await page.keyboard.press('Escape');

    // Pages two and three served as the index listed them before the revocation; then the last one.
    const count = page.getByTestId('sessions-count');
    const scroller = page.locator('.table-scroll');
    await expect
      .poll(async () => {
        await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
        return count.textContent();
      }, { timeout: 30_000 })
      .toMatch(/^1,1\d\d loaded/);
    const shown = await tableRowIds(page);
    expect(shown.length).toBeGreaterThan(1_100);
    expect(shown.filter((id) => lagUser.includes(id))).toEqual([]);
    await app.close();
  });
});
