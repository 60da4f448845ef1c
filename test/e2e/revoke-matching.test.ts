import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { startHoldingProxy } from '../fixtures/holding-proxy';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { createHandlers } from '../../src-main/handlers';
import { Ledger } from '../../src-main/ledger/ledger';
import { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import { SentinelStore } from '../../src-main/sentinel/sentinel-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

const info = (environment: string): AppInfo => ({
  version: '0.1.0',
  connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment, table: 'sentinel-sessions', readOnly: false, capabilities: SENTINEL_CAPABILITIES },
  operator: 'local:e2e',
});

async function ready(page: Page): Promise<void> {
  await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
}

/**
 * "Revoke all matching…" for a profile at the end of its contract: counted by main across every
 * page of the store (more than the table loads), typed above the threshold, revoked exactly.
 */
describe('revoke everything a filter matches, Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: TempDir;
  const t = Math.floor(Date.now() / 1000);
  const users = ['ana', 'ben', 'cy', 'dee', 'eve', 'fay', 'gus', 'hal'];
  const ending = Array.from({ length: 240 }, (_, i) => sentinelItem({ seconds: t - 30 - i * 7 }, { user: users[i % users.length] as string, profile: 'contractor-acme' }));
  const keep = Array.from({ length: 6 }, (_, i) => sentinelItem({ seconds: t - 20 - i }, { user: 'ana', profile: 'prod-admin' }));
  const few = Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: t - 40 - i }, { user: 'zed', profile: 'contractor-tiny' }));
  const iso = (seconds: number) => new Date(seconds * 1000).toISOString();
  // Revoked by another tool, which writes no revoked_at: the panel goes by updated_at.
  const justRevoked = sentinelItem({ seconds: t - 900 }, { user: 'ivy', profile: 'prod-admin', status: 'revoked', revoked_by: 'local:e2e', revoked_reason: 'security_incident', updated_at: iso(t - 5 * 60) });
  const longAgo = sentinelItem({ seconds: t - 7200 }, { user: 'ivy', profile: 'prod-admin', status: 'revoked', revoked_by: 'local:e2e', revoked_reason: 'security_incident', updated_at: iso(t - 3600) });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    await table.put([...ending, ...keep, ...few, justRevoked, longAgo]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });
  const statusOf = async (id: string) => (await table.client.send(new GetCommand({ TableName: table.name, Key: { id }, ConsistentRead: true }))).Item?.status;

  it('counts 240 sessions of a profile across pages, asks for the count, and revokes exactly those (light)', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, info('staging')));
    const { page } = app;
    await ready(page);
    // No filter: nothing offered (never the whole store).
    expect(await page.getByRole('button', { name: 'Revoke all matching…' }).count()).toBe(0);
    await page.getByLabel('Profile', { exact: true }).fill('contractor-acme');
    // A search within the loaded rows narrows only what is loaded: nothing is offered until it is cleared.
    const search = page.getByRole('searchbox');
    await search.fill('ana');
    await expect.poll(() => page.getByRole('button', { name: 'Revoke all matching…' }).isDisabled()).toBe(true);
    await expect(page.locator('#revoke-matching-status').textContent()).resolves.toContain('Clear "Search loaded rows" first');
    await search.fill('');
    await page.getByRole('button', { name: 'Revoke all matching…' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('heading').first().textContent()).resolves.toBe('Revoke all 240 active sessions matching profile: contractor-acme');
    const counts = dialog.getByTestId('matching-counts');
    expect(await counts.locator('table').first().locator('tbody tr').allTextContents()).toEqual(['ana30', 'ben30', 'cy30', 'dee30', 'eve30', 'fay30', '2 more60']);
    expect(await counts.locator('table').nth(1).locator('tbody tr').allTextContents()).toEqual(['contractor-acme240']);
    await dialog.getByLabel('Reason code (required)').selectOption('contractor_end');
    await dialog.getByLabel('Ticket or incident reference (optional)').fill('VND-31');
    // Above the threshold (100) the count is typed.
    await dialog.getByLabel(/To confirm, type the number of sessions/).fill('240');
    expect(await seriousViolations(page, 'revoke matching dialog')).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'revoke-matching-dialog-light.png') });
    await dialog.getByRole('button', { name: 'Revoke 240 sessions' }).click();
    await page.getByTestId('revoke-result').waitFor();
    expect(await page.locator('[data-testid="result-row"][data-outcome="revoked"]').count()).toBe(240);
    await page.screenshot({ path: join(SCREENSHOTS, 'revoke-matching-result-light.png') });
    for (const s of [ending[0], ending[120], ending[239]]) expect(await statusOf(s?.id as string)).toBe('revoked');
    for (const s of keep) expect(await statusOf(s.id)).toBe('active');
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('in production asks for the count even for three sessions (dark)', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, info('production')), { colorScheme: 'dark' });
    const { page } = app;
    await ready(page);
    await page.getByLabel('Profile', { exact: true }).fill('contractor-tiny');
    await page.getByRole('button', { name: 'Revoke all matching…' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('heading').first().textContent()).resolves.toBe('Revoke all 3 active sessions matching profile: contractor-tiny');
    await dialog.getByLabel('Reason code (required)').selectOption('contractor_end');
    await dialog.getByLabel(/To confirm, type the number of sessions/).fill('3');
    await page.screenshot({ path: join(SCREENSHOTS, 'revoke-matching-dialog-dark.png') });
    await dialog.getByRole('button', { name: 'Revoke 3 sessions' }).click();
    await page.getByTestId('revoke-result').waitFor();
    for (const s of few) expect(await statusOf(s.id)).toBe('revoked');
    expect(app.problems).toEqual([]);
    await app.close();
  });
  it("says in the detail panel when a revoked session is fully closed: open with a countdown, then closed (dark)", async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, info('staging')), { colorScheme: 'dark' });
    const { page } = app;
    await ready(page);
    await page.getByRole('checkbox', { name: 'Revoked', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Active', exact: true }).uncheck();
    await page.getByLabel('User', { exact: true }).fill('ivy');
    await page.getByRole('button', { name: `Show details of session ${justRevoked.id}` }).click();
    const panel = page.getByTestId('detail-panel');
    const closing = panel.getByTestId('fully-closed');
    await expect(closing.getAttribute('data-state')).resolves.toBe('open');
    // Revoked 5 minutes ago: credentials issued before it work for 10 more minutes.
    await expect(closing.textContent()).resolves.toMatch(/^Open until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \((9|10):\d\d left\)/);
    await page.screenshot({ path: join(SCREENSHOTS, 'detail-fully-closed-open-dark.png') });
    await page.getByRole('button', { name: `Show details of session ${longAgo.id}` }).click();
    await expect.poll(() => closing.getAttribute('data-state')).toBe('closed');
    await expect(closing.textContent()).resolves.toBe(`Fully closed at ${iso(t - 3600 + 900).slice(0, 19).replace('T', ' ')} UTCNothing issued before the revocation works any more.`);
    expect(await seriousViolations(page, 'fully closed')).toEqual([]);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('cancels a run mid-way: Cancel by keyboard, in-flight writes finish, the rest said as not attempted and offered again (light, dark)', { timeout: 240_000 }, async () => {
    const cut = Array.from({ length: 400 }, (_, i) => sentinelItem({ seconds: t - 50 - i }, { user: users[i % 4] as string, profile: 'contractor-cut' }));
    await table.put(cut);
    // The workspace reaches DynamoDB Local through a proxy that lets 40 writes through and then
    // holds every request: the run is under way, and stays so until the test lets it go on.
    const proxy = await startHoldingProxy(Number(new URL(inject('dynamoEndpoint')).port));
    const client = DynamoDBDocumentClient.from(localDynamoClient(proxy.url));
    const store = new SentinelStore({ client, tableName: table.name, cursors: new CursorCodec(randomBytes(32)) });
    const ledger = new Ledger(join(dir.path, 'cancel-ledger.jsonl'));
    const revoker = new SentinelRevoker({ client, store, ledger, operator: 'local:e2e', connection: 'test' });
    const handlers = createHandlers({ ledgerConnection: 'test', store, revoker, ledger, info: () => info('staging'), chooseSavePath: async (name) => join(dir.path, name), notify: () => undefined });
    const app = await openApp(browser, server, handlers);
    const { page } = app;
    try {
      await ready(page);
      await page.getByLabel('Profile', { exact: true }).fill('contractor-cut');
      await page.getByRole('button', { name: 'Revoke all matching…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Reason code (required)').selectOption('contractor_end');
      await dialog.getByLabel(/To confirm, type the number of sessions/).fill('400');
      const held = proxy.holdAfter('UpdateItem', 40);
      await dialog.getByRole('button', { name: 'Revoke 400 sessions' }).click();
      const ended = page.getByTestId('revoke-result').waitFor({ timeout: 120_000 });
      await Promise.race([held, ended.then(() => Promise.reject(new Error('the run ended before the proxy held a write: nothing to cancel mid-way')))]);
      // While it runs: progress, and the Cancel that stops it, focused for the keyboard.
      const stop = dialog.getByRole('button', { name: 'Cancel revocation' });
      await stop.waitFor();
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel revocation');
      await expect.poll(() => dialog.getByTestId('revoke-progress').textContent()).toMatch(/^Revoking… \d+ of 400$/);
      expect(await seriousViolations(page, 'revoke matching running')).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, 'revoke-matching-running-light.png') });
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: join(SCREENSHOTS, 'revoke-matching-running-dark.png') });
      await page.emulateMedia({ colorScheme: 'light' });
      await page.keyboard.press('Enter');
      await dialog.getByRole('button', { name: 'Cancelling…' }).waitFor();
      await expect(dialog.getByTestId('revoke-progress').textContent()).resolves.toContain('Cancelling: sessions under way finish and are recorded…');
      proxy.release();

      const result = page.getByTestId('revoke-result');
      await result.waitFor();
      await expect(result.getByRole('heading').first().textContent()).resolves.toBe('Revocation cancelled');
      const said = (await result.getByRole('status').first().textContent()) ?? '';
      const [, revokedText, notAttemptedText] = /^Cancelled: (\d+) revoked, (\d+) not attempted\. Recorded as local:e2e\.$/.exec(said) ?? [];
      const revokedCount = Number(revokedText);
      const notAttemptedCount = Number(notAttemptedText);
      expect(revokedCount).toBeGreaterThanOrEqual(40);
      expect(notAttemptedCount).toBeGreaterThan(0);
      expect(revokedCount + notAttemptedCount).toBe(400);
      // Every session has its row: the revoked ones, and those not attempted, said as such.
      const revokedIds = await result.locator('[data-testid="result-row"][data-outcome="revoked"] td.mono').allTextContents();
      const leftIds = await result.locator('[data-testid="result-row"][data-outcome="not_attempted"] td.mono').allTextContents();
      expect(revokedIds).toHaveLength(revokedCount);
      expect(leftIds).toHaveLength(notAttemptedCount);
      await expect(result.locator('[data-testid="result-row"][data-outcome="not_attempted"]').first().locator('td').nth(2).textContent()).resolves.toBe('not attempted (cancelled)');
      const inStore = new Map<string, unknown>();
      for (let i = 0; i < cut.length; i += 100) {
        const out = await table.client.send(new BatchGetCommand({ RequestItems: { [table.name]: { Keys: cut.slice(i, i + 100).map((c) => ({ id: c.id })), ConsistentRead: true } } }));
        for (const item of out.Responses?.[table.name] ?? []) inStore.set(item.id as string, item.status);
      }
      for (const id of revokedIds) expect(inStore.get(id)).toBe('revoked');
      for (const id of leftIds) expect(inStore.get(id)).toBe('active');
      expect(await seriousViolations(page, 'revoke matching cancelled')).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, 'revoke-matching-cancelled-light.png') });
      // Dark, scrolled to where the revoked sessions end and those not attempted begin.
      await page.emulateMedia({ colorScheme: 'dark' });
      await result.locator('[data-testid="result-row"][data-outcome="not_attempted"]').first().scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOTS, 'revoke-matching-cancelled-dark.png') });

      // The rest: counted again by main, and confirmed afresh.
      await result.getByRole('button', { name: `Revoke the ${notAttemptedCount} not attempted…` }).click();
      await expect.poll(() => dialog.getByRole('heading').first().textContent()).toBe(`Revoke all ${notAttemptedCount} active sessions matching profile: contractor-cut`);
      await dialog.getByLabel('Reason code (required)').selectOption('contractor_end');
      await dialog.getByLabel(/To confirm, type the number of sessions/).fill(String(notAttemptedCount));
      await dialog.getByRole('button', { name: `Revoke ${notAttemptedCount} sessions` }).click();
      await result.waitFor();
      await expect(result.getByRole('heading').first().textContent()).resolves.toBe('Revocation finished');
      expect(await result.locator('[data-testid="result-row"][data-outcome="revoked"]').count()).toBe(notAttemptedCount);
      for (const id of leftIds.slice(0, 5)) expect(await statusOf(id)).toBe('revoked');
      expect(app.problems).toEqual([]);
    } finally {
      proxy.release();
      await app.close();
      client.destroy();
      await proxy.close();
    }
  });
});
