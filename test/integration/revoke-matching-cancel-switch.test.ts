import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppInfo, MatchingPreview } from '../../src-shared/contract';
import type { RevokeReport } from '../../src-shared/revocation';
import { sentinelItem } from '../fixtures/sentinel-table';
import { startPeopleStores, type PeopleStores } from './people-stores';

/**
 * Cancel reaches a run begun before a connection switch: the run goes on on the connection it
 * began on while `revoke:cancel` is answered by the workspace active now. With a cancel registry
 * per workspace the answer was `{cancelled: false}` ("already over") and all 1,500 were revoked.
 * Over DynamoDB Local through the app's handler table.
 */
describe('revoke all matching: cancel after a connection switch', () => {
  let stores: PeopleStores;
  beforeAll(async () => {
    stores = await startPeopleStores({ timeoutMs: 5_000, watchPeriodMs: 3_600_000 });
  }, 120_000);
  afterAll(async () => {
    await stores?.close();
  });

  it('stops the run on the connection it began on; the rest are not attempted and stay active', async () => {
    const t = Math.floor(Date.now() / 1000);
    await stores.table.put(Array.from({ length: 1500 }, (_, i) => sentinelItem({ seconds: t - 10 - (i % 900) }, { user: `u${i % 7}`, profile: 'contractor-x' })));
    const info = (await stores.call('connections:switch', { id: stores.ids.sentinel })) as unknown as AppInfo;
    const preview = (await stores.call('sessions:matching', { filter: { profile: 'contractor-x' } })) as unknown as MatchingPreview;
    const runId = randomUUID();
    const running = stores.call('sessions:revokeMatching', {
      filter: { profile: 'contractor-x' },
      expectedCount: preview.total,
      expectedDigest: preview.digest,
      reasonCode: 'contractor_end',
      connection: { id: info.connection.id, nonce: info.connection.nonce },
      runId,
    });
    await stores.call('connections:switch', { id: stores.ids.web });
    expect(await stores.call('revoke:cancel', { runId })).toEqual({ cancelled: true });
    const report = (await running) as unknown as RevokeReport;
    const counts: Record<string, number> = {};
    for (const r of report.results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
    expect(report.results).toHaveLength(1500);
    expect(counts.not_attempted ?? 0).toBeGreaterThan(0);
    expect((counts.revoked ?? 0) + (counts.not_attempted ?? 0)).toBe(1500);
    // What the report says is what the store holds.
    await stores.call('connections:switch', { id: stores.ids.sentinel });
    const active = (await stores.call('sessions:matching', { filter: { profile: 'contractor-x' } })) as unknown as MatchingPreview;
    expect(active.total).toBe(counts.not_attempted);
  }, 180_000);
});
