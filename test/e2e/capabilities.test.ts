import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import type { StoreCapabilities } from '../../src-shared/store-capabilities';
import { WardenError } from '../../src-main/errors';
import type { WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { WEB_SESSION_CAPABILITIES } from '../../src-main/web-sessions/capabilities';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

/**
 * A store kind that does not exist, declared with the same shape: kiosk badge sessions, which
 * name Sentinel's fields otherwise, order its columns otherwise, filter by kiosk only and take
 * effect at the next scan. The renderer must draw it from these capabilities alone.
 */
const KIOSK: StoreCapabilities = {
  sessions: 'Kiosk sessions',
  where: 'Fleet',
  filters: ['serverInstance'],
  columns: ['serverInstanceId', 'user', 'requestCount', 'lastAccessAt', 'sourceIdentity'],
  detail: ['serverInstanceId', 'user', 'requestCount', 'expiresAt', 'lastAccessAt'],
  labels: { user: 'Badge holder', serverInstanceId: 'Kiosk', requestCount: 'Scans', lastAccessAt: 'Last scan', sourceIdentity: 'Badge' },
  search: 'badge holder, kiosk',
  order: 'newest badge-in first',
  gone: 'This kiosk session was wiped from the fleet.',
  takesEffect: 'Kiosks ask before every scan: the badge is refused at its next scan.',
  residual: 'next-request',
  blacklistMirror: false,
  storeAudit: null,
};

function infoWith(capabilities: StoreCapabilities, readOnly = false): AppInfo {
  return {
    version: '0.1.0',
    connection: { id: 'caps', nonce: 'nonce-of-this-workspace-0042', name: 'caps-local', kind: 'dynamodb', environment: 'test', table: 'caps-table', readOnly, capabilities },
    operator: 'local:e2e',
  };
}

const ready = (page: Page) => page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
const headings = (page: Page) => page.locator('.sessions-table thead th').allTextContents();
const filterLabels = (page: Page) => page.locator('.filter-bar .filter-row:first-child > label.field > span:first-child').allTextContents();
const searchPlaceholder = (page: Page) => page.getByRole('searchbox').getAttribute('placeholder');
const columnChoices = (page: Page) => page.locator('.column-choice label').allTextContents();
const detailFields = (page: Page) => page.getByTestId('detail-panel').locator('.fields > div > dt').allTextContents();
const timelineLabels = (page: Page) => page.getByTestId('detail-panel').locator('.timeline-label').allTextContents();
const topFacts = (page: Page) => page.locator('.top-facts dt').allTextContents();
const rowIds = (page: Page) => page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));

describe('the renderer draws the sessions screen from the store capabilities in app:info', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: TempDir;
  let redis: RunningRedis;
  let admin: Redis;
  let web: Workspace;
  const now = Math.floor(Date.now() / 1000);
  const kiosks = ['kiosk-lobby-01', 'kiosk-dock-07'];
  // 130 sessions: more than the first page (100), so a second page is loaded on scroll.
  const items = Array.from({ length: 130 }, (_, i) =>
    sentinelItem(
      { seconds: now - 60 - i * 30 },
      { user: ['ana.silva', 'ben.okafor', 'chloe.martin'][i % 3] as string, server_instance_id: kiosks[i % 2] as string, request_count: 1000 + i, last_access_at: formatRfc3339Nano(now - 20 - i, 0) },
    ),
  );

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, table, redis] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint')), startRedisServer()]);
    await table.put(items);
    admin = new Redis(redis.url);
    const nowMs = Date.now();
    await writeWebSessions(
      admin,
      ['ana.silva', 'ben.okafor', 'chloe.martin'].map((user, i) => webSession(user, nowMs, { ageMs: (i + 1) * 60_000, fields: { ipAddress: `198.51.100.${20 + i}`, deviceInfo: 'ThinkPad X1 (Windows 11)' } })),
      nowMs,
    );
    web = await openWorkspace('0.1.0', join(dir.path, 'web'), { id: 'shop-web', name: 'shop-web', environment: 'staging', readOnly: false, store: { kind: 'redis', urls: [redis.url], cluster: false } }, { chooseSavePath: async () => null, notify: () => undefined });
  });
  afterAll(async () => {
    await web?.close();
    admin?.disconnect();
    await redis?.stop();
    await table?.drop();
    await browser?.close();
    await server?.close();
    await dir?.remove();
  });

  it('draws a made-up store: its columns and headings, its one filter, its placeholder, its detail fields and what it says', async () => {
    const app = await openApp(browser, server, table.handlers(join(dir.path, 'kiosk'), infoWith(KIOSK)));
    const { page } = app;
    await ready(page);
    expect(await headings(page)).toEqual(['', 'Session', 'Kiosk', 'Badge holder', 'Scans', 'Status', 'Last scan']);
    expect(await filterLabels(page)).toEqual(['User', 'Kiosk', 'Created', 'Revocation reason', 'Search loaded rows /']);
    expect(await page.getByLabel('Profile', { exact: true }).count()).toBe(0);
    expect(await searchPlaceholder(page)).toBe('badge holder, kiosk');
    expect(await columnChoices(page)).toEqual([' Badge column']);
    expect(await topFacts(page)).toContain('Fleet');
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe('100+ loaded, newest badge-in first');
    expect(await page.locator('[data-testid="session-row"]').first().locator('td').allTextContents()).toEqual([
      '',
      items[0]?.id,
      'kiosk-lobby-01',
      'ana.silva',
      '1,000',
      expect.stringContaining('active'),
      expect.stringMatching(/ago$/),
    ]);

    // The optional column the store has, under its own name.
    await page.getByLabel('Badge column').check();
    await expect.poll(() => headings(page)).toEqual(['', 'Session', 'Kiosk', 'Badge holder', 'Scans', 'Status', 'Last scan', 'Badge']);

    // Its one store filter goes to the store, and its chip says it in the store's words.
    await page.getByLabel('Kiosk', { exact: true }).fill('kiosk-dock-07');
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe('65 loaded, newest badge-in first');
    expect(await page.getByRole('list', { name: 'Active filters' }).textContent()).toContain('kiosk: kiosk-dock-07');
    await page.screenshot({ path: join(SCREENSHOTS, 'capabilities-made-up-light.png') });

    // The detail panel: the store's fields in its order and names, its times on the timeline,
    // and no exposure clock (its revocations take effect at the next request).
    const shown = items[1];
    await page.getByRole('button', { name: `Show details of session ${shown?.id}` }).click();
    const panel = page.getByTestId('detail-panel');
    await expect.poll(() => detailFields(page)).toEqual(['Kiosk', 'Badge holder', 'Scans']);
    expect(await panel.locator('.fields > div > dd').allTextContents()).toEqual(['kiosk-dock-07', 'ben.okafor', '1,001']);
    expect(await timelineLabels(page)).toEqual(['Expires', 'Last scan']);
    expect(await panel.getByTestId('exposure').count()).toBe(0);
    expect(await panel.getByRole('note').textContent()).toContain('refuses this session from its next request');
    expect(await seriousViolations(page, 'made-up store')).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'capabilities-made-up-detail-light.png') });

    // The revoke dialog says when a revocation takes effect on this store.
    await panel.getByRole('button', { name: 'Revoke this session…' }).click();
    expect(await page.getByRole('dialog').textContent()).toContain(KIOSK.takesEffect);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // Gone from the store: the panel says it as the store words it.
    await table.client.send(new DeleteCommand({ TableName: table.name, Key: { id: shown?.id } }));
    await page.getByLabel('Kiosk', { exact: true }).fill('kiosk-lobby-01');
    await expect.poll(() => panel.textContent()).toContain(KIOSK.gone);
    // Back as it was, for the tests after this one.
    if (shown) await table.put([shown]);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('draws web sessions from their capabilities: e-mail and IP columns, no profile or instance filters, browser in the panel (dark)', async () => {
    const app = await openApp(browser, server, web, { colorScheme: 'dark' });
    const { page } = app;
    await ready(page);
    expect(await headings(page)).toEqual(['', 'Session', 'User', 'E-mail', 'Status', 'Created', 'Last active', 'Expires', 'IP address']);
    expect(await filterLabels(page)).toEqual(['User', 'Created', 'Revocation reason', 'Search loaded rows /']);
    expect(await searchPlaceholder(page)).toBe(WEB_SESSION_CAPABILITIES.search);
    expect(await columnChoices(page)).toEqual([' Device column']);
    expect(await topFacts(page)).toContain('Redis');
    await page.getByLabel('Device column').check();
    await expect.poll(() => headings(page)).toContain('Device');
    const [first] = await rowIds(page);
    await page.getByRole('button', { name: `Show details of session ${first}` }).click();
    await expect.poll(() => detailFields(page)).toEqual(['User', 'E-mail', 'Device', 'IP address', 'Browser']);
    expect(await timelineLabels(page)).toEqual(['Created', 'Last active', 'Expires']);
    // A device described in words is not set as an identifier.
    expect(await page.getByTestId('detail-panel').locator('.fields > div').nth(2).locator('dd').getAttribute('class')).toBeNull();
    expect(await seriousViolations(page, 'web capabilities')).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'capabilities-web-dark.png') });
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('draws Sentinel sessions from theirs: profile and request columns, profile and instance filters, the exposure clock', async () => {
    const app = await openApp(browser, server, table.handlers(join(dir.path, 'sentinel'), infoWith(SENTINEL_CAPABILITIES)));
    const { page } = app;
    await ready(page);
    expect(await headings(page)).toEqual(['', 'Session', 'User', 'Profile', 'Status', 'Started', 'Last access', 'Expires', 'Requests']);
    expect(await filterLabels(page)).toEqual(['User', 'Profile', 'Server instance', 'Created', 'Revocation reason', 'Search loaded rows /']);
    expect(await searchPlaceholder(page)).toBe(SENTINEL_CAPABILITIES.search);
    expect(await columnChoices(page)).toEqual([' Device column', ' Source identity column']);
    expect(await topFacts(page)).toContain('Table');
    await page.getByRole('button', { name: `Show details of session ${items[0]?.id}` }).click();
    await expect.poll(() => detailFields(page)).toEqual(['User', 'Profile', 'Requests', 'Source identity', 'Device', 'Server instance']);
    expect(await timelineLabels(page)).toEqual(['Created', 'Started', 'Last access', 'Expires']);
    await page.getByTestId('exposure').waitFor();
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('starts the list again from its first page when main no longer accepts a cursor (INVALID_CURSOR), instead of an error', async () => {
    // Two openings of the same table sign cursors with different keys, as main does after a reopen.
    const before = table.handlers(join(dir.path, 'cursor-a'), infoWith(SENTINEL_CAPABILITIES));
    const after = table.handlers(join(dir.path, 'cursor-b'), infoWith(SENTINEL_CAPABILITIES));
    let current = before;
    const answered: { cursor: boolean; code?: string }[] = [];
    const handlers: WorkspaceHandlerTable = {
      ...before,
      'sessions:query': async (request, context) => {
        try {
          const page = await current['sessions:query'](request, context);
          answered.push({ cursor: request.cursor !== undefined });
          return page;
        } catch (error) {
          answered.push({ cursor: request.cursor !== undefined, code: error instanceof WardenError ? error.code : 'INTERNAL' });
          throw error;
        }
      },
    };
    const app = await openApp(browser, server, handlers);
    const { page } = app;
    await ready(page);
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe('100+ loaded, newest first');
    // Main reopens: the cursor the renderer holds for page two was signed by the previous opening.
    current = after;
    const scroller = page.locator('.table-scroll');
    await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => answered.filter((a) => a.code === 'INVALID_CURSOR').length).toBe(1);
    // The refused page is not retried, and the list is read again from its first page...
    await expect.poll(() => answered.slice(answered.findIndex((a) => a.code === 'INVALID_CURSOR') + 1)[0]).toEqual({ cursor: false });
    await ready(page);
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe('100+ loaded, newest first');
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(answered.filter((a) => a.code === 'INVALID_CURSOR')).toHaveLength(1);
    // ...and goes on from there with the cursors of the new opening.
    await page.locator('.table-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe('130 loaded, newest first');
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'capabilities-cursor-reset-light.png') });
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('reads app info again when main refuses a revocation as READ_ONLY, so the revoke actions disappear', async () => {
    // The connection became read-only in main after the window read app info (an auditor switch).
    let readOnly = false;
    const base = table.handlers(join(dir.path, 'read-only'), infoWith(SENTINEL_CAPABILITIES));
    let infoReads = 0;
    const handlers: WorkspaceHandlerTable = {
      ...base,
      'app:info': async () => {
        infoReads += 1;
        return infoWith(SENTINEL_CAPABILITIES, readOnly);
      },
      'sessions:revoke': async () => {
        readOnly = true;
        throw new WardenError('READ_ONLY', 'This connection is read-only (auditor mode): revocations are refused.');
      },
    };
    const app = await openApp(browser, server, handlers);
    const { page } = app;
    await ready(page);
    const reads = infoReads;
    await page.getByRole('button', { name: `Show details of session ${items[2]?.id}` }).click();
    const panel = page.getByTestId('detail-panel');
    await panel.getByRole('button', { name: 'Revoke this session…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Reason code (required)').selectOption('offboarding');
    await dialog.getByRole('button', { name: /^Revoke 1 session/ }).click();
    await expect.poll(() => dialog.getByRole('alert').textContent()).toBe('Nothing was confirmed: This connection is read-only (auditor mode): revocations are refused.');
    // App info is read again: the READ-ONLY badge appears and the revoke actions go.
    await page.getByTestId('read-only-badge').waitFor();
    expect(infoReads).toBe(reads + 1);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => panel.getByRole('button', { name: /^Revoke/ }).count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'capabilities-read-only-refreshed-light.png') });
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
