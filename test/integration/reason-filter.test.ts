import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ActivitySummary } from '../../src-shared/activity';
import type { AppInfo, SessionsQueryRequest } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import { CursorCodec } from '../../src-main/stores/cursor';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import type { SessionStore } from '../../src-main/session-store';
import { RedisSessionStore } from '../../src-main/web-sessions/redis-session-store';
import type { RedisClient } from '../../src-main/web-sessions/redis-target';
import { createSentinelTable, revokeAsSentinelCli, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, withOwnRedis, writeWebSessions } from '../fixtures/web-sessions';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-prod', kind: 'dynamodb', environment: 'production', table: 'sentinel', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'secops.jane' };

/** Every page of a query, following the cursor. */
async function all(store: SessionStore, request: Partial<SessionsQueryRequest>, limit = 2): Promise<Session[]> {
  const sessions: Session[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ status: 'revoked', limit, ...request, ...(cursor ? { cursor } : {}) } as SessionsQueryRequest);
    sessions.push(...page.sessions);
    cursor = page.nextCursor;
  } while (cursor);
  return sessions;
}
const ids = (sessions: { id: string }[]) => sessions.map((s) => s.id).sort();

describe('Sessions by revocation reason, in Sentinel (DynamoDB Local)', () => {
  let table: TestTable;
  let dir: TempDir;
  let dispatch: Dispatch;
  const t = Math.floor(Date.now() / 1000);
  // Revoked by other tools, with the texts they write.
  const compromiseNote = sentinelItem({ seconds: t - 7200 }, { user: 'ana', status: 'revoked', revoked_by: 'admin.cli', revoked_reason: 'credential_compromise: key in a gist', updated_at: formatRfc3339Nano(t - 3000, 0) });
  const compromiseBare = sentinelItem({ seconds: t - 7100 }, { user: 'ben', status: 'revoked', revoked_by: 'admin.cli', revoked_reason: 'credential_compromise', updated_at: formatRfc3339Nano(t - 2990, 0) });
  const offboarding = sentinelItem({ seconds: t - 7000 }, { user: 'cleo', status: 'revoked', revoked_by: 'admin.cli', revoked_reason: ' offboarding : leaver', updated_at: formatRfc3339Nano(t - 2980, 0) });
  const freeText = sentinelItem({ seconds: t - 6900 }, { user: 'dan', status: 'revoked', revoked_by: 'admin.cli', revoked_reason: 'laptop stolen', updated_at: formatRfc3339Nano(t - 2970, 0) });
  const noReason = sentinelItem({ seconds: t - 6800 }, { user: 'eve', status: 'revoked', revoked_by: 'admin.cli', updated_at: formatRfc3339Nano(t - 2960, 0) });
  // Live sessions: no reason at all, whatever filter.
  const live = Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: t - 600 - i }, { user: 'fay' }));
  // Revoked by us (the real revoker and its ledger), and one revoked by Sentinel's CLI later.
  const ours = Array.from({ length: 3 }, (_, i) => sentinelItem({ seconds: t - 500 - i }, { user: 'gus' }));
  const cli = sentinelItem({ seconds: t - 400 }, { user: 'hal' });

  beforeAll(async () => {
    [table, dir] = await Promise.all([createSentinelTable(inject('dynamoEndpoint')), tempDir()]);
    await table.put([compromiseNote, compromiseBare, offboarding, freeText, noReason, ...live, ...ours, cli]);
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    await table.revoker(dir.path, { ledger, operator: 'secops.jane' }).revokeSessions({ ids: ours.map((s) => s.id), reasonCode: 'credential_compromise', note: 'phished' });
    await revokeAsSentinelCli(table, cli.id, 'admin.cli', 'credential_compromise: from the CLI', t - 100);
    dispatch = createDispatch(table.handlers(dir.path, INFO), { trustedOrigins: ['app://warden'] });
  });
  afterAll(async () => {
    await table?.drop();
    await dir?.remove();
  });

  it('lists the revoked sessions of one reason code, as the Activity view reads it, across pages', async () => {
    const store = table.store();
    expect(ids(await all(store, { reasonCode: 'credential_compromise' }))).toEqual(ids([compromiseNote, compromiseBare, ...ours, cli]));
    expect(ids(await all(store, { reasonCode: 'offboarding' }))).toEqual(ids([offboarding]));
    // Free text and no reason: `unknown`, as the chart's "Other tools (no code)".
    expect(ids(await all(store, { reasonCode: 'unknown', status: 'any' }))).toEqual(ids([freeText, noReason]));
    // Only revoked sessions have a reason.
    expect(await all(store, { reasonCode: 'credential_compromise', status: 'active' })).toEqual([]);
    expect(ids(await all(store, { reasonCode: 'credential_compromise', status: ['active', 'revoked'], user: 'gus' }))).toEqual(ids(ours));
    expect(ids(await all(store, { reasonCode: 'credential_compromise', revokedSince: formatRfc3339Nano(t - 3000, 0), revokedUntil: formatRfc3339Nano(t - 2990, 0) }))).toEqual(ids([compromiseNote, compromiseBare]));
  });

  it('binds cursors to the reason: a cursor of one reason (or of none) is refused for another', async () => {
    const store = table.store();
    const first = await store.query({ status: 'revoked', limit: 1, reasonCode: 'credential_compromise' });
    expect(first.nextCursor).toBeDefined();
    await expect(store.query({ status: 'revoked', limit: 1, reasonCode: 'offboarding', cursor: first.nextCursor as string })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    const none = await store.query({ status: 'revoked', limit: 1 });
    await expect(store.query({ status: 'revoked', limit: 1, reasonCode: 'credential_compromise', cursor: none.nextCursor as string })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });

  it('validates the reason in main, and exports honour it', async () => {
    for (const reasonCode of ['bored', '', 'Credential_Compromise', 42]) {
      expect(await dispatch('sessions:query', { status: 'revoked', reasonCode }, OURS)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    const answer = await dispatch('sessions:query', { status: 'revoked', reasonCode: 'offboarding', limit: 50 }, OURS);
    expect(answer).toMatchObject({ ok: true });
    expect(ids((answer as { value: { sessions: Session[] } }).value.sessions)).toEqual(ids([offboarding]));
    const exported = await dispatch('export:start', { exportId: randomUUID(), kind: 'sessions', format: 'csv', filter: { status: 'revoked', reasonCode: 'unknown' } }, OURS);
    expect(exported).toMatchObject({ ok: true, value: { saved: true, rows: 2 } });
  });

  it('opens, for every bar of the Activity chart, exactly the sessions it counts', async () => {
    const since = new Date((t - 86_400) * 1000).toISOString();
    const until = new Date((t + 60) * 1000).toISOString();
    const answer = await dispatch('activity:summary', { since, until }, OURS);
    if (!answer.ok) throw new Error(answer.error.message);
    const summary = answer.value as ActivitySummary;
    let bars = 0;
    for (const bucket of summary.series) {
      for (const [reason, count] of Object.entries(bucket.counts)) {
        if (count === 0) continue;
        bars += 1;
        // What the chart's bar opens: that bucket (within the range), that reason.
        const from = bucket.start < summary.since ? summary.since : bucket.start;
        const to = new Date(Math.min(Date.parse(bucket.end) - 1, Date.parse(summary.until))).toISOString();
        const sessions = await all(table.store(), { reasonCode: reason as SessionsQueryRequest['reasonCode'], revokedSince: from, revokedUntil: to }, 50);
        expect(sessions.length, `${bucket.start} ${reason}`).toBe(count);
      }
    }
    expect(bars).toBeGreaterThan(1);
  });
});

describe('Web sessions by revocation reason (redis-server)', () => {
  let admin: Redis;
  let client: RedisClient;
  const prefix = randomBytes(4).toString('hex');
  withOwnRedis((own) => ({ admin, client } = own));

  it('filters by the reason the record or its blacklist entry holds, binds cursors to it, and refuses to guess', async () => {
    const now = Date.now();
    const revoked = (user: string, reason: string | undefined) =>
      webSession(`${prefix}-${user}`, now, { fields: { revoked: true, revokedAt: new Date(now - 1000).toISOString(), ...(reason !== undefined ? { revokedReason: reason } : {}) } });
    const incident = [revoked('a', 'security_incident: alert 4471'), revoked('b', 'security_incident')];
    const leaver = revoked('c', 'offboarding');
    const other = revoked('d', 'asked nicely');
    const live = webSession(`${prefix}-e`, now);
    // Blacklisted only (the record not rewritten yet): the blacklist entry's value is the reason.
    const blacklisted = webSession(`${prefix}-f`, now);
    await writeWebSessions(admin, [...incident, leaver, other, live, blacklisted], now);
    await admin.set(`revoked:${blacklisted.id}`, 'security_incident: mid-revocation', 'EX', 3600);

    const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)), scanCount: 2 });
    expect(ids(await all(store, { reasonCode: 'security_incident' }))).toEqual(ids([...incident, blacklisted]));
    expect(ids(await all(store, { reasonCode: 'offboarding', status: 'any' }))).toEqual(ids([leaver]));
    expect(ids(await all(store, { reasonCode: 'unknown' }))).toEqual(ids([other]));
    expect(await all(store, { reasonCode: 'security_incident', status: 'active', user: live.userId })).toEqual([]);

    const first = await store.query({ status: 'revoked', limit: 1, reasonCode: 'security_incident' });
    expect(first.nextCursor).toBeDefined();
    await expect(store.query({ status: 'revoked', limit: 1, reasonCode: 'offboarding', cursor: first.nextCursor as string })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
  });
});
