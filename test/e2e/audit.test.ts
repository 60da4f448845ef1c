import { mkdirSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import type { WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import { openDemoWorkspace, type Workspace } from '../../src-main/workspace';
import { createSentinelTable, revokeAsSentinelCli, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type AppPage, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-prod', kind: 'dynamodb', environment: 'production', table: 'sentinel-sessions', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'secops.jane' };
const rowIds = (page: Page) => page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));

describe('activity, audit and exports, in Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: TempDir;
  let handlers: WorkspaceHandlerTable;
  const a11y: string[] = [];
  const t = Math.floor(Date.now() / 1000);
  const incident = Array.from({ length: 5 }, (_, i) => sentinelItem({ seconds: t - 3600 - i * 60 }, { user: 'mallory.x', profile: 'prod-admin' }));
  const leavers = ['ana.silva', 'ben.okafor', 'chloe.martin'].map((user, i) => sentinelItem({ seconds: t - 7200 - i }, { user, profile: 'billing-ro' }));
  const viaCli = sentinelItem({ seconds: t - 9000 }, { user: 'dora.cli', profile: 'prod-readonly' });
  const calm = Array.from({ length: 12 }, (_, i) => sentinelItem({ seconds: t - 100 - i }, { user: `calm.${i % 4}`, profile: 'staging-deploy' }));

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [browser, server, table, dir] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint')), tempDir()]);
    await table.put([...incident, ...leavers, viaCli, ...calm]);
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const revoker = table.revoker(dir.path, { ledger, operator: 'secops.jane' });
    await revoker.revokeSessions({ ids: incident.map((s) => s.id), reasonCode: 'security_incident', note: 'token in a public gist', ticket: 'INC-4471' });
    await revoker.revokeUsers({ users: leavers.map((l) => l.user), reasonCode: 'offboarding', ticket: 'HR-1203' });
    await revokeAsSentinelCli(table, viaCli.id, 'admin.cli', 'laptop stolen', t - 600);
    handlers = table.handlers(dir.path, INFO);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  const open = async (colorScheme: 'light' | 'dark', screen: 'Activity' | 'Audit'): Promise<AppPage> => {
    const app = await openApp(browser, server, handlers, { colorScheme });
    await app.page.getByRole('button', { name: screen, exact: true }).click();
    return app;
  };

  it('charts revocations by reason, with small multiples, and a bar opens its sessions', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const app = await open(scheme, 'Activity');
      const { page } = app;
      await page.locator('[data-testid="activity"][data-state="ready"]').waitFor();
      await expect(page.getByTestId('activity-total').textContent()).resolves.toBe('9 revocations: 8 by Session Warden, 1 by other tools');
      await expect.poll(() => page.locator('[data-testid="time-chart"] .recharts-bar-rectangle').count()).toBeGreaterThan(0);
      await expect(page.getByTestId('top-users').textContent()).resolves.toContain('mallory.x5');
      await expect(page.getByTestId('by-operator').textContent()).resolves.toMatch(/secops\.jane8.*admin\.cli1/);
      await expect(page.getByTestId('by-status').textContent()).resolves.toMatch(/active12revoked9expired0/);
      a11y.push(...(await seriousViolations(page, `activity (${scheme})`)));
      await page.screenshot({ path: join(SCREENSHOTS, `activity-${scheme}.png`) });
      expect(app.problems).toEqual([]);
      await app.close();
    }

    // A top user opens that user's revoked sessions in the workspace.
    const app = await open('light', 'Activity');
    const { page } = app;
    await page.locator('[data-testid="activity"][data-state="ready"]').waitFor();
    await page.getByTestId('top-users').getByRole('button', { name: 'mallory.x' }).click();
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await expect.poll(async () => (await rowIds(page)).sort()).toEqual(incident.map((s) => s.id).sort());
    await expect(page.getByRole('list', { name: 'Active filters' }).textContent()).resolves.toContain('user: mallory.x');

    // A bar of the time chart opens the sessions revoked in that bucket.
    await page.getByRole('button', { name: 'Activity', exact: true }).click();
    await page.locator('[data-testid="activity"][data-state="ready"]').waitFor();
    // (The last bucket ends now, where the range does: its window ends there too.)
    await page.locator('[data-testid="chart-bar"]').last().click();
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await expect(page.getByRole('list', { name: 'Active filters' }).textContent()).resolves.toMatch(/revoked: \d{4}-\d\d-\d\d \d\d:\d\d – (\d{4}-\d\d-\d\d )?\d\d:\d\d UTC/);
    const shown = await rowIds(page);
    expect(shown.length).toBeGreaterThan(0);
    expect(shown.every((id) => [...incident, ...leavers, viaCli].some((s) => s.id === id))).toBe(true);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('shows the ledger with its verification, filters it, exports it; a tampered ledger is shown broken', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const app = await open(scheme, 'Audit');
      const { page } = app;
      await page.locator('[data-testid="audit"][data-state="ready"]').waitFor();
      await expect(page.getByTestId('verify-banner').textContent()).resolves.toContain('Ledger verified: all 16 entries intact');
      expect(await page.getByTestId('audit-row').count()).toBe(8);
      a11y.push(...(await seriousViolations(page, `audit (${scheme})`)));
      await page.screenshot({ path: join(SCREENSHOTS, `audit-${scheme}.png`) });
      await app.close();
    }
    const app = await open('light', 'Audit');
    const { page } = app;
    await page.locator('[data-testid="audit"][data-state="ready"]').waitFor();
    await page.getByLabel('Search operator, user, session, ticket, note').fill('hr-1203');
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(3);
    // Exactly what the table shows: those 3 revocations, an attempt and an outcome entry each.
    await page.getByRole('button', { name: 'Export the filtered ledger…' }).click();
    await expect.poll(() => page.getByTestId('toasts').textContent()).toMatch(
      /Exported 3 revocations \(6 ledger entries\) to ledger-sentinel-prod-.*\.csv; the manifest .*\.manifest\.json states the filter \(SHA-256 [0-9a-f]{12}…\)/,
    );
    const files = await readdir(dir.path);
    expect(files.filter((f) => /^ledger-sentinel-prod-.*\.csv(\.manifest\.json)?$/.test(f))).toHaveLength(2);

    // Someone edits the ledger file: the audit view says where it broke.
    const ledgerPath = join(dir.path, 'ledger.jsonl');
    const lines = (await readFile(ledgerPath, 'utf8')).split('\n');
    lines[4] = (lines[4] as string).replace('secops.jane', 'someone.else');
    await writeFile(ledgerPath, lines.join('\n'));
    await page.reload();
    await page.getByRole('button', { name: 'Audit', exact: true }).click();
    await expect.poll(() => page.getByTestId('verify-banner').textContent()).toMatch(/Ledger BROKEN at entry 5: .*Verified up to entry 4/);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-broken-light.png') });
    await writeFile(ledgerPath, lines.join('\n').replace('someone.else', 'secops.jane'));
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('exports the sessions of the current filters, every page, with progress', async () => {
    const app = await openApp(browser, server, handlers);
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await page.getByLabel('Export format').first().selectOption('ndjson');
    await page.getByRole('button', { name: 'Export these sessions…' }).click();
    await expect.poll(() => page.getByTestId('toasts').textContent()).toMatch(/Exported 12 sessions to sessions-sentinel-prod-.*\.ndjson/);
    const file = (await readdir(dir.path)).find((f) => /^sessions-.*\.ndjson$/.test(f)) as string;
    const exported = (await readFile(join(dir.path, file), 'utf8')).trim().split('\n').map((l) => (JSON.parse(l) as { id: string }).id);
    expect(exported.sort()).toEqual(calm.map((c) => c.id).sort());
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('finds no serious or critical accessibility violation on those screens', () => {
    expect(a11y).toEqual([]);
  });
});

describe('a read-only (auditor) connection in the workspace', () => {
  let browser: Browser;
  let server: RendererServer;
  let workspace: Workspace;
  let dir: TempDir;

  beforeAll(async () => {
    dir = await tempDir();
    [browser, server, workspace] = await Promise.all([
      launchChromium(),
      serveBuiltRenderer(),
      openDemoWorkspace('0.1.0', dir.path, { chooseSavePath: async () => null, notify: () => undefined }, { readOnly: true }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await workspace?.close();
    await dir?.remove();
  });

  it('says READ-ONLY, offers no revoke action, and main refuses a forged one', async () => {
    const app = await openApp(browser, server, workspace.handlers);
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await expect(page.getByTestId('read-only-badge').textContent()).resolves.toBe('READ-ONLY');
    const first = (await rowIds(page))[0] as string;
    await page.getByRole('button', { name: `Show details of session ${first}` }).click();
    await page.getByTestId('detail-panel').waitFor();
    expect(await page.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    await page.getByRole('checkbox', { name: `Select session ${first}` }).check();
    await expect(page.getByTestId('selection-bar').textContent()).resolves.toContain('Read-only connection: revocations are refused.');
    await page.locator('body').press('r');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'read-only-light.png') });
    // What a compromised renderer could still send: refused in main.
    // It can even name the active connection and its nonce, as a real dialog would.
    const forged = await page.evaluate(async (id) => {
      const { warden } = window as unknown as { warden: { app: { info: () => Promise<{ value: AppInfo }> }; sessions: { revoke: (r: unknown) => Promise<unknown> } } };
      const { connection } = (await warden.app.info()).value;
      return warden.sessions.revoke({ ids: [id], reasonCode: 'offboarding', connection: { id: connection.id, nonce: connection.nonce } });
    }, first);
    expect(forged).toMatchObject({ ok: false, error: { code: 'READ_ONLY' } });
    expect(await seriousViolations(page, 'read-only')).toEqual([]);
    await app.close();
  });
});
