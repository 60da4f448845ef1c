import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import type { Workspace } from '../../src-main/workspace';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, withDemoEnvironment, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = {
  version: '0.1.0',
  connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 'sentinel-sessions', readOnly: false, capabilities: SENTINEL_CAPABILITIES },
  operator: 'local:e2e',
};

async function ready(page: Page, state = 'ready'): Promise<void> {
  await page.locator(`[data-testid="sessions"][data-state="${state}"]`).waitFor();
}

async function visibleIds(page: Page): Promise<string[]> {
  return page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));
}

describe('sessions screen, built renderer in Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let newestFirst: string[];
  let revokedId: string;
  let staleId: string;
  let tableDir: { path: string; remove: () => Promise<void> };

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    tableDir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    const now = Math.floor(Date.now() / 1000);
    // 130 active sessions (two pages of 100), three in one second with fractions that sort
    // wrongly as raw strings; one revoked; one stale (active past expiry).
    const users = ['alice', 'bob', 'carol.nguyen', 'dmitri.k', 'erin.walsh'];
    const active = Array.from({ length: 127 }, (_, i) =>
      sentinelItem(
        { seconds: now - 30 - i * 45, nanos: (i * 7919 * 1000) % 1e9 },
        {
          user: users[i % users.length] as string,
          profile: ['prod-admin', 'prod-readonly', 'staging-deploy'][i % 3] as string,
          request_count: (i * 37) % 1000,
          last_access_at: formatRfc3339Nano(now - (i % 50) * 20, 0),
          expires_at: formatRfc3339Nano(now + 3600 * 4 - i * 45, 0),
          ttl: now + 3600 * 4 - i * 45,
        },
      ),
    );
    const sameSecond = [500_000_000, 0, 120_000_000].map((nanos) => sentinelItem({ seconds: now - 10, nanos }, { user: 'mallory.x', last_access_at: formatRfc3339Nano(now - 2, nanos) }));
    const revoked = sentinelItem({ seconds: now - 500 }, { status: 'revoked', revoked_by: 'secops.jane', revoked_reason: 'credential_compromise: INC-4471' });
    const stale = sentinelItem({ seconds: now - 9 * 3600 }, { expires_at: formatRfc3339Nano(now - 3600, 0), ttl: now - 3600 });
    await table.put([...active, ...sameSecond, revoked, stale]);
    revokedId = revoked.id;
    staleId = stale.id;
    // Within that second `.5Z` is newest, then `.12Z`, then `Z` (raw strings sort `.12Z`, `.5Z`, `Z`).
    newestFirst = [sameSecond[0], sameSecond[2], sameSecond[1], ...active].map((s) => (s as { id: string }).id);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await tableDir?.remove();
  });

  const handlers = () => table.handlers(tableDir.path, INFO);

  it('lists active sessions newest first, loads further pages on scroll, and reads well', async () => {
    const app = await openApp(browser, server, handlers());
    const { page } = app;
    await ready(page);
    expect((await visibleIds(page)).slice(0, 20)).toEqual(newestFirst.slice(0, 20));
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe('100+ loaded, newest first');
    const first = page.locator('[data-testid="session-row"]').first();
    const cells = await first.locator('td').allTextContents();
    expect(cells[1]).toBe(newestFirst[0]);
    // Sentinel's ids fit the narrow id column, whole.
    const idColumn = await page.locator('.sessions-table').evaluate((t) => (t as HTMLElement).style.getPropertyValue('--columns').split(/ (?=minmax)/)[1]);
    expect(idColumn).toBe('minmax(160px, 160fr)');
    expect(await first.getByRole('button', { name: `Show details of session ${newestFirst[0]}` }).evaluate((b) => b.scrollWidth <= b.clientWidth)).toBe(true);
    expect(cells[2]).toBe('mallory.x');
    expect(cells[4]).toContain('active');
    expect(await first.locator('time').first().getAttribute('title')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.500000000 UTC$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'sessions-light.png') });

    await page.locator('.table-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe('130 loaded, newest first');
    await page.locator('.table-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(async () => (await visibleIds(page)).at(-1)).toBe(newestFirst.at(-1));
    // Virtualised: far fewer rows in the DOM than loaded.
    expect(await page.locator('[data-testid="session-row"]').count()).toBeLessThan(80);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('filters by status (several at once), user, profile, server instance and time, with chips, clear all, and a reload', async () => {
    const app = await openApp(browser, server, handlers());
    const { page } = app;
    await ready(page);
    const status = (name: string) => page.getByRole('checkbox', { name, exact: true });
    // The last status cannot be unticked: an empty status set would be an empty table.
    await status('Active').click();
    expect(await status('Active').isChecked()).toBe(true);
    await status('Revoked').check();
    await status('Active').uncheck();
    await expect.poll(() => visibleIds(page)).toEqual([revokedId]);
    await status('Expired').check();
    await expect.poll(async () => (await visibleIds(page)).length).toBe(2);
    await status('Revoked').uncheck();
    await expect.poll(() => visibleIds(page)).toEqual([staleId]);
    await expect(page.locator('[data-testid="session-row"] .status').textContent()).resolves.toContain('expired (stale)');
    await status('Active').check();
    await status('Expired').uncheck();

    await page.getByLabel('User', { exact: true }).fill('mallory.x');
    await expect.poll(async () => (await visibleIds(page)).length).toBe(3);
    await page.getByLabel('Profile', { exact: true }).fill('prod-admin');
    await expect.poll(async () => (await visibleIds(page)).length).toBe(3);
    await page.getByLabel('Profile', { exact: true }).fill('staging-deploy');
    await ready(page, 'empty');
    await expect(page.getByTestId('sessions').textContent()).resolves.toContain('No sessions match these filters');
    await page.getByRole('button', { name: 'Remove filter profile: staging-deploy' }).click();
    await expect.poll(async () => (await visibleIds(page)).length).toBe(3);

    // Filters survive a reload of the window.
    await page.reload();
    await ready(page);
    expect(await page.getByLabel('User', { exact: true }).inputValue()).toBe('mallory.x');
    await expect.poll(async () => (await visibleIds(page)).length).toBe(3);
    await expect.poll(() => page.title()).toContain('user: mallory.x');
    await page.screenshot({ path: join(SCREENSHOTS, 'sessions-filtered-light.png') });
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Clear all filters' }).click();
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe('100+ loaded, newest first');

    await page.getByLabel('Server instance').fill('sentinel-use1-2c88a51f');
    await ready(page, 'empty');
    await page.getByLabel('Server instance').fill('sentinel-euw1-7f3a9c2e');
    await ready(page);
    await page.getByRole('combobox', { name: /^Created/ }).selectOption('1h');
    // Sessions created within the hour: one every 45 s, from 30 s ago, plus the three.
    await expect.poll(async () => page.getByTestId('sessions-count').textContent()).toMatch(/^(8[0-9]) loaded/);
    // A custom range, in the operator's local time, to the minute.
    const [from, to] = await page.evaluate(() => {
      const local = (ms: number) => new Date(ms - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
      return [local(Date.now() - 10 * 60_000), local(Date.now() + 60_000)];
    });
    await page.getByRole('combobox', { name: /^Created/ }).selectOption('custom');
    await page.getByLabel(/^From/).fill(from as string);
    await page.getByLabel(/^To$/).fill(to as string);
    await expect.poll(async () => page.getByTestId('sessions-count').textContent()).toMatch(/^1[4-7] loaded/);
    await page.getByRole('button', { name: 'Clear all filters' }).click();
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('searches within the loaded rows from the keyboard (/)', async () => {
    const app = await openApp(browser, server, handlers());
    const { page } = app;
    await ready(page);
    await page.locator('body').press('/');
    await page.keyboard.type('mallory');
    await expect.poll(async () => (await visibleIds(page)).length).toBe(3);
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toMatch(/^3 of 1[03]0\+? loaded match the search$/);
    await page.getByRole('button', { name: 'Clear all filters' }).click();
    await app.close();
  });

  it('draws a search into the rows it replaces, each showing its own session, and never leaves keyboard focus on another session', async () => {
    const app = await openApp(browser, server, handlers());
    const { page } = app;
    await ready(page);
    const before = await visibleIds(page);
    await page.evaluate(() => {
      (window as unknown as { drawnRows: Set<Element> }).drawnRows = new Set(document.querySelectorAll('[data-testid="session-row"]'));
    });
    // bob holds every fifth active session: the search replaces most rows drawn.
    const bobs = new Set(newestFirst.slice(3).filter((_, i) => i % 5 === 1));
    await page.getByLabel(/Search loaded rows/).fill('bob');
    await expect.poll(async () => (await visibleIds(page)).every((id) => bobs.has(id))).toBe(true);
    const rows = await page.locator('[data-testid="session-row"]').evaluateAll((trs) =>
      trs.map((tr) => ({
        id: tr.getAttribute('data-session-id'),
        button: tr.querySelector('.cell-button')?.textContent,
        box: tr.querySelector('input[type="checkbox"]')?.getAttribute('aria-label'),
        reused: (window as unknown as { drawnRows: Set<Element> }).drawnRows.has(tr),
      })),
    );
    for (const row of rows) {
      expect(row.button).toBe(row.id);
      expect(row.box).toBe(`Select session ${row.id}`);
    }
    // Keyed by session, only the rows of sessions drawn before would keep their elements.
    const keptSessions = rows.filter((r) => before.includes(r.id ?? '')).length;
    expect(rows.filter((r) => r.reused).length).toBeGreaterThan(keptSessions);
    await page.screenshot({ path: join(SCREENSHOTS, 'sessions-search-redrawn-light.png') });

    // Keyboard focus on a row of another user, at a place the search draws for a session of bob's
    // not drawn before (bob's sessions drawn before come first); the rows change under it without
    // moving focus (as a refresh does, also while the window is in the background): the row
    // leaves, and its place is drawn for bob, but not into its focused button.
    await page.getByRole('button', { name: 'Clear all filters' }).click();
    await expect.poll(() => visibleIds(page)).toEqual(before);
    const bobsBefore = before.filter((id) => bobs.has(id)).length;
    const other = before.find((id, place) => place > bobsBefore && !bobs.has(id)) as string;
    await page.getByRole('button', { name: `Show details of session ${other}` }).focus();
    // The operator switches to another window: the page is told focus went out, with nowhere in
    // it to go, and the button keeps focus for when the window comes back.
    await page.evaluate(() => document.activeElement?.dispatchEvent(new FocusEvent('focusout', { bubbles: true, relatedTarget: null })));
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-session-id'))).toBe(other);
    await page.evaluate(() => {
      const search = document.querySelector<HTMLInputElement>('input[type="search"]');
      Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')?.set?.call(search, 'bob');
      search?.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expect.poll(async () => (await visibleIds(page)).every((id) => bobs.has(id))).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-session-id') ?? null)).toBeNull();
    // Focus went to the table itself, not to nowhere: the arrow keys still move through its rows.
    expect(await page.evaluate(() => document.activeElement?.className)).toBe('table-scroll');
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-session-id'))).toBe((await visibleIds(page))[0]);
    await page.getByRole('button', { name: 'Clear all filters' }).click();
    await app.close();
  });

  it('shows every field of a session in the detail panel, with the residual exposure', async () => {
    const app = await openApp(browser, server, handlers());
    const { page } = app;
    await ready(page);
    await page.getByRole('button', { name: `Show details of session ${newestFirst[0]}` }).click();
    const panel = page.getByTestId('detail-panel');
    await expect(panel.textContent()).resolves.toContain('mallory.x');
    const text = (await panel.textContent()) ?? '';
    for (const label of ['User', 'Profile', 'Requests', 'Source identity', 'Device', 'Server instance', 'Created', 'Started', 'Last access', 'Expires']) {
      expect(text).toContain(label);
    }
    expect(text).toContain('sentinel:alice:1a2b3c4d');
    await expect(panel.getByTestId('exposure').textContent()).resolves.toMatch(/Residual exposure: 1[0-4]:\d\d/);
    await page.screenshot({ path: join(SCREENSHOTS, 'detail-panel-light.png') });
    await page.keyboard.press('Escape');
    await expect.poll(() => panel.count()).toBe(0);
    await app.close();
  });

  it('offers every action in a command palette (Ctrl+K), e.g. showing one user\'s sessions', async () => {
    const app = await openApp(browser, server, handlers());
    const { page } = app;
    await ready(page);
    await page.keyboard.press('Control+k');
    const palette = page.getByTestId('command-palette');
    await palette.getByRole('combobox').waitFor();
    await page.keyboard.type('mallory.x');
    await expect
      .poll(() => palette.getByRole('option').allTextContents())
      .toEqual(['Show sessions of mallory.x (3 live)', 'Revoke all of mallory.x (3 live)…', 'Watch mallory.x (alert on a new session)']);
    await page.screenshot({ path: join(SCREENSHOTS, 'command-palette-light.png') });
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await visibleIds(page)).length).toBe(3);
    expect(await page.getByLabel('User', { exact: true }).inputValue()).toBe('mallory.x');
    await page.keyboard.press('Control+k');
    // The palette opens again before anything is typed into it (keys typed earlier go elsewhere).
    await palette.getByRole('combobox').waitFor();
    await page.keyboard.type('clear all');
    await expect.poll(() => palette.getByRole('option').first().textContent()).toBe('Clear all filters');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByLabel('User', { exact: true }).inputValue()).toBe('');
    // Pausing from the palette pauses the list, and the palette then offers to resume it.
    const pauseButton = page.getByRole('button', { name: /^(Pause|Resume)$/ });
    for (const [typed, command, pressed] of [
      ['pause', 'Pause live refresh', 'true'],
      ['resume', 'Resume live refresh', 'false'],
    ] as const) {
      await page.keyboard.press('Control+k');
      await palette.getByRole('combobox').waitFor();
      await page.keyboard.type(typed);
      await expect.poll(() => palette.getByRole('option').first().textContent()).toBe(command);
      await page.keyboard.press('Enter');
      await expect.poll(() => pauseButton.getAttribute('aria-pressed')).toBe(pressed);
    }
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('renders dark mode from the OS setting: filters, detail panel, palette, all readable', async () => {
    const app = await openApp(browser, server, handlers(), { colorScheme: 'dark' });
    const { page } = app;
    await ready(page);
    const background = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    expect(background).toBe('rgb(15, 18, 22)');
    await page.screenshot({ path: join(SCREENSHOTS, 'sessions-dark.png') });
    await page.getByLabel('User', { exact: true }).fill('mallory.x');
    await page.getByRole('checkbox', { name: 'Revoked', exact: true }).check();
    await expect.poll(async () => (await visibleIds(page)).length).toBe(3);
    await page.getByRole('button', { name: `Show details of session ${newestFirst[0]}` }).click();
    await page.getByTestId('detail-panel').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'sessions-filtered-detail-dark.png') });
    await page.keyboard.press('Control+k');
    await page.getByTestId('command-palette').getByRole('combobox').waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await app.close();
  });

  it('shows a store error as a readable message with a way to retry', async () => {
    const missing = await createSentinelTable(inject('dynamoEndpoint'));
    await missing.drop();
    const broken = missing.handlers(tableDir.path, INFO);
    const app = await openApp(browser, server, broken);
    await ready(app.page, 'error');
    const alert = app.page.getByRole('alert');
    await expect(alert.textContent()).resolves.toContain('Sessions could not be loaded');
    await expect(alert.textContent()).resolves.toContain(`Table "${missing.name}" (or one of its indexes) was not found`);
    expect(await app.page.getByRole('button', { name: 'Try again' }).isVisible()).toBe(true);
    await app.page.screenshot({ path: join(SCREENSHOTS, 'sessions-error.png') });
    await app.close();
  });

  it('says what to do when nothing matches', async () => {
    const empty = await createSentinelTable(inject('dynamoEndpoint'));
    const app = await openApp(browser, server, empty.handlers(tableDir.path, INFO));
    await ready(app.page, 'empty');
    await expect(app.page.getByTestId('sessions').textContent()).resolves.toContain('No sessions match these filters. Widen the status or time range, or clear the filters.');
    await app.close();
    await empty.drop();
  });

  it('explains a missing bridge instead of showing a blank window', async () => {
    const app = await openApp(browser, server, handlers(), { withPreload: false });
    await ready(app.page, 'error');
    await expect(app.page.getByRole('alert').first().textContent()).resolves.toContain('must be opened as the desktop app');
    await app.close();
  });
});

describe('the demo store in Chromium', () => {
  let browser: Browser;
  let server: RendererServer;
  let workspace: Workspace;
  withDemoEnvironment((env) => ({ browser, server, workspace } = env));

  it.each(['light', 'dark'] as const)('is marked DEMO on screen (%s)', async (colorScheme) => {
    const app = await openApp(browser, server, workspace.handlers, { colorScheme });
    await ready(app.page);
    await expect(app.page.getByTestId('env-band').textContent()).resolves.toContain('DEMO');
    await expect(app.page.getByTestId('operator').textContent()).resolves.toMatch(/^local:/);
    expect(await app.page.locator('[data-testid="session-row"]').count()).toBeGreaterThan(10);
    await app.page.screenshot({ path: join(SCREENSHOTS, `demo-${colorScheme}.png`) });
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
