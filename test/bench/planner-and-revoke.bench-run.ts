import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { QueryCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
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
 *
 * Floors, measured in the same run and printed as ratios (issue 17): the first page of 50 at
 * 100,000 sessions against one raw Query of the index for 50 items (goal ≤ 1.2x), and revoking
 * 1,000 sessions (16 at once) against 1,000 raw conditional UpdateItem calls, 16 in flight (goal
 * ≤ 1.5x), alternated over several rounds so that a busy machine slows both alike.
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

/** The middle value. */
function middle(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
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

/** The large table (100,000 by default; BENCH_TABLE_ROWS to measure a smaller one on a slow machine). */
const LARGE = Number(process.env.BENCH_TABLE_ROWS ?? 100_000);

for (const size of [10_000, LARGE]) {
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
    if (size === LARGE) {
      // The floor of a first page: one raw Query of gsi-status for 50 items, nothing else.
      const rawQuery = () =>
        table.client.send(
          new QueryCommand({
            TableName: table.name,
            IndexName: 'gsi-status',
            KeyConditionExpression: '#s = :a',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':a': 'active' },
            ScanIndexForward: false,
            Limit: 50,
          }),
        );
      const firstPage = { status: 'active' as const, limit: 50 };
      const planned: number[] = [];
      const raw: number[] = [];
      for (let round = 0; round < 5; round += 1) {
        raw.push(await median(5, rawQuery));
        planned.push(await median(5, () => store.query(firstPage)));
      }
      const plannedMs = middle(planned);
      const rawMs = middle(raw);
      figures.push(
        `first page of 50 (status=active) at ${size.toLocaleString('en-US')} sessions: planner ${plannedMs.toFixed(1)} ms, one raw GSI Query ${rawMs.toFixed(1)} ms: ${(plannedMs / rawMs).toFixed(2)}x raw (goal ≤ 1.2x)`,
      );

      const dir = await tempDir();
      const ids = async (user: string) => (await store.query({ status: 'any', user, limit: 2000 })).sessions.map((s) => s.id);
      const targetIds = await ids('bench.target');
      const otherIds = await ids('bench.other');
      expect(targetIds).toHaveLength(1000);
      expect(otherIds).toHaveLength(1000);
      // The floor: the same conditional write the revoker makes (condition on status and ttl,
      // ALL_NEW back), 16 in flight, nothing else.
      const rawRevoke = () =>
        mapConcurrent(otherIds, 16, (id) =>
          table.client.send(
            new UpdateCommand({
              TableName: table.name,
              Key: { id },
              UpdateExpression: 'SET #s = :revoked, revoked_by = :by, revoked_reason = :reason, revoked_reason_code = :reason, revoked_at = :at, updated_at = :at',
              ConditionExpression: '#s = :active AND (attribute_not_exists(#ttl) OR #ttl > :now)',
              ExpressionAttributeNames: { '#s': 'status', '#ttl': 'ttl' },
              ExpressionAttributeValues: { ':revoked': 'revoked', ':active': 'active', ':by': 'local:bench', ':reason': 'credential_compromise', ':at': formatRfc3339Nano(nowSeconds, 0), ':now': nowSeconds },
              ReturnValues: 'ALL_NEW',
            }),
          ),
        );
      // Back to active between rounds (not timed).
      const reactivate = (list: string[]) =>
        mapConcurrent(list, 16, (id) =>
          table.client.send(
            new UpdateCommand({
              TableName: table.name,
              Key: { id },
              UpdateExpression: 'SET #s = :active REMOVE revoked_by, revoked_reason, revoked_reason_code, revoked_at, revoked_attempt',
              ExpressionAttributeNames: { '#s': 'status' },
              ExpressionAttributeValues: { ':active': 'active' },
            }),
          ),
        );
      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const revoker = new SentinelRevoker({ client: table.client, store, ledger, operator: 'local:bench', connection: 'bench', concurrency: 16 });
      const bulk: number[] = [];
      const floor: number[] = [];
      // A warm-up of both paths first (the JIT of DynamoDB Local and of this process), then rounds.
      await rawRevoke();
      await reactivate(otherIds);
      for (let round = 0; round < 4; round += 1) {
        let start = performance.now();
        await rawRevoke();
        floor.push(performance.now() - start);
        await reactivate(otherIds);
        start = performance.now();
        const report = await revoker.revokeUsers({ users: ['bench.target'], reasonCode: 'credential_compromise' });
        bulk.push(performance.now() - start);
        expect(report.results.filter((r) => r.outcome === 'revoked')).toHaveLength(1000);
        await reactivate(targetIds);
      }
      expect((await ledger.verify()).ok).toBe(true);
      const bulkMs = bulk.slice(1).sort((a, b) => a - b)[1] as number;
      const floorMs = floor.slice(1).sort((a, b) => a - b)[1] as number;
      figures.push(
        `revoke all 1,000 active sessions of one user, 16 at once (ledger attempt + outcome fsynced, conditional write): ${(bulkMs / 1000).toFixed(2)} s; ` +
          `raw conditional UpdateItem, 16 in flight: ${(floorMs / 1000).toFixed(2)} s: ${(bulkMs / floorMs).toFixed(2)}x raw (goal ≤ 1.5x; median of rounds 2-4: ` +
          `revoker ${bulk.map((b) => (b / 1000).toFixed(2)).join('/')} s, raw ${floor.map((b) => (b / 1000).toFixed(2)).join('/')} s)`,
      );
      await dir.remove();
    }
    await table.drop();
  });
}
