import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { planDenyPolicy } from '../../src-main/iam/deny-policy';
import { Ledger } from '../../src-main/ledger/ledger';
import { openWorkspace, type Workspace } from '../../src-main/workspace';
import { startIamStub, type IamStub } from '../fixtures/iam-stub';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';

const ROLE = 'sentinel-admin';

async function ready(page: Page): Promise<void> {
  await page.locator('[data-testid="sessions"][data-state="ready"]').waitFor();
}

/** Revokes one session from its detail panel (credential compromise, with a ticket), and leaves the result open. */
async function revokeFromPanel(page: Page, id: string, ticket: string): Promise<void> {
  await page.getByRole('button', { name: `Show details of session ${id}` }).click();
  await page.getByRole('button', { name: 'Revoke this session…' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Reason code (required)').selectOption('credential_compromise');
  await dialog.getByLabel('Ticket or incident reference (optional)').fill(ticket);
  await dialog.getByRole('button', { name: 'Revoke 1 session' }).click();
  await page.getByTestId('revoke-result').waitFor();
}

describe('denying already-issued credentials of revoked Sentinel sessions, in Chromium over the real handler table (DynamoDB Local, a local IAM stand-in)', () => {
  let browser: Browser;
  let server: RendererServer;
  let table: TestTable;
  let iam: IamStub;
  let dir: TempDir;
  let ws: Workspace;
  const now = Math.floor(Date.now() / 1000);
  const first = sentinelItem({ seconds: now - 30 }, { user: 'mallory', source_identity: 'sentinel:mallory:0a1b2c3d' });
  const second = sentinelItem({ seconds: now - 40 }, { user: 'trent', source_identity: 'sentinel:trent:4e5f6a7b' });
  const a11y: string[] = [];

  beforeAll(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    [browser, server, table, iam, dir] = await Promise.all([launchChromium(), serveBuiltRenderer(), createSentinelTable(inject('dynamoEndpoint')), startIamStub(), tempDir()]);
    await table.put([first, second]);
    // A deny policy of an earlier incident whose credentials have all expired: removable.
    const old = planDenyPolicy({ sessions: [{ id: 'abcdefabcdefabcd', user: 'ann', revokedAt: new Date(Date.now() - 3_600_000).toISOString() }], form: 'precise', nowMs: Date.now() - 3_500_000, incident: 'INC-3990' });
    if (!old.ok) throw new Error(old.problem);
    iam.policies.set(ROLE, new Map([['app-permissions', '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}'], [old.policy.name, old.policy.json]]));
    ws = await openWorkspace(
      '0.1.0',
      dir.path,
      {
        id: 'operator',
        name: 'sentinel-prod-eu',
        environment: 'production',
        readOnly: false,
        store: { kind: 'dynamodb', region: 'local', table: table.name, endpoint: inject('dynamoEndpoint'), credentials: { source: 'default' }, iam: { roles: [{ profile: 'prod-admin', role: ROLE }], endpoint: iam.url } },
      },
      { chooseSavePath: async () => null, notify: () => undefined },
    );
  });
  afterAll(async () => {
    await ws?.close();
    await browser?.close();
    await server?.close();
    await iam?.close();
    await table?.drop();
    await dir?.remove();
  });
  const ledger = async () => {
    const all = [];
    for await (const e of new Ledger(ws.ledger.path).entries()) all.push(e);
    return all;
  };
  const puts = () => iam.requests.filter((r) => r.Action === 'PutRolePolicy');

  it('after a revocation: the offer, the precise policy, applied with one confirmation; the Audit panel lists it and removes the expired one (light)', async () => {
    const app = await openApp(browser, server, ws, { colorScheme: 'light' });
    try {
      const { page } = app;
      await ready(page);
      await revokeFromPanel(page, first.id, 'INC-4471');
      const offer = page.getByTestId('revoke-result').getByTestId('deny-offer');
      await offer.waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'iam-deny-offer-light.png') });
      await offer.getByRole('button', { name: 'Also deny credentials already issued…' }).click();
      const dialog = page.getByTestId('deny-dialog');
      await dialog.locator('[data-testid="deny-plan"][data-state="ready"]').waitFor();
      const role = dialog.getByTestId('deny-role');
      await expect(role.getAttribute('data-role')).resolves.toBe(ROLE);
      const json = JSON.parse((await role.getByTestId('deny-json').textContent()) ?? '');
      expect(json.Statement[0].Condition).toEqual({ StringEquals: { 'aws:PrincipalTag/SentinelSessionID': [first.id] } });
      await expect(role.textContent()).resolves.toContain('session-warden-deny-INC-4471');
      await expect(dialog.getByRole('radio', { name: /Precise/ }).isChecked()).resolves.toBe(true);
      await page.screenshot({ path: join(SCREENSHOTS, 'iam-deny-dialog-precise-light.png') });
      a11y.push(...(await seriousViolations(page, 'deny dialog')));
      expect(puts()).toEqual([]);

      await role.getByRole('button', { name: `Deny on role ${ROLE}` }).click();
      await expect(role.getByTestId('deny-outcome').textContent()).resolves.toContain(`Put session-warden-deny-INC-4471 on role ${ROLE}`);
      expect(puts().map((r) => [r.RoleName, r.PolicyName, JSON.parse(r.PolicyDocument ?? '').Statement[0].Condition])).toEqual([
        [ROLE, 'session-warden-deny-INC-4471', { StringEquals: { 'aws:PrincipalTag/SentinelSessionID': [first.id] } }],
      ]);
      expect((await ledger()).filter((e) => e.note?.startsWith('iam deny')).map((e) => [e.kind, e.sessionId, e.outcome ?? null])).toEqual([
        ['attempt', first.id, null],
        ['outcome', first.id, 'already_revoked'],
      ]);
      await page.screenshot({ path: join(SCREENSHOTS, 'iam-deny-applied-light.png') });
      await dialog.getByRole('button', { name: 'Close' }).click();
      expect(app.problems).toEqual([]);
      await page.getByRole('button', { name: 'Done' }).click();

      await page.getByRole('button', { name: 'Audit', exact: true }).click();
      const panel = page.getByTestId('iam-cleanup');
      await expect.poll(() => panel.getAttribute('data-state'), { timeout: 20_000 }).toBe('removable');
      const rows = panel.getByTestId('iam-attached-row');
      await expect(rows.count()).resolves.toBe(2);
      await expect(panel.locator('[data-removable="false"]').textContent()).resolves.toContain('session-warden-deny-INC-4471');
      await expect(panel.locator('[data-removable="false"]').getByRole('button', { name: 'Remove early…' }).count()).resolves.toBe(1);
      await page.screenshot({ path: join(SCREENSHOTS, 'iam-cleanup-light.png') });
      a11y.push(...(await seriousViolations(page, 'audit with deny policies')));

      await panel.locator('[data-removable="true"]').getByRole('button', { name: 'Remove' }).click();
      const confirm = page.getByTestId('iam-remove-dialog');
      await confirm.getByRole('button', { name: 'Remove', exact: true }).click();
      await expect(panel.getByTestId('iam-remove-outcome').textContent()).resolves.toContain('Removed session-warden-deny-INC-3990');
      expect(iam.requests.filter((r) => r.Action === 'DeleteRolePolicy').map((r) => [r.RoleName, r.PolicyName])).toEqual([[ROLE, 'session-warden-deny-INC-3990']]);
      await expect.poll(() => rows.count()).toBe(1);
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('in the detail panel while the clock runs: the whole-role form needs the role typed; a missing permission is explained (dark)', async () => {
    const app = await openApp(browser, server, ws, { colorScheme: 'dark' });
    try {
      const { page } = app;
      await ready(page);
      await revokeFromPanel(page, second.id, 'INC-4472');
      await page.getByRole('button', { name: 'Done' }).click();
      const panelOffer = page.getByRole('complementary').getByTestId('deny-offer');
      await panelOffer.waitFor();
      await page.screenshot({ path: join(SCREENSHOTS, 'iam-deny-offer-panel-dark.png') });
      await panelOffer.getByRole('button', { name: 'Also deny credentials already issued…' }).click();
      const dialog = page.getByTestId('deny-dialog');
      await dialog.locator('[data-testid="deny-plan"][data-state="ready"]').waitFor();
      await dialog.getByRole('radio', { name: /Whole role/ }).check();
      await expect.poll(async () => JSON.parse((await dialog.getByTestId('deny-json').textContent()) ?? '{}').Statement?.[0]?.Condition?.DateLessThan !== undefined).toBe(true);
      const role = dialog.getByTestId('deny-role');
      const apply = role.getByRole('button', { name: `Deny every credential of role ${ROLE}` });
      await expect(apply.isDisabled()).resolves.toBe(true);
      await role.getByTestId('deny-typed-role').fill(ROLE);
      await expect(apply.isDisabled()).resolves.toBe(false);
      await page.screenshot({ path: join(SCREENSHOTS, 'iam-deny-dialog-whole-role-dark.png') });

      iam.deny.add('PutRolePolicy');
      const before = puts().length;
      await apply.click();
      await expect(role.getByTestId('deny-outcome').textContent()).resolves.toMatch(/Missing permission\. iam:PutRolePolicy denied on role sentinel-admin: ask for iam:PutRolePolicy on /);
      await page.screenshot({ path: join(SCREENSHOTS, 'iam-deny-permission-dark.png') });
      a11y.push(...(await seriousViolations(page, 'deny dialog, permission missing')));
      iam.deny.delete('PutRolePolicy');
      await apply.click();
      await expect.poll(() => app.problems.length === 0 && puts().length === before + 2, { timeout: 20_000 }).toBe(true);
      await expect(role.getByTestId('deny-outcome').textContent()).resolves.toContain(`Put session-warden-deny-INC-4472 on role ${ROLE}`);
      const whole = puts().slice(before);
      // The refused call reached IAM (and was ledgered as failed), then the retry landed.
      expect(whole.map((r) => JSON.parse(r.PolicyDocument ?? '').Statement[0].Condition.DateLessThan !== undefined)).toEqual([true, true]);
      const outcomes = (await ledger()).filter((e) => e.kind === 'outcome' && e.note?.includes('(whole-role')).map((e) => e.outcome);
      expect(outcomes).toEqual(['failed', 'already_revoked']);
      await dialog.getByRole('button', { name: 'Close' }).click();

      await page.getByRole('button', { name: 'Audit', exact: true }).click();
      const panel = page.getByTestId('iam-cleanup');
      await expect.poll(() => panel.getAttribute('data-state'), { timeout: 20_000 }).toBe('attached');
      await page.screenshot({ path: join(SCREENSHOTS, 'iam-cleanup-dark.png') });
      expect(app.problems).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('has no serious accessibility violations (light and dark)', () => {
    expect(a11y).toEqual([]);
  });
});
