import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { principalFromArn } from '../../src-main/operator-identity';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const ARN = 'arn:aws:sts::123456789012:assumed-role/SOCRole/alice';

const info = (arn: string, operator: string): AppInfo => ({
  version: '0.1.0',
  connection: { id: 'prod', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-prod', kind: 'dynamodb', environment: 'production', table: 'sentinel-sessions', readOnly: false, capabilities: SENTINEL_CAPABILITIES },
  operator,
  principal: principalFromArn(arn),
});

describe('the top bar says who revocations are recorded as, and what that name really is', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let dir: TempDir;

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint'))]);
    const now = Math.floor(Date.now() / 1000);
    await table.put([sentinelItem({ seconds: now - 60 }), sentinelItem({ seconds: now - 120 }, { user: 'bob' })]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await table?.drop();
    await dir?.remove();
  });

  it.each(['light', 'dark'] as const)('an assumed-role session name is shown as chosen by the caller, with the ARN (%s)', async (colorScheme) => {
    const app = await openApp(browser, server, table.handlers(dir.path, info(ARN, 'alice')), { colorScheme });
    await app.page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    const identity = app.page.getByTestId('operator-identity');
    await expect(app.page.getByTestId('operator').textContent()).resolves.toBe('alice');
    await expect(app.page.getByTestId('operator-principal').textContent()).resolves.toBe('(assumed role SOCRole, session name chosen by the caller)');
    // The whole identity on hover, and what a screen reader hears in place of the short label.
    await expect(identity.getAttribute('title')).resolves.toContain(ARN);
    const heard = await app.page.locator('.top-facts dd', { has: identity }).locator('.visually-hidden').textContent();
    expect(heard).toContain('session name "alice" chosen by the caller, not verified as a person');
    expect(heard).toContain(ARN);
    expect(await seriousViolations(app.page, 'top bar')).toEqual([]);
    await app.page.locator('.top-bar').screenshot({ path: join(SCREENSHOTS, `top-bar-assumed-role-${colorScheme}.png`) });
    await app.page.screenshot({ path: join(SCREENSHOTS, `recorded-as-assumed-role-${colorScheme}.png`) });
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('an IAM user is not marked as caller-chosen', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, info('arn:aws:iam::123456789012:user/alice', 'alice')));
    await app.page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await expect(app.page.getByTestId('operator-principal').textContent()).resolves.toBe('(IAM user in account 123456789012)');
    await expect(app.page.getByTestId('operator-principal').getAttribute('class')).resolves.not.toContain('caller-chosen');
    await app.page.locator('.top-bar').screenshot({ path: join(SCREENSHOTS, 'top-bar-iam-user.png') });
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
