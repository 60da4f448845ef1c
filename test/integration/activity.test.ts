import { join } from 'node:path';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ActivitySummary } from '../../src-shared/activity';
import type { AuditRow } from '../../src-shared/audit';
import type { AppInfo } from '../../src-shared/contract';
import { createDispatch, type Dispatch } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { revokeAsSentinelCli, sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const INFO: AppInfo = { version: 't', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'test', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:analyst' };
const now = () => Math.floor(Date.now() / 1000);

describe('activity and audit over DynamoDB Local and the ledger', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  let dispatch: Dispatch;

  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  beforeEach(() => {
    dispatch = createDispatch(table.handlers(dir.path, INFO), { trustedOrigins: ['app://warden'] });
  });

  const call = async <T>(channel: Parameters<Dispatch>[0], payload: unknown): Promise<T> => {
    const result = await dispatch(channel, payload, OURS);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value as T;
  };

  it('computes the series from the store and the ledger, with another tool\'s revocation and no double count', async () => {
    const t = now();
    const mallory = [0, 1].map((i) => sentinelItem({ seconds: t - 600 - i }, { user: 'mallory', profile: 'prod-admin' }));
    const leaver = sentinelItem({ seconds: t - 700 }, { user: 'leaver', profile: 'billing' });
    const viaCli = sentinelItem({ seconds: t - 800 }, { user: 'dora', profile: 'prod-readonly' });
    const oldCli = sentinelItem({ seconds: t - 5 * 86400 }, { user: 'old', profile: 'prod-readonly', status: 'revoked', revoked_by: 'admin.cli', revoked_reason: 'x', updated_at: formatRfc3339Nano(t - 3 * 86400, 0) });
    const bystanders = Array.from({ length: 4 }, (_, i) => sentinelItem({ seconds: t - 900 - i }, { user: 'calm' }));
    await table.put([...mallory, leaver, viaCli, oldCli, ...bystanders]);
    const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
    const revoker = table.revoker(dir.path, { ledger, operator: 'local:analyst' });
    await revoker.revokeSessions({ ids: mallory.map((m) => m.id), reasonCode: 'security_incident', ticket: 'INC-1' });
    await revoker.revokeSessions({ ids: [leaver.id], reasonCode: 'offboarding' });
    // Run again: already_revoked outcomes must not count twice.
    await revoker.revokeSessions({ ids: mallory.map((m) => m.id), reasonCode: 'security_incident' });
    // The leaver's item is later removed by TTL: only the ledger remembers it.
    await table.client.send(new DeleteCommand({ TableName: table.name, Key: { id: leaver.id } }));
    // Sentinel's own CLI revokes directly in the store (no ledger entry, no revoked_at).
    await revokeAsSentinelCli(table, viaCli.id, 'admin.cli', 'laptop stolen', t - 30);
    // A revocation on another connection shares the ledger file: not ours to count.
    await new Ledger(join(dir.path, 'ledger.jsonl')).append([
      { kind: 'outcome', time: new Date().toISOString(), operator: 'local:x', connection: 'staging', run: 'r', sessionId: 'ffff000011112222', user: 'elsewhere', reasonCode: 'other', note: 'n', outcome: 'revoked' },
    ]);

    const summary = await call<ActivitySummary>('activity:summary', { since: new Date((t - 86400) * 1000).toISOString(), until: new Date((t + 60) * 1000).toISOString() });
    expect(summary.bucket).toBe('hour');
    expect(summary).toMatchObject({ total: 4, fromLedger: 3, fromStoreOnly: 1 });
    const totals = Object.fromEntries(Object.keys(summary.series[0]?.counts ?? {}).map((k) => [k, summary.series.reduce((n, b) => n + ((b.counts as Record<string, number>)[k] ?? 0), 0)]));
    expect(Object.fromEntries(Object.entries(totals).filter(([, n]) => n > 0))).toEqual({ security_incident: 2, offboarding: 1, unknown: 1 });
    expect(summary.series.reduce((n, b) => n + b.total, 0)).toBe(4);
    expect(summary.byOperator).toEqual([{ name: 'local:analyst', count: 3 }, { name: 'admin.cli', count: 1 }]);
    expect(summary.topUsers).toEqual([{ name: 'mallory', count: 2 }, { name: 'dora', count: 1 }, { name: 'leaver', count: 1 }]);
    expect(summary.topProfiles).toEqual([{ name: 'prod-admin', count: 2 }, { name: '(session gone from the store)', count: 1 }, { name: 'prod-readonly', count: 1 }]);
    // In the store now: 4 bystanders active; mallory ×2, viaCli and the old one revoked.
    expect(summary.byStatus).toEqual({ active: 4, revoked: 4, expired: 0, capped: false });

    // The week before: only the old CLI revocation (3 days ago).
    const week = await call<ActivitySummary>('activity:summary', { since: new Date((t - 7 * 86400) * 1000).toISOString(), until: new Date((t - 86400) * 1000).toISOString() });
    expect(week).toMatchObject({ bucket: 'day', total: 1, fromStoreOnly: 1, byOperator: [{ name: 'admin.cli', count: 1 }] });

    // The sessions behind a bar: revoked in that window, wherever revoked.
    const hour = summary.series.find((b) => b.total > 0) as ActivitySummary['series'][number];
    const behind = await call<{ sessions: { id: string }[] }>('sessions:query', { status: 'revoked', revokedSince: hour.start, revokedUntil: hour.end, limit: 100 });
    expect(behind.sessions.length).toBeGreaterThan(0);
    expect(behind.sessions.every((s) => [...mallory, viaCli].some((m) => m.id === s.id))).toBe(true);
    expect((await call<{ sessions: unknown[] }>('sessions:query', { status: 'any', revokedSince: new Date((t - 86400) * 1000).toISOString(), limit: 100 })).sessions).toHaveLength(3);
  });

  it('lists the ledger as audit rows, filtered and paged, newest first', async () => {
    const t = now();
    const items = Array.from({ length: 5 }, (_, i) => sentinelItem({ seconds: t - 100 - i }, { user: i < 2 ? 'ann' : 'ben' }));
    await table.put(items);
    const revoker = table.revoker(dir.path, { ledger: new Ledger(join(dir.path, 'ledger.jsonl')), operator: 'local:analyst' });
    await revoker.revokeSessions({ ids: items.slice(0, 2).map((i) => i.id), reasonCode: 'offboarding', ticket: 'HR-42' });
    await revoker.revokeSessions({ ids: [...items.slice(2).map((i) => i.id), 'ffffffffffff0000'], reasonCode: 'role_change' });
    const all = await call<{ rows: AuditRow[]; total: number }>('ledger:list', {});
    expect(all.total).toBe(6);
    expect(all.rows.map((r) => r.seq)).toEqual([...all.rows.map((r) => r.seq)].sort((a, b) => b - a));
    expect(all.rows[0]).toMatchObject({ reasonCode: 'role_change', operator: 'local:analyst' });
    const hr = await call<{ rows: AuditRow[]; total: number }>('ledger:list', { text: 'hr-42' });
    expect(hr.rows.map((r) => r.user)).toEqual(['ann', 'ann']);
    expect((await call<{ rows: AuditRow[] }>('ledger:list', { outcome: 'not_found' })).rows.map((r) => r.sessionId)).toEqual(['ffffffffffff0000']);
    const page = await call<{ rows: AuditRow[]; total: number }>('ledger:list', { limit: 4, offset: 4 });
    expect(page).toMatchObject({ total: 6 });
    expect(page.rows).toHaveLength(2);
    const bad = await dispatch('ledger:list', { limit: 0 }, OURS);
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });
});
