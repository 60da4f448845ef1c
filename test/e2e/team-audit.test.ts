import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { createHandlers } from '../../src-main/handlers';
import type { WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { deviceId } from '../../src-main/team-ledger/device-id';
import { createLedgerTable, DynamoTeamChain } from '../../src-main/team-ledger/dynamo-chain';
import { TeamLedger } from '../../src-main/team-ledger/team-ledger';
import { createSentinelTable, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const now = Date.now();
const ago = (minutes: number) => new Date(now - minutes * 60_000).toISOString();

/** An attempt and its outcome as a revoker writes them, stamped for the team chain. */
function revocation(team: string, operator: string, minutesAgo: number, user: string, reasonCode: LedgerRecord['reasonCode'], ticket: string, outcome: 'revoked' | null = 'revoked'): LedgerRecord[] {
  const common = { time: ago(minutesAgo), operator, connection: 'sentinel-prod', run: randomUUID(), sessionId: randomBytes(8).toString('hex'), user, reasonCode, ticket, team };
  const attempt: LedgerRecord = { ...common, kind: 'attempt' };
  return outcome === null ? [attempt] : [attempt, { ...common, kind: 'outcome', time: new Date(Date.parse(common.time) + 350).toISOString(), outcome }];
}

describe("the auditor's view of the team ledger, in Chromium over the real handler table", () => {
  let browser: Browser;
  let server: RendererServer;
  let sentinel: TestTable;
  let base: ReturnType<typeof localDynamoClient>;
  let ledgerTable: string;
  let desks: TempDir[] = [];
  let handlers: WorkspaceHandlerTable;
  let bobDevice: string;
  let aliceDevice: string;
  const a11y: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    base = localDynamoClient(inject('dynamoEndpoint'));
    ledgerTable = `sentinel-prod-revocations-${randomBytes(4).toString('hex')}`;
    [browser, server, sentinel] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint')), createLedgerTable(base, ledgerTable)]);
    const chain = new DynamoTeamChain(base, ledgerTable, 'local');
    desks = await Promise.all([tempDir(), tempDir()]);
    const [aliceDir, bobDir] = desks as [TempDir, TempDir];
    const open = async (dir: TempDir) => {
      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const device = await deviceId(dir.path);
      return { ledger, device, team: new TeamLedger({ ledger, chain, dataDir: dir.path, device }) };
    };
    const alice = await open(aliceDir);
    const bob = await open(bobDir);
    aliceDevice = alice.device;
    bobDevice = bob.device;
    // Alice's desk (SOC) handled an incident yesterday; Bob's desk (IT) offboarded leavers this morning.
    await alice.ledger.append([
      ...revocation(chain.id, 'secops.alice', 1_500, 'mallory.x', 'credential_compromise', 'INC-4471'),
      ...revocation(chain.id, 'secops.alice', 1_499, 'mallory.x', 'credential_compromise', 'INC-4471'),
      ...revocation(chain.id, 'secops.alice', 1_498, 'mallory.x', 'credential_compromise', 'INC-4471', null),
    ]);
    await alice.team.deliver();
    await bob.ledger.append(['ana.silva', 'ben.okafor', 'chloe.martin'].flatMap((user, i) => revocation(chain.id, 'it.bob', 300 - i, user, 'offboarding', 'HR-1203')));
    await bob.team.deliver();
    await alice.ledger.append(revocation(chain.id, 'secops.alice', 60, 'dora.cli', 'policy_violation', 'INC-4480'));
    await alice.team.deliver();
    // Bob's latest revocation is recorded on his desk but not delivered yet.
    await bob.ledger.append(revocation(chain.id, 'it.bob', 5, 'eve.contractor', 'contractor_end', 'HR-1210'));
    const info: AppInfo = {
      version: '0.1.0',
      connection: { id: 'prod', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-prod', kind: 'dynamodb', environment: 'production', table: sentinel.name, readOnly: false, capabilities: SENTINEL_CAPABILITIES },
      operator: 'it.bob',
    };
    handlers = createHandlers({
      store: sentinel.store(),
      revoker: sentinel.revoker(bobDir.path, { ledger: bob.ledger, operator: 'it.bob' }),
      ledger: bob.ledger,
      ledgerConnection: 'sentinel-prod',
      info: () => info,
      chooseSavePath: async () => null,
      notify: () => undefined,
      team: bob.team,
    });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    await sentinel?.drop();
    await base?.send(new DeleteTableCommand({ TableName: ledgerTable })).catch(() => undefined);
    await Promise.all(desks.map((d) => d.remove()));
  });

  it('shows every desk with its rows, the team verification, and what this desk has not delivered yet', async () => {
    for (const scheme of ['light', 'dark'] as const) {
      const app = await openApp(browser, server, handlers, { colorScheme: scheme });
      const { page } = app;
      await page.getByRole('button', { name: 'Audit', exact: true }).click();
      await page.locator('[data-testid="audit"][data-state="ready"]').waitFor();
      expect(await page.getByTestId('audit-row').count()).toBe(7);
      await expect(page.getByTestId('team-verify-banner').textContent()).resolves.toMatch(/Team ledger \(DynamoDB table sentinel-prod-revocations-\w+\) verified: 13 entries.*or pending \(2 of this desk's entries not delivered yet\)/);
      await expect(page.getByTestId('team-pending').textContent()).resolves.toMatch(/2 entries of this desk are not yet on the DynamoDB table/);
      // The desk column: Bob's rows say "this desk".
      const desksShown = await page.locator('[data-col="device"]').allTextContents();
      expect(desksShown.filter((d) => d.includes('(this desk)'))).toHaveLength(3);
      expect(desksShown.filter((d) => d.startsWith(aliceDevice.slice(0, 8)))).toHaveLength(4);
      expect(await page.locator('[data-testid="audit-row"][data-outcome="interrupted"]').count()).toBe(1);
      a11y.push(...(await seriousViolations(page, `team audit (${scheme})`)));
      await page.screenshot({ path: join(SCREENSHOTS, `audit-team-${scheme}.png`), fullPage: true });
      expect(app.problems).toEqual([]);
      await app.close();
    }
  });

  it('filters by desk from the keyboard, and "Deliver now" brings this desk\'s pending entries onto the team ledger', async () => {
    const app = await openApp(browser, server, handlers);
    const { page } = app;
    await page.getByRole('button', { name: 'Audit', exact: true }).click();
    await page.locator('[data-testid="audit"][data-state="ready"]').waitFor();
    const desk = page.getByLabel('Desk', { exact: true });
    await desk.focus();
    await desk.selectOption(aliceDevice);
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(4);
    expect(new Set(await page.locator('[data-testid="audit-row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-device'))))).toEqual(new Set([aliceDevice]));
    await expect(page.getByRole('list', { name: 'Active filters' }).textContent()).resolves.toContain(`desk: ${aliceDevice.slice(0, 8)}`);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-team-desk-filter-light.png'), fullPage: true });
    await page.getByRole('button', { name: 'Clear all filters' }).first().click();
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(7);

    const deliver = page.getByRole('button', { name: 'Deliver now' });
    await deliver.focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="team-delivery"][data-state="delivered"]').waitFor();
    await expect.poll(() => page.getByTestId('audit-row').count()).toBe(8);
    const first = page.getByTestId('audit-row').first();
    await expect(first.textContent()).resolves.toContain('eve.contractor');
    expect(await first.getAttribute('data-device')).toBe(bobDevice);
    await expect.poll(() => page.getByTestId('team-verify-banner').textContent()).toMatch(/verified: 15 entries.*every entry of this desk on it\.$/);
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-team-delivered-light.png'), fullPage: true });
    expect(app.problems).toEqual([]);
    await app.close();
  });

  it('a dropped tail of the team chain shows in red with the entry this desk verified', async () => {
    const doc = DynamoDBDocumentClient.from(base);
    await doc.send(new DeleteCommand({ TableName: ledgerTable, Key: { ledger: 'revocations', seq: 15 } }));
    const app = await openApp(browser, server, handlers);
    const { page } = app;
    await page.getByRole('button', { name: 'Audit', exact: true }).click();
    await page.locator('[data-testid="team-verify-banner"][data-state="broken"]').waitFor();
    const banner = page.getByRole('alert').filter({ hasText: 'Team ledger' });
    await expect(banner.textContent()).resolves.toMatch(/BROKEN at entry 15: the team ledger no longer has entry 15/);
    a11y.push(...(await seriousViolations(page, 'team audit broken')));
    await page.screenshot({ path: join(SCREENSHOTS, 'audit-team-broken-light.png'), fullPage: true });
    await app.close();
    expect(a11y).toEqual([]);
  });
});
