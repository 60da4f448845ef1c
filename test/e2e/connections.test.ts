import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateTableCommand, DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { Redis } from 'ioredis';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ConnectionManager } from '../../src-main/connections/connection-manager';
import { ConnectionStore } from '../../src-main/connections/connection-store';
import { SecretVault } from '../../src-main/connections/secret-vault';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { sentinelTableDefinition } from '../../src-main/sentinel/table-schema';
import { fakeKeyring } from '../fixtures/fake-keyring';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

const PASSWORD = `canary-e2e-${randomBytes(6).toString('hex')}`;

describe('the connection manager, in Chromium over the real handler table', () => {
  let browser: Browser;
  let server: RendererServer;
  let redis: RunningRedis;
  let table: TestTable;
  let dir: TempDir;
  let manager: ConnectionManager;
  const partial = `sentinel-partial-${randomBytes(4).toString('hex')}`;
  const a11y: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await tempDir();
    [browser, server, redis, table] = await Promise.all([launchChromium(), serveBuiltRenderer(), startRedisServer({ password: PASSWORD }), createSentinelTable(inject('dynamoEndpoint'))]);
    const admin = new Redis(redis.url, { password: PASSWORD });
    await writeWebSessions(admin, Array.from({ length: 6 }, (_, i) => webSession(i < 3 ? 'mallory.web' : 'ana.silva', Date.now())), Date.now());
    admin.disconnect();
    await table.put([sentinelItem({ seconds: Math.floor(Date.now() / 1000) - 30 }, { user: 'ops.alice' })]);
    const definition = sentinelTableDefinition(partial);
    definition.GlobalSecondaryIndexes = definition.GlobalSecondaryIndexes?.filter((i) => i.IndexName === 'gsi-status');
    definition.AttributeDefinitions = definition.AttributeDefinitions?.filter((a) => ['id', 'status', 'created_at'].includes(a.AttributeName ?? ''));
    const client = localDynamoClient(inject('dynamoEndpoint'));
    await client.send(new CreateTableCommand(definition));
    client.destroy();
    const config = join(dir.path, 'aws-config');
    await writeFile(config, ['[profile sec-ops]', 'sso_session = corp', 'sso_account_id = 1', 'sso_role_name = SecOps', 'region = eu-west-1', '[profile auditor]', 'role_arn = arn:aws:iam::1:role/A', 'source_profile = sec-ops'].join('\n'));
    const vault = new SecretVault(fakeKeyring(), 'linux');
    manager = new ConnectionManager({
      version: '0.1.0',
      dataDir: dir.path,
      store: new ConnectionStore(dir.path, vault),
      vault,
      desktop: { chooseSavePath: async () => null, notify: () => undefined },
      env: { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: join(dir.path, 'none') },
    });
    await manager.start();
  });
  afterAll(async () => {
    await manager?.close();
    await browser?.close();
    await server?.close();
    await redis?.stop();
    await table?.drop();
    const client = localDynamoClient(inject('dynamoEndpoint'));
    await client.send(new DeleteTableCommand({ TableName: partial })).catch(() => undefined);
    client.destroy();
    await dir?.remove();
  });

  async function create(page: Page, fill: (editor: ReturnType<Page['getByTestId']>) => Promise<void>): Promise<void> {
    await page.getByRole('button', { name: 'New connection…' }).click();
    const editor = page.getByTestId('connection-editor');
    await fill(editor);
    await editor.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => page.getByTestId('connection-editor').isVisible()).toBe(false);
  }

  it('creates, tests and switches connections; production is unmistakable in the revoke dialog', async () => {
    const app = await openApp(browser, server, manager);
    const { page } = app;
    await page.getByRole('button', { name: 'Connections', exact: true }).click();
    await page.locator('[data-testid="connections"][data-state="ready"]').waitFor();
    await expect(page.getByTestId('secret-storage').textContent()).resolves.toContain('encrypted at rest with the operating system (gnome_libsecret)');

    // A production Redis with a password.
    await create(page, async (editor) => {
      await editor.getByLabel('Name', { exact: true }).fill('shop-web');
      await editor.getByLabel('Environment label').fill('production');
      await editor.getByLabel('Colour').selectOption('red');
      await editor.getByLabel('Redis (web sessions)').check();
      await editor.getByLabel(/^URL/).fill(redis.url);
      await editor.getByLabel(/^Password/).fill(PASSWORD);
      await expect(editor.textContent()).resolves.toContain('Production: shown as a red band');
      a11y.push(...(await seriousViolations(page, 'connection editor')));
      await page.screenshot({ path: join(SCREENSHOTS, 'connection-editor-light.png') });
    });
    // A Sentinel table on DynamoDB Local, and one whose table lacks indexes.
    await create(page, async (editor) => {
      await editor.getByLabel('Name', { exact: true }).fill('sentinel-staging');
      await editor.getByLabel('Region', { exact: true }).fill('local');
      await editor.getByLabel('Table', { exact: true }).fill(table.name);
      await editor.getByLabel(/^Endpoint/).fill(inject('dynamoEndpoint'));
      await editor.getByLabel('The default credential chain').check();
      // Staging, but this team wants a ticket on every offboarding run.
      await editor.getByLabel('Ticket for offboarding runs').selectOption('required');
    });
    expect((await manager.list()).connections.find((c) => c.name === 'sentinel-staging')?.requireTicket).toBe(true);
    expect((await manager.list()).connections.find((c) => c.name === 'shop-web')?.requireTicket).toBeUndefined();
    await page.getByRole('button', { name: 'New connection…' }).click();
    const editor = page.getByTestId('connection-editor');
    await editor.getByLabel('Name', { exact: true }).fill('sentinel-legacy');
    await editor.getByLabel('Region', { exact: true }).fill('local');
    await editor.getByLabel('Table', { exact: true }).fill(partial);
    await editor.getByLabel(/^Endpoint/).fill(inject('dynamoEndpoint'));
    // Profiles come from the (temporary) ~/.aws/config, with their kind.
    await expect.poll(() => editor.getByRole('combobox', { name: /^Profile/ }).locator('option').allTextContents()).toEqual(['Choose a profile', 'auditor (role)', 'sec-ops (sso, eu-west-1)']);
    await editor.getByLabel('The default credential chain').check();
    await editor.getByRole('button', { name: 'Test connection' }).click();
    await expect.poll(() => editor.getByTestId('test-results').textContent()).toContain('Index "gsi-user" is missing');
    await expect(editor.getByTestId('test-results').textContent()).resolves.toContain('The connection does not work yet');
    await page.screenshot({ path: join(SCREENSHOTS, 'connection-test-failed-light.png') });
    await editor.getByRole('button', { name: 'Cancel' }).click();

    const cards = page.getByTestId('connection-card');
    await expect.poll(() => cards.count()).toBe(2);
    await expect(cards.first().textContent()).resolves.toContain('secret kept encrypted');
    a11y.push(...(await seriousViolations(page, 'connections')));
    await page.screenshot({ path: join(SCREENSHOTS, 'connections-light.png') });
    // The stored file holds only ciphertext.
    expect(await readFile(join(dir.path, 'connections.json'), 'utf8')).not.toContain(PASSWORD);

    // Switch to production Redis: red band on every screen and in the revoke dialog.
    await cards.first().getByRole('button', { name: 'Switch to shop-web' }).click();
    await expect.poll(() => page.getByTestId('connection-name').textContent()).toBe('shop-web');
    await expect(page.getByTestId('env-band').textContent()).resolves.toContain('PRODUCTION');
    await page.getByRole('button', { name: 'Sessions', exact: true }).click();
    await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
    await expect.poll(() => page.locator('[data-testid="session-row"]').count()).toBe(6);
    const first = await page.locator('[data-testid="session-row"]').first().getAttribute('data-session-id');
    await page.getByRole('checkbox', { name: `Select session ${first}` }).check();
    await page.getByRole('button', { name: /^Revoke…/ }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.textContent()).resolves.toContain('PRODUCTION');
    await page.screenshot({ path: join(SCREENSHOTS, 'revoke-dialog-production-light.png') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // And back to the demo store, one switch away.
    await page.getByLabel('Switch connection').selectOption('demo');
    await expect.poll(() => page.getByTestId('connection-name').textContent()).toBe('Demo store');
    expect(await page.content()).not.toContain(PASSWORD);
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('finds no serious or critical accessibility violation on the connection screens', () => {
    expect(a11y).toEqual([]);
  });
});
