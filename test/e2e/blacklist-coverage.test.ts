import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { LedgerEntry } from '../../src-main/ledger/ledger-entry';
import { openWorkspace, type Workspace, type WorkspaceConnection } from '../../src-main/workspace';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type AppPage, type RendererServer } from './harness';

/** A user name as hostile as a store may hold: markup that must stay text. */
const HOSTILE = '<img src=x onerror="window.__pwned=1">gina';

async function toAudit(page: Page) {
  await page.getByRole('button', { name: 'Audit', exact: true }).click();
  const panel = page.getByTestId('blacklist-coverage');
  await panel.waitFor();
  return panel;
}

describe('blacklist coverage and repair on the Audit screen, in Chromium over the real handler table (DynamoDB Local, redis-server)', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let redis: RunningRedis;
  let admin: Redis;
  let dir: TempDir;
  const now = Math.floor(Date.now() / 1000);
  const revoked = (user: string, hours: number) =>
    sentinelItem({ seconds: now - 600 }, { user, status: 'revoked', revoked_by: 'secops.jane', revoked_reason: 'credential_compromise', expires_at: new Date((now + hours * 3600) * 1000).toISOString(), ttl: now + hours * 3600 });
  const lost = revoked(HOSTILE, 6);
  const shortened = revoked('hank', 3);
  const covered = revoked('ivy', 5);
  const a11y: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [browser, server, table, redis, dir] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint')), startRedisServer(), tempDir()]);
    admin = new Redis(redis.url);
    await table.put([lost, shortened, covered]);
    // The blacklist as a failover left it: one key lost, one cut to a minute, one whole.
    await admin.set(`revoked:${shortened.id}`, 'credential_compromise', 'EX', 60);
    await admin.set(`revoked:${covered.id}`, 'credential_compromise', 'EX', 5 * 3600 + 600);
  });
  afterAll(async () => {
    admin?.disconnect();
    await browser?.close();
    await server?.close();
    await table?.drop();
    await redis?.stop();
    await dir?.remove();
  });

  async function workspace(readOnly: boolean): Promise<Workspace> {
    const connection: WorkspaceConnection = {
      id: readOnly ? 'auditor' : 'operator',
      name: 'sentinel-prod-eu',
      environment: 'production',
      readOnly,
      store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, blacklistRedis: { url: redis.url } },
    };
    const data = join(dir.path, readOnly ? 'auditor' : 'operator');
    mkdirSync(data, { recursive: true });
    return openWorkspace('0.1.0', data, connection, { chooseSavePath: async () => null, notify: () => undefined });
  }

  it('finds the lost and the shortened key, repairs both after a confirmation (ledgered), light and dark', async () => {
    const ws = await workspace(false);
    let app: AppPage | undefined;
    let dark: AppPage | undefined;
    try {
      app = await openApp(browser, server, ws);
      const { page } = app;
      const panel = await toAudit(page);
      expect(await panel.getAttribute('data-state')).toBe('unchecked');
      await panel.getByRole('button', { name: 'Check now' }).click();
      await expect.poll(() => panel.getAttribute('data-state'), { timeout: 20_000 }).toBe('gaps');
      await expect(panel.getByTestId('coverage-summary').textContent()).resolves.toMatch(/^✗ 2 gaps among 3 revoked sessions still alive · \d\d:\d\d UTC$/);
      const rows = panel.getByTestId('coverage-gap');
      expect(await rows.count()).toBe(2);
      const byId = async (id: string) => panel.locator('[data-testid="coverage-gap"]', { hasText: id }).locator('td').allTextContents();
      const lostCells = await byId(lost.id);
      expect(lostCells.slice(0, 4)).toEqual([lost.id, HOSTILE, 'key missing', 'none']);
      expect(lostCells[4]).toMatch(/^5 h (5[0-9]) min$/);
      const shortCells = await byId(shortened.id);
      expect(shortCells.slice(0, 3)).toEqual([shortened.id, 'hank', 'key expires first']);
      expect(shortCells[3]).toMatch(/^\d+ s$/);
      // The store's markup stayed text.
      expect(await panel.locator('img').count()).toBe(0);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      a11y.push(...(await seriousViolations(page, 'coverage gaps')));
      await page.screenshot({ path: join(SCREENSHOTS, 'audit-blacklist-coverage-gaps-light.png') });

      // Repair asks first; Cancel writes nothing.
      await panel.getByRole('button', { name: 'Repair 2 gaps' }).click();
      const dialog = page.getByTestId('coverage-repair-dialog');
      await expect(dialog.getByRole('heading').textContent()).resolves.toBe('Repair 2 blacklist gaps?');
      await expect(dialog.textContent()).resolves.toContain(`in ${redis.url} for 2 sessions of "sentinel-prod-eu" (1 missing, 1 expiring too early)`);
      a11y.push(...(await seriousViolations(page, 'coverage repair dialog')));
      await page.screenshot({ path: join(SCREENSHOTS, 'audit-blacklist-coverage-confirm-light.png') });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      expect(await admin.exists(`revoked:${lost.id}`)).toBe(0);

      await panel.getByRole('button', { name: 'Repair 2 gaps' }).click();
      await dialog.getByRole('button', { name: 'Repair 2 gaps' }).click();
      await expect.poll(() => panel.getAttribute('data-state'), { timeout: 20_000 }).toBe('repaired');
      await expect(panel.getByTestId('coverage-summary').textContent()).resolves.toMatch(/^✓ 2 gaps repaired · /);
      expect(await panel.getByTestId('coverage-outcome').allTextContents()).toEqual(['✓ key written', '✓ key written']);
      expect(await admin.get(`revoked:${lost.id}`)).toBe('credential_compromise');
      expect(await admin.ttl(`revoked:${lost.id}`)).toBeGreaterThan(6 * 3600 - 900);
      expect(await admin.ttl(`revoked:${shortened.id}`)).toBeGreaterThan(3 * 3600 - 900);
      const entries: LedgerEntry[] = [];
      for await (const e of ws.ledger.entries()) entries.push(e);
      expect(entries.map((e) => [e.sessionId, e.note?.startsWith('blacklist repair'), e.blacklist])).toEqual(
        expect.arrayContaining([
          [lost.id, true, 'written'],
          [shortened.id, true, 'written'],
        ]),
      );
      a11y.push(...(await seriousViolations(page, 'coverage repaired')));
      await page.screenshot({ path: join(SCREENSHOTS, 'audit-blacklist-coverage-repaired-light.png') });
      await panel.getByRole('button', { name: 'Check again' }).click();
      await expect.poll(() => panel.getAttribute('data-state'), { timeout: 20_000 }).toBe('covered');
      await expect(panel.getByTestId('coverage-summary').textContent()).resolves.toMatch(/^✓ The blacklist covers all 3 revoked sessions still alive/);
      expect(app.problems).toEqual([]);

      // Dark: the key is lost again.
      await admin.del(`revoked:${lost.id}`);
      dark = await openApp(browser, server, ws, { colorScheme: 'dark' });
      const darkPanel = await toAudit(dark.page);
      await darkPanel.getByRole('button', { name: 'Check now' }).click();
      await expect.poll(() => darkPanel.getAttribute('data-state'), { timeout: 20_000 }).toBe('gaps');
      expect(await darkPanel.getByTestId('coverage-gap').count()).toBe(1);
      await dark.page.screenshot({ path: join(SCREENSHOTS, 'audit-blacklist-coverage-gaps-dark.png') });
      await darkPanel.getByRole('button', { name: 'Repair 1 gap' }).click();
      await dark.page.screenshot({ path: join(SCREENSHOTS, 'audit-blacklist-coverage-confirm-dark.png') });
      await dark.page.getByTestId('coverage-repair-dialog').getByRole('button', { name: 'Repair 1 gap' }).click();
      await expect.poll(() => darkPanel.getAttribute('data-state'), { timeout: 20_000 }).toBe('repaired');
      await dark.page.screenshot({ path: join(SCREENSHOTS, 'audit-blacklist-coverage-repaired-dark.png') });
      expect(dark.problems).toEqual([]);
      expect(a11y).toEqual([]);
    } finally {
      await app?.close();
      await dark?.close();
      await ws.close();
    }
  });

  it('on a read-only connection: explained, no Check or Repair', async () => {
    await admin.del(`revoked:${lost.id}`);
    const ws = await workspace(true);
    let app: AppPage | undefined;
    try {
      app = await openApp(browser, server, ws);
      const panel = await toAudit(app.page);
      expect(await panel.getAttribute('data-state')).toBe('read-only');
      await expect(panel.getByTestId('coverage-read-only').textContent()).resolves.toMatch(/^This connection is read-only \(auditor mode\): its blacklist Redis is not opened here/);
      expect(await panel.getByRole('button').count()).toBe(0);
      expect(await seriousViolations(app.page, 'coverage read-only')).toEqual([]);
      await app.page.screenshot({ path: join(SCREENSHOTS, 'audit-blacklist-coverage-read-only-light.png') });
      expect(await admin.exists(`revoked:${lost.id}`)).toBe(0);
      expect(app.problems).toEqual([]);
    } finally {
      await app?.close();
      await ws.close();
    }
  });
});
