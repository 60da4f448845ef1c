import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import type { WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, serveBuiltRenderer, type AppPage, type RendererServer } from './harness';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:e2e' };
/** 100 + 21 pages of 500 rows loaded, and more in the store beyond them. */
const LOADED = 10_600;
const ROWS = 10_800;
/** What reads at the store (the revocation's own writes and its conditional re-reads are not counted). */
const READS = new Set(['QueryCommand', 'BatchGetItemCommand', 'ScanCommand']);

const rowIds = (page: Page) => page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));
const statusOf = (page: Page, id: string) => page.locator(`tr[data-session-id="${id}"] .status`).textContent();

/**
 * After a revocation the table shows what the store holds, and the refresh costs what was
 * revoked, not what is loaded: with 10,600 rows loaded, the sessions the report names are read
 * back by id (one BatchGetItem) and the head of the list once, where reading every loaded page
 * again was 22 Queries. What the table shows comes from that read, never from the report: a
 * session the store did not revoke stays active.
 */
describe('a revocation refreshes the table by what it revoked', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  let app: AppPage;
  // What reaches DynamoDB and main, in order: store commands, `ipc:<channel>`, and when a revocation's answer left main.
  const log: string[] = [];
  // Session ids whose revocation DynamoDB refuses (throttled past the SDK's attempts).
  const refused = new Set<string>();
  const now = Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    await table.put(Array.from({ length: ROWS }, (_, i) => sentinelItem({ seconds: now - 120 - i }, { user: `user${i % 97}` })));
    table.client.middlewareStack.add(
      (next, context) => async (args) => {
        const name = String(context.commandName);
        log.push(name);
        const key = (args.input as { Key?: { id?: string | { S?: string } } }).Key?.id;
        const id = typeof key === 'string' ? key : key?.S;
        if (name === 'UpdateItemCommand' && id !== undefined && refused.has(id)) {
          throw Object.assign(new Error('injected throttling'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
        }
        return next(args);
      },
      { step: 'initialize', priority: 'high', name: 'revoke-refresh-e2e' },
    );
    const handlers = table.handlers(dir.path, INFO);
    const counted = Object.fromEntries(
      Object.entries(handlers).map(([channel, handler]) => [
        channel,
        async (request: unknown, context: unknown) => {
          log.push(`ipc:${channel}`);
          const answer = await (handler as (r: unknown, c: unknown) => Promise<unknown>)(request, context);
          if (channel === 'sessions:revoke') log.push('revoke-end');
          return answer;
        },
      ]),
    ) as unknown as WorkspaceHandlerTable;
    app = await openApp(browser, server, counted);
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  /** Selects `ids` (in view), revokes them with `refuse` refused by the store, and returns where in the log the answer came. */
  async function revoke(page: Page, ids: readonly string[], refuse: string): Promise<number> {
    for (const id of ids) await page.getByRole('checkbox', { name: `Select session ${id}` }).check();
    refused.add(refuse);
    await page.locator('body').press('r');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason code (required)').selectOption('credential_compromise');
    const typed = dialog.getByLabel(/To confirm, type the number of sessions/);
    if ((await typed.count()) > 0) await typed.fill(String(ids.length));
    await dialog.getByRole('button', { name: `Revoke ${ids.length} sessions` }).click();
    await dialog.getByTestId('revoke-result').waitFor();
    const outcomes = await dialog.locator('[data-testid="result-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-outcome')));
    expect(outcomes.sort()).toEqual(['failed', 'revoked']);
    const answered = log.indexOf('revoke-end');
    expect(answered).toBeGreaterThan(-1);
    return answered;
  }
  const readsAfter = (index: number) => log.slice(index + 1).filter((e) => READS.has(e));

  it('with 10,600 rows loaded, reads back only what it revoked: the revoked row leaves the active list, the refused one stays active', async () => {
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    // Auto-refresh off: every read counted below is the revocation's.
    await page.getByRole('button', { name: 'Pause' }).click();
    const scroller = page.locator('.table-scroll');
    for (let loaded = 100; loaded < LOADED; loaded += 500) {
      await scroller.evaluate((el) => el.scrollTo({ top: el.scrollHeight }));
      await expect.poll(() => page.getByTestId('sessions-count').textContent(), { timeout: 30_000 }).toContain(`${(loaded + 500).toLocaleString('en-US')}+ loaded`);
    }
    // The operator settles in the middle of what is loaded.
    await scroller.evaluate((el) => el.scrollTo({ top: 5_000 * 34 }));
    await expect.poll(async () => (await rowIds(page)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(12);
    const inView = await rowIds(page);
    const [revoked, kept] = [inView[8], inView[9]] as [string, string];
    await expect(statusOf(page, revoked)).resolves.toMatch(/active/i);

    const answered = await revoke(page, [revoked, kept], kept);
    // Without any manual refresh, the active list no longer holds the revoked row, as the store says.
    await expect.poll(() => rowIds(page), { timeout: 60_000 }).not.toContain(revoked);
    await expect(statusOf(page, kept)).resolves.toMatch(/active/i);
    const reads = readsAfter(answered);
    // Reading every loaded page again was 22 Queries; now the head of the list and one read by id.
    console.log(`revoke refresh with ${LOADED} rows loaded: ${reads.length} store reads (${reads.join(', ')}); after the answer: ${log.slice(answered + 1).join(', ')}`);
    expect(reads.length, reads.join()).toBeLessThanOrEqual(4);
    expect(reads).toContain('BatchGetItemCommand');
    await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
    expect(await page.getByTestId('sessions-count').textContent()).toContain(`${(LOADED - 1).toLocaleString('en-US')}+ loaded`);
  }, 600_000);

  it('in a list of active and revoked sessions, the revoked row stays and shows revoked; the refused one stays active', async () => {
    const { page } = app;
    log.length = 0;
    await page.getByRole('checkbox', { name: 'Revoked' }).check();
    // Not the previous filter's rows, shown (busy) until the new list's first page is in.
    await page.locator('[data-testid="sessions"][data-state="ready"]:not([aria-busy])').waitFor();
    const scroller = page.locator('.table-scroll');
    await scroller.evaluate((el) => el.scrollTo({ top: 0 }));
    await expect.poll(async () => (await rowIds(page)).length, { timeout: 20_000 }).toBeGreaterThanOrEqual(12);
    const inView = await rowIds(page);
    const [revoked, kept] = [inView[3], inView[4]] as [string, string];
    await expect(statusOf(page, revoked)).resolves.toMatch(/active/i);

    const answered = await revoke(page, [revoked, kept], kept);
    await expect.poll(() => statusOf(page, revoked), { timeout: 60_000 }).toMatch(/revoked/i);
    await expect(statusOf(page, kept)).resolves.toMatch(/active/i);
    expect(await rowIds(page)).toContain(revoked);
    const reads = readsAfter(answered);
    console.log(`revoke refresh, active and revoked listed: ${reads.length} store reads (${reads.join(', ')})`);
    // The head of two status partitions (two Queries) and one read by id.
    expect(reads.length, reads.join()).toBeLessThanOrEqual(4);
    expect(reads).toContain('BatchGetItemCommand');
    await page.getByRole('dialog').getByRole('button', { name: 'Done' }).click();
    await page.screenshot({ path: join(SCREENSHOTS, 'revoke-refresh-any-light.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(SCREENSHOTS, 'revoke-refresh-any-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(app.problems).toEqual([]);
  }, 180_000);
});
