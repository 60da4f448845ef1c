import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { createHandlers } from '../../src-main/handlers';
import { Ledger } from '../../src-main/ledger/ledger';
import type { ConnectionManager } from '../../src-main/connections/connection-manager';
import { openBlacklist, outboxesWithPending, type BlacklistTarget, type OpenedBlacklist } from '../../src-main/revocation/blacklist-targets';
import { openWorkspace } from '../../src-main/workspace';
import { startGatedProxy, type GatedProxy } from '../fixtures/gated-proxy';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { launchChromium, managerWith, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type AppPage, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = {
  version: '0.1.0',
  connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-prod-eu', kind: 'dynamodb', environment: 'production', table: 'sentinel-sessions', readOnly: false, capabilities: SENTINEL_CAPABILITIES },
  operator: 'secops.jane',
};

async function ready(page: Page): Promise<void> {
  await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
}

/** Revokes every active session of `user` from the detail panel of `firstId`, as an analyst would; returns the dialog on its result. */
async function revokeAllOf(page: Page, user: string, firstId: string, count: number): Promise<Locator> {
  await page.getByRole('button', { name: `Show details of session ${firstId}` }).click();
  await page.getByRole('button', { name: `Revoke all active sessions of ${user}…` }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Reason code (required)').selectOption('credential_compromise');
  await dialog.getByLabel('Ticket or incident reference (optional)').fill('INC-5120');
  await dialog.getByLabel(/To confirm, type the user name/).fill(user);
  await dialog.getByRole('button', { name: `Revoke ${count} session${count === 1 ? '' : 's'}` }).click();
  await dialog.getByTestId('revoke-result').waitFor();
  return dialog;
}

const blacklistStates = (dialog: Locator) => dialog.locator('[data-testid="result-row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-outcome'), r.getAttribute('data-blacklist')]));

describe('blacklist writes that did not land, in Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let redis: RunningRedis;
  let secured: RunningRedis;
  const now = Math.floor(Date.now() / 1000);
  const sessionsOf = (user: string, n: number) => Array.from({ length: n }, (_, i) => sentinelItem({ seconds: now - 30 - i }, { user }));
  const hal = sessionsOf('hal.partitioned', 3);
  const hank = sessionsOf('hank.partitioned', 2);
  const ivy = sessionsOf('ivy.refused', 2);
  const a11y: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [browser, server, table, redis, secured] = await Promise.all([
      launchChromium(),
      serveBuiltRenderer(),
      createSentinelTable(inject('dynamoEndpoint')),
      startRedisServer(),
      startRedisServer({ password: 'rotated-secret' }),
    ]);
    await table.put([...hal, ...hank, ...ivy]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await redis?.stop();
    await secured?.stop();
  });

  /**
   * The app's wiring for one blacklist Redis: the revoker mirrors into it (its own retry left to
   * a later round), and the app's delivery (the connection manager's, never started in the
   * background here) answers `blacklist:pending` and `blacklist:retry` for the outbox in
   * `dataDir`, with the credentials of the saved connection "blacklist-eu".
   */
  async function wired(dataDir: string, target: BlacklistTarget): Promise<{ manager: ConnectionManager; blacklist: OpenedBlacklist }> {
    const blacklist = await openBlacklist(target, dataDir, { retryIntervalMs: 600_000 });
    const ledger = new Ledger(join(dataDir, 'ledger.jsonl'));
    const handlers = createHandlers({
      ledgerConnection: 'test',
      store: table.store(),
      revoker: table.revoker(dataDir, { ledger, operator: INFO.operator, blacklist: blacklist.mirror }),
      ledger,
      info: () => INFO,
      chooseSavePath: async (name) => join(dataDir, name),
      notify: () => undefined,
    });
    const manager = await managerWith(dataDir, { handlers, ledger, close: async () => undefined }, [
      {
        name: 'blacklist-eu',
        environment: 'production',
        colour: 'red',
        readOnly: false,
        store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, blacklistRedis: { url: target.url } },
        ...(target.password ? { blacklistSecret: target.password } : {}),
      },
    ]);
    return { manager, blacklist };
  }

  /** Opens the gate and waits until the clients it held have reconnected through it (a retry during their reconnect backoff fails fast). */
  async function reopen(gate: GatedProxy): Promise<void> {
    const before = gate.forwarded();
    const dropped = gate.open();
    await expect.poll(() => gate.forwarded() - before).toBeGreaterThanOrEqual(dropped);
  }

  it('says a revocation whose blacklist writes are pending is not finished, shows them on every screen, and delivers them with Retry now', async () => {
    const dir = await tempDir();
    // One address for the blacklist Redis: silent (a partition) until the test opens it.
    const gate: GatedProxy = await startGatedProxy(redis.port);
    const { manager, blacklist } = await wired(dir.path, { url: gate.url });
    const admin = new Redis(redis.url);
    let app: AppPage | undefined;
    try {
      app = await openApp(browser, server, manager);
      const { page } = app;
      await ready(page);
      expect(await page.getByTestId('blacklist-pending-chip').count()).toBe(0);

      const dialog = await revokeAllOf(page, 'hal.partitioned', (hal[0] as { id: string }).id, 3);
      await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Revoked in the store — 3 sessions not yet blacklisted');
      expect(await blacklistStates(dialog)).toEqual([
        ['revoked', 'pending'],
        ['revoked', 'pending'],
        ['revoked', 'pending'],
      ]);
      await expect(dialog.getByTestId('blacklist-pending').textContent()).resolves.toContain(
        '3 blacklist writes pending: kept and retried until the blacklist Redis takes them; the web app and other enforcement points may still accept these sessions until then.',
      );
      await expect(page.getByTestId('toasts').textContent()).resolves.toContain('Revoked in the store — 3 sessions not yet blacklisted.');
      // Not a success toast: the warning tone.
      expect(await page.locator('.toast-success').count()).toBe(0);
      const chip = page.getByTestId('blacklist-pending-chip');
      await expect.poll(() => chip.locator('.pending-chip-text').textContent()).toBe('3 blacklist writes pending (oldest < 1 min)');
      await expect(chip.getAttribute('title')).resolves.toMatch(/^Oldest queued \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\./);
      a11y.push(...(await seriousViolations(page, 'result with pending blacklist writes')));
      await page.screenshot({ path: join(SCREENSHOTS, 'revoke-result-blacklist-pending-light.png') });

      // Retry now while Redis is still silent: still pending, and now it says why.
      await dialog.getByRole('button', { name: 'Retry now' }).click();
      await expect.poll(() => dialog.getByTestId('blacklist-pending').textContent(), { timeout: 20_000 }).toMatch(/Last attempt: \S/);
      await expect.poll(() => page.getByTestId('toasts').textContent()).toContain('3 blacklist writes are still pending');
      await dialog.getByRole('button', { name: 'Done' }).click();
      await expect.poll(() => chip.getAttribute('title')).toMatch(/\nLast attempt: \S/);
      a11y.push(...(await seriousViolations(page, 'sessions screen with the pending chip')));
      await page.screenshot({ path: join(SCREENSHOTS, 'blacklist-pending-top-bar-light.png') });

      // The chip leads to the details on the Audit screen, from the keyboard too.
      await chip.locator('.pending-chip-text').focus();
      await page.keyboard.press('Enter');
      const section = page.getByTestId('pending-blacklist-writes');
      await expect.poll(() => section.getAttribute('data-state')).toBe('pending');
      const cells = await section.locator('[data-testid="pending-target"] td').allTextContents();
      expect(cells.slice(0, 3)).toEqual(['blacklist-eu', gate.url, '3']);
      expect(cells[3]).toMatch(/^(\d+ s ago|just now)$/);
      await expect(section.getByTestId('pending-error').textContent()).resolves.toMatch(/^✗ \S/);
      a11y.push(...(await seriousViolations(page, 'audit with pending writes')));
      await page.screenshot({ path: join(SCREENSHOTS, 'audit-blacklist-pending-light.png') });

      // Redis is back: Retry now delivers them, the chip goes, and the blacklist holds each session.
      await reopen(gate);
      await section.getByRole('button', { name: 'Retry now' }).click();
      await expect.poll(() => section.getAttribute('data-state'), { timeout: 20_000 }).toBe('empty');
      await expect(section.textContent()).resolves.toContain('No blacklist writes pending.');
      await expect.poll(() => chip.count()).toBe(0);
      await expect.poll(() => page.getByTestId('toasts').textContent()).toContain('Every pending blacklist write is now in its blacklist Redis.');
      for (const s of hal) {
        expect(await admin.get(`revoked:${s.id}`)).toBe('credential_compromise');
        expect(await admin.ttl(`revoked:${s.id}`)).toBeGreaterThan(3600);
      }
      expect(await outboxesWithPending(dir.path)).toEqual([]);
      a11y.push(...(await seriousViolations(page, 'audit with nothing pending')));
      await page.screenshot({ path: join(SCREENSHOTS, 'audit-blacklist-delivered-light.png') });

      // Again from the result itself: once its writes land, the run reads as finished.
      gate.shut();
      await page.getByRole('button', { name: 'Sessions', exact: true }).click();
      await ready(page);
      const again = await revokeAllOf(page, 'hank.partitioned', (hank[0] as { id: string }).id, 2);
      await expect(again.getByRole('heading').textContent()).resolves.toBe('Revoked in the store — 2 sessions not yet blacklisted');
      await expect.poll(() => chip.locator('.pending-chip-text').textContent()).toBe('2 blacklist writes pending (oldest < 1 min)');
      await reopen(gate);
      await again.getByRole('button', { name: 'Retry now' }).click();
      await expect.poll(() => again.getByRole('heading').textContent(), { timeout: 20_000 }).toBe('Revocation finished');
      await expect(again.getByTestId('blacklist-landed').textContent()).resolves.toBe('✓ The 2 blacklist writes that were pending have landed since: nothing is pending any more.');
      expect(await again.locator('[data-testid="result-row"] td:last-child').allTextContents()).toEqual(['✓ landed since', '✓ landed since']);
      await expect.poll(() => chip.count()).toBe(0);
      for (const s of hank) expect(await admin.get(`revoked:${s.id}`)).toBe('credential_compromise');
      a11y.push(...(await seriousViolations(page, 'result whose pending writes landed')));
      await page.screenshot({ path: join(SCREENSHOTS, 'revoke-result-blacklist-landed-light.png') });
      await again.getByRole('button', { name: 'Done' }).click();
      expect(app.problems).toEqual([]);
    } finally {
      await app?.close();
      await manager.close();
      await blacklist.close();
      admin.disconnect();
      await gate.close();
      await dir.remove();
    }
  });

  it('reads a refused blacklist write (wrong password) as a failure with its reason, and Retry writes it once Redis takes the credentials', async () => {
    const dir = await tempDir();
    // The connection holds a password the blacklist Redis no longer accepts.
    const { manager, blacklist } = await wired(dir.path, { url: secured.url, password: 'stale-secret' });
    let app: AppPage | undefined;
    try {
      app = await openApp(browser, server, manager, { colorScheme: 'dark' });
      const { page } = app;
      await ready(page);
      const dialog = await revokeAllOf(page, 'ivy.refused', (ivy[0] as { id: string }).id, 2);
      await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Revoked in the store — 2 sessions not yet blacklisted');
      expect(await blacklistStates(dialog)).toEqual([
        ['revoked', 'failed'],
        ['revoked', 'failed'],
      ]);
      const failed = dialog.getByTestId('blacklist-failed');
      await expect(failed.textContent()).resolves.toContain('2 sessions not blacklisted: the blacklist write failed.');
      await expect(failed.textContent()).resolves.toMatch(/the blacklist Redis refused the write \((WRONGPASS|NOAUTH)[^)]*\): the session is not blacklisted/);
      // A failure, not "pending": no pending wording in the result (main keeps the writes too, and the top bar counts them).
      expect(await dialog.getByTestId('blacklist-pending').count()).toBe(0);
      const chip = page.getByTestId('blacklist-pending-chip');
      await expect.poll(() => chip.locator('.pending-chip-text').textContent()).toBe('2 blacklist writes pending (oldest < 1 min)');
      await expect(page.getByTestId('toasts').textContent()).resolves.toContain('Revoked in the store — 2 sessions not yet blacklisted.');
      const retry = dialog.getByRole('button', { name: 'Retry 2 sessions not blacklisted' });
      await retry.waitFor();
      a11y.push(...(await seriousViolations(page, 'result with failed blacklist writes (dark)')));
      await page.screenshot({ path: join(SCREENSHOTS, 'revoke-result-blacklist-failed-dark.png') });

      // The Redis side is put right (the rotation rolled back) and our refused connection dropped.
      // Retry once our client is connected again (a retry during its reconnect backoff fails fast).
      const reconnected = new Promise((resolve) => blacklist.redis.once('ready', resolve));
      const fixer = new Redis(secured.url, { password: 'rotated-secret' });
      await fixer.config('SET', 'requirepass', 'stale-secret');
      await fixer.call('CLIENT', 'KILL', 'TYPE', 'normal');
      fixer.disconnect();
      await reconnected;

      // The app's delivery reaches the blacklist through its own client, which the kill dropped too:
      // a retry during that client's reconnect backoff fails fast, and the operator presses Retry
      // again (as the result offers). Until the writes land, a few times at most.
      const landed = [
        ['revoked', 'written'],
        ['revoked', 'written'],
      ];
      for (let attempt = 1; ; attempt += 1) {
        await retry.click();
        const settled = await expect
          .poll(() => blacklistStates(dialog), { timeout: 5_000 })
          .toEqual(landed)
          .then(() => true)
          .catch(() => false);
        if (settled) break;
        if (attempt === 4) expect(await blacklistStates(dialog)).toEqual(landed);
        await retry.waitFor();
      }
      await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Revocation finished');
      await expect.poll(() => page.getByTestId('toasts').textContent()).toContain('Retry: 2 already revoked sessions now blacklisted.');
      a11y.push(...(await seriousViolations(page, 'result after the retry (dark)')));
      await dialog.getByRole('button', { name: 'Done' }).click();
      // What main kept of the refused writes was settled by the writes that landed: nothing is left pending.
      await expect.poll(() => chip.count(), { timeout: 20_000 }).toBe(0);
      expect((await manager.blacklist.status()).total).toBe(0);
      const check = new Redis(secured.url, { password: 'stale-secret' });
      try {
        for (const s of ivy) expect(await check.get(`revoked:${s.id}`)).toBe('credential_compromise');
      } finally {
        check.disconnect();
      }
      expect(app.problems).toEqual([]);
    } finally {
      await app?.close();
      await manager.close();
      await blacklist.close();
      await dir.remove();
    }
  });

  it('shows a user whose session list could not be read as failed, never as "no active session"', async () => {
    const dir: TempDir = await tempDir();
    const nowMs = Date.now();
    const kim = [webSession('kim.partial', nowMs, { ageMs: 120_000 }), webSession('kim.partial', nowMs, { ageMs: 240_000 })];
    const lou = [webSession('lou.clean', nowMs, { ageMs: 60_000 })];
    const max = [webSession('max.partial', nowMs, { ageMs: 180_000 })];
    const admin = new Redis(redis.url);
    await writeWebSessions(admin, [...kim, ...lou, ...max], nowMs);
    // What another tool left in their session lists: members that are not session ids.
    await admin.sadd('user_sessions:kim.partial', 'legacy 7f3a:9c2e');
    await admin.sadd('user_sessions:max.partial', 'imported/0042');
    const workspace = await openWorkspace('0.1.0', dir.path, { id: 'shop-web', name: 'shop-web', environment: 'staging', readOnly: false, store: { kind: 'redis', urls: [redis.url], cluster: false } }, { chooseSavePath: async (name) => join(dir.path, name), notify: () => undefined });
    let app: AppPage | undefined;
    try {
      app = await openApp(browser, server, workspace.handlers);
      const { page } = app;
      await ready(page);

      // Offboarding: the per-user result.
      await page.getByRole('button', { name: 'Offboarding' }).click();
      await page.getByLabel(/User names or e-mails, one per line/).fill('kim.partial\nlou.clean\n');
      await page.getByRole('button', { name: 'Preview sessions' }).click();
      await page.getByTestId('offboarding-preview').waitFor();
      await page.getByLabel(/^Ticket \(the HR request\)/).fill('HR-4410');
      await page.getByLabel(/To confirm, type the number of sessions/).fill('3');
      await page.getByRole('button', { name: 'Revoke 3 sessions of 2 users' }).click();
      const result = page.getByTestId('offboarding-result');
      await result.waitFor();
      await expect(result.getByRole('heading', { level: 2 }).textContent()).resolves.toBe('Done: 3 sessions of 2 users revoked; 1 user could not be listed (see below)');
      expect(await result.locator('th').allTextContents()).toEqual(['Requested', 'User in the store', 'Revoked', 'Already revoked or expired', 'Failed or not found', 'Record']);
      const rows = await result.locator('[data-testid="user-result-row"]').evaluateAll((trs) =>
        trs.map((r) => [r.getAttribute('data-user'), r.getAttribute('data-state'), r.querySelector('[data-testid="record"]')?.textContent]),
      );
      expect(rows).toEqual([
        ['kim.partial', 'failed', '✗ could not be listed: 1 entry of their session list is not a session id ("legacy 7f3a:9c2e"): it was not revoked; look at it in the store'],
        ['lou.clean', null, 'revoked'],
      ]);
      await expect(page.getByTestId('toasts').textContent()).resolves.toContain('3 sessions revoked, 1 user could not be listed.');
      a11y.push(...(await seriousViolations(page, 'offboarding with an unlisted user')));
      await page.screenshot({ path: join(SCREENSHOTS, 'offboarding-unlisted-user-light.png'), fullPage: true });

      // The revoke dialog: all sessions of one user.
      await page.getByRole('button', { name: 'Sessions', exact: true }).click();
      await ready(page);
      const dialog = await revokeAllOf(page, 'max.partial', (max[0] as { id: string }).id, 1);
      await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Revocation finished with problems');
      await expect(dialog.getByRole('status').first().textContent()).resolves.toContain('1 revoked, 1 user could not be listed.');
      const unlisted = dialog.getByTestId('unlisted-row');
      await expect(unlisted.getAttribute('data-user')).resolves.toBe('max.partial');
      await expect(unlisted.textContent()).resolves.toContain('failed 1 entry of their session list is not a session id ("imported/0042")');
      expect(await dialog.textContent()).not.toContain('No active session');
      a11y.push(...(await seriousViolations(page, 'revoke dialog with an unlisted user')));
      await page.screenshot({ path: join(SCREENSHOTS, 'revoke-result-unlisted-user-light.png') });
      expect(app.problems).toEqual([]);
    } finally {
      await app?.close();
      await workspace.close();
      admin.disconnect();
      await dir.remove();
    }
  });

  it('finds no serious or critical accessibility violation on any of those screens', () => {
    expect(a11y).toEqual([]);
  });
});
