import { mkdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CanarySettings } from '../../src-shared/canary';
import { openWorkspace, type Workspace, type WorkspaceConnection } from '../../src-main/workspace';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, managerWith, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type AppPage, type RendererServer } from './harness';

/** A protected service: `enforcing` refuses (401) a bearer session once `revoked:<id>` exists; `broken` never refuses. */
async function startService(blacklist: Redis, mode: 'enforcing' | 'broken'): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    void (async () => {
      const id = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const revoked = mode === 'enforcing' ? (await blacklist.exists(`revoked:${id}`)) === 1 : false;
      res.statusCode = revoked || !id ? 401 : 200;
      res.end();
    })();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/api/me`, close: () => new Promise((done) => server.close(() => done())) };
}

async function toAudit(page: Page) {
  await page.getByRole('button', { name: 'Audit', exact: true }).click();
  const panel = page.getByTestId('canary-panel');
  await panel.waitFor();
  return panel;
}

describe('the enforcement canary on the Audit screen, in Chromium over the real handler table (DynamoDB Local, redis-server, HTTP services)', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let redis: RunningRedis;
  let admin: Redis;
  let dir: TempDir;
  let enforcing: { url: string; close(): Promise<void> };
  let broken: { url: string; close(): Promise<void> };
  const a11y: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [browser, server, table, redis, dir] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint')), startRedisServer(), tempDir()]);
    admin = new Redis(redis.url);
    [enforcing, broken] = await Promise.all([startService(admin, 'enforcing'), startService(admin, 'broken')]);
  });
  afterAll(async () => {
    await enforcing?.close();
    await broken?.close();
    admin?.disconnect();
    await browser?.close();
    await server?.close();
    await table?.drop();
    await redis?.stop();
    await dir?.remove();
  });

  /** One opening of the connection; the same data directory each time, so the same history file. */
  function workspace(readOnly: boolean, canary: CanarySettings | undefined, folder = 'desk'): Promise<Workspace> {
    const connection: WorkspaceConnection = {
      id: readOnly ? 'auditor' : 'operator',
      name: 'sentinel-prod-eu',
      environment: 'production',
      readOnly,
      store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, blacklistRedis: { url: redis.url } },
      ...(canary ? { canary } : {}),
    };
    const data = join(dir.path, folder);
    mkdirSync(data, { recursive: true });
    return openWorkspace('0.1.0', data, connection, { chooseSavePath: async () => null, notify: () => undefined });
  }

  async function runDirectly(settings: CanarySettings, times: number): Promise<void> {
    const ws = await workspace(false, settings);
    try {
      for (let i = 0; i < times; i++) await ws.handlers['canary:run'](undefined, { emit: () => undefined });
    } finally {
      await ws.close();
    }
  }

  it('history of proven, slow and NOT proven runs; "Run now" against a service that never refuses says NOT proven and why, light and dark', async () => {
    // Earlier runs on this desk: two proven, one proven but slower than a 1 ms threshold.
    await runDirectly({ enabled: true, probeUrl: enforcing.url, thresholdMs: 60_000 }, 2);
    await runDirectly({ enabled: true, probeUrl: enforcing.url, thresholdMs: 1 }, 1);
    // The service behind the probe URL now forgot its blacklist check.
    const ws = await workspace(false, { enabled: true, probeUrl: broken.url, everyMinutes: 15, thresholdMs: 60_000 });
    let app: AppPage | undefined;
    let dark: AppPage | undefined;
    try {
      app = await openApp(browser, server, ws);
      const { page } = app;
      const panel = await toAudit(page);
      expect(await panel.getAttribute('data-state')).toBe('enabled');
      await expect.poll(() => panel.getByTestId('canary-run-row').count()).toBe(3);
      expect(await panel.getByTestId('canary-verdict').textContent()).toMatch(/^⚠ Proven, but slow: slower than 1 ms at .* · last run \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
      expect(await panel.getByTestId('canary-status').textContent()).toContain(`Runs every 15 minutes while the app is open (next at`);
      expect(await panel.getByTestId('canary-status').textContent()).toContain(`Probe: ${broken.url}.`);

      await panel.getByRole('button', { name: 'Run now' }).click();
      await expect.poll(() => panel.getAttribute('data-verdict'), { timeout: 30_000 }).toBe('not-proven');
      await expect.poll(() => panel.getByTestId('canary-run-row').count()).toBe(4);
      expect(await panel.getByTestId('canary-verdict').textContent()).toMatch(/^✗ NOT proven: probe-after failed · last run /);
      expect(await panel.getByTestId('canary-problems').textContent()).toContain('still accepts the revoked canary');
      const rows = panel.getByTestId('canary-run-row');
      expect(await rows.evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-verdict')))).toEqual(['not-proven', 'slow', 'proven', 'proven']);
      expect(await rows.first().textContent()).toContain('still ACCEPTED after revocation');
      expect(await rows.nth(2).textContent()).toContain('refused after revocation');
      expect(await panel.getByTestId('canary-chart').locator('.recharts-line').count()).toBe(2);
      // The canary's revocation is in the ledger, on this Audit screen.
      await expect.poll(() => page.getByText('session-warden-canary').count()).toBeGreaterThan(0);
      // Marked as a test canary, not a person, in the revocation record.
      const canaryRows = page.getByTestId('audit-row').filter({ hasText: 'session-warden-canary' });
      expect(await canaryRows.count()).toBeGreaterThan(0);
      expect(await canaryRows.getByTestId('canary-tag').count()).toBe(await canaryRows.count());

      await panel.scrollIntoViewIfNeeded();
      await panel.screenshot({ path: join(SCREENSHOTS, 'canary-panel-light.png') });
      await page.screenshot({ path: join(SCREENSHOTS, 'canary-audit-light.png'), fullPage: true });
      a11y.push(...(await seriousViolations(page, 'canary panel')));
      expect(app.problems).toEqual([]);

      dark = await openApp(browser, server, ws, { colorScheme: 'dark' });
      const darkPanel = await toAudit(dark.page);
      await expect.poll(() => darkPanel.getByTestId('canary-run-row').count()).toBe(4);
      await darkPanel.scrollIntoViewIfNeeded();
      await darkPanel.screenshot({ path: join(SCREENSHOTS, 'canary-panel-dark.png') });
      expect(dark.problems).toEqual([]);
    } finally {
      await app?.close();
      await dark?.close();
      await ws.close();
    }
    expect(a11y).toEqual([]);
  });

  it('"Run now" is disabled, with the reason, where the connection has not opted in and on a read-only connection', async () => {
    for (const [readOnly, state, reason] of [
      [false, 'not-enabled', /^Not enabled for "sentinel-prod-eu": the canary writes, revokes and removes a test session/],
      [true, 'read-only', /^"sentinel-prod-eu" is read-only \(auditor mode\): it never writes/],
    ] as const) {
      const ws = await workspace(readOnly, undefined, `off-${state}`);
      let app: AppPage | undefined;
      try {
        app = await openApp(browser, server, ws);
        const panel = await toAudit(app.page);
        expect(await panel.getAttribute('data-state')).toBe(state);
        const button = panel.getByRole('button', { name: 'Run now' });
        expect(await button.isDisabled()).toBe(true);
        // The button is described by the reason.
        const describedBy = await button.getAttribute('aria-describedby');
        expect(await app.page.locator(`[id="${describedBy}"]`).textContent()).toMatch(reason);
        if (state === 'read-only') await panel.screenshot({ path: join(SCREENSHOTS, 'canary-panel-read-only.png') });
        expect(app.problems).toEqual([]);
      } finally {
        await app?.close();
        await ws.close();
      }
    }
  });

  it('the connection editor: the canary is opt-in, refused with the reason on a read-only connection, and saved with its probe URL and interval (dark)', async () => {
    const ws = await workspace(false, undefined, 'editor');
    const data = join(dir.path, 'editor-app');
    mkdirSync(data, { recursive: true });
    const manager = await managerWith(data, { ...ws, close: async () => undefined });
    let app: AppPage | undefined;
    try {
      app = await openApp(browser, server, manager, { colorScheme: 'dark' });
      const { page } = app;
      await page.getByRole('button', { name: 'Connections', exact: true }).click();
      await page.getByRole('button', { name: 'New connection…' }).click();
      const editor = page.getByTestId('connection-editor');
      await editor.getByLabel('Name', { exact: true }).fill('shop-web-canary');
      await editor.getByLabel('Redis (web sessions)').check();
      await editor.getByLabel(/^URL/).fill(redis.url);
      const fields = editor.getByTestId('canary-fields');
      const optIn = fields.getByLabel('Run the enforcement canary on this connection');
      expect(await optIn.isChecked()).toBe(false);
      await editor.getByLabel('Read-only (auditor): revocations are refused').check();
      expect(await optIn.isDisabled()).toBe(true);
      expect(await fields.textContent()).toContain('Not on a read-only connection: the canary writes to the store.');
      await editor.getByLabel('Read-only (auditor): revocations are refused').uncheck();
      await optIn.check();
      expect(await fields.textContent()).toContain('It writes a test session of the user session-warden-canary into this store');
      await fields.getByLabel(/^Probe URL/).fill(enforcing.url);
      await fields.getByLabel('Every (minutes)').fill('5');
      await fields.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(SCREENSHOTS, 'canary-editor-dark.png') });
      await editor.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => page.getByTestId('connection-editor').isVisible()).toBe(false);
      const saved = JSON.parse(readFileSync(join(data, 'connections.json'), 'utf8')) as { connections: { name: string; canary?: CanarySettings }[] };
      expect(saved.connections.find((c) => c.name === 'shop-web-canary')?.canary).toEqual({ enabled: true, probeUrl: enforcing.url, everyMinutes: 5, thresholdMs: 2000 });
      expect(app.problems).toEqual([]);
    } finally {
      await app?.close();
      await manager.close();
      await ws.close();
    }
  });
});
