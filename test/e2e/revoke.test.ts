import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type AppPage, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = {
  version: '0.1.0',
  connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-prod-eu', kind: 'dynamodb', environment: 'production', table: 'sentinel-sessions', readOnly: false, capabilities: SENTINEL_CAPABILITIES },
  operator: 'secops.jane',
};

async function ready(page: Page): Promise<void> {
  await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
}
const rowIds = (page: Page) => page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));

describe('revoking from the workspace, in Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  const now = Math.floor(Date.now() / 1000);
  const single = sentinelItem({ seconds: now - 20 }, { user: 'olga.single' });
  const picked = [0, 1, 2].map((i) => sentinelItem({ seconds: now - 40 - i }, { user: i === 2 ? 'pete.picked' : 'quinn.picked' }));
  const compromised = Array.from({ length: 6 }, (_, i) => sentinelItem({ seconds: now - 100 - i }, { user: 'mallory.compromised' }));
  const bystander = sentinelItem({ seconds: now - 400 }, { user: 'rita.bystander', last_access_at: formatRfc3339Nano(now - 5, 0) });
  const a11y: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    await table.put([single, ...picked, ...compromised, bystander]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  const open = async (colorScheme: 'light' | 'dark' = 'light'): Promise<AppPage> => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO), { colorScheme });
    await ready(app.page);
    return app;
  };
  const stored = async (id: string) => (await table.client.send(new GetCommand({ TableName: table.name, Key: { id }, ConsistentRead: true }))).Item;

  it('marks production on every screen and in the dialog', async () => {
    const app = await open();
    await expect(app.page.getByTestId('env-band').textContent()).resolves.toContain('PRODUCTION');
    a11y.push(...(await seriousViolations(app.page, 'sessions screen')));
    await app.close();
  });

  it('revokes one session from the detail panel; the table updates by itself', async () => {
    const app = await open();
    const { page } = app;
    await page.getByRole('button', { name: `Show details of session ${single.id}` }).click();
    a11y.push(...(await seriousViolations(page, 'detail panel')));
    await page.getByRole('button', { name: 'Revoke this session…' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Revoke 1 session of 1 user');
    await expect(dialog.textContent()).resolves.toContain('PRODUCTION');
    await expect(dialog.textContent()).resolves.toContain('secops.jane');
    // No reason code: refused, with the reason said.
    await dialog.getByRole('button', { name: 'Revoke 1 session' }).click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toContain('Choose a reason code.');
    await dialog.getByLabel('Reason code (required)').selectOption('other');
    await dialog.getByRole('button', { name: 'Revoke 1 session' }).click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toContain('A note is required');
    await dialog.getByLabel('Note (required)').fill('token found in a public gist');
    await dialog.getByLabel('Ticket or incident reference (optional)').fill('INC-4471');
    a11y.push(...(await seriousViolations(page, 'revoke dialog')));
    await page.screenshot({ path: join(SCREENSHOTS, 'revoke-dialog-light.png') });
    await dialog.getByRole('button', { name: 'Revoke 1 session' }).click();
    await page.getByTestId('revoke-result').waitFor();
    await expect(page.locator('[data-testid="result-row"]').getAttribute('data-outcome')).resolves.toBe('revoked');
    a11y.push(...(await seriousViolations(page, 'result view')));
    await page.screenshot({ path: join(SCREENSHOTS, 'revoke-result-light.png') });
    await page.getByRole('button', { name: 'Done' }).click();
    // Without any manual refresh, the active list no longer holds it.
    await expect.poll(() => rowIds(page)).not.toContain(single.id);
    expect(await stored(single.id)).toMatchObject({ status: 'revoked', revoked_by: 'secops.jane', revoked_reason: 'other: token found in a public gist', revoked_ticket: 'INC-4471' });
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('revokes a selection after the count is typed, with r from the keyboard', async () => {
    const app = await open();
    const { page } = app;
    for (const s of picked) await page.getByRole('checkbox', { name: `Select session ${s.id}` }).check();
    await expect(page.getByTestId('selection-bar').textContent()).resolves.toContain('3 sessions of 2 users selected');
    await page.screenshot({ path: join(SCREENSHOTS, 'selection-light.png') });
    await page.locator('body').press('r');
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason code (required)').selectOption('role_change');
    await dialog.getByRole('button', { name: 'Revoke 3 sessions' }).click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toContain('Type the number of sessions to confirm.');
    await dialog.getByLabel(/To confirm, type the number of sessions/).fill('3');
    await dialog.getByRole('button', { name: 'Revoke 3 sessions' }).click();
    await page.getByTestId('revoke-result').waitFor();
    expect(await page.locator('[data-testid="result-row"][data-outcome="revoked"]').count()).toBe(3);
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(async () => (await rowIds(page)).filter((id) => picked.some((p) => p.id === id))).toEqual([]);
    expect(await page.getByTestId('selection-bar').count()).toBe(0);
    await expect(page.getByTestId('toasts').textContent()).resolves.toContain('3 sessions revoked.');
    for (const s of picked) expect((await stored(s.id))?.status).toBe('revoked');
    await app.close();
  });

  it('revokes all active sessions of a user after the name is typed (dark)', async () => {
    const app = await open('dark');
    const { page } = app;
    await page.getByRole('button', { name: `Show details of session ${compromised[0]?.id}` }).click();
    await page.getByRole('button', { name: 'Revoke all active sessions of mallory.compromised…' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Revoke all 6 active sessions of mallory.compromised');
    await dialog.getByLabel('Reason code (required)').selectOption('credential_compromise');
    await dialog.getByLabel(/To confirm, type the user name/).fill('mallory.compromised');
    await page.screenshot({ path: join(SCREENSHOTS, 'revoke-dialog-dark.png') });
    await dialog.getByRole('button', { name: 'Revoke 6 sessions' }).click();
    await page.getByTestId('revoke-result').waitFor();
    expect(await page.locator('[data-testid="result-row"][data-outcome="revoked"]').count()).toBe(6);
    await page.screenshot({ path: join(SCREENSHOTS, 'revoke-result-dark.png') });
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(async () => (await rowIds(page)).filter((id) => compromised.some((c) => c.id === id))).toEqual([]);
    expect(await rowIds(page)).toContain(bystander.id);
    a11y.push(...(await seriousViolations(page, 'sessions screen (dark)')));
    await app.close();
  });

  it('finds no serious or critical accessibility violation on any of those screens', () => {
    expect(a11y).toEqual([]);
  });
});
