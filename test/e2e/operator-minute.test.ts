import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import type { SentinelItem } from '../../src-main/sentinel/sentinel-item';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = {
  version: '0.1.0',
  connection: { id: 'prod', nonce: 'nonce-of-this-workspace-0014', name: 'sentinel-prod', kind: 'dynamodb', environment: 'production', table: 'sentinel-sessions', readOnly: false, capabilities: SENTINEL_CAPABILITIES },
  operator: 'soc.analyst',
};

async function sessionsState(page: Page, state: string): Promise<void> {
  await page.locator(`[data-testid="sessions"][data-state="${state}"]`).waitFor();
}

const rowCount = (page: Page) => page.locator('[data-testid="session-row"]').count();

interface Desk {
  browser: Browser;
  server: RendererServer;
  table: TestTable;
  dir: TempDir;
}

/** Chromium, the served renderer and a fresh Sentinel table holding `items`, for one describe block. */
function withDesk(items: () => SentinelItem[], set: (desk: Desk) => void): void {
  let desk: Desk | undefined;
  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const [dir, browser, server, table] = await Promise.all([tempDir(), launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    await table.put(items());
    desk = { browser, server, table, dir };
    set(desk);
  });
  afterAll(async () => {
    await desk?.browser.close();
    await desk?.server.close();
    await desk?.table.drop();
    await desk?.dir.remove();
  });
}

/**
 * The operator's minute (issue 14), keyboard first, on a production-labelled connection over the
 * real handler table: a near-miss name never reads as "no sessions".
 */
describe('a near-miss user name never reads as "no sessions"', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: TempDir;
  const now = Math.floor(Date.now() / 1000);
  const devices = ['a1b2c3d4e5f60718', '1122334455667788', '99aabbccddeeff00'];
  withDesk(
    () => [
      ...Array.from({ length: 19 }, (_, i) => sentinelItem({ seconds: now - 60 - i * 30 }, { user: 'alice', device_id: devices[i % 3] as string })),
      ...Array.from({ length: 2 }, (_, i) => sentinelItem({ seconds: now - 90 - i * 30 }, { user: 'alicia.m' })),
      ...Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: now - 120 - i * 30 }, { user: 'grace.ho' })),
    ],
    (desk) => ({ browser, server, table, dir } = desk),
  );

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`says "no user named 'Alice' — did you mean alice (19 live)?" and shows alice in one keystroke (${colorScheme})`, async () => {
      const app = await openApp(browser, server, table.handlers(dir.path, INFO), { colorScheme });
      const { page } = app;
      await sessionsState(page, 'ready');
      await page.getByLabel('User', { exact: true }).fill('Alice');
      await sessionsState(page, 'empty');
      const empty = page.getByTestId('user-empty-state');
      await empty.locator('[data-match="resolved"]').or(page.locator('[data-testid="user-empty-state"][data-match="resolved"]')).waitFor();
      expect((await empty.textContent())?.replace(/\s+/g, ' ')).toContain("No user named “Alice” in this store — did you mean alice (19 live)?");
      await page.screenshot({ path: join(SCREENSHOTS, `did-you-mean-${colorScheme}.png`) });
      expect(await seriousViolations(page, 'did-you-mean')).toEqual([]);
      // Keyboard: the suggestion is a button; Enter on it shows alice's sessions.
      await page.getByRole('button', { name: 'alice', exact: true }).focus();
      await page.keyboard.press('Enter');
      await sessionsState(page, 'ready');
      await expect.poll(() => rowCount(page)).toBe(19);
      expect(await page.getByLabel('User', { exact: true }).inputValue()).toBe('alice');
      expect(app.problems).toEqual([]);
      await app.close();
    });
  }

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`shows one user at a glance when the table is filtered to them (${colorScheme})`, async () => {
      const app = await openApp(browser, server, table.handlers(dir.path, INFO), { colorScheme });
      const { page } = app;
      await sessionsState(page, 'ready');
      await page.getByLabel('User', { exact: true }).fill('alice');
      await expect.poll(() => rowCount(page)).toBe(19);
      const header = page.getByTestId('user-header');
      await header.waitFor();
      const facts = (await header.locator('.user-header-facts').textContent()) ?? '';
      expect(await header.getByRole('heading').textContent()).toBe('alice');
      expect(facts).toContain('19 active');
      expect(facts).toContain('3 devices');
      // alice's latest access was 60 s before this file loaded: as long ago now as the earlier tests took, no more.
      expect(facts).toMatch(/last access (\d+ s ago|just now|\d+ min ago)/);
      const minutes = /last access (\d+) min ago/.exec(facts)?.[1];
      if (minutes !== undefined) expect(Number(minutes)).toBeLessThanOrEqual(Math.ceil((Date.now() / 1000 - (now - 60)) / 60));
      expect(facts).toMatch(/exposure ends \d\d:\d\d UTC if revoked now/);
      await page.screenshot({ path: join(SCREENSHOTS, `user-header-${colorScheme}.png`) });
      expect(await seriousViolations(page, 'user header')).toEqual([]);
      // Watch, then Revoke all 19…, straight from the header.
      await header.getByRole('button', { name: 'Watch' }).click();
      expect(await header.getByRole('button', { name: 'Watching' }).getAttribute('aria-pressed')).toBe('true');
      await header.getByRole('button', { name: 'Revoke all 19…' }).click();
      await expect.poll(async () => (await page.getByRole('dialog').textContent()) ?? '').toContain('19');
      await page.keyboard.press('Escape');
      expect(app.problems).toEqual([]);
      await app.close();
    });
  }

  it('offers every close name with its live count for a partial name, and says so plainly when nothing is close', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO));
    const { page } = app;
    await sessionsState(page, 'ready');
    await page.getByLabel('User', { exact: true }).fill('ali');
    await page.locator('[data-testid="user-empty-state"][data-match="none"]').waitFor();
    const offered = await page.getByTestId('did-you-mean').evaluateAll((els) => els.map((e) => e.getAttribute('data-user')));
    expect(offered).toEqual(['alice', 'alicia.m']);
    expect((await page.getByTestId('user-empty-state').textContent())?.replace(/\s+/g, ' ')).toContain('did you mean alice (19 live) or alicia.m (2 live)?');

    await page.getByLabel('User', { exact: true }).fill('grace.ho@example.com');
    await page.locator('[data-testid="user-empty-state"][data-match="resolved"]').waitFor();
    expect((await page.getByTestId('user-empty-state').textContent())?.replace(/\s+/g, ' ')).toContain('did you mean grace.ho (3 live)?');

    await page.getByLabel('User', { exact: true }).fill('zed.nobody');
    await page.locator('[data-testid="user-empty-state"][data-match="none"]').waitFor();
    const text = (await page.getByTestId('user-empty-state').textContent())?.replace(/\s+/g, ' ');
    expect(text).toContain('No user named “zed.nobody” in this store.');
    expect(text).toContain('3 users have live sessions here');
    expect(app.problems).toEqual([]);
    await app.close();
  });
});

describe('keyboard flow and the palette', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: TempDir;
  const now = Math.floor(Date.now() / 1000);
  withDesk(
    () => [
      ...Array.from({ length: 19 }, (_, i) => sentinelItem({ seconds: now - 60 - i * 30 }, { user: 'alice' })),
      ...Array.from({ length: 2 }, (_, i) => sentinelItem({ seconds: now - 90 - i * 30 }, { user: 'bob' })),
    ],
    (desk) => ({ browser, server, table, dir } = desk),
  );

  it('lists every screen, the users a name means (revoke all, watch) above the free text, and moves focus to what it opened', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO));
    const { page } = app;
    await sessionsState(page, 'ready');
    // On another screen too.
    await page.getByRole('button', { name: 'Audit', exact: true }).click();
    await page.keyboard.press('Control+k');
    const palette = page.getByTestId('command-palette');
    await palette.getByRole('combobox').waitFor();
    const options = () => palette.getByRole('option').allTextContents();
    expect((await options()).filter((o) => o.startsWith('Go to '))).toEqual(['Go to Sessions', 'Go to Activity', 'Go to Audit', 'Go to Offboarding', 'Go to Connections']);
    expect(await options()).toContain('Switch connection…');
    await page.keyboard.type('Alice');
    await expect
      .poll(options)
      .toEqual(['Show sessions of alice (19 live)', 'Revoke all of alice (19 live)…', 'Watch alice (alert on a new session)', 'Show active sessions of Alice']);
    await page.screenshot({ path: join(SCREENSHOTS, 'palette-user-light.png') });
    expect(await seriousViolations(page, 'palette')).toEqual([]);
    // Revoke all of alice: the Sessions screen opens its dialog, counted from the store.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog');
    await expect.poll(async () => (await dialog.textContent()) ?? '').toContain('19');
    await page.keyboard.press('Escape');

    // A screen: focus lands on its heading.
    await page.keyboard.press('Control+k');
    await palette.getByRole('combobox').waitFor();
    await page.keyboard.type('offboarding');
    await expect.poll(options).toEqual(['Go to Offboarding', 'Show active sessions of offboarding']);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Offboarding');

    // The sessions of a user: focus lands on the table.
    await page.keyboard.press('Control+k');
    await palette.getByRole('combobox').waitFor();
    await page.keyboard.type('bob');
    await expect.poll(options).toContain('Show sessions of bob (2 live)');
    await page.keyboard.press('Enter');
    await expect.poll(() => rowCount(page)).toBe(2);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Sessions, scrollable');
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('moves between rows with the arrow keys, opens one with Enter, returns focus to it after Esc; the skip link leads to the table', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO));
    const { page } = app;
    await sessionsState(page, 'ready');
    // The first Tab stop skips the top bar, the rail and the filters.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the sessions table');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Sessions, scrollable');
    const ids = await page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id')));
    const focusedRow = () => page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-session-id') ?? null);
    await page.keyboard.press('ArrowDown');
    expect(await focusedRow()).toBe(ids[0]);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    expect(await focusedRow()).toBe(ids[2]);
    await page.keyboard.press('ArrowUp');
    expect(await focusedRow()).toBe(ids[1]);
    await page.keyboard.press('End');
    expect(await focusedRow()).toBe(ids.at(-1));
    await page.keyboard.press('Home');
    expect(await focusedRow()).toBe(ids[0]);
    await page.keyboard.press('Enter');
    const panel = page.getByTestId('detail-panel');
    await panel.waitFor();
    // Watch is in reach without scrolling the panel.
    const watch = panel.getByRole('button', { name: /^Watch / });
    const [box, panelBox] = await Promise.all([watch.boundingBox(), panel.boundingBox()]);
    expect((box?.y ?? Infinity) + (box?.height ?? 0)).toBeLessThan((panelBox?.y ?? 0) + (panelBox?.height ?? 0));
    await watch.focus();
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(await focusedRow()).toBe(ids[0]);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('offers Device and Source identity columns, kept across a reload', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO));
    const { page } = app;
    await sessionsState(page, 'ready');
    const headers = () => page.locator('.sessions-table th').allTextContents();
    expect(await headers()).not.toContain('Device');
    await page.getByLabel('Device column').check();
    await page.getByLabel('Source identity column').check();
    await expect.poll(headers).toEqual(expect.arrayContaining(['Device', 'Source identity']));
    expect((await page.locator('[data-testid="session-row"]').first().locator('td').allTextContents()).some((t) => t.startsWith('sentinel:'))).toBe(true);
    await page.reload();
    await sessionsState(page, 'ready');
    expect(await headers()).toEqual(expect.arrayContaining(['Device', 'Source identity']));
    await page.screenshot({ path: join(SCREENSHOTS, 'sessions-identity-columns-light.png') });
    await app.close();
  });

  it('says what to do when r is pressed with nothing selected', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO));
    const { page } = app;
    await sessionsState(page, 'ready');
    await page.locator('.table-scroll').focus();
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('shortcut-hint').textContent()).toContain('Nothing is selected');
    expect(await page.getByRole('dialog').count()).toBe(0);
    await app.close();
  });
});

describe('a revoke result is the record of what was done', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: TempDir;
  const now = Math.floor(Date.now() / 1000);
  // Last credential fetch 2 minutes ago: issued credentials last until 13 minutes from now.
  const lastFetch = now - 120;
  const sessions = Array.from({ length: 4 }, (_, i) => sentinelItem({ seconds: now - 600 - i }, { user: 'kim.compromised', last_access_at: formatRfc3339Nano(lastFetch - i * 30, 0) }));

  withDesk(
    () => sessions,
    (desk) => ({ browser, server, table, dir } = desk),
  );

  for (const colorScheme of ['light', 'dark'] as const) {
    it(`repeats reason, note and ticket, gives the exact time issued credentials run out, and explains a count that changed (${colorScheme})`, async () => {
      const user = `kim.${colorScheme}`;
      const mine = sessions.map((s) => ({ ...s, id: `${s.id.slice(0, 12)}${colorScheme === 'light' ? 'aaaa' : 'bbbb'}`, user }));
      await table.put(mine);
      const app = await openApp(browser, server, table.handlers(dir.path, INFO), { colorScheme });
      const { page } = app;
      await sessionsState(page, 'ready');
      await page.getByLabel('User', { exact: true }).fill(user);
      await expect.poll(() => rowCount(page)).toBe(4);
      await page.getByTestId('user-header').getByRole('button', { name: 'Revoke all 4…' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.getByLabel('Reason code (required)').selectOption('credential_compromise');
      await dialog.getByLabel('Note (optional)').fill('keys posted in a public repo');
      await dialog.getByLabel('Ticket or incident reference (optional)').fill('INC-5120');
      await dialog.getByLabel(/To confirm, type the user name/).fill(user);
      // The owner signs in again between confirmation and the run.
      const late = sentinelItem({ seconds: now - 1 }, { user, id: `${mine[0]?.id.slice(0, 12)}cccc`, last_access_at: formatRfc3339Nano(now - 1, 0) });
      await table.put([late]);
      const confirmedAt = Date.now();
      await dialog.getByRole('button', { name: 'Revoke 4 sessions' }).click();
      await page.getByTestId('revoke-result').waitFor();
      const record = page.getByTestId('run-record');
      const text = (await record.textContent())?.replace(/\s+/g, ' ') ?? '';
      expect(text).toContain('ReasonCredential compromise');
      expect(text).toContain('TicketINC-5120');
      expect(text).toContain('Notekeys posted in a public repo');
      expect(await page.getByTestId('count-changed').textContent()).toBe('1 session started after you confirmed 4 and was revoked too.');
      // 15 minutes after the revocation (a fetch racing it may still have been served), to the second.
      const shown = /usable until (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC at the latest/.exec((await page.getByTestId('credentials-until').textContent()) ?? '');
      const until = Date.parse(`${shown?.[1]?.replace(' ', 'T')}Z`);
      expect(until).toBeGreaterThanOrEqual(confirmedAt + 15 * 60_000 - 1000);
      expect(until).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
      expect(await page.getByTestId('record-blacklist').textContent()).toBe('No blacklist on this connection: enforcement reads the table sentinel-sessions.');
      expect(await page.locator('[data-testid="result-row"][data-outcome="revoked"]').count()).toBe(5);
      await page.screenshot({ path: join(SCREENSHOTS, `revoke-record-${colorScheme}.png`) });
      expect(await seriousViolations(page, 'revoke record')).toEqual([]);
      // Watch and evidence from the result itself.
      await dialog.getByRole('button', { name: `Watch ${user}` }).click();
      await dialog.getByRole('button', { name: `Watching ${user}` }).waitFor();
      await dialog.getByRole('button', { name: 'Save evidence (CSV)…' }).click();
      await expect.poll(() => dialog.getByTestId('evidence-status').textContent()).toMatch(/^Saved revocation-evidence-[0-9a-f]{8}\.csv \(5 records, from the ledger\)\.$/);
      // Open in Audit: exactly this run's revocations, filtered by a chip that says so.
      await dialog.getByRole('button', { name: 'Open in Audit' }).click();
      await page.locator('[data-testid="audit"][data-state="ready"]').waitFor();
      await expect.poll(() => page.locator('[data-testid="audit-row"]').count()).toBe(5);
      expect(await page.getByRole('button', { name: /^Remove filter run [0-9a-f]{8}$/ }).count()).toBe(1);
      await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Audit');
      // The detail panel of a revoked session shows the ticket it was revoked under.
      await page.getByRole('button', { name: 'Sessions', exact: true }).click();
      await page.getByRole('checkbox', { name: 'Revoked', exact: true }).check();
      await page.getByRole('checkbox', { name: 'Active', exact: true }).uncheck();
      await page.getByRole('button', { name: `Show details of session ${mine[1]?.id}` }).click();
      const fields = await page.getByTestId('detail-panel').locator('.fields > div').evaluateAll((divs) => divs.map((d) => [d.querySelector('dt')?.textContent, d.querySelector('dd')?.textContent]));
      expect(fields).toContainEqual(['Ticket', 'INC-5120']);
      expect(app.problems).toEqual([]);
      await app.close();
    });
  }
});
