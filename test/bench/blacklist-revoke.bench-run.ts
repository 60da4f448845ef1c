import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Ledger } from '../../src-main/ledger/ledger';
import { openBlacklist } from '../../src-main/revocation/blacklist-targets';
import { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../fixtures/dynamodb-local';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';

/**
 * What mirroring to a blacklist Redis costs a bulk revocation on DynamoDB Local: 1,000 sessions of
 * one user revoked 16 at once without a blacklist (the floor, measured in the same run) and with
 * one (the blacklist write is intended in the outbox before each store write and settled after
 * it, group-committed). Prints figures; asserts only correctness.
 */
let dynamo: RunningDynamoDbLocal;
let redis: RunningRedis;
const figures: string[] = [];

beforeAll(async () => {
  [dynamo, redis] = await Promise.all([startDynamoDbLocal(), startRedisServer()]);
});
afterAll(async () => {
  await dynamo?.stop();
  await redis?.stop();
  console.log(`\n${figures.join('\n')}\n`);
});

it('revokes 1,000 sessions of one user with and without a blacklist mirror', async () => {
  const table = await createSentinelTable(dynamo.endpoint);
  const dir = await tempDir();
  const now = Math.floor(Date.now() / 1000);
  const sessionsOf = (user: string) =>
    Array.from({ length: 1000 }, (_, i) => sentinelItem({ seconds: now - 60 - i }, { user, expires_at: formatRfc3339Nano(now + 3 * 3600, 0), ttl: now + 3 * 3600 }));
  const runs: { label: string; ms: number }[] = [];
  const blacklist = await openBlacklist({ url: redis.url }, dir.path);
  try {
    for (const round of [1, 2]) {
      for (const mirrored of [false, true]) {
        const user = `bench.${mirrored ? 'mirrored' : 'plain'}.${round}`;
        await table.put(sessionsOf(user));
        const revoker = new SentinelRevoker({
          client: table.client,
          store: table.store(),
          ledger: new Ledger(join(dir.path, `ledger-${user}.jsonl`)),
          operator: 'local:bench',
          connection: 'bench',
          ...(mirrored ? { blacklist: blacklist.mirror } : {}),
        });
        const started = performance.now();
        const report = await revoker.revokeUsers({ users: [user], reasonCode: 'offboarding' });
        runs.push({ label: mirrored ? 'with blacklist' : 'without', ms: performance.now() - started });
        expect(report.results.filter((r) => r.outcome === 'revoked')).toHaveLength(1000);
        if (mirrored) expect(report.results.every((r) => r.blacklist === 'written')).toBe(true);
      }
    }
    const check = new Redis(redis.url);
    expect(await check.dbsize()).toBe(2000);
    check.disconnect();
    expect(blacklist.mirror.pendingCount()).toBe(0);
  } finally {
    await blacklist.close();
    await table.drop();
    await dir.remove();
  }
  // The second round of each, warmed up.
  const floor = runs.filter((r) => r.label === 'without').at(-1)?.ms ?? Number.NaN;
  const mirrored = runs.filter((r) => r.label === 'with blacklist').at(-1)?.ms ?? Number.NaN;
  figures.push(
    `revoke 1,000 sessions of one user, 16 at once: without blacklist ${(floor / 1000).toFixed(2)} s (floor), with blacklist mirror (intent + SET + settle) ${(mirrored / 1000).toFixed(2)} s, ratio ${(mirrored / floor).toFixed(2)}x`,
  );
});
