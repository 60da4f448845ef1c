import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { BlacklistMirror, blacklistRedisClient } from '../../src-main/revocation/blacklist';
import { DurableOutbox } from '../../src-main/revocation/outbox';
import { startSilentServer } from '../fixtures/silent-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

const INFO: AppInfo = {
  version: '0.1.0',
  connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-staging', kind: 'dynamodb', environment: 'staging', table: 'sentinel-sessions', readOnly: false },
  operator: 'it.offboarding',
};

describe('offboarding a list of leavers, in Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  const now = Math.floor(Date.now() / 1000);
  const sessionsOf = (user: string, n: number) => Array.from({ length: n }, (_, i) => sentinelItem({ seconds: now - 30 - i }, { user }));
  const ann = sessionsOf('ann.leaver', 2);
  const ben = sessionsOf('ben.leaver', 3);
  const cyd = sessionsOf('cyd.leaver', 1);
  const dee = sentinelItem({ seconds: now - 90 }, { user: 'dee.leaver', status: 'revoked', revoked_by: 'x', revoked_reason: 'offboarding' });
  const stays = sentinelItem({ seconds: now - 40 }, { user: 'eve.stays' });

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    await table.put([...ann, ...ben, ...cyd, dee, stays]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  it('goes from a pasted list to per-user results and a CSV evidence file', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO));
    const { page } = app;
    await page.getByRole('button', { name: 'Offboarding' }).click();
    await page.getByLabel(/User names, one per line/).fill('# HR-2211 leavers\nann.leaver\nben.leaver, Ben Ng, 2026-11-30\ncyd.leaver\ndee.leaver\nfrank.typo\nann.leaver\n');
    await expect(page.getByRole('status').first().textContent()).resolves.toBe('5 users in the list');
    await page.getByRole('button', { name: 'Preview sessions' }).click();
    const preview = page.getByTestId('offboarding-preview');
    await preview.waitFor();
    const cells = await preview.locator('[data-testid="preview-row"]').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim())));
    expect(cells).toEqual([
      ['ann.leaver', '2', ''],
      ['ben.leaver', '3', ''],
      ['cyd.leaver', '1', ''],
      ['dee.leaver', '0', 'No active session'],
      ['frank.typo', '0', '⚠ Unknown user: no session of this name in the store. Check the spelling.'],
    ]);
    await expect(preview.getByRole('status').textContent()).resolves.toBe('5 users, 6 active sessions, 1 unknown.');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'offboarding-preview-light.png'), fullPage: true });

    await page.getByLabel('Ticket (e.g. the HR request)').fill('HR-2211');
    await page.getByRole('button', { name: 'Revoke 6 sessions of 3 users' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Type the number of sessions to confirm.');
    await page.getByLabel(/To confirm, type the number of sessions/).fill('6');
    await page.getByRole('button', { name: 'Revoke 6 sessions of 3 users' }).click();
    const result = page.getByTestId('offboarding-result');
    await result.waitFor();
    const revoked = await result.locator('[data-testid="user-result-row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-user'), r.getAttribute('data-revoked')]));
    expect(revoked).toEqual([
      ['ann.leaver', '2'],
      ['ben.leaver', '3'],
      ['cyd.leaver', '1'],
      ['dee.leaver', '0'],
      ['frank.typo', '0'],
    ]);
    // No blacklist Redis on this connection: no column that could only say 0.
    expect(await result.locator('th').allTextContents()).toEqual(['User', 'Revoked', 'Already revoked or expired', 'Failed or not found']);
    await expect(result.getByTestId('takes-effect').textContent()).resolves.toBe(
      'Recorded as it.offboarding. Credentials already issued stay valid until they expire (up to 15 minutes); revoking stops the next fetch.',
    );
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'offboarding-result-light.png'), fullPage: true });

    await page.getByRole('button', { name: 'Save evidence (CSV)…' }).click();
    await expect.poll(() => page.getByTestId('evidence-status').textContent()).toMatch(/^Saved revocation-evidence-[0-9a-f]{8}\.csv \(6 sessions, from the ledger\)\.$/);
    const file = readdirSync(dir.path).find((f) => f.startsWith('revocation-evidence-')) as string;
    const lines = readFileSync(join(dir.path, file), 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(7);
    expect(lines.slice(1).every((l) => l.includes(',it.offboarding,') && l.includes(',offboarding,') && l.includes(',HR-2211,revoked,'))).toBe(true);

    for (const s of [...ann, ...ben, ...cyd]) {
      const item = (await table.client.send(new GetCommand({ TableName: table.name, Key: { id: s.id }, ConsistentRead: true }))).Item;
      expect(item).toMatchObject({ status: 'revoked', revoked_by: 'it.offboarding', revoked_ticket: 'HR-2211' });
    }
    const bystander = (await table.client.send(new GetCommand({ TableName: table.name, Key: { id: stays.id }, ConsistentRead: true }))).Item;
    expect(bystander?.status).toBe('active');
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('counts blacklist entries still pending per user when the blacklist Redis does not answer', async () => {
    const gus = sessionsOf('gus.leaver', 2);
    await table.put(gus);
    // A blacklist Redis that has gone quiet: every write times out and is kept for retry.
    const silent = await startSilentServer();
    const redis = blacklistRedisClient(silent.url);
    const mirror = new BlacklistMirror({ redis, outbox: new DurableOutbox(join(dir.path, 'outbox.jsonl')), retryIntervalMs: 60_000 });
    try {
      const app = await openApp(browser, server, table.handlers(dir.path, INFO, [], { blacklist: mirror }));
      const { page } = app;
      await page.getByRole('button', { name: 'Offboarding' }).click();
      await page.getByLabel(/User names, one per line/).fill('gus.leaver\n');
      await page.getByRole('button', { name: 'Preview sessions' }).click();
      await page.getByTestId('offboarding-preview').waitFor();
      await page.getByLabel(/To confirm, type the number of sessions/).fill('2');
      await page.getByRole('button', { name: 'Revoke 2 sessions of 1 user' }).click();
      const result = page.getByTestId('offboarding-result');
      await result.waitFor();
      expect(await result.locator('th').allTextContents()).toEqual(['User', 'Revoked', 'Already revoked or expired', 'Failed or not found', 'Blacklist pending']);
      expect(await result.locator('[data-testid="user-result-row"] td').allTextContents()).toEqual(['gus.leaver', '2', '0', '0', '2']);
      expect(mirror.pendingCount()).toBe(2);
      expect(app.problems).toEqual([]);
      await app.close();
    } finally {
      await mirror.stop();
      redis.disconnect();
      await silent.close();
    }
  });

  it('imports a CSV file and reads well in dark mode', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO), { colorScheme: 'dark' });
    const { page } = app;
    await page.getByRole('button', { name: 'Offboarding' }).click();
    await page.locator('input[type="file"]').setInputFiles({ name: 'leavers.csv', mimeType: 'text/csv', buffer: Buffer.from('eve.stays,Eve,2026-12-01\r\nghost.user,Ghost,2026-12-01\r\n') });
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Imported leavers.csv: 2 users.');
    await page.getByRole('button', { name: 'Preview sessions' }).click();
    await page.getByTestId('offboarding-preview').waitFor();
    await page.screenshot({ path: join(SCREENSHOTS, 'offboarding-preview-dark.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    await app.close();
  });
});
