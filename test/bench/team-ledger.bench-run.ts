import { join } from 'node:path';
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { localDynamoClient } from '../../src-main/demo/demo-store';
import { Ledger } from '../../src-main/ledger/ledger';
import { sealEntry, GENESIS, type LedgerEntry } from '../../src-main/ledger/ledger-entry';
import { mapConcurrent } from '../../src-main/revocation/concurrency';
import { SentinelRevoker } from '../../src-main/revocation/sentinel-revoker';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { deviceId } from '../../src-main/team-ledger/device-id';
import { createLedgerTable, DynamoTeamChain } from '../../src-main/team-ledger/dynamo-chain';
import { RedisTeamChain } from '../../src-main/team-ledger/redis-chain';
import type { TeamChain } from '../../src-main/team-ledger/team-chain';
import { sealTeamEntry, type TeamEntry, type TeamHead } from '../../src-main/team-ledger/team-entry';
import { TeamLedger } from '../../src-main/team-ledger/team-ledger';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../fixtures/dynamodb-local';
import { startRedisServer, type RunningRedis } from '../fixtures/redis-server';
import { createSentinelTable, sentinelItem } from '../fixtures/sentinel-table';
import { tempDir } from '../fixtures/temp-dir';

/**
 * The team ledger's cost, on DynamoDB Local and redis-server:
 *
 * (a) revoking 1,000 sessions of one user, 16 at once: raw conditional UpdateItems (the floor,
 *     measured in the same run), the revoker with its local ledger only, and with the team ledger
 *     (records stamped with the chain's id, delivery running in the background meanwhile); the
 *     time until every entry is on the team chain is printed apart from the revocation's.
 * (b) a large team ledger (1,000,000 entries in a Redis stream; DynamoDB Local gets a smaller one,
 *     its loading is slow on a small machine): a first full verification, a second one after 100
 *     new entries (it must read only those and its anchor), and paging newest first 50 at a time
 *     at the start and deep, each beside the raw read of the same entries. RSS is sampled
 *     throughout: memory must stay flat however long the chain.
 *
 * Sizes: TEAM_BENCH_REDIS (default 1,000,000) and TEAM_BENCH_DYNAMO (default 100,000) entries.
 * Prints figures; asserts only correctness.
 */
let dynamo: RunningDynamoDbLocal;
let redis: RunningRedis;
const figures: string[] = [];

const REDIS_ENTRIES = Number(process.env.TEAM_BENCH_REDIS ?? 1_000_000);
const DYNAMO_ENTRIES = Number(process.env.TEAM_BENCH_DYNAMO ?? 100_000);
/** Another desk, whose entries fill the big chain (the measuring desk holds none of them locally). */
const OTHER_DEVICE = '0badc0de-0000-4000-8000-00000000beef';
const PARTITION = 'revocations';

beforeAll(async () => {
  [dynamo, redis] = await Promise.all([startDynamoDbLocal(), startRedisServer()]);
});
afterAll(async () => {
  await dynamo?.stop();
  await redis?.stop();
  console.log(`\n${figures.join('\n')}\n`);
});

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const msText = (ms: number) => `${ms.toFixed(1)} ms`;
const mb = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MB`;

/** The highest RSS seen while `work` runs (sampled every 50 ms), with its result and duration. */
async function sampled<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; peakRss: number }> {
  let peakRss = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 50);
  const started = performance.now();
  try {
    const value = await work();
    const ms = performance.now() - started;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    return { value, ms, peakRss };
  } finally {
    clearInterval(timer);
  }
}

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i += 1) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

it('revokes 1,000 sessions of one user: raw conditional updates, local ledger only, and with the team ledger', async () => {
  const table = await createSentinelTable(dynamo.endpoint);
  const ledgerTable = `${table.name}-revocations`;
  const base = localDynamoClient(dynamo.endpoint);
  await createLedgerTable(base, ledgerTable);
  const dir = await tempDir();
  const now = Math.floor(Date.now() / 1000);
  const sessionsOf = async (user: string) => {
    const items = Array.from({ length: 1000 }, (_, i) => sentinelItem({ seconds: now - 60 - i }, { user, expires_at: formatRfc3339Nano(now + 3 * 3600, 0), ttl: now + 3 * 3600 }));
    await table.put(items);
    return items.map((item) => item.id);
  };
  const rawRevoke = async (ids: string[]) =>
    mapConcurrent(ids, 16, async (id) => {
      try {
        await table.client.send(
          new UpdateCommand({
            TableName: table.name,
            Key: { id },
            UpdateExpression: 'SET #status = :revoked, revoked_by = :by, revoked_reason = :reason',
            ConditionExpression: '#status = :active',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':revoked': 'revoked', ':active': 'active', ':by': 'bench', ':reason': 'offboarding' },
            ReturnValues: 'ALL_NEW',
          }),
        );
        return true;
      } catch {
        return false;
      }
    });
  const plainRevoker = (name: string) =>
    new SentinelRevoker({ client: table.client, store: table.store(), ledger: new Ledger(join(dir.path, name, 'ledger.jsonl')), operator: 'local:bench', connection: 'bench', concurrency: 16 });
  const rounds: { floor: number; local: number; team: number; delivered: number; deliveredAfter: number; held: number }[] = [];
  try {
    // Warm-up (not measured): DynamoDB Local's JIT and the SDK's first connections.
    await rawRevoke(await sessionsOf('bench.warm.raw'));
    await sessionsOf('bench.warm.local');
    await plainRevoker('warm').revokeUsers({ users: ['bench.warm.local'], reasonCode: 'offboarding' });
    for (const round of [1, 2]) {
      // The floor: what the revocation's store writes alone cost, 16 in flight, nothing recorded.
      const ids = await sessionsOf(`bench.raw.${round}`);
      const rawStart = performance.now();
      const raw = await rawRevoke(ids);
      const floor = performance.now() - rawStart;
      expect(raw.every(Boolean)).toBe(true);

      // The revoker with its local ledger only.
      const localUser = `bench.local.${round}`;
      await sessionsOf(localUser);
      const localStart = performance.now();
      const localReport = await plainRevoker(`plain-${round}`).revokeUsers({ users: [localUser], reasonCode: 'offboarding' });
      const local = performance.now() - localStart;
      expect(localReport.results.filter((r) => r.outcome === 'revoked')).toHaveLength(1000);

      // With the team ledger: stamped records, delivery in the background while it revokes.
      const teamUser = `bench.team.${round}`;
      await sessionsOf(teamUser);
      const deskDir = join(dir.path, `team-${round}`);
      const ledger = new Ledger(join(deskDir, 'ledger.jsonl'));
      const team = new TeamLedger({ ledger, chain: new DynamoTeamChain(base, ledgerTable, 'local'), dataDir: deskDir, device: await deviceId(deskDir) });
      const revoker = new SentinelRevoker({ client: table.client, store: table.store(), ledger: team.stamping(ledger), operator: 'local:bench', connection: 'bench', concurrency: 16 });
      const before = (await team.deliver()).teamEntries ?? 0;
      // The app's own setting: a round once the run's appends pause (at most 3 s after the first), and every 15 s.
      team.start();
      const teamStart = performance.now();
      const teamReport = await revoker.revokeUsers({ users: [teamUser], reasonCode: 'offboarding' });
      const revoked = performance.now();
      expect(teamReport.results.filter((r) => r.outcome === 'revoked')).toHaveLength(1000);
      // Everything on the team chain: rounds until the local ledger holds nothing it lacks.
      for (;;) {
        const status = await team.deliver();
        if (status.lastError) throw new Error(status.lastError);
        if ((await team.status()).pending === 0) break;
      }
      const delivered = performance.now();
      await team.stop();
      const verified = await team.verify();
      expect(verified.ok).toBe(true);
      expect(verified.team.entries - before).toBe(2000);
      expect(verified.team.pending).toBe(0);

      // Diagnostic: the same records stamped, delivery held until the revocation is over (what
      // the stamping alone costs, apart from delivery competing for the event loop and the store).
      const heldUser = `bench.held.${round}`;
      await sessionsOf(heldUser);
      const heldDir = join(dir.path, `held-${round}`);
      const heldLedger = new Ledger(join(heldDir, 'ledger.jsonl'));
      const heldTeam = new TeamLedger({ ledger: heldLedger, chain: new DynamoTeamChain(base, ledgerTable, 'local'), dataDir: heldDir, device: await deviceId(heldDir) });
      const stamped = { append: (records: Parameters<Ledger['append']>[0]) => heldLedger.append(records.map((r) => ({ ...r, team: heldTeam.chain.id }))) };
      const heldStart = performance.now();
      const heldReport = await new SentinelRevoker({ client: table.client, store: table.store(), ledger: stamped, operator: 'local:bench', connection: 'bench', concurrency: 16 }).revokeUsers({ users: [heldUser], reasonCode: 'offboarding' });
      const held = performance.now() - heldStart;
      expect(heldReport.results.filter((r) => r.outcome === 'revoked')).toHaveLength(1000);
      expect((await heldTeam.deliver()).pending).toBe(0);
      rounds.push({ floor, local, team: revoked - teamStart, delivered: delivered - teamStart, deliveredAfter: delivered - revoked, held });
    }
  } finally {
    await table.drop();
    await base.send(new DeleteTableCommand({ TableName: ledgerTable }));
    base.destroy();
    await dir.remove();
  }
  for (const [i, r] of rounds.entries()) {
    figures.push(
      `revoke 1,000 sessions of one user, 16 at once (round ${i + 1}, after a warm-up): raw conditional UpdateItem ${s(r.floor)} (floor); ` +
        `revoker, local ledger only ${s(r.local)} (${(r.local / r.floor).toFixed(2)}x); ` +
        `revoker with the team ledger (DynamoDB, delivered in the background as the app does) ${s(r.team)} (${(r.team / r.floor).toFixed(2)}x, goal <= 1.5x); ` +
        `all 2,000 entries on the team chain ${s(r.delivered)} after the start (${s(r.deliveredAfter)} after the revocation ended); ` +
        `diagnostic: stamped, delivery held until after ${s(r.held)} (${(r.held / r.floor).toFixed(2)}x)`,
    );
  }
});

/** Entries as another desk's delivery would have written them, oldest first, `count` at a time. */
function* sealedEntries(total: number, chunk: number, from: TeamHead = { seq: 0, hash: GENESIS }, localFrom: { seq: number; hash: string } = { seq: 0, hash: GENESIS }): Generator<TeamEntry[]> {
  let team = from;
  let local = localFrom;
  const start = Date.UTC(2026, 0, 1);
  for (let done = 0; done < total; ) {
    const batch: TeamEntry[] = [];
    for (const end = Math.min(total, done + chunk); done < end; done += 1) {
      const i = local.seq + 1;
      const entry: LedgerEntry = sealEntry(
        {
          kind: i % 2 === 1 ? 'attempt' : 'outcome',
          time: new Date(start + i * 1000).toISOString(),
          operator: `op${i % 7}`,
          principal: { type: 'assumed-role', arn: `arn:aws:sts::123456789012:assumed-role/SocAnalyst/op${i % 7}`, partition: 'aws', account: '123456789012', role: 'SocAnalyst', callerChosenSessionName: `op${i % 7}` },
          connection: 'prod-sentinel',
          run: `run-${Math.floor(i / 50)}`,
          sessionId: (0x10000000000000 + i).toString(16).padStart(16, '0'),
          user: `user${i % 5000}`,
          reasonCode: 'offboarding',
          ticket: `HR-${i % 900}`,
          revokedAt: new Date(start + i * 1000).toISOString(),
          ...(i % 2 === 0 ? { outcome: 'revoked' as const } : {}),
          team: 'bench',
        },
        i,
        local.hash,
      );
      local = { seq: entry.seq, hash: entry.hash };
      const sealed = sealTeamEntry(entry, OTHER_DEVICE, team.seq + 1, team.hash);
      team = { seq: sealed.seq, hash: sealed.hash };
      batch.push(sealed);
    }
    yield batch;
  }
}

interface BigChain {
  name: string;
  entries: number;
  chain: TeamChain;
  /** Writes `count` entries from the empty chain, as fast as the store takes them. */
  fill(count: number): Promise<void>;
  /** The raw read of `count` entries oldest first from `fromSeq`, in pages of `page`. */
  rawRead(fromSeq: number, count: number, page: number): Promise<number>;
  /** The raw newest-first read of `count` entries before `beforeSeq` (null: from the end). */
  rawNewest(beforeSeq: number | null, count: number): Promise<number>;
  close(): Promise<void>;
}

function redisChain(entries: number): BigChain {
  const client = new Redis(redis.url);
  const key = 'session-warden:revocations';
  return {
    name: 'Redis stream',
    entries,
    chain: new RedisTeamChain(client, key, '127.0.0.1'),
    fill: async (count) => {
      for (const batch of sealedEntries(count, 5000)) {
        const pipeline = client.pipeline();
        for (const e of batch) pipeline.xadd(key, `${e.seq}-0`, 'hash', e.hash, 'entry', JSON.stringify(e));
        const results = (await pipeline.exec()) ?? [];
        const failed = results.find(([error]) => error);
        if (failed) throw failed[0];
      }
    },
    rawRead: async (fromSeq, count, page) => {
      let read = 0;
      let from = `${fromSeq}-0`;
      while (read < count) {
        const rows = await client.xrange(key, from, '+', 'COUNT', Math.min(page, count - read));
        if (rows.length === 0) break;
        read += rows.length;
        from = `(${(rows.at(-1) as [string, string[]])[0]}`;
      }
      return read;
    },
    rawNewest: async (beforeSeq, count) => (await client.xrevrange(key, beforeSeq === null ? '+' : String(beforeSeq - 1), '-', 'COUNT', count)).length,
    close: async () => {
      client.disconnect();
    },
  };
}

function dynamoChain(entries: number): BigChain {
  const base = localDynamoClient(dynamo.endpoint);
  const doc = DynamoDBDocumentClient.from(base);
  const table = `bench-team-ledger-${entries}`;
  const query = async (input: Record<string, unknown>, count: number, page: number) => {
    let read = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const out = await doc.send(
        new QueryCommand({ TableName: table, ProjectionExpression: 'seq, entry', ConsistentRead: true, Limit: Math.min(page, count - read), ...(start ? { ExclusiveStartKey: start } : {}), ...input } as never),
      );
      read += out.Items?.length ?? 0;
      start = out.LastEvaluatedKey;
    } while (start && read < count);
    return read;
  };
  return {
    name: 'DynamoDB table',
    entries,
    chain: new DynamoTeamChain(base, table, 'local'),
    fill: async (count) => {
      await createLedgerTable(base, table);
      const put = async (items: TeamEntry[]) => {
        let requests = items.map((e) => ({ PutRequest: { Item: { ledger: PARTITION, seq: e.seq, hash: e.hash, entry: JSON.stringify(e), time: e.entry.time, operator: e.entry.operator, device: e.device } } }));
        for (let attempt = 0; requests.length > 0; attempt += 1) {
          if (attempt > 10) throw new Error(`DynamoDB kept ${requests.length} items unprocessed`);
          const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
          requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      };
      for (const batch of sealedEntries(count, 2000)) {
        const groups: TeamEntry[][] = [];
        for (let i = 0; i < batch.length; i += 25) groups.push(batch.slice(i, i + 25));
        await mapConcurrent(groups, 8, put);
      }
    },
    rawRead: (fromSeq, count, page) => query({ KeyConditionExpression: 'ledger = :p AND seq >= :s', ExpressionAttributeValues: { ':p': PARTITION, ':s': fromSeq }, ScanIndexForward: true }, count, page),
    rawNewest: (beforeSeq, count) =>
      beforeSeq === null
        ? query({ KeyConditionExpression: 'ledger = :p', ExpressionAttributeValues: { ':p': PARTITION }, ScanIndexForward: false }, count, count)
        : query({ KeyConditionExpression: 'ledger = :p AND seq < :s', ExpressionAttributeValues: { ':p': PARTITION, ':s': beforeSeq }, ScanIndexForward: false }, count, count),
    close: async () => {
      await base.send(new DeleteTableCommand({ TableName: table }));
      base.destroy();
    },
  };
}

for (const make of [() => redisChain(REDIS_ENTRIES), () => dynamoChain(DYNAMO_ENTRIES)]) {
  it('verifies and pages a large team ledger', async () => {
    const big = make();
    const n = big.entries;
    const count = n.toLocaleString('en-US');
    const dir = await tempDir();
    try {
      const filled = await sampled(() => big.fill(n));
      figures.push(`${big.name} of ${count} team entries (pre-sealed, ${big.name.startsWith('Redis') ? 'pipelined XADD' : 'BatchWriteItem, 8 x 25 in flight'}): filled in ${s(filled.ms)}, RSS peak ${mb(filled.peakRss)}`);

      const ledger = new Ledger(join(dir.path, 'ledger.jsonl'));
      const team = new TeamLedger({ ledger, chain: big.chain, dataDir: dir.path, device: await deviceId(dir.path) });

      const first = await sampled(() => team.verify());
      expect(first.value.ok).toBe(true);
      expect(first.value.team.read).toBe(n);
      const rawAll = await sampled(() => big.rawRead(1, n, 500));
      expect(rawAll.value).toBe(n);
      figures.push(
        `  first verify (full): ${first.value.team.read.toLocaleString('en-US')} entries read in ${s(first.ms)} (${Math.round(n / (first.ms / 1000)).toLocaleString('en-US')}/s), RSS peak ${mb(first.peakRss)}; ` +
          `floor: raw read of the same ${count} in pages of 500 ${s(rawAll.ms)}, ratio ${(first.ms / rawAll.ms).toFixed(1)}x`,
      );

      // 100 new entries from the other desk, then the second verification.
      const tail = await big.chain.tail();
      const last = JSON.parse((await big.chain.at(tail.seq))?.text ?? '{}') as TeamEntry;
      const [fresh = []] = sealedEntries(100, 100, tail, { seq: last.entry.seq, hash: last.entry.hash });
      let at = tail;
      for (let i = 0; i < fresh.length; i += big.chain.maxBatch) {
        const part = fresh.slice(i, i + big.chain.maxBatch);
        expect(await big.chain.append(part, at)).toBe(true);
        const end = part.at(-1) as TeamEntry;
        at = { seq: end.seq, hash: end.hash };
      }
      const second = await sampled(() => team.verify());
      expect(second.value.ok).toBe(true);
      expect(second.value.team.entries).toBe(n + 100);
      const rawNew = await median(5, () => big.rawRead(n, 101, 500));
      figures.push(
        `  second verify after 100 new entries: ${second.value.team.read} entries read in ${msText(second.ms)} (full: ${String(second.value.team.full)}), RSS ${mb(second.peakRss)}; floor: raw read of 101 ${msText(rawNew)}, ratio ${(second.ms / rawNew).toFixed(1)}x`,
      );

      // Paging newest first, 50 at a time: the first page, and a page halfway down.
      const total = n + 100;
      for (const [label, before] of [
        ['first page', null],
        [`page at entry ${Math.floor(total / 2).toLocaleString('en-US')}`, Math.floor(total / 2)],
        ['last page', 51],
      ] as const) {
        const page = await big.chain.readNewest(before, 50);
        expect(page).toHaveLength(50);
        const paged = await median(15, () => big.chain.readNewest(before, 50));
        const raw = await median(15, () => big.rawNewest(before, 50));
        figures.push(`  newest first, 50 a page, ${label.padEnd(20)} ${msText(paged).padStart(9)}; floor: raw ${msText(raw).padStart(9)}, ratio ${(paged / raw).toFixed(2)}x`);
      }
      // Walking 20 pages down from the top, as the audit table does when scrolled.
      let before: number | null = null;
      const walk = await sampled(async () => {
        for (let i = 0; i < 20; i += 1) {
          const page = await big.chain.readNewest(before, 50);
          before = (page.at(-1) as { seq: number }).seq;
        }
      });
      figures.push(`  20 pages walked newest first: ${msText(walk.ms / 20)} a page; RSS at the end ${mb(process.memoryUsage().rss)}`);
    } finally {
      await big.close();
      await dir.remove();
    }
  });
}
