import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRedisWorkspace, type Workspace } from '../../src-main/workspace';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { revocationState, webSession, writeWebSessions } from '../fixtures/web-sessions';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

async function ready(page: Page): Promise<void> {
  await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
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
    workspace = await openRedisWorkspace('0.1.0', dir.path, { name: 'shop-web', environment: 'staging', target: { urls: [redis.url] } }, { chooseSavePath: async () => null, notify: () => undefined });
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
    await expect.poll(() => page.getByTestId('sessions-count').textContent()).toBe(`${sessions.length + compromised.length + 1} loaded (sort by a column to order them)`);
    const headers = await page.locator('thead th').allTextContents();
    expect(headers.join('|')).toContain('E-mail');
    expect(headers.join('|')).toContain('IP address');
    expect(headers.join('|')).not.toContain('Profile');
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
    await page.getByRole('button', { name: 'Offboarding' }).click();
    await page.getByLabel(/User names, one per line/).fill('dev.patel\n');
    await page.getByRole('button', { name: 'Preview sessions' }).click();
    await page.getByTestId('offboarding-preview').waitFor();
    await page.getByLabel('Ticket (e.g. the HR request)').fill('HR-3107');
    await page.getByLabel(/To confirm, type the number of sessions/).fill(String(leaver.length));
    await page.getByRole('button', { name: `Revoke ${leaver.length} sessions of 1 user` }).click();
    const result = page.getByTestId('offboarding-result');
    await result.waitFor();
    await expect(result.getByTestId('takes-effect').textContent()).resolves.toMatch(
      /^Recorded as local:\S+\. The web app checks revoked:<id> on every request: each session is refused from its next request\.$/,
    );
    expect(await result.locator('th').allTextContents()).not.toContain('Blacklist pending');
    for (const s of leaver) expect(await revocationState(admin, s)).toBe('revoked');
    expect(await revocationState(admin, sessions[0] as (typeof sessions)[0])).toBe('untouched');
    expect(await seriousViolations(page, 'web offboarding result')).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'web-offboarding-result-light.png'), fullPage: true });
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
