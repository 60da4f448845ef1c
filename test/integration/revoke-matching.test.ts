import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import type { AppInfo, MatchingPreview } from '../../src-shared/contract';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';
import type { TempDir } from '../fixtures/temp-dir';

const INFO: AppInfo = { version: 't', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'test', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:tester' };
const OURS = { url: 'app://warden/index.html', isMainFrame: true };
const CONFIRMED = { id: INFO.connection.id, nonce: INFO.connection.nonce };
const now = () => Math.floor(Date.now() / 1000);

/**
 * sessions:matching and sessions:revokeMatching over the real handler table: what is revoked is
 * exactly what was counted and confirmed, not just as many sessions.
 */
describe('revoking what a filter matches, through the handler table (DynamoDB Local)', () => {
  let table: TestTable;
  let dir: TempDir;
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  const statusOf = async (id: string) => (await table.client.send(new GetCommand({ TableName: table.name, Key: { id }, ConsistentRead: true }))).Item?.status;

  it('refuses, writing nothing, when as many but other sessions match than were confirmed (one ended, another began)', async () => {
    const first = [0, 1, 2].map((i) => sentinelItem({ seconds: now() - 10 - i }, { user: 'ana', profile: 'contractor-acme' }));
    await table.put(first);
    const dispatch = createDispatch(table.handlers(dir.path, INFO), { trustedOrigins: ['app://warden'] });
    const counted = await dispatch('sessions:matching', { filter: { profile: 'contractor-acme' } }, OURS);
    if (!counted.ok) throw new Error(counted.error.message);
    const preview = counted.value as MatchingPreview;
    expect(preview).toMatchObject({ total: 3, byUser: [{ name: 'ana', count: 3 }], confirmAbove: 100 });

    // Meanwhile one of them ends and a session of someone else starts matching: still 3.
    await table.put([{ ...(first[0] as (typeof first)[0]), status: 'expired' }, sentinelItem({ seconds: now() - 5 }, { user: 'mallory', profile: 'contractor-acme' })]);
    const refused = await dispatch('sessions:revokeMatching', { filter: { profile: 'contractor-acme' }, expectedCount: 3, expectedDigest: preview.digest, reasonCode: 'contractor_end', connection: CONFIRMED }, OURS);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('not the same ones') });
    for (const s of first.slice(1)) expect(await statusOf(s.id)).toBe('active');

    // Counted again, the same request goes through and revokes exactly the sessions counted.
    const again = await dispatch('sessions:matching', { filter: { profile: 'contractor-acme' } }, OURS);
    if (!again.ok) throw new Error(again.error.message);
    const fresh = again.value as MatchingPreview;
    const revoked = await dispatch('sessions:revokeMatching', { filter: { profile: 'contractor-acme' }, expectedCount: fresh.total, expectedDigest: fresh.digest, reasonCode: 'contractor_end', connection: CONFIRMED }, OURS);
    if (!revoked.ok) throw new Error(revoked.error.message);
    expect((revoked.value as { results: { outcome: string }[] }).results.map((r) => r.outcome)).toEqual(['revoked', 'revoked', 'revoked']);

    // An empty filter never means the whole store.
    const everything = await dispatch('sessions:matching', { filter: {} }, OURS);
    expect(everything.ok).toBe(false);
  });

  it('refuses a time range that holds every active session of the store (since 1970 narrows nothing), and accepts one that leaves a session out', async () => {
    const sessions = [5, 60, 600].map((ago, i) => sentinelItem({ seconds: now() - ago }, { user: `u${i}`, profile: 'p' }));
    await table.put(sessions);
    const dispatch = createDispatch(table.handlers(dir.path, INFO), { trustedOrigins: ['app://warden'] });
    const everything = await dispatch('sessions:matching', { filter: { since: '1970-01-01T00:00:00Z' } }, OURS);
    expect(everything.ok).toBe(false);
    if (!everything.ok) expect(everything.error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('narrows nothing') });
    const revokedBefore = await dispatch('sessions:revokeMatching', { filter: { until: new Date(Date.now() + 3_600_000).toISOString() }, expectedCount: 3, expectedDigest: '0'.repeat(64), reasonCode: 'contractor_end', connection: CONFIRMED }, OURS);
    expect(revokedBefore.ok).toBe(false);
    for (const s of sessions) expect(await statusOf(s.id)).toBe('active');

    // The last half minute leaves the older two out: that narrows, and counts one.
    const recent = await dispatch('sessions:matching', { filter: { since: new Date(Date.now() - 30_000).toISOString() } }, OURS);
    if (!recent.ok) throw new Error(recent.error.message);
    expect(recent.value).toMatchObject({ total: 1, byUser: [{ name: 'u0', count: 1 }] });
    // A user filter is intentional even when that user holds every active session.
    const byUser = await dispatch('sessions:matching', { filter: { user: 'u1' } }, OURS);
    expect(byUser.ok).toBe(true);
  });
});
