import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Ledger } from '../../src-main/ledger/ledger';
import type { LedgerRecord } from '../../src-main/ledger/ledger-entry';
import { RevocationWatch } from '../../src-main/proof/revocation-watch';
import { CursorCodec } from '../../src-main/stores/cursor';
import { RedisSessionStore } from '../../src-main/web-sessions/redis-session-store';
import { connectRedis, type RedisClient } from '../../src-main/web-sessions/redis-target';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../fixtures/dynamodb-local';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { webSession, writeWebSessions } from '../fixtures/web-sessions';

/**
 * The revocation watch over 10,000 recently revoked sessions: store requests and time per tick,
 * beside the floor (the same keys read raw: BatchGetItem 100 a request, 4 at a time; one MGET
 * pipeline), printed as a ratio. Asserts the request counts, prints the times.
 */
const N = 10_000;
let dynamo: RunningDynamoDbLocal;
let table: TestTable;
let redis: RunningRedis;
let admin: Redis;
let client: RedisClient;
let dir: TempDir;
const figures: string[] = [];

beforeAll(async () => {
  [dynamo, redis, dir] = await Promise.all([startDynamoDbLocal(), startRedisServer(), tempDir()]);
  table = await createSentinelTable(dynamo.endpoint);
  admin = new Redis(redis.url);
  client = await connectRedis({ urls: [redis.url] });
});
afterAll(async () => {
  client?.disconnect();
  admin?.disconnect();
  await table?.drop();
  await dynamo?.stop();
  await redis?.stop();
  await dir?.remove();
  console.log(`\n${figures.join('\n')}\n`);
});

/** The outcome entries a revocation of these sessions leaves (what the watch derives its set from). */
async function ledgerOf(path: string, connection: string, sessions: { id: string; user: string }[], revokedAt: string): Promise<Ledger> {
  const ledger = new Ledger(path);
  const run = randomUUID();
  const records: LedgerRecord[] = sessions.map((s) => ({ kind: 'outcome', time: revokedAt, operator: 'local:bench', connection, run, sessionId: s.id, user: s.user, reasonCode: 'security_incident', revokedAt, outcome: 'revoked' }));
  for (let i = 0; i < records.length; i += 1000) await ledger.append(records.slice(i, i + 1000));
  return ledger;
}

async function median(runs: number, work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

it(`Sentinel: a tick over ${N.toLocaleString('en-US')} revoked sessions`, async () => {
  const nowSeconds = Math.floor(Date.now() / 1000);
  const revokedAt = new Date().toISOString();
  const items = Array.from({ length: N }, (_, i) => sentinelItem({ seconds: nowSeconds - 600 }, { user: `user${i % 500}`, status: 'revoked', revoked_by: 'local:bench', revoked_reason: 'security_incident' }));
  await table.put(items);
  const ledger = await ledgerOf(join(dir.path, 'sentinel.jsonl'), 'bench', items, revokedAt);
  const commands: string[] = [];
  table.client.middlewareStack.add(
    (next, context) => async (args) => {
      commands.push(String(context.commandName));
      return next(args);
    },
    { step: 'initialize', name: 'bench-count' },
  );
  const watch = new RevocationWatch({ store: table.store(), ledger, connection: 'bench' });
  const firstStarted = performance.now();
  const first = await watch.tick();
  const firstMs = performance.now() - firstStarted;
  expect(first.read).toBe(N);
  expect(commands.filter((c) => c === 'BatchGetItemCommand').length).toBeGreaterThanOrEqual(N / 100);
  commands.length = 0;
  const tickMs = await median(5, () => watch.tick());
  const perTick = commands.length / 5;
  expect(commands.every((c) => c === 'BatchGetItemCommand')).toBe(true);
  // The floor: the same keys, raw, 100 a request, 4 requests at a time, unprocessed keys ignored.
  const ids = items.map((i) => i.id);
  const floorMs = await median(5, async () => {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += 100) chunks.push(ids.slice(i, i + 100));
    for (let i = 0; i < chunks.length; i += 4) {
      await Promise.all(chunks.slice(i, i + 4).map((chunk) => table.client.send(new BatchGetCommand({ RequestItems: { [table.name]: { Keys: chunk.map((id) => ({ id })), ConsistentRead: true } } }))));
    }
  });
  table.client.middlewareStack.remove('bench-count');
  const getManyMs = await median(5, () => table.store().getMany(ids));
  figures.push(
    `Sentinel (DynamoDB Local): watch over ${N.toLocaleString('en-US')} revoked sessions: ${perTick} BatchGetItem requests a tick (${N / 100} minimum), ` +
      `${tickMs.toFixed(0)} ms a tick (median of 5; first tick with the ledger read: ${firstMs.toFixed(0)} ms); raw BatchGetItem floor ${floorMs.toFixed(0)} ms; ratio ${(tickMs / floorMs).toFixed(2)}× (the adapter's getMany alone, reads and mapping: ${getManyMs.toFixed(0)} ms)`,
  );
});

it(`Redis web sessions: a tick over ${N.toLocaleString('en-US')} revoked sessions`, async () => {
  const now = Date.now();
  const revokedAt = new Date(now).toISOString();
  const sessions = Array.from({ length: N }, (_, i) => webSession(`user${i % 500}`, now, { fields: { revoked: true, revokedAt, revokedReason: 'security_incident' } }));
  for (let i = 0; i < sessions.length; i += 1000) await writeWebSessions(admin, sessions.slice(i, i + 1000), now);
  const ledger = await ledgerOf(join(dir.path, 'redis.jsonl'), 'bench', sessions.map((s) => ({ id: s.id, user: s.userId })), revokedAt);
  const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)) });
  const watch = new RevocationWatch({ store, ledger, connection: 'bench' });
  expect((await watch.tick()).read).toBe(N);
  await admin.config('RESETSTAT');
  const tickMs = await median(5, () => watch.tick());
  const stats = await admin.info('commandstats');
  const calls = (command: string) => Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
  const mgets = calls('mget') / 5;
  expect(calls('get')).toBe(0);
  const sessionKeys = sessions.map((s) => `session:${s.id}`);
  const revokedKeys = sessions.map((s) => `revoked:${s.id}`);
  const floorMs = await median(5, async () => {
    const pipeline = client.pipeline();
    for (let i = 0; i < N; i += 1000) {
      pipeline.mget(sessionKeys.slice(i, i + 1000));
      pipeline.mget(revokedKeys.slice(i, i + 1000));
    }
    await pipeline.exec();
  });
  const getManyMs = await median(5, () => store.getMany(sessions.map((x) => x.id)));
  figures.push(
    `Redis: watch over ${N.toLocaleString('en-US')} revoked web sessions: ${mgets} MGETs a tick in one pipeline (one round trip), no GET; ` +
      `${tickMs.toFixed(0)} ms a tick (median of 5); raw MGET pipeline floor ${floorMs.toFixed(0)} ms; ratio ${(tickMs / floorMs).toFixed(2)}× (the adapter's getMany alone, reads and mapping: ${getManyMs.toFixed(0)} ms)`,
  );
});
