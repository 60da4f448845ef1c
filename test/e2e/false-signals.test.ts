import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = {
  version: '0.1.0',
  connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 'sentinel-sessions', readOnly: false, capabilities: SENTINEL_CAPABILITIES },
  operator: 'local:e2e',
};

async function ready(page: Page): Promise<void> {
  await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
}
const rowIds = (page: Page) => page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));
const freshIds = (page: Page) => page.locator('[data-testid="session-row"][data-fresh="true"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));
const scroll = (page: Page, to: 'top' | 'bottom') => page.locator('.table-scroll').evaluate((el, end) => el.scrollTo(0, end === 'top' ? 0 : el.scrollHeight), to);

/** Until React has run the effects of what is on screen (two frames and a task). */
async function settled(page: Page): Promise<void> {
  await page.evaluate(() => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 0)))));
}

/**
 * WCAG contrast ratio of an element's text against the first opaque background behind it
 * (its own or an ancestor's), from the computed styles.
 */
function contrastOf(locator: Locator): Promise<number> {
  return locator.evaluate((el) => {
    const rgb = (css: string) => (css.match(/[\d.]+/g) ?? []).map(Number);
    const luminance = ([r = 0, g = 0, b = 0]: number[]) =>
      [r, g, b].map((c) => (c / 255 <= 0.04045 ? c / 255 / 12.92 : ((c / 255 + 0.055) / 1.055) ** 2.4)).reduce((sum, c, i) => sum + c * ([0.2126, 0.7152, 0.0722][i] ?? 0), 0);
    let node: Element | null = el;
    let background = [255, 255, 255];
    while (node) {
      const parts = rgb(getComputedStyle(node).backgroundColor);
      if (parts.length === 3 || (parts.length === 4 && parts[3] === 1)) {
        background = parts.slice(0, 3);
        break;
      }
      node = node.parentElement;
    }
    const [a, b] = [luminance(rgb(getComputedStyle(el).color)), luminance(background)];
    return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  });
}

describe('no false signals, in Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: TempDir;
  const now = Math.floor(Date.now() / 1000);
  // 130 active sessions: a first page of 100, a second of 30 loaded on scroll.
  const active = Array.from({ length: 130 }, (_, i) => sentinelItem({ seconds: now - 60 - i * 30 }, { user: `user${String(i % 7)}` }));
  // Revoked by other tools today, one of each reason, so every legend colour is drawn.
  const reasons = ['offboarding', 'security_incident', 'credential_compromise', 'role_change', 'policy_violation', 'contractor_end', 'user_request', 'other'];
  const revoked = reasons.map((reason, i) =>
    sentinelItem(
      { seconds: now - 7200 - i * 600 },
      { user: `leaver${i}`, status: 'revoked', revoked_by: 'secops.jane', revoked_reason: `${reason}: HR-${100 + i}`, updated_at: formatRfc3339Nano(now - 3000 - i * 300, 0) },
    ),
  );

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    await table.put([...active, ...revoked]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  const handlers = () => table.handlers(dir.path, INFO);
  const status = (page: Page, name: string) => page.getByRole('checkbox', { name, exact: true });

  it('does not highlight rows of a page loaded on scroll as new; a session that starts now is', async () => {
    const app = await openApp(browser, server, handlers());
    const { page } = app;
    await ready(page);
    await page.getByRole('combobox', { name: 'Refresh every' }).selectOption('5000');
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe('100+ loaded, newest first');
    expect(await freshIds(page)).toEqual([]);

    // The operator scrolls: the second page arrives. Those sessions are old, not new.
    await scroll(page, 'bottom');
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe('130 loaded, newest first');
    await scroll(page, 'bottom');
    await expect.poll(async () => (await rowIds(page)).at(-1)).toBe(active.at(-1)?.id);
    await settled(page);
    expect(await freshIds(page)).toEqual([]);

    // A session that starts now comes in at the top on the next refresh: that one is new.
    const newcomer = sentinelItem({ seconds: Math.floor(Date.now() / 1000) }, { user: 'newcomer' });
    await table.put([newcomer]);
    await scroll(page, 'top');
    await expect.poll(() => freshIds(page), { timeout: 20_000 }).toEqual([newcomer.id]);
    expect((await rowIds(page))[0]).toBe(newcomer.id);
    // Still nothing highlighted further down.
    await scroll(page, 'bottom');
    await settled(page);
    expect(await freshIds(page)).toEqual([]);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('says so in the detail panel when its session no longer matches the filters (filter changed, or revoked meanwhile)', async () => {
    const app = await openApp(browser, server, handlers());
    const { page } = app;
    await ready(page);
    await page.getByRole('combobox', { name: 'Refresh every' }).selectOption('5000');
    const target = active[3] as (typeof active)[0];
    await page.getByRole('button', { name: `Show details of session ${target.id}` }).click();
    const panel = page.getByTestId('detail-panel');
    const mismatch = panel.getByTestId('detail-mismatch');
    await expect.poll(() => panel.locator('.status').first().textContent()).toContain('active');
    expect(await mismatch.count()).toBe(0);

    // The operator switches the table to revoked sessions: the panel's active session is not among them.
    await status(page, 'Revoked').check();
    await status(page, 'Active').uncheck();
    await expect.poll(() => rowIds(page)).not.toContain(target.id);
    await expect.poll(() => mismatch.textContent()).toContain('No longer matches the filters');
    await expect(mismatch.textContent()).resolves.toContain('It is active; the filters show revoked sessions.');
    // Back to active: it matches again, and the notice goes.
    await status(page, 'Active').check();
    await status(page, 'Revoked').uncheck();
    await expect.poll(() => mismatch.count()).toBe(0);

    // Another tool revokes it while the panel is open on the active sessions.
    await table.client.send(
      new UpdateCommand({
        TableName: table.name,
        Key: { id: target.id },
        UpdateExpression: 'SET #s = :r, revoked_by = :by, revoked_reason = :why, updated_at = :at',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':r': 'revoked', ':by': 'sentinel-cli', ':why': 'security_incident: INC-9', ':at': formatRfc3339Nano(Math.floor(Date.now() / 1000), 0) },
      }),
    );
    await expect.poll(() => rowIds(page), { timeout: 20_000 }).not.toContain(target.id);
    await expect.poll(() => mismatch.textContent()).toContain('It is revoked; the filters show active sessions.');
    await expect(panel.locator('.status').first().textContent()).resolves.toContain('revoked');
    expect(await seriousViolations(page, 'detail panel that no longer matches')).toEqual([]);
    await panel.screenshot({ path: join(SCREENSHOTS, 'detail-no-longer-matches-light.png') });
    await mismatch.getByRole('button', { name: 'Close the panel' }).click();
    expect(await panel.count()).toBe(0);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it.each(['light', 'dark'] as const)('gives the Activity legend and the revoked pill AA contrast (%s)', async (colorScheme) => {
    const app = await openApp(browser, server, handlers(), { colorScheme });
    const { page } = app;
    await ready(page);
    await status(page, 'Revoked').check();
    await status(page, 'Active').uncheck();
    await expect.poll(async () => (await rowIds(page)).length).toBeGreaterThanOrEqual(revoked.length);
    const pill = page.locator('[data-testid="session-row"] .status-revoked').first();
    expect(await contrastOf(pill)).toBeGreaterThanOrEqual(4.5);
    expect(await seriousViolations(page, `revoked sessions (${colorScheme})`)).toEqual([]);
    await page.locator('[data-testid="session-row"]').first().screenshot({ path: join(SCREENSHOTS, `revoked-pill-${colorScheme}.png`) });

    await page.getByRole('button', { name: 'Activity', exact: true }).click();
    await page.locator('[data-testid="activity"][data-state="ready"]').waitFor();
    const legend = page.locator('[data-testid="time-chart"] .recharts-legend-item-text');
    await expect.poll(() => legend.count()).toBe(reasons.length);
    const ratios = await Promise.all((await legend.all()).map(async (item) => ({ item: await item.textContent(), ratio: await contrastOf(item) })));
    expect(ratios.filter((r) => r.ratio < 4.5)).toEqual([]);
    expect(await seriousViolations(page, `activity (${colorScheme})`)).toEqual([]);
    await page.getByTestId('time-chart').screenshot({ path: join(SCREENSHOTS, `activity-legend-${colorScheme}.png`) });
    expect(app.problems).toEqual([]);
    await app.close();
  });
});

describe('toasts that tell the truth, in Chromium over the real handler table (web sessions)', () => {
  let browser: Browser;
  let server: RendererServer;
  let redis: RunningRedis;
  let admin: Redis;
  let dir: TempDir;
  let workspace: Workspace;
  const nowMs = Date.now();
  const sessions = Array.from({ length: 3 }, (_, i) => webSession('ana.silva', nowMs, { ageMs: (i + 1) * 60_000 }));

  beforeAll(async () => {
    dir = await tempDir();
    [browser, server, redis] = await Promise.all([launchChromium(), serveBuiltRenderer(), startRedisServer()]);
    admin = new Redis(redis.url);
    await writeWebSessions(admin, sessions, nowMs);
    workspace = await openWorkspace('0.1.0', dir.path, { id: 'shop-web', name: 'shop-web', environment: 'staging', readOnly: false, store: { kind: 'redis', urls: [redis.url], cluster: false } }, { chooseSavePath: async (name) => join(dir.path, name), notify: () => undefined });
  });
  afterAll(async () => {
    await workspace?.close();
    admin?.disconnect();
    await redis?.stop();
    await browser?.close();
    await server?.close();
    await dir?.remove();
  });

  it('replaces a failure toast once the retry succeeds, and lets the success toast expire by itself', async () => {
    const app = await openApp(browser, server, workspace.handlers);
    const { page } = app;
    await ready(page);
    const toasts = page.getByTestId('toasts');
    const target = sessions[0] as (typeof sessions)[0];
    await page.getByRole('button', { name: `Show details of session ${target.id}` }).click();
    // Redis refuses the revocation script: the revocation fails.
    await admin.call('ACL', 'SETUSER', 'default', '-evalsha', '-eval');
    const dialog = page.getByRole('dialog');
    try {
      await page.getByRole('button', { name: 'Revoke this session…' }).click();
      await dialog.getByLabel('Reason code (required)').selectOption('security_incident');
      await dialog.getByRole('button', { name: 'Revoke 1 session' }).click();
      await dialog.getByTestId('revoke-result').waitFor();
      await expect(dialog.locator('[data-testid="result-row"]').getAttribute('data-outcome')).resolves.toBe('failed');
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', '+evalsha', '+eval');
    }
    await expect.poll(() => toasts.textContent()).toContain('1 not revoked');
    expect(await page.locator('.toast-warning').count()).toBe(1);

    // The retry succeeds: the failure toast is gone, replaced by what is true now.
    await dialog.getByRole('button', { name: 'Retry 1 failed session' }).click();
    await expect.poll(() => dialog.locator('[data-testid="result-row"]').getAttribute('data-outcome')).toBe('revoked');
    await expect.poll(() => toasts.textContent()).toContain('Retry: 1 session revoked.');
    expect(await toasts.textContent()).not.toContain('not revoked');
    expect(await page.locator('.toast').count()).toBe(1);
    await dialog.getByRole('button', { name: 'Done' }).click();

    // A success toast goes by itself after a few seconds.
    await expect.poll(() => page.locator('.toast').count(), { timeout: 30_000 }).toBe(0);
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
