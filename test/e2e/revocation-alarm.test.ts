import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions, type WebSessionJson } from '../fixtures/web-sessions';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

const SENDER = { url: 'app://warden/index.html', isMainFrame: true };

/**
 * A revoked web session still in use (a service that skips the blacklist check moves its
 * `lastActiveAt` on): the watch's alarm in red, in words, on the session's row, in its detail
 * panel and in Activity, light and dark.
 */
describe('use after revocation in the sessions table, the detail panel and Activity', () => {
  let browser: Browser;
  let server: RendererServer;
  let redis: RunningRedis;
  let admin: Redis;
  let dir: TempDir;
  let workspace: Workspace;
  const now = Date.now();
  const others = Array.from({ length: 12 }, (_, i) => webSession(['ana.silva', 'ben.okafor', 'chloe.martin'][i % 3] as string, now, { ageMs: (i + 1) * 9 * 60_000, fields: { ipAddress: `198.51.100.${10 + i}` } }));
  const used = webSession('mallory.web', now, { ageMs: 3 * 60_000, fields: { ipAddress: '203.0.113.66', userAgent: 'curl/8.9.1' } });
  const quiet = webSession('mallory.web', now, { ageMs: 4 * 60_000, fields: { ipAddress: '203.0.113.67' } });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, redis] = await Promise.all([launchChromium(), serveBuiltRenderer(), startRedisServer()]);
    admin = new Redis(redis.url);
    await writeWebSessions(admin, [...others, used, quiet], now);
    workspace = await openWorkspace(
      '0.1.0',
      dir.path,
      { id: 'shop-web', name: 'shop-web', environment: 'staging', readOnly: false, store: { kind: 'redis', urls: [redis.url], cluster: false } },
      { chooseSavePath: async () => null, notify: () => undefined, revocationWatch: { periodMs: 3_600_000 } },
    );
    // Revoked through the workspace, as the window does.
    const dispatch = createDispatch(workspace.handlers, { trustedOrigins: ['app://warden'] });
    const info = await dispatch('app:info', undefined, SENDER);
    if (!info.ok) throw new Error(info.error.message);
    const nonce = (info.value as { connection: { nonce: string } }).connection.nonce;
    const revoked = await dispatch('sessions:revoke', { ids: [used.id, quiet.id], reasonCode: 'credential_compromise', connection: { id: 'shop-web', nonce } }, SENDER);
    if (!revoked.ok) throw new Error(revoked.error.message);
    const watch = workspace.watch;
    if (!watch) throw new Error('no watch');
    await watch.tick();
    // A service that forgot the blacklist check serves the revoked session again.
    const raw = (await admin.get(`session:${used.id}`)) as string;
    const record = JSON.parse(raw) as WebSessionJson;
    const at = Math.max(Date.now(), Date.parse(record.revokedAt ?? '') + 1);
    await admin.set(`session:${used.id}`, JSON.stringify({ ...record, lastActiveAt: new Date(at).toISOString() }), 'KEEPTTL');
    const { alarms } = await watch.tick();
    if (alarms.length !== 1) throw new Error(`expected one alarm, got ${alarms.length}`);
  });
  afterAll(async () => {
    await workspace?.close();
    admin?.disconnect();
    await redis?.stop();
    await browser?.close();
    await server?.close();
    await dir?.remove();
  });

  async function revokedList(page: Page): Promise<void> {
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await page.getByRole('checkbox', { name: 'Revoked', exact: true }).check();
    await page.locator(`[data-testid="session-row"][data-session-id="${quiet.id}"]`).waitFor();
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`marks the session used after revocation in red and in words (${scheme})`, async () => {
      const app = await openApp(browser, server, workspace, { colorScheme: scheme });
      const { page } = app;
      try {
        await revokedList(page);
        const row = page.locator(`[data-testid="session-row"][data-session-id="${used.id}"]`);
        await expect.poll(() => row.getAttribute('data-alarm')).toBe('true');
        await expect(row.getByTestId('alarm-badge').textContent()).resolves.toContain('used after revocation');
        // The other revoked session of the same user: not used, not marked.
        const other = page.locator(`[data-testid="session-row"][data-session-id="${quiet.id}"]`);
        expect(await other.getAttribute('data-alarm')).toBeNull();
        expect(await other.getByTestId('alarm-badge').count()).toBe(0);

        await page.getByRole('button', { name: `Show details of session ${used.id}` }).click();
        const detail = page.getByTestId('alarm-detail');
        await detail.waitFor();
        const text = (await detail.textContent()) ?? '';
        expect(text).toContain('Used after revocation');
        expect(text).toContain('from 203.0.113.66 (curl/8.9.1)');
        expect(text).toMatch(/activity after revocation from 203\.0\.113\.66 \(curl\/8\.9\.1\), last access \d{4}-/);
        await page.screenshot({ path: join(SCREENSHOTS, `revocation-alarm-sessions-${scheme}.png`) });
        expect(await seriousViolations(page, 'sessions with an alarm')).toEqual([]);

        await page.getByRole('button', { name: 'Activity' }).click();
        const line = page.getByTestId('activity-alarms');
        await line.waitFor();
        const lineText = (await line.textContent()) ?? '';
        expect(lineText).toContain('Use after revocation: 1 alarm on 1 session');
        expect(lineText).toContain(`mallory.web, session ${used.id}: activity after revocation from 203.0.113.66 (curl/8.9.1)`);
        await page.locator('[data-testid="activity"][data-state="ready"]').waitFor();
        await page.screenshot({ path: join(SCREENSHOTS, `revocation-alarm-activity-${scheme}.png`) });
        expect(app.problems).toEqual([]);
      } finally {
        await app.close();
      }
    });
  }
});
