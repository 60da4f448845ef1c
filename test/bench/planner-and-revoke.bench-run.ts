import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Ledger } from '../../src-main/ledger/ledger';
import { mapConcurrent } from '../../src-main/revocation/concurrency';
import { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import type { SentinelItem } from '../../src-main/sentinel/sentinel-item';
import { putAll } from '../../src-main/demo/demo-store';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../fixtures/dynamodb-local';
import { createSentinelTable, type TestTable } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';

/**
 * On DynamoDB Local: the first page (50) of `status=active` and of `user=X` through the planner
 * against a scan-and-filter baseline, at two table sizes; and revoking all 1,000 active sessions
 * of one user in bulk against one at a time. Prints figures; asserts only correctness.
 */
let dynamo: RunningDynamoDbLocal;
const figures: string[] = [];

beforeAll(async () => {
  dynamo = await startDynamoDbLocal();
});
afterAll(async () => {
  await dynamo?.stop();
  console.log(`\n${figures.join('\n')}\n`);
});

function items(count: number, nowSeconds: number): SentinelItem[] {
  const out: SentinelItem[] = [];
  for (let i = 0; i < count; i += 1) {
    // Two users with 1,000 active sessions each; the rest spread over 5,000 users.
    const user = i < 1000 ? 'bench.target' : i < 2000 ? 'bench.other' : `user${i % 5000}`;
    const roll = i % 10;
    const status = i < 2000 || roll < 6 ? 'active' : roll < 8 ? 'revoked' : 'expired';
    const created = nowSeconds - 60 - ((i * 7919) % (7 * 86400));
    const expires = status === 'expired' ? nowSeconds - 100 : nowSeconds + 8 * 3600;
    const stamp = formatRfc3339Nano(created, (i * 104729) % 1e9);
    out.push({
      id: randomBytes(8).toString('hex'),
      user,
      profile: `profile-${i % 12}`,
      server_instance_id: `sentinel-${i % 6}`,
      status,
      started_at: stamp,
      last_access_at: stamp,
      expires_at: formatRfc3339Nano(expires, 0),
      request_count: i % 500,
      source_identity: `sentinel:${user}:${(i % 65536).toString(16)}`,
      device_id: randomBytes(8).toString('hex'),
      created_at: stamp,
      updated_at: stamp,
      ttl: expires,
      ...(status === 'revoked' ? { revoked_by: 'bench', revoked_reason: 'offboarding' } : {}),
    });
  }
  return out;
}

async function load(table: TestTable, all: SentinelItem[]): Promise<void> {
  const chunks: SentinelItem[][] = [];
  for (let i = 0; i < all.length; i += 500) chunks.push(all.slice(i, i + 500));
  await mapConcurrent(chunks, 8, (chunk) => putAll(table.client, table.name, chunk));
}

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** What a store without a planner does: scan everything, filter, sort, take the first 50. */
async function scanAndFilter(table: TestTable, keep: (item: Record<string, unknown>) => boolean): Promise<unknown[]> {
  const matched: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await table.client.send(new ScanCommand({ TableName: table.name, ...(start ? { ExclusiveStartKey: start } : {}) }));
    matched.push(...(out.Items ?? []).filter(keep));
    start = out.LastEvaluatedKey;
  } while (start);
  return matched.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at))).slice(0, 50);
}

for (const size of [10_000, 100_000]) {
  it(`first page of 50 at ${size.toLocaleString('en-US')} sessions: planner vs scan-and-filter`, async () => {
    const table = await createSentinelTable(dynamo.endpoint);
    const nowSeconds = Math.floor(Date.now() / 1000);
    const loadStart = performance.now();
    await load(table, items(size, nowSeconds));
    figures.push(`table of ${size.toLocaleString('en-US')} sessions loaded in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);
    const store = table.store();
    for (const [label, request, keep] of [
      ['status=active', { status: 'active' as const, limit: 50 }, (i: Record<string, unknown>) => i.status === 'active' && Number(i.ttl) > nowSeconds],
      ['user=bench.target', { status: 'any' as const, user: 'bench.target', limit: 50 }, (i: Record<string, unknown>) => i.user === 'bench.target'],
    ] as const) {
      expect((await store.query(request)).sessions).toHaveLength(50);
      const planned = await median(15, () => store.query(request));
      const scanned = await median(3, () => scanAndFilter(table, keep));
      figures.push(
        `  ${label.padEnd(18)} planner ${planned.toFixed(1).padStart(8)} ms   scan-and-filter ${scanned.toFixed(1).padStart(9)} ms   ratio ${(scanned / planned).toFixed(1)}x`,
      );
    }
    if (size === 100_000) {
      const dir = await tempDir();
      const revoker = (concurrency: number) =>
        new SentinelRevoker({ client: table.client, store, ledger: new Ledger(join(dir.path, `ledger-${concurrency}.jsonl`)), operator: 'local:bench', connection: 'bench', concurrency });
      const bulkStart = performance.now();
      const bulk = await revoker(16).revokeUsers({ users: ['bench.target'], reasonCode: 'credential_compromise' });
      const bulkMs = performance.now() - bulkStart;
      expect(bulk.results.filter((r) => r.outcome === 'revoked')).toHaveLength(1000);
      const serialStart = performance.now();
      const serial = await revoker(1).revokeUsers({ users: ['bench.other'], reasonCode: 'credential_compromise' });
      const serialMs = performance.now() - serialStart;
      expect(serial.results.filter((r) => r.outcome === 'revoked')).toHaveLength(1000);
      figures.push(
        `revoke all 1,000 active sessions of one user (ledger fsync per attempt and outcome): bulk (16 at once) ${(bulkMs / 1000).toFixed(2)} s, one at a time ${(serialMs / 1000).toFixed(2)} s, speed-up ${(serialMs / bulkMs).toFixed(1)}x`,
      );
      await dir.remove();
    }
    await table.drop();
  });
}
