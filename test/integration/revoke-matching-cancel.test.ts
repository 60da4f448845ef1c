import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BatchGetCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { createHandlers } from '../../src-main/handlers';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerEntry } from '../../src-main/ledger/ledger-entry';
import { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { SentinelStore } from '../../src-main/sentinel/sentinel-store';
import { CursorCodec } from '../../src-main/stores/cursor';
import type { AppInfo, MatchingPreview } from '../../src-shared/contract';
import type { RevokeReport } from '../../src-shared/revocation';
import { startHoldingProxy, type HoldingProxy } from '../fixtures/holding-proxy';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { revocationState, webSession, withOwnRedis, writeWebSessions, type OwnRedis } from '../fixtures/web-sessions';
import { WEB_SESSION_CAPABILITIES } from '../../src-main/web-sessions/capabilities';
import { RedisSessionStore } from '../../src-main/web-sessions/redis-session-store';
import { RedisRevoker } from '../../src-main/web-sessions/redis-writer';
import { connectRedis } from '../../src-main/web-sessions/redis-target';

const INFO: AppInfo = { version: 't', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'test', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:tester' };
const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const CONFIRMED = { id: INFO.connection.id, nonce: INFO.connection.nonce };
const now = () => Math.floor(Date.now() / 1000);
/** The proxy held a request before the run ended (else the test could only time out). */
const heldBefore = (held: Promise<void>, running: Promise<unknown>) =>
  Promise.race([held, running.then(() => Promise.reject(new Error('the run ended before the proxy held a request: nothing to cancel mid-way')))]);

/**
 * Cancelling "Revoke all N matching…" while it runs: the store's writes pass through a proxy that
 * lets a known number through and then holds the rest, so the cancel always lands mid-run.
 */
describe('cancelling a revocation of what a filter matches (DynamoDB Local, handler table)', () => {
  let table: TestTable;
  let dir: TempDir;
  let proxy: HoldingProxy | undefined;
  let client: DynamoDBDocumentClient | undefined;
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  afterEach(async () => {
    proxy?.release();
    client?.destroy();
    await proxy?.close();
  });

  /** The real handler table, its store and revoker reaching DynamoDB Local through the proxy. */
  const throughProxy = async () => {
    proxy = await startHoldingProxy(Number(new URL(inject('dynamoEndpoint')).port));
    client = DynamoDBDocumentClient.from(localDynamoClient(proxy.url));
    const store = new SentinelStore({ client, tableName: table.name, cursors: new CursorCodec(randomBytes(32)) });
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const revoker = new SentinelRevoker({ client, store, ledger, operator: INFO.operator, connection: 'test' });
    const handlers = createHandlers({ ledgerConnection: 'test', store, revoker, ledger, info: () => INFO, chooseSavePath: async (name) => join(dir.path, name), notify: () => undefined });
    return { dispatch: createDispatch(handlers, { trustedOrigins: ['app://warden'] }), proxy, ledger };
  };
  const statuses = async (ids: string[]) => {
    const found = new Map<string, string>();
    for (let i = 0; i < ids.length; i += 100) {
      const out = await table.client.send(new BatchGetCommand({ RequestItems: { [table.name]: { Keys: ids.slice(i, i + 100).map((id) => ({ id })), ConsistentRead: true } } }));
      for (const item of out.Responses?.[table.name] ?? []) found.set(item.id as string, item.status as string);
    }
    return found;
  };

  it('stops starting writes once cancelled: those under way finish and are recorded, the rest are not attempted and stay active', { timeout: 180_000 }, async () => {
    const t = now();
    const users = ['ana', 'ben', 'cy', 'dee'];
    const matching = Array.from({ length: 2000 }, (_, i) => sentinelItem({ seconds: t - 10 - (i % 900) }, { user: users[i % users.length] as string, profile: 'contractor-acme' }));
    const other = sentinelItem({ seconds: t - 5 }, { user: 'ana', profile: 'prod-admin' });
    await table.put([...matching, other]);
    const { dispatch, proxy: gate, ledger } = await throughProxy();

    const counted = await dispatch('sessions:matching', { filter: { profile: 'contractor-acme' } }, OURS);
    if (!counted.ok) throw new Error(counted.error.message);
    const preview = counted.value as MatchingPreview;
    expect(preview.total).toBe(2000);

    // 100 store writes reach DynamoDB, then every further byte waits: the run is mid-way, for sure.
    const held = gate.holdAfter('UpdateItem', 100);
    const runId = randomUUID();
    const progress: { done: number; total: number }[] = [];
    const running = dispatch(
      'sessions:revokeMatching',
      { filter: { profile: 'contractor-acme' }, expectedCount: preview.total, expectedDigest: preview.digest, reasonCode: 'contractor_end', ticket: 'VND-77', connection: CONFIRMED, runId },
      OURS,
      (event, payload) => {
        if (event === 'revoke:progress') progress.push(payload as { done: number; total: number });
      },
    );
    await heldBefore(held, running);
    const cancelled = await dispatch('revoke:cancel', { runId }, OURS);
    expect(cancelled).toEqual({ ok: true, value: { cancelled: true } });
    gate.release();
    const answered = await running;
    if (!answered.ok) throw new Error(answered.error.message);
    const report = answered.value as RevokeReport;
    expect(progress[0]).toEqual({ done: 0, total: 2000 });

    const revoked = report.results.filter((r) => r.outcome === 'revoked');
    const notAttempted = report.results.filter((r) => r.outcome === 'not_attempted');
    expect(report.cancelled).toBe(true);
    // Every session counted is accounted for: revoked (the 100 let through, and those already under way) or not attempted.
    expect(revoked.length + notAttempted.length).toBe(preview.total);
    expect(new Set(report.results.map((r) => r.id))).toEqual(new Set(matching.map((s) => s.id)));
    expect(revoked.length).toBeGreaterThanOrEqual(100);
    expect(notAttempted.length).toBeGreaterThan(0);
    // A session never attempted is said with its user, as counted.
    const userOf = new Map(matching.map((s) => [s.id, s.user]));
    for (const r of notAttempted) expect(r.user).toBe(userOf.get(r.id));

    // The store: exactly the revoked ones are revoked; the rest (and the other profile) still active.
    const inStore = await statuses([...matching.map((s) => s.id), other.id]);
    for (const r of revoked) expect(inStore.get(r.id)).toBe('revoked');
    for (const r of notAttempted) expect(inStore.get(r.id)).toBe('active');
    expect(inStore.get(other.id)).toBe('active');

    // The ledger: an attempt and an outcome for exactly the revoked ones, nothing for the others.
    const entries: LedgerEntry[] = [];
    for await (const e of ledger.entries()) entries.push(e);
    const ofRun = entries.filter((e) => e.run === report.run);
    const outcomes = ofRun.filter((e) => e.kind === 'outcome');
    expect(new Set(outcomes.map((e) => e.sessionId))).toEqual(new Set(revoked.map((r) => r.id)));
    expect(outcomes.every((e) => e.outcome === 'revoked' && e.ticket === 'VND-77')).toBe(true);
    expect(new Set(ofRun.filter((e) => e.kind === 'attempt').map((e) => e.sessionId))).toEqual(new Set(revoked.map((r) => r.id)));
    expect(ofRun).toHaveLength(2 * revoked.length);

    // Over: the run id cancels nothing any more; counted again, the rest is exactly what was not attempted.
    expect(await dispatch('revoke:cancel', { runId }, OURS)).toEqual({ ok: true, value: { cancelled: false } });
    const rest = await dispatch('sessions:matching', { filter: { profile: 'contractor-acme' } }, OURS);
    if (!rest.ok) throw new Error(rest.error.message);
    const left = rest.value as MatchingPreview;
    expect(left.total).toBe(notAttempted.length);
  });

  it('cancelled while counting, writes nothing: every session is not attempted', { timeout: 60_000 }, async () => {
    const t = now();
    const matching = Array.from({ length: 30 }, (_, i) => sentinelItem({ seconds: t - 10 - i }, { user: 'eve', profile: 'contractor-tiny' }));
    await table.put(matching);
    const { dispatch, proxy: gate, ledger } = await throughProxy();
    const counted = await dispatch('sessions:matching', { filter: { profile: 'contractor-tiny' } }, OURS);
    if (!counted.ok) throw new Error(counted.error.message);
    const preview = counted.value as MatchingPreview;
    // The count's first read is held: the run is still counting when it is cancelled.
    const held = gate.holdAfter('Query', 0);
    const runId = randomUUID();
    const running = dispatch('sessions:revokeMatching', { filter: { profile: 'contractor-tiny' }, expectedCount: preview.total, expectedDigest: preview.digest, reasonCode: 'contractor_end', connection: CONFIRMED, runId }, OURS);
    await heldBefore(held, running);
    expect(await dispatch('revoke:cancel', { runId }, OURS)).toEqual({ ok: true, value: { cancelled: true } });
    gate.release();
    const answered = await running;
    if (!answered.ok) throw new Error(answered.error.message);
    const report = answered.value as RevokeReport;
    expect(report.cancelled).toBe(true);
    expect(report.results.map((r) => r.outcome)).toEqual(matching.map(() => 'not_attempted'));
    for (const status of (await statuses(matching.map((s) => s.id))).values()) expect(status).toBe('active');
    const entries: LedgerEntry[] = [];
    for await (const e of ledger.entries()) entries.push(e);
    expect(entries).toEqual([]);
    // An id no run carries cancels nothing.
    expect(await dispatch('revoke:cancel', { runId: randomUUID() }, OURS)).toEqual({ ok: true, value: { cancelled: false } });
  });
});

/** The same over web sessions in Redis: the cancel is the revoker's, whatever the store. */
describe('cancelling a revocation of what a filter matches (redis-server, handler table)', () => {
  let redis: OwnRedis;
  withOwnRedis((r) => (redis = r));

  it('finishes the scripts under way, leaves the rest untouched and unrecorded', { timeout: 120_000 }, async () => {
    const dir = await tempDir();
    const nowMs = Date.now();
    const sessions = Array.from({ length: 600 }, () => webSession('mallory', nowMs, { ageMs: 60_000 }));
    await writeWebSessions(redis.admin, sessions, nowMs);
    // Scripts reach the server through a proxy that holds everything after 20 of them.
    const proxy = await startHoldingProxy(Number(new URL(redis.server.url).port));
    const client = await connectRedis({ urls: [`redis://127.0.0.1:${new URL(proxy.url).port}`] });
    try {
      const info: AppInfo = { ...INFO, connection: { ...INFO.connection, kind: 'redis', capabilities: WEB_SESSION_CAPABILITIES } };
      const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)) });
      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const revoker = new RedisRevoker({ client, store, ledger, operator: INFO.operator, connection: 'test' });
      const handlers = createHandlers({ ledgerConnection: 'test', store, revoker, ledger, info: () => info, chooseSavePath: async (name) => join(dir.path, name), notify: () => undefined });
      const dispatch = createDispatch(handlers, { trustedOrigins: ['app://warden'] });
      const counted = await dispatch('sessions:matching', { filter: { user: 'mallory' } }, OURS);
      if (!counted.ok) throw new Error(counted.error.message);
      const preview = counted.value as MatchingPreview;
      expect(preview.total).toBe(600);

      // evalsha and eval both (the script is loaded the first time the server has not seen it), as the client spells them.
      const held = proxy.holdAfter('eval', 20);
      const runId = randomUUID();
      const running = dispatch('sessions:revokeMatching', { filter: { user: 'mallory' }, expectedCount: 600, expectedDigest: preview.digest, reasonCode: 'security_incident', connection: CONFIRMED, runId }, OURS);
      await heldBefore(held, running);
      expect(await dispatch('revoke:cancel', { runId }, OURS)).toEqual({ ok: true, value: { cancelled: true } });
      proxy.release();
      const answered = await running;
      if (!answered.ok) throw new Error(answered.error.message);
      const report = answered.value as RevokeReport;
      const revoked = report.results.filter((r) => r.outcome === 'revoked');
      const notAttempted = report.results.filter((r) => r.outcome === 'not_attempted');
      expect(report.cancelled).toBe(true);
      expect(revoked.length + notAttempted.length).toBe(600);
      expect(revoked.length).toBeGreaterThan(0);
      expect(notAttempted.length).toBeGreaterThan(0);
      const byId = new Map(sessions.map((s) => [s.id, s]));
      for (const r of revoked) expect(await revocationState(redis.admin, byId.get(r.id) as (typeof sessions)[0])).toBe('revoked');
      for (const r of notAttempted) expect(await revocationState(redis.admin, byId.get(r.id) as (typeof sessions)[0])).toBe('untouched');
      const entries: LedgerEntry[] = [];
      for await (const e of ledger.entries()) entries.push(e);
      expect(new Set(entries.filter((e) => e.kind === 'outcome').map((e) => e.sessionId))).toEqual(new Set(revoked.map((r) => r.id)));
      expect(entries).toHaveLength(2 * revoked.length);
    } finally {
      proxy.release();
      client.disconnect();
      await proxy.close();
      await dir.remove();
    }
  });
});
