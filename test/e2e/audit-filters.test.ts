import { mkdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import type { WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { createSentinelTable, revokeAsSentinelCli, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type AppPage, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-prod', kind: 'dynamodb', environment: 'production', table: 'sentinel-sessions', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'secops.jane' };
const rowIds = (page: Page) => page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));
const auditUsers = (page: Page) => page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.querySelector('[data-col="user"]')?.textContent ?? ''));

/** A revocation recorded by another desk's app on another connection, at a time of our choosing. */
function recorded(time: string, fields: Partial<LedgerRecord> & { sessionId: string; user: string }): LedgerRecord[] {
  const base = { time, operator: 'secops.omar', connection: 'redis-web', run: `run-${fields.sessionId}`, reasonCode: 'security_incident' as const, ...fields };
  return [
    { kind: 'attempt', ...base },
    { kind: 'outcome', ...base, outcome: 'revoked' },
  ];
}

describe('Audit an auditor can use, and Activity bars that open their sessions (Chromium, real handler table)', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: TempDir;
  let empty: TempDir;
  let handlers: WorkspaceHandlerTable;
  const a11y: string[] = [];
  const t = Math.floor(Date.now() / 1000);
  const compromised = Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: t - 3600 - i * 60 }, { user: 'mallory.x', profile: 'prod-admin' }));
  const leavers = ['ana.silva', 'ben.okafor'].map((user, i) => sentinelItem({ seconds: t - 7200 - i }, { user, profile: 'billing-ro' }));
  const stolen = sentinelItem({ seconds: t - 9000 }, { user: 'dora.cli', profile: 'prod-readonly' });
  const interrupted = sentinelItem({ seconds: t - 500 }, { user: 'quinn', profile: 'prod-admin' });
  const calm = Array.from({ length: 4 }, (_, i) => sentinelItem({ seconds: t - 100 - i }, { user: `calm.${i}`, profile: 'staging-deploy' }));

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [browser, server, table, dir, empty] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint')), tempDir(), tempDir()]);
    await table.put([...compromised, ...leavers, stolen, interrupted, ...calm]);
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    // Last quarter, on the web-sessions connection, by another operator.
    await ledger.append([
      ...recorded('2026-10-05T09:00:00.000Z', { sessionId: 'web-nina-1', user: 'nina.web' }),
      ...recorded('2026-10-20T14:30:00.000Z', { sessionId: 'web-oscar-1', user: 'oscar.web', reasonCode: 'offboarding', ticket: 'HR-990' }),
      ...recorded('2026-10-21T10:00:00.000Z', { sessionId: 'f00dfeedf00dfeed', user: 'pia.role', operator: 'secops.jane', connection: 'test', reasonCode: 'role_change' }),
    ]);
    const revoker = table.revoker(dir.path, { ledger, operator: 'secops.jane' });
    await revoker.revokeSessions({ ids: compromised.map((s) => s.id), reasonCode: 'credential_compromise', note: 'key in a public gist', ticket: 'INC-5001' });
    await revoker.revokeUsers({ users: leavers.map((l) => l.user), reasonCode: 'offboarding', ticket: 'HR-1203' });
    // The app stopped between an attempt and its outcome.
    await ledger.append([{ kind: 'attempt', time: new Date().toISOString(), operator: 'secops.jane', connection: 'test', run: 'run-crashed', sessionId: interrupted.id, user: 'quinn', reasonCode: 'policy_violation' }]);
    await revokeAsSentinelCli(table, stolen.id, 'admin.cli', 'laptop stolen', t - 600);
    handlers = table.handlers(dir.path, INFO);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
    await empty?.remove();
  });

  const open = async (h: WorkspaceHandlerTable, colorScheme: 'light' | 'dark', screen: 'Activity' | 'Audit' | 'Sessions'): Promise<AppPage> => {
    const app = await openApp(browser, server, h, { colorScheme });
    await app.page.getByRole('button', { name: screen, exact: true }).click();
    return app;
  };

  it('explains the verified entries in the units of the table, and labels reasons as the dialogs do', async () => {
    const app = await open(handlers, 'light', 'Audit');
    const { page } = app;
    await page.locator('[data-testid="audit"][data-state="ready"]').waitFor();
    await expect.poll(() => page.getByTestId('verify-banner').textContent()).toBe(
      '✓ Ledger verified: all 17 entries intact, hash chain and head checkpoint match — 9 revocations: 8 attempts with their outcomes (16 entries) and 1 interrupted attempt with no outcome recorded (1 entry).',
    );
    await expect(page.getByTestId('audit-count').textContent()).resolves.toBe('9 revocations shown');
    expect(await page.getByTestId('audit-row').count()).toBe(9);
    // The dialogs' labels, never raw codes, in the rows and in the reason filter.
    const reasons = await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((r) => r.querySelector('[data-col="reason"]')?.textContent ?? ''));
    expect(new Set(reasons)).toEqual(new Set(['Policy violation', 'Offboarding (leaver)', 'Credential compromise', 'Role change', 'Security incident']));
    const filters = page.getByRole('search', { name: 'Ledger filters' });
    const options = await filters.getByLabel('Reason', { exact: true }).locator('option').allTextContents();
    expect(options).toEqual(['Any', 'Offboarding (leaver)', 'Security incident', 'Credential compromise', 'Role change', 'Policy violation', 'Contractor end', 'User request', 'Other (note required)']);
    await expect(page.locator('[data-outcome="interrupted"]').first().getAttribute('title')).resolves.toMatch(/no outcome was recorded/);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('filters by time range, operator and connection, shows each filter as a chip that clears, and exports exactly what is shown', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const app = await open(handlers, scheme, 'Audit');
      const { page } = app;
      await page.locator('[data-testid="audit"][data-state="ready"]').waitFor();
      const filters = page.getByRole('search', { name: 'Ledger filters' });
      await expect(filters.getByLabel('Operator', { exact: true }).locator('option').allTextContents()).resolves.toEqual(['Any', 'secops.jane (7)', 'secops.omar (2)']);
      await filters.getByLabel('Operator', { exact: true }).selectOption('secops.omar');
      await expect.poll(() => page.getByTestId('audit-count').textContent()).toBe('2 of 9 revocations shown');
      await filters.getByLabel('Connection', { exact: true }).selectOption('redis-web');
      await filters.getByLabel('From (UTC)').fill('2026-10-01T00:00');
      await filters.getByLabel('To (UTC)').fill('2026-10-10T23:59');
      await expect.poll(() => auditUsers(page)).toEqual(['nina.web']);
      await expect(page.getByTestId('audit-count').textContent()).resolves.toBe('1 of 9 revocations shown');
      const chips = page.getByRole('list', { name: 'Active filters' });
      await expect(chips.getByRole('listitem').allTextContents()).resolves.toEqual([
        'operator: secops.omar×',
        'connection: redis-web×',
        'from 2026-10-01 00:00 UTC×',
        'to 2026-10-10 23:59 UTC×',
      ]);
      a11y.push(...(await seriousViolations(page, `audit filtered (${scheme})`)));
      await page.screenshot({ path: join(SCREENSHOTS, `audit-filtered-${scheme}.png`) });

      // Removed from the keyboard: the chip goes, the rows widen, focus stays in the chips.
      await chips.getByRole('button', { name: 'Remove filter to 2026-10-10 23:59 UTC' }).focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => auditUsers(page)).toEqual(['oscar.web', 'nina.web']);
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Remove filter from 2026-10-01 00:00 UTC');

      // The export holds exactly these rows, and its manifest states the filter.
      await page.getByLabel('Export format').selectOption('json');
      await page.getByRole('button', { name: 'Export the filtered ledger…' }).click();
      await expect.poll(() => page.getByTestId('toasts').textContent()).toMatch(
        /Exported 2 revocations \(4 ledger entries\) to ledger-sentinel-prod-.*\.json; the manifest .*\.manifest\.json states the filter \(SHA-256 [0-9a-f]{12}…\)/,
      );
      await page.screenshot({ path: join(SCREENSHOTS, `audit-export-${scheme}.png`) });
      const file = (await readdir(dir.path)).filter((f) => /^ledger-sentinel-prod-[\dT-]+\.json$/.test(f)).sort().at(-1) as string;
      const exported = JSON.parse(await readFile(join(dir.path, file), 'utf8')) as { kind: string; user: string; operator: string; connection: string }[];
      expect(exported.map((e) => `${e.kind}:${e.user}`)).toEqual(['attempt:nina.web', 'outcome:nina.web', 'attempt:oscar.web', 'outcome:oscar.web']);
      const manifest = JSON.parse(await readFile(join(dir.path, `${file}.manifest.json`), 'utf8')) as Record<string, unknown>;
      expect(manifest).toMatchObject({
        kind: 'ledger',
        rows: 4,
        revocations: 2,
        filter: { operator: 'secops.omar', connection: 'redis-web', since: '2026-10-01T00:00:00.000Z' },
        ledger: { entries: 17, verified: { ok: true, verifiedEntries: 17 } },
      });

      await page.getByRole('button', { name: 'Clear all filters' }).click();
      await expect.poll(() => page.getByTestId('audit-count').textContent()).toBe('9 revocations shown');
      expect(await chips.getByRole('listitem').count()).toBe(0);
      expect(app.problems).toEqual([]);
      await app.close();
    }
  });

  it('says "no revocations recorded yet" for an empty ledger, never verified with a check', async () => {
    const quiet = table.handlers(empty.path, INFO);
    for (const scheme of ['light', 'dark'] as const) {
      const app = await open(quiet, scheme, 'Audit');
      const { page } = app;
      await page.locator('[data-testid="audit"][data-state="empty"]').waitFor();
      const banner = page.getByTestId('verify-banner');
      await expect.poll(() => banner.textContent()).toBe('No revocations recorded yet on this desk.');
      await expect(banner.getAttribute('class')).resolves.toBe('verify-banner');
      await expect(page.getByTestId('audit').textContent()).resolves.toContain('appear here');
      await expect(page.getByTestId('audit-count').textContent()).resolves.toBe('');
      await expect(page.getByTestId('audit').textContent()).resolves.not.toMatch(/verified|✓/i);
      a11y.push(...(await seriousViolations(page, `audit empty (${scheme})`)));
      await page.screenshot({ path: join(SCREENSHOTS, `audit-empty-${scheme}.png`) });
      expect(app.problems).toEqual([]);
      await app.close();
    }
  });

  it('reaches every chart bar by keyboard; Enter or Space opens the sessions of that bucket and that reason', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const app = await open(handlers, scheme, 'Activity');
      const { page } = app;
      await page.locator('[data-testid="activity"][data-state="ready"]').waitFor();
      await page.getByLabel('Last 24 h').check();
      // Hour buckets: the 24-hour chart is drawn (the 7-day one stays on screen while it loads).
      await page.getByRole('button', { name: / UTC$/ }).first().waitFor();
      // From the range picker, Tab lands on the chart's bars (one tab stop; arrows move within).
      await page.getByLabel('Last 24 h').focus();
      await page.keyboard.press('Tab');
      const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
      await expect.poll(focused).toMatch(/^\d+ revocations?, [a-z ()]+, \d{1,2} [A-Z][a-z]{2} \d\d:00–\d\d:00 UTC$/);
      // End: the latest bucket's lowest bar; ArrowUp climbs its stack, ArrowLeft goes back in time.
      await page.keyboard.press('End');
      const names = new Set<string>();
      for (let i = 0; i < 4; i += 1) {
        names.add(await focused());
        await page.keyboard.press('ArrowUp');
      }
      await page.keyboard.press('Home');
      names.add(await focused());
      expect([...names].some((n) => /^3 revocations, credential compromise, /.test(n))).toBe(true);
      a11y.push(...(await seriousViolations(page, `activity (${scheme})`)));
      await page.screenshot({ path: join(SCREENSHOTS, `activity-keyboard-${scheme}.png`) });
      await app.close();
    }

    const app = await open(handlers, 'light', 'Activity');
    const { page } = app;
    await page.getByLabel('Last 24 h').check();
    await page.getByRole('button', { name: / UTC$/ }).first().waitFor();
    const bar = page.getByRole('button', { name: /^3 revocations, credential compromise, / });
    await bar.focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await expect.poll(async () => (await rowIds(page)).sort()).toEqual(compromised.map((s) => s.id).sort());
    const chips = await page.getByRole('list', { name: 'Active filters' }).textContent();
    expect(chips).toContain('reason: Credential compromise');
    expect(chips).toMatch(/revoked: \d{4}-\d\d-\d\d \d\d:\d\d – \d\d:\d\d UTC/);

    // Space on the other tools' bar: the session revoked with free text.
    await page.getByRole('button', { name: 'Activity', exact: true }).click();
    await page.getByLabel('Last 24 h').check();
    await page.getByRole('button', { name: / UTC$/ }).first().waitFor();
    await page.getByRole('button', { name: /^1 revocation, other tools \(no code\), / }).focus();
    await page.keyboard.press(' ');
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await expect.poll(() => rowIds(page)).toEqual([stolen.id]);
    await expect(page.getByRole('list', { name: 'Active filters' }).textContent()).resolves.toContain('reason: Other tools (no code)');
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('filters Sessions by revocation reason from the filter bar, with a chip that clears it', async () => {
    const app = await open(handlers, 'light', 'Sessions');
    const { page } = app;
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    const bar = page.getByRole('search', { name: 'Session filters' });
    await bar.getByLabel('Revocation reason').selectOption({ label: 'Offboarding (leaver)' });
    // A reason is only ever a revoked session's: the status follows.
    await expect.poll(async () => (await rowIds(page)).sort()).toEqual(leavers.map((s) => s.id).sort());
    const chips = page.getByRole('list', { name: 'Active filters' });
    await expect(chips.textContent()).resolves.toContain('reason: Offboarding (leaver)');
    await expect(chips.textContent()).resolves.toContain('status: revoked');
    await page.screenshot({ path: join(SCREENSHOTS, 'sessions-reason-filter-light.png') });
    await chips.getByRole('button', { name: 'Remove filter reason: Offboarding (leaver)' }).click();
    await expect.poll(async () => (await rowIds(page)).length).toBe(6);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('finds no serious or critical accessibility violation on those screens', () => {
    expect(a11y).toEqual([]);
  });
});
