import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Session as InspectorSession } from 'node:inspector/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import { putAll } from '../../src-main/demo/demo-store';
import { createHandlers } from '../../src-main/handlers';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import { mapConcurrent } from '../../src-main/revocation/concurrency';
import { formatRfc3339Nano } from '../../src-main/stores/exact-time';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../fixtures/dynamodb-local';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import type { Session } from '../../src-shared/session';
import { exportFile } from '../../src-main/export/export-file';
import { csvLines } from '../../src-main/export/csv';
import { Exports, readAhead, SESSION_SHAPE } from '../../src-main/export/exports';
import { openPostgresPool } from '../../src-main/postgres/postgres-pool';
import { PostgresSessionStore } from '../../src-main/postgres/postgres-session-store';
import { POSTGRES_CAPABILITIES } from '../../src-main/postgres/capabilities';
import { CursorCodec } from '../../src-main/stores/cursor';
import { startPostgresServer } from '../fixtures/postgres-server';

/**
 * Exports of 50,000 and 200,000 sessions from DynamoDB Local through the real handler, as CSV:
 * time, file size, and how far RSS rose above where it started (sampled every 50 ms during the
 * timed export), and the live heap (sampled right after a forced collection, during a second,
 * untimed export). Flat memory: the peak does not grow with the row count.
 *
 * Floors measured in the same run (issue 17): raw paging of the same filter (the three gsi-status
 * partitions, DynamoDB's own 1 MB pages, nothing done with the items), timed right before and
 * after the export, the export's rows/s printed as a ratio of it (goal ≥ 0.8x); and 1,000,000
 * sessions exported from PostgreSQL with RSS growth printed (goal ≤ 100 MB) beside raw keyset
 * paging of the same rows. EXPORT_BENCH_ROWS (comma-separated) and EXPORT_BENCH_PG_ROWS set
 * smaller sizes for a slow machine. The million rows are PostgreSQL's: loading a million items
 * into DynamoDB Local takes far too long on a 2-core machine (it writes a few thousand a second).
 * The export encodes, hashes and writes in a worker thread (the built out/main/export-worker.js:
 * `npm run bench` builds first) while main reads the store; the PostgreSQL figures print the
 * store's walk alone and the encoder thread alone beside it, the export being at best the slower.
 */
let dynamo: RunningDynamoDbLocal;
let dir: TempDir;
const figures: string[] = [];
const INFO: AppInfo = { version: 'bench', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'bench', kind: 'dynamodb', environment: 'bench', table: 't', readOnly: true, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:bench' };

beforeAll(async () => {
  dir = await tempDir();
  // EXPORT_BENCH_ROWS=0: PostgreSQL only, without starting DynamoDB Local.
  if (SIZES.length > 0) dynamo = await startDynamoDbLocal();
});
afterAll(async () => {
  await dynamo?.stop();
  await dir?.remove();
  console.log(`\n${figures.join('\n')}\n`);
});

const SIZES = (process.env.EXPORT_BENCH_ROWS ?? '50000,200000').split(',').map(Number).filter((n) => n > 0);
const PG_ROWS = Number(process.env.EXPORT_BENCH_PG_ROWS ?? 1_000_000);
/** Rounds of floor and export over the same PostgreSQL rows in one process (each printed). */
const PG_ROUNDS = Number(process.env.EXPORT_BENCH_PG_ROUNDS ?? 1);
/** A directory: a CPU profile (.cpuprofile, for Chrome DevTools or speedscope) of each timed PostgreSQL export is written there. */
const PROFILE_DIR = process.env.EXPORT_BENCH_PROFILE;

/** `run` under the inspector's CPU profiler when EXPORT_BENCH_PROFILE is set; the profile written as `<name>.cpuprofile`. */
async function profiled<T>(name: string, run: () => Promise<T>): Promise<T> {
  if (!PROFILE_DIR) return run();
  const session = new InspectorSession();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await run();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await writeFile(join(PROFILE_DIR, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

interface Memory {
  /** How far RSS rose above where it started (the OS's view: live data, garbage and buffers). */
  rss: number;
  /** How far the heap rose: with `live`, sampled right after a forced collection (live data only). */
  heap: number;
}

/**
 * Runs `run` while sampling memory every 50 ms. Timed runs sample without forcing collections
 * (a forced full collection every 50 ms took most of the CPU of a loaded 2-core machine, and the
 * export's rows/s with it); `live` runs force one before each sample, every 250 ms, and are not timed.
 */
async function sampled<T>(run: () => Promise<T>, live: boolean): Promise<{ value: T; ms: number; memory: Memory }> {
  global.gc?.();
  const base = process.memoryUsage();
  let peakHeap = base.heapUsed;
  let peakRss = base.rss;
  const sampler = setInterval(
    () => {
      if (live) global.gc?.();
      const m = process.memoryUsage();
      peakHeap = Math.max(peakHeap, m.heapUsed);
      peakRss = Math.max(peakRss, m.rss);
    },
    live ? 250 : 50,
  );
  const started = performance.now();
  try {
    const value = await run();
    return { value, ms: performance.now() - started, memory: { rss: peakRss - base.rss, heap: peakHeap - base.heapUsed } };
  } finally {
    clearInterval(sampler);
  }
}

const mb = (n: number) => (n / 1048576).toFixed(1);

/** `page` again and again, `rows` rows in all: a source that costs nothing, for the encoder's own rate. */
async function* repeated<T>(page: readonly T[], rows: number): AsyncGenerator<readonly T[]> {
  for (let done = 0; done < rows; done += page.length) yield done + page.length <= rows ? page : page.slice(0, rows - done);
}

/** Every item of the filter `status: any` read as a store's client can read it, and nothing else: rows/s. */
async function rawPaging(table: TestTable): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  let rows = 0;
  for (const status of ['active', 'revoked', 'expired']) {
    let startKey: Record<string, unknown> | undefined;
    do {
      const out = await table.client.send(
        new QueryCommand({
          TableName: table.name,
          IndexName: 'gsi-status',
          KeyConditionExpression: '#s = :s',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':s': status },
          ScanIndexForward: false,
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
      rows += out.Items?.length ?? 0;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }
  return { rows, ms: performance.now() - started };
}

for (const size of SIZES) {
  it(`exports ${size.toLocaleString('en-US')} sessions as CSV with flat memory`, async () => {
    const table: TestTable = await createSentinelTable(dynamo.endpoint);
    const now = Math.floor(Date.now() / 1000);
    const items = Array.from({ length: size }, (_, i) =>
      sentinelItem({ seconds: now - 60 - (i % 604_800), nanos: (i * 104_729) % 1e9 }, { user: `user${i % 5000}`, expires_at: formatRfc3339Nano(now + 8 * 3600, 0), ttl: now + 8 * 3600 }),
    );
    const chunks: (typeof items)[] = [];
    for (let i = 0; i < items.length; i += 1000) chunks.push(items.slice(i, i + 1000));
    await mapConcurrent(chunks, 8, (chunk) => putAll(table.client, table.name, chunk));
    chunks.length = 0;
    items.length = 0;

    const handlers = createHandlers({
      ledgerConnection: 'bench',
      store: table.store(),
      revoker: null,
      ledger: new Ledger(join(dir.path, 'ledger.jsonl')),
      info: () => INFO,
      chooseSavePath: async (name) => join(dir.path, name),
      notify: () => undefined,
    });
    const dispatch = createDispatch(handlers, { trustedOrigins: ['app://warden'] });
    // DynamoDB Local (Java) reads the same items several times faster once warmed: one untimed
    // pass first, so that neither the floor before nor the export pays the warm-up.
    await rawPaging(table);
    const rawBefore = await rawPaging(table);
    expect(rawBefore.rows).toBe(size);
    const exportAll = async () => {
      const result = await dispatch('export:start', { exportId: randomUUID(), kind: 'sessions', format: 'csv', filter: { status: 'any' } }, { url: 'app://warden/index.html', isMainFrame: true });
      if (!result.ok) throw new Error(result.error.message);
      return result.value as { rows: number; fileName: string };
    };
    const timed = await sampled(exportAll, false);
    const { value, ms } = timed;
    expect(value.rows).toBe(size);
    const rawAfter = await rawPaging(table);
    const bytes = (await stat(join(dir.path, value.fileName))).size;
    // Once more, not timed, for the live heap (a forced collection before each sample).
    const live = await sampled(exportAll, true);
    expect(live.value.rows).toBe(size);
    const rate = size / (ms / 1000);
    const rawRate = size / (Math.min(rawBefore.ms, rawAfter.ms) / 1000);
    figures.push(
      `export ${size.toLocaleString('en-US')} sessions as CSV: ${(ms / 1000).toFixed(1)} s (${Math.round(rate).toLocaleString('en-US')} rows/s); ` +
        `raw paging of the same filter ${Math.round(rawRate).toLocaleString('en-US')} rows/s (before ${(rawBefore.ms / 1000).toFixed(1)} s, after ${(rawAfter.ms / 1000).toFixed(1)} s, the faster taken): ` +
        `${(rate / rawRate).toFixed(2)}x raw (goal ≥ 0.8x: ${rate / rawRate >= 0.8 ? 'met' : 'not met'}); file ${mb(bytes)} MB; RSS rose at most ${mb(timed.memory.rss)} MB, ` +
        `live heap at most ${mb(live.memory.heap)} MB${global.gc ? '' : ' (no --expose-gc: includes garbage)'}`,
    );
    await table.drop();
  });
}

it(`exports ${PG_ROWS.toLocaleString('en-US')} sessions from PostgreSQL as CSV: RSS growth, beside raw keyset paging`, async () => {
  const server = await startPostgresServer();
  const db = await server.createDatabase();
  const pool = await openPostgresPool({ url: db.url, password: server.password });
  try {
    const loadStart = performance.now();
    const { rows: users } = await db.admin.query<{ id: string }>(`insert into users (email) select 'user' || g || '@example.com' from generate_series(1, 5000) g returning id::text as id`);
    for (let done = 0; done < PG_ROWS; done += 200_000) {
      await db.admin.query(
        `insert into sessions (user_id, token_hash, device_info, ip_address, user_agent, created_at, last_active_at, expires_at, revoked, revoked_at, revoked_reason)
         select ($1::uuid[])[1 + (g % 5000)], md5(g::text || $3), 'Chrome on macOS', '203.0.113.7', 'Mozilla/5.0 (Macintosh)',
                now() - make_interval(secs => g % 604800), now() - make_interval(secs => g % 604800), now() + make_interval(secs => 3600 + g % 86400) - make_interval(days => case when g % 10 = 0 then 2 else 0 end),
                g % 7 = 0, case when g % 7 = 0 then now() - interval '1 hour' end, case when g % 7 = 0 then 'offboarding' end
           from generate_series($2::int + 1, $2::int + least(200000, ${PG_ROWS} - $2::int)) g`,
        [users.map((u) => u.id), done, randomBytes(4).toString('hex')],
      );
    }
    await db.admin.query('analyze sessions');
    const loadMs = performance.now() - loadStart;

    // The floor: keyset paging of the same rows, in the same order, 1,000 a statement, nothing done with them.
    const rawPg = async () => {
      const started = performance.now();
      let count = 0;
      let last: { expires_at: string; id: string } | null = null;
      for (;;) {
        const { rows }: { rows: { expires_at: string; id: string }[] } = await pool.query(
          `select s.id::text as id, s.user_id::text, s.device_info, s.ip_address, s.user_agent, s.created_at, s.last_active_at, s.expires_at::text as expires_at, s.revoked, s.revoked_at, s.revoked_reason, s.revoked_by
             from sessions s ${last ? 'where (s.expires_at, s.id) < ($1::timestamptz, $2::uuid)' : ''} order by s.expires_at desc, s.id desc limit 1000`,
          last ? [last.expires_at, last.id] : [],
        );
        count += rows.length;
        if (rows.length < 1000) break;
        last = rows[rows.length - 1] ?? null;
      }
      return { rows: count, ms: performance.now() - started };
    };
    const store = new PostgresSessionStore({ pool, cursors: new CursorCodec(randomBytes(32)) });
    const info: AppInfo = { ...INFO, connection: { ...INFO.connection, kind: 'postgres', capabilities: POSTGRES_CAPABILITIES } };
    const exports = new Exports({ store, ledger: new Ledger(join(dir.path, 'pg-ledger.jsonl')), info: () => info, chooseSavePath: async (name) => join(dir.path, `pg-${name}`) });
    const exportAll = () => exports.start({ exportId: randomUUID(), kind: 'sessions', format: 'csv', filter: { status: 'any' } }, () => undefined);
    for (let round = 1; round <= PG_ROUNDS; round += 1) {
      const rawBefore = await rawPg();
      expect(rawBefore.rows).toBe(PG_ROWS);
      const timed = await profiled(`pg-export-${PG_ROWS}-round${round}`, () => sampled(exportAll, false));
      const { ms } = timed;
      expect(timed.value.rows).toBe(PG_ROWS);
      const rawAfter = await rawPg();
      // The store's walk alone (its cursor, rows mapped to sessions, nothing written): what of the export is reading.
      const walkStarted = performance.now();
      let walked = 0;
      for await (const page of store.walk({ status: 'any' })) walked += page.length;
      const walkMs = performance.now() - walkStarted;
      expect(walked).toBe(PG_ROWS);
      // The encoder thread alone (CSV, hash, file): the walk's first 1,000 sessions again and again, PG_ROWS in all, through exportFile with no store.
      let first: Session[] = [];
      for await (const page of store.walk({ status: 'any' })) {
        first = page;
        break;
      }
      const encoderStarted = performance.now();
      const encoded = await exportFile({ path: join(dir.path, `pg-encoder-${round}.csv`), format: 'csv', shape: SESSION_SHAPE, pages: repeated(first, PG_ROWS), signal: new AbortController().signal, manifest: {} });
      const encoderMs = performance.now() - encoderStarted;
      expect(encoded.rows).toBe(PG_ROWS);
      // The export as it ran before the worker: the walk, the CSV and the hash on this one thread (no file).
      const oneThreadStarted = performance.now();
      const oneThreadHash = createHash('sha256');
      let oneThreadRows = 0;
      for await (const page of readAhead(store.walk({ status: 'any' }))) {
        oneThreadHash.update(Buffer.from(csvLines(page.map((row) => SESSION_SHAPE.cells(row))), 'utf8'));
        oneThreadRows += page.length;
      }
      const oneThreadMs = performance.now() - oneThreadStarted;
      expect(oneThreadRows).toBe(PG_ROWS);
      const last = round === PG_ROUNDS;
      // Once, not timed, for the live heap (a forced collection before each sample).
      const live = last ? await sampled(exportAll, true) : null;
      if (live) expect(live.value.rows).toBe(PG_ROWS);
      const rate = PG_ROWS / (ms / 1000);
      const rawRate = PG_ROWS / (Math.min(rawBefore.ms, rawAfter.ms) / 1000);
      figures.push(
        `export ${PG_ROWS.toLocaleString('en-US')} sessions from PostgreSQL as CSV${PG_ROUNDS > 1 ? `, round ${round} of ${PG_ROUNDS}` : ''} (loaded in ${(loadMs / 1000).toFixed(1)} s): ${(ms / 1000).toFixed(1)} s (${Math.round(rate).toLocaleString('en-US')} rows/s); ` +
          `raw keyset paging ${Math.round(rawRate).toLocaleString('en-US')} rows/s (before ${(rawBefore.ms / 1000).toFixed(1)} s, after ${(rawAfter.ms / 1000).toFixed(1)} s, the faster taken): ` +
          `${(rate / rawRate).toFixed(2)}x raw (goal ≥ 0.8x: ${rate / rawRate >= 0.8 ? 'met' : 'not met'}); ` +
          `(the file is PostgreSQL's COPY; what a CSV export was before it, and NDJSON and JSON still are:) ` +
          `the store's walk alone ${(walkMs / 1000).toFixed(1)} s (${Math.round(PG_ROWS / (walkMs / 1000)).toLocaleString('en-US')} rows/s), ` +
          `the encoder thread alone ${(encoderMs / 1000).toFixed(1)} s (${Math.round(PG_ROWS / (encoderMs / 1000)).toLocaleString('en-US')} rows/s; an export over the walk runs both at once, so it is at best the slower of the two); ` +
          `walk, CSV and hash on one thread as before the worker (no file) ${(oneThreadMs / 1000).toFixed(1)} s (${(PG_ROWS / (oneThreadMs / 1000) / rawRate).toFixed(2)}x raw); ` +
          `RSS rose at most ${mb(timed.memory.rss)} MB (goal ≤ 100 MB: ${timed.memory.rss <= 100 * 1048576 ? 'met' : 'not met'})` +
          (live ? `, live heap at most ${mb(live.memory.heap)} MB${global.gc ? '' : ' (no --expose-gc: includes garbage)'}` : ''),
      );
      console.log(figures[figures.length - 1]);
    }
  } finally {
    await pool.end();
    await db.drop();
    await server.stop();
  }
});
