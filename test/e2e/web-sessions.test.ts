import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { revocationState, webSession, writeWebSessions } from '../fixtures/web-sessions';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

async function ready(page: Page): Promise<void> {
  await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
}
/** Offboards one user from the Offboarding screen (preview, ticket, typed count) and returns the result panel. */
async function offboard(page: Page, user: string, sessions: number, ticket: string) {
  await page.getByRole('button', { name: 'Offboarding' }).click();
  await page.getByLabel(/User names or e-mails, one per line/).fill(`${user}\n`);
  await page.getByRole('button', { name: 'Preview sessions' }).click();
  await page.getByTestId('offboarding-preview').waitFor();
  await page.getByLabel(/^Ticket \(the HR request\)/).fill(ticket);
  await page.getByLabel(/To confirm, type the number of sessions/).fill(String(sessions));
  await page.getByRole('button', { name: `Revoke ${sessions} sessions of 1 user` }).click();
  const result = page.getByTestId('offboarding-result');
  await result.waitFor();
  return result;
}
const rowIds = (page: Page) => page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-session-id') ?? ''));

describe('web sessions (Redis) in the workspace, Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let redis: RunningRedis;
  let admin: Redis;
  let dir: TempDir;
  let workspace: Workspace;
  const now = Date.now();
  const users = ['ana.silva', 'ben.okafor', 'chloe.martin', 'dev.patel'];
  const devices = ['MacBook Pro (macOS 15)', 'iPhone 16 (iOS 19)', 'ThinkPad X1 (Windows 11)', 'Pixel 9 (Android 16)'];
  const sessions = Array.from({ length: 40 }, (_, i) =>
    webSession(users[i % users.length] as string, now, {
      ageMs: (i + 1) * 7 * 60_000,
      fields: { deviceInfo: devices[i % devices.length] as string, ipAddress: `198.51.100.${10 + i}` },
    }),
  );
  const compromised = Array.from({ length: 4 }, (_, i) => webSession('mallory.web', now, { ageMs: (i + 2) * 60_000, fields: { ipAddress: '203.0.113.66' } }));
  const blacklisted = webSession('ben.okafor', now, { ageMs: 30 * 60_000 });
  const hostile = webSession('<img src=x onerror=alert(1)>', now, { ageMs: 90_000, fields: { userAgent: '=HYPERLINK("http://evil.example")\u202Egnp.exe', deviceInfo: '<script>alert(1)</script>' } });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, redis] = await Promise.all([launchChromium(), serveBuiltRenderer(), startRedisServer()]);
    admin = new Redis(redis.url);
    await writeWebSessions(admin, [...sessions, ...compromised, blacklisted, hostile], now);
    await admin.set(`revoked:${blacklisted.id}`, 'fraud check', 'EX', 3600);
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

  it('lists web sessions with their own columns and filters, and shows IP and browser in the detail panel', async () => {
    const app = await openApp(browser, server, workspace.handlers);
    const { page } = app;
    await ready(page);
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe(`${sessions.length + compromised.length + 1} loaded, newest first per page (sort by a column to order them all)`);
    const headers = await page.locator('thead th').allTextContents();
    expect(headers.join('|')).toContain('E-mail');
    expect(headers.join('|')).toContain('IP address');
    expect(headers.join('|')).not.toContain('Profile');
    // The web app's long session tokens get the wide id column (Sentinel's short ids the narrow one).
    const idColumn = await page.locator('.sessions-table').evaluate((t) => (t as HTMLElement).style.getPropertyValue('--columns').split(/ (?=minmax)/)[1]);
    expect(idColumn).toBe('minmax(200px, 200fr)');
    expect(await page.getByLabel('Profile', { exact: true }).count()).toBe(0);
    await expect(page.locator('.top-facts').textContent()).resolves.toContain(`Redis${redis.url}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'web-sessions-light.png') });

    await page.getByRole('button', { name: `Show details of session ${hostile.id}` }).click();
    const panel = page.getByTestId('detail-panel');
    await expect(panel.textContent()).resolves.toContain(hostile.userAgent);
    await expect(panel.textContent()).resolves.toContain('<script>alert(1)</script>');
    expect(await page.locator('img[src="x"], script:not([src])').count()).toBe(0);
    await page.getByRole('button', { name: `Show details of session ${sessions[0]?.id}` }).click();
    for (const text of ['ana.silva@example.com', '198.51.100.10', 'Browser', 'Mozilla/5.0', 'the web app refuses this session']) {
      await expect(panel.textContent()).resolves.toContain(text);
    }
    expect(await seriousViolations(page, 'web sessions')).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'web-session-detail-light.png') });

    // Revoked by the blacklist alone: listed as revoked, marked as such.
    await page.getByRole('checkbox', { name: 'Revoked', exact: true }).check();
    await page.getByRole('checkbox', { name: 'Active', exact: true }).uncheck();
    await expect.poll(() => rowIds(page)).toEqual([blacklisted.id]);
    await expect(page.locator('[data-testid="session-row"]').textContent()).resolves.toContain('revoked (blacklist)');
    await page.getByRole('button', { name: 'Clear all filters' }).click();
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('revokes every session of a compromised user in Redis, as the web app expects (dark)', async () => {
    const app = await openApp(browser, server, workspace.handlers, { colorScheme: 'dark' });
    const { page } = app;
    await ready(page);
    await page.getByRole('button', { name: `Show details of session ${compromised[0]?.id}` }).click();
    await page.screenshot({ path: join(SCREENSHOTS, 'web-session-detail-dark.png') });
    await page.getByRole('button', { name: 'Revoke all active sessions of mallory.web…' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Revoke all 4 active sessions of mallory.web');
    await dialog.getByLabel('Reason code (required)').selectOption('security_incident');
    await dialog.getByLabel('Ticket or incident reference (optional)').fill('INC-5120');
    await dialog.getByLabel(/To confirm, type the user name/).fill('mallory.web');
    await dialog.getByRole('button', { name: 'Revoke 4 sessions' }).click();
    await page.getByTestId('revoke-result').waitFor();
    expect(await page.locator('[data-testid="result-row"][data-outcome="revoked"]').count()).toBe(4);
    await page.screenshot({ path: join(SCREENSHOTS, 'web-revoke-result-dark.png') });
    await page.getByRole('button', { name: 'Done' }).click();
    await expect.poll(async () => (await rowIds(page)).filter((id) => compromised.some((c) => c.id === id))).toEqual([]);
    for (const s of compromised) {
      expect(await revocationState(admin, s)).toBe('revoked');
      expect(await admin.get(`revoked:${s.id}`)).toBe('security_incident');
    }
    expect(await revocationState(admin, sessions[0] as (typeof sessions)[0])).toBe('untouched');
    expect(await seriousViolations(page, 'web sessions (dark)')).toEqual([]);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('offboards a leaver\'s web sessions and says they are refused from their next request', async () => {
    const app = await openApp(browser, server, workspace.handlers);
    const { page } = app;
    const leaver = sessions.filter((s) => s.userId === 'dev.patel');
    const result = await offboard(page, 'dev.patel', leaver.length, 'HR-3107');
    await expect(result.getByTestId('takes-effect').textContent()).resolves.toMatch(
      /^Recorded as local:\S+, every requested name in the ledger\. The web app checks revoked:<id> on every request: each session is refused from its next request\.$/,
    );
    expect(await result.locator('th').allTextContents()).not.toContain('Blacklist pending');
    for (const s of leaver) expect(await revocationState(admin, s)).toBe('revoked');
    expect(await revocationState(admin, sessions[0] as (typeof sessions)[0])).toBe('untouched');
    expect(await seriousViolations(page, 'web offboarding result')).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'web-offboarding-result-light.png'), fullPage: true });
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('retries the sessions that failed with the same reason and ticket, and the evidence covers both runs', async () => {
    const app = await openApp(browser, server, workspace.handlers);
    const { page } = app;
    const leaver = sessions.filter((s) => s.userId === 'chloe.martin');
    // The server refuses our script: every revocation fails, and nothing is written.
    await admin.call('ACL', 'SETUSER', 'default', '-evalsha', '-eval');
    try {
      const result = await offboard(page, 'chloe.martin', leaver.length, 'HR-3300');
      await expect(result.getByRole('heading', { level: 2 }).textContent()).resolves.toBe(`Done: 0 sessions of 0 users revoked; ${leaver.length} not revoked (see below)`);
      for (const s of leaver) expect(await revocationState(admin, s)).toBe('untouched');
      await expect(result.getByTestId('failure-reasons').locator('li').allTextContents()).resolves.toEqual([
        `${leaver.length} sessions: ReplyError: NOPERM this user has no permissions to run the 'evalsha' command`,
      ]);
      expect(await seriousViolations(page, 'web offboarding failed')).toEqual([]);
      await page.screenshot({ path: join(SCREENSHOTS, 'web-offboarding-failed-light.png'), fullPage: true });
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', '+evalsha', '+eval');
    }
    const result = page.getByTestId('offboarding-result');
    await result.getByRole('button', { name: `Retry ${leaver.length} failed sessions` }).click();
    await expect.poll(() => result.getByRole('heading', { level: 2 }).textContent()).toBe(`Done: ${leaver.length} sessions of 1 user revoked`);
    expect(await result.getByRole('button', { name: /Retry/ }).count()).toBe(0);
    // The button is gone: focus went to the heading that says how it ended, not to the page.
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe(`Done: ${leaver.length} sessions of 1 user revoked`);
    expect(await result.getByTestId('failure-reasons').count()).toBe(0);
    for (const s of leaver) {
      expect(await revocationState(admin, s)).toBe('revoked');
      expect(await admin.get(`revoked:${s.id}`)).toBe('offboarding');
    }

    // The evidence: the failed attempts and the retry that completed them, same ticket, from the ledger.
    await result.getByRole('button', { name: 'Save evidence (CSV)…' }).click();
    await expect.poll(() => result.getByTestId('evidence-status').textContent()).toMatch(new RegExp(`^Saved revocation-evidence-[0-9a-f]{8}\\.csv \\(${leaver.length * 2} records of the run and 1 retry, from the ledger: one per session and one per name with nothing revoked\\)\\.$`));
    const file = readdirSync(dir.path).find((f) => f.startsWith('revocation-evidence-')) as string;
    const rows = readFileSync(join(dir.path, file), 'utf8').trimEnd().split('\r\n').slice(1).map((l) => l.split(','));
    // One base64url id in 64 begins with "-": in CSV it carries the apostrophe that keeps a spreadsheet from reading a formula.
    const cell = (id: string) => (id.startsWith('-') ? `'${id}` : id);
    expect(rows.map((r) => [r[5], r[8], r[9]]).sort()).toEqual(
      leaver.flatMap((s) => [[cell(s.id), 'HR-3300', 'failed'], [cell(s.id), 'HR-3300', 'revoked']]).sort(),
    );
    expect(await seriousViolations(page, 'web offboarding retried')).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'web-offboarding-retried-light.png'), fullPage: true });

    // The same from the revoke dialog, for one session.
    const single = sessions.find((s) => s.userId === 'ana.silva' && s !== sessions[0]) as (typeof sessions)[0];
    await page.getByRole('button', { name: 'Sessions', exact: true }).click();
    await ready(page);
    await page.getByRole('button', { name: `Show details of session ${single.id}` }).click();
    await admin.call('ACL', 'SETUSER', 'default', '-evalsha', '-eval');
    let dialog = page.getByRole('dialog');
    try {
      await page.getByRole('button', { name: 'Revoke this session…' }).click();
      dialog = page.getByRole('dialog');
      await dialog.getByLabel('Reason code (required)').selectOption('security_incident');
      await dialog.getByRole('button', { name: 'Revoke 1 session' }).click();
      await dialog.getByTestId('revoke-result').waitFor();
      await expect(dialog.locator('[data-testid="result-row"]').getAttribute('data-outcome')).resolves.toBe('failed');
      await expect(dialog.locator('[data-testid="result-row"]').textContent()).resolves.toContain('NOPERM');
      // Main could not read the session, so it knows no user; the dialog knows whose session it was.
      await expect(dialog.locator('[data-testid="result-row"] td').nth(1).textContent()).resolves.toBe('ana.silva');
      await page.screenshot({ path: join(SCREENSHOTS, 'revoke-failed-light.png') });
    } finally {
      await admin.call('ACL', 'SETUSER', 'default', '+evalsha', '+eval');
    }
    await dialog.getByRole('button', { name: 'Retry 1 failed session' }).click();
    await expect.poll(() => dialog.locator('[data-testid="result-row"]').getAttribute('data-outcome')).toBe('revoked');
    await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Revocation finished');
    await expect.poll(() => page.evaluate(() => document.activeElement?.textContent)).toBe('Revocation finished');
    expect(await admin.get(`revoked:${single.id}`)).toBe('security_incident');
    expect(await seriousViolations(page, 'revoke dialog retried')).toEqual([]);
    await dialog.getByRole('button', { name: 'Done' }).click();
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
