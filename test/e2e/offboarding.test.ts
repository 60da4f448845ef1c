import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse/sync';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { BlacklistMirror, blacklistRedisClient } from '../../src-main/revocation/blacklist';
import { DurableOutbox } from '../../src-main/revocation/outbox';
import { startSilentServer } from '../fixtures/silent-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';
import { launchChromium, openApp, SCREENSHOTS, seriousViolations, serveBuiltRenderer, type RendererServer } from './harness';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const INFO: AppInfo = {
  version: '0.1.0',
  connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-staging', kind: 'dynamodb', environment: 'staging', table: 'sentinel-sessions', readOnly: false, capabilities: SENTINEL_CAPABILITIES },
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

  it('reads the list aloud, matches names ignoring case, flags unknown ones, and records every requested name', async () => {
    const app = await openApp(browser, server, table.handlers(dir.path, INFO));
    const { page } = app;
    await page.getByRole('button', { name: 'Offboarding' }).click();
    await page
      .getByLabel(/User names or e-mails, one per line/)
      .fill('# HR-2211 leavers\nann.leaver\nben.leaver, Ben Ng, 2026-11-30\ncyd.leaver;dee.leaver\nAnn.Leaver\nfrank.typo\nann.leaver\n');
    await expect(page.getByRole('status').first().textContent()).resolves.toBe('6 names in the list');
    // Before any preview: every line that did not become exactly one name, said.
    const notes = await page.locator('[data-testid="list-notes"] li').evaluateAll((items) => items.map((li) => [li.getAttribute('data-kind'), li.textContent?.replace(/\s+/g, ' ').trim()]));
    expect(notes).toEqual([
      ['columns', 'Line 3 (columns dropped): ben.leaver, Ben Ng, 2026-11-30 — first column used: “ben.leaver”; ignored: Ben Ng, 2026-11-30'],
      ['split', 'Line 4 (split): cyd.leaver;dee.leaver — read as 2 names: cyd.leaver, dee.leaver'],
      ['duplicate', 'Line 7 (repeat merged): ann.leaver — “ann.leaver” is already on line 2: counted once'],
    ]);
    await page.getByRole('button', { name: 'Preview sessions' }).click();
    const preview = page.getByTestId('offboarding-preview');
    await preview.waitFor();
    const cells = await preview.locator('[data-testid="preview-row"]').evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim())));
    expect(cells).toEqual([
      ['ann.leaver', 'ann.leaver', '2', ''],
      ['ben.leaver', 'ben.leaver', '3', ''],
      ['cyd.leaver', 'cyd.leaver', '1', ''],
      ['dee.leaver', 'dee.leaver', '0', 'no live sessions'],
      ['Ann.Leaver', 'ann.leaver', '2', 'matched ignoring case; same user as “ann.leaver”'],
      ['frank.typo', '—', '0', '⚠ Unknown: no such user in the store. Check the spelling.'],
    ]);
    await expect(preview.getByRole('status').textContent()).resolves.toBe('6 names, 4 users in the store, 6 active sessions, 1 unknown.');
    // Not production: a missing ticket is warned about, not refused.
    await expect(preview.getByTestId('ticket-hint').textContent()).resolves.toBe('No ticket: the record and the evidence will not name the request this run answers.');
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'offboarding-preview-light.png'), fullPage: true });

    await page.getByLabel(/^Ticket \(the HR request\)/).fill('HR-2211');
    await page.getByRole('button', { name: 'Revoke 6 sessions of 3 users' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('Type the number of sessions to confirm.');
    await page.getByLabel(/To confirm, type the number of sessions/).fill('6');
    await page.getByRole('button', { name: 'Revoke 6 sessions of 3 users' }).click();
    const result = page.getByTestId('offboarding-result');
    await result.waitFor();
    const revoked = await result
      .locator('[data-testid="user-result-row"]')
      .evaluateAll((rows) => rows.map((r) => [r.querySelector('td')?.textContent, r.getAttribute('data-user'), r.getAttribute('data-revoked'), r.getAttribute('data-state')]));
    expect(revoked).toEqual([
      ['ann.leaver, Ann.Leaver', 'ann.leaver', '2', null],
      ['ben.leaver', 'ben.leaver', '3', null],
      ['cyd.leaver', 'cyd.leaver', '1', null],
      ['dee.leaver', 'dee.leaver', '0', null],
      ['frank.typo', 'frank.typo', '0', 'unknown'],
    ]);
    await expect(result.locator('h2').textContent()).resolves.toBe('Done: 6 sessions of 3 users revoked; 1 user with no live session; 1 unknown name, nothing revoked');
    // No blacklist Redis on this connection: no column that could only say 0.
    expect(await result.locator('th').allTextContents()).toEqual(['Requested', 'User in the store', 'Revoked', 'Already revoked or expired', 'Failed or not found', 'Record']);
    await expect(result.getByTestId('takes-effect').textContent()).resolves.toBe(
      'Recorded as it.offboarding, every requested name in the ledger. Credentials already issued stay valid until they expire (up to 15 minutes); revoking stops the next fetch.',
    );
    // Sentinel: each user is fully closed when the last credential issued before the revocation expires, 15 minutes on.
    const closed = result.getByTestId('fully-closed');
    await expect(closed.getAttribute('data-state')).resolves.toBe('open');
    await expect(closed.textContent()).resolves.toMatch(/^Open until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC \(1[45]:\d\d left\)/);
    expect(await closed.locator('li').allTextContents()).toEqual([
      expect.stringMatching(/^ann\.leaver: open until \d{4}-/),
      expect.stringMatching(/^ben\.leaver: open until \d{4}-/),
      expect.stringMatching(/^cyd\.leaver: open until \d{4}-/),
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    await page.screenshot({ path: join(SCREENSHOTS, 'offboarding-result-light.png'), fullPage: true });

    await page.getByRole('button', { name: 'Save evidence (CSV)…' }).click();
    await expect
      .poll(() => page.getByTestId('evidence-status').textContent())
      .toMatch(/^Saved revocation-evidence-[0-9a-f]{8}\.csv \(8 records, from the ledger: one per session and one per name with nothing revoked\)\.$/);
    const file = readdirSync(dir.path).find((f) => f.startsWith('revocation-evidence-')) as string;
    const lines = readFileSync(join(dir.path, file), 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('time,operator,connection,requested_name,user,session_id,reason_code,note,ticket,outcome,blacklist,error,revoked_at,ledger_seq,ledger_hash,fully_closed_at');
    const records = (parse(readFileSync(join(dir.path, file), 'utf8')) as string[][]).slice(1);
    // One record per session and one per name with nothing revoked, each with operator, reason and ticket.
    expect(records.every((r) => r[1] === 'it.offboarding' && r[6] === 'offboarding' && r[8] === 'HR-2211' && /^\d{4}-/.test(r[0] ?? ''))).toBe(true);
    // A revoked session's record says when it is fully closed: 15 minutes after its revoked_at; the others say nothing.
    for (const r of records) {
      if (r[9] === 'revoked') expect(Date.parse(r[15] ?? '') - Date.parse(r[12] ?? '')).toBe(15 * 60_000);
      else expect(r[15] ?? '').toBe('');
    }
    expect(records.map((r) => [r[3], r[4], r[9]]).sort()).toEqual(
      [
        ['ann.leaver, Ann.Leaver', 'ann.leaver', 'revoked'],
        ['ann.leaver, Ann.Leaver', 'ann.leaver', 'revoked'],
        ['ben.leaver', 'ben.leaver', 'revoked'],
        ['ben.leaver', 'ben.leaver', 'revoked'],
        ['ben.leaver', 'ben.leaver', 'revoked'],
        ['cyd.leaver', 'cyd.leaver', 'revoked'],
        ['dee.leaver', 'dee.leaver', 'no_active_sessions'],
        ['frank.typo', 'frank.typo', 'unknown_user'],
      ].sort(),
    );

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
      await page.getByLabel(/User names or e-mails, one per line/).fill('gus.leaver\n');
      await page.getByRole('button', { name: 'Preview sessions' }).click();
      await page.getByTestId('offboarding-preview').waitFor();
      await page.getByLabel(/To confirm, type the number of sessions/).fill('2');
      await page.getByRole('button', { name: 'Revoke 2 sessions of 1 user' }).click();
      const result = page.getByTestId('offboarding-result');
      await result.waitFor();
      expect(await result.locator('th').allTextContents()).toEqual(['Requested', 'User in the store', 'Revoked', 'Already revoked or expired', 'Failed or not found', 'Blacklist pending', 'Record']);
      expect(await result.locator('[data-testid="user-result-row"] td').allTextContents()).toEqual(['gus.leaver', 'gus.leaver', '2', '0', '0', '2', 'revoked']);
      expect(mirror.pendingCount()).toBe(2);
      expect(app.problems).toEqual([]);
      await app.close();
    } finally {
      await mirror.stop();
      redis.disconnect();
      await silent.close();
    }
  });

  it('on production: imports a CSV, offers the user a typo meant, requires a ticket, and reads well in dark mode', async () => {
    const production: AppInfo = { ...INFO, connection: { ...INFO.connection, name: 'sentinel-prod', environment: 'production', requireTicket: true } };
    const app = await openApp(browser, server, table.handlers(dir.path, production), { colorScheme: 'dark' });
    const { page } = app;
    await page.getByRole('button', { name: 'Offboarding' }).click();
    await page.locator('input[type="file"]').setInputFiles({ name: 'leavers.csv', mimeType: 'text/csv', buffer: Buffer.from('eve.stay,Eve,2026-12-01\r\nghost.user,Ghost,2026-12-01\r\n') });
    await expect.poll(() => page.getByRole('status').first().textContent()).toBe('Imported leavers.csv: 2 names.');
    expect(await page.locator('[data-testid="list-notes"] li').count()).toBe(2);
    await page.getByRole('button', { name: 'Preview sessions' }).click();
    const preview = page.getByTestId('offboarding-preview');
    await preview.waitFor();
    expect((await preview.locator('[data-requested="eve.stay"]').textContent())?.replace(/\s+/g, ' ')).toContain('⚠ Unknown: no such user in the store. Did you mean eve.stays (1 live)?');
    await page.screenshot({ path: join(SCREENSHOTS, 'offboarding-unknown-dark.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    // Choosing the suggestion matches the typed name to that user; the record keeps what was typed.
    await preview.getByRole('button', { name: 'eve.stays', exact: true }).click();
    await preview.locator('[data-requested="eve.stay"][data-known="true"]').waitFor();
    expect(await preview.locator('[data-requested="eve.stay"] td').allTextContents()).toEqual(['eve.stay', 'eve.stays', '1', 'chosen by you from the suggestions']);
    await expect(preview.getByTestId('ticket-hint').textContent()).resolves.toBe('This connection requires a ticket: the evidence must name the request it answers.');
    await page.getByLabel(/To confirm, type the number of sessions/).fill('1');
    await page.getByRole('button', { name: 'Revoke 1 session of 1 user' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toContain('A ticket is required for offboarding runs on sentinel-prod.');
    await page.getByLabel(/^Ticket \(the HR request\)/).fill('HR-3000');
    await page.getByRole('button', { name: 'Revoke 1 session of 1 user' }).click();
    const result = page.getByTestId('offboarding-result');
    await result.waitFor();
    const rows = await result.locator('[data-testid="user-result-row"]').evaluateAll((trs) => trs.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent?.trim())));
    expect(rows).toEqual([
      ['eve.stay', 'eve.stays', '1', '0', '0', 'revoked'],
      ['ghost.user', '—', '0', '0', '0', '⚠ unknown: no such user'],
    ]);
    // The result repeats what was confirmed: the record of this run.
    expect(await result.getByTestId('record-ticket').textContent()).toBe('HR-3000');
    await page.screenshot({ path: join(SCREENSHOTS, 'offboarding-result-dark.png'), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(app.problems).toEqual([]);
    await app.close();
  });
});
