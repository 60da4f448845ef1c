import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, serveBuiltRenderer, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:e2e' };

/** Strings another system could have written into the store, aimed at whoever displays them. */
const HOSTILE = {
  user: '<img src=x onerror="window.__canary(1)">',
  profile: '<script>window.__canary(2)</script>',
  device: 'javascript:window.__canary(3)',
  source: '\u202Eexe.txt\u0000nul',
  formula: '=HYPERLINK("https://evil.example","click")',
  huge: `${'A'.repeat(100 * 1024)}<b>end</b>`,
};

describe('hostile strings from the store are shown as inert text', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  const now = Math.floor(Date.now() / 1000);
  const scripted = sentinelItem({ seconds: now - 10 }, { user: HOSTILE.user, profile: HOSTILE.profile, device_id: HOSTILE.device, source_identity: HOSTILE.source });
  // Key attributes (user, profile) are capped by DynamoDB itself at 2 kB; 100 kB goes in the others.
  const formula = sentinelItem({ seconds: now - 11 }, { user: HOSTILE.formula, device_id: HOSTILE.huge, source_identity: HOSTILE.huge });
  const revoked = sentinelItem({ seconds: now - 12 }, { status: 'revoked', revoked_by: HOSTILE.user, revoked_reason: HOSTILE.huge });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    await table.put([scripted, formula, revoked]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  it('never runs them, shows them literally, and keeps the layout', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO));
    const { page } = app;
    const canary: unknown[] = [];
    await page.exposeFunction('__canary', (n: unknown) => canary.push(n));
    await page.getByRole('checkbox', { name: 'Revoked', exact: true }).check();
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await expect.poll(() => page.locator('[data-testid="session-row"]').count()).toBe(3);

    const row = page.locator(`[data-session-id="${scripted.id}"] td`);
    expect(await row.nth(2).textContent()).toBe(HOSTILE.user);
    expect(await row.nth(3).textContent()).toBe(HOSTILE.profile);
    expect(await page.locator('img, script:not([src])').count()).toBe(0);

    // Every row keeps its height, and the page does not grow sideways.
    const heights = await page.locator('[data-testid="session-row"]').evaluateAll((rows) => rows.map((r) => Math.round(r.getBoundingClientRect().height)));
    expect(new Set(heights)).toEqual(new Set([34]));
    expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);

    for (const id of [scripted.id, formula.id, revoked.id]) {
      await page.getByRole('button', { name: `Show details of session ${id}` }).click();
      const panel = page.getByTestId('detail-panel');
      await panel.waitFor();
      const box = await panel.boundingBox();
      expect(box?.width).toBeLessThanOrEqual(341);
      expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    }
    // Long values are cut in the panel until asked for; then shown whole, still as text.
    const panel = page.getByTestId('detail-panel');
    await expect(panel.textContent()).resolves.not.toContain('<b>end</b>');
    await panel.getByRole('button', { name: /Show all 102,410 characters/ }).click();
    await expect(panel.textContent()).resolves.toContain('<b>end</b>');
    await panel.getByRole('button', { name: 'Show less' }).click();
    await page.screenshot({ path: join(SCREENSHOTS, 'hostile-data-light.png') });
    // The links a store string spells out are not links.
    expect(await page.locator('a[href^="javascript:"]').count()).toBe(0);
    expect(canary).toEqual([]);
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
