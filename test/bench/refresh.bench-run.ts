import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AppInfo, Channel, RequestOf, ResponseOf } from '../../src-shared/contract';
import type { IpcResult } from '../../src-shared/result';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { FIRST_PAGE_SIZE, mergeTick, NEXT_PAGE_SIZE, readTick, statusesOf, type RefreshClient, type SessionPages } from '../../src-renderer/src/features/sessions/use-sessions';
import { startDynamoDbLocal, type RunningDynamoDbLocal } from '../fixtures/dynamodb-local';
import { createSentinelTable, sentinelItem, type TestTable } from '../fixtures/sentinel-table';
import { tempDir, type TempDir } from '../fixtures/temp-dir';

/**
 * The Sessions table's auto-refresh with 100,000 rows loaded (Sentinel on DynamoDB Local, the
 * default filter: active sessions): store requests and items read per tick, beside the floor
 * (the new sessions plus the rows on screen, in the fewest requests: one Query and one
 * BatchGetItem), printed as a ratio; and what the previous refresh (every loaded page read again)
 * cost, measured once. Printed, not asserted.
 */
const N = 100_000;
/** A 900-pixel window's rows and the table's overscan (12 above, 12 below). */
const ON_SCREEN = 44;
const TICKS = 5;
const INFO: AppInfo = { version: '0.1.0', connection: { id: 'bench', nonce: 'nonce-of-this-workspace-0001', name: 'bench', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:bench' };
let dynamo: RunningDynamoDbLocal;
let table: TestTable;
let dir: TempDir;
const figures: string[] = [];

beforeAll(async () => {
  [dynamo, dir] = await Promise.all([startDynamoDbLocal(), tempDir()]);
  table = await createSentinelTable(dynamo.endpoint);
});
afterAll(async () => {
  await table?.drop();
  await dynamo?.stop();
  await dir?.remove();
  console.log(`\n${figures.join('\n')}\n`);
});

it(`auto-refresh with ${N.toLocaleString('en-US')} rows loaded: requests and items a tick, beside the floor`, async () => {
  const now = Math.floor(Date.now() / 1000);
  // Ten a second over the last three hours: all still within Sentinel's 8-hour lifetime, so all active.
  for (let i = 0; i < N; i += 10_000) {
    await table.put(Array.from({ length: 10_000 }, (_, j) => sentinelItem({ seconds: now - 600 - Math.floor((i + j) / 10), nanos: ((i + j) % 10) * 1_000_000 + 1000 }, { user: `user${(i + j) % 500}` })));
  }
  const dispatch = createDispatch(table.handlers(dir.path, INFO), { trustedOrigins: ['app://warden'] });
  const call = async <C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> => {
    const result = (await dispatch(channel, request, { url: 'app://warden/index.html', isMainFrame: true }, () => undefined)) as IpcResult<ResponseOf<C>>;
    if (!result.ok) throw new Error(result.error.message);
    return result.value;
  };
  const client: RefreshClient = { query: (r) => call('sessions:query', r), getMany: (r) => call('sessions:getMany', r) };
  const filter = { status: 'active' as const };

  // Every page, as the table loads them on scroll.
  let pages: SessionPages = { pages: [], pageParams: [] };
  let cursor: string | undefined;
  const loadStarted = performance.now();
  do {
    const page = await client.query({ ...filter, limit: cursor ? NEXT_PAGE_SIZE : FIRST_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    pages.pages.push(page);
    pages.pageParams.push(cursor);
    cursor = page.nextCursor;
  } while (cursor);
  const loadMs = performance.now() - loadStarted;
  const loaded = pages.pages.reduce((n, p) => n + p.sessions.length, 0);
  expect(loaded).toBe(N);

  let requests = 0;
  let items = 0;
  table.client.middlewareStack.add(
    (next) => async (args) => {
      requests += 1;
      const out = await next(args);
      const output = out.output as { Count?: number; Responses?: Record<string, unknown[]> };
      items += output.Count ?? Object.values(output.Responses ?? {}).reduce((n, list) => n + list.length, 0);
      return out;
    },
    { step: 'initialize', name: 'bench-refresh-count' },
  );

  // Each tick: one new session begins; the operator looks at rows in the middle of the list.
  const rows = pages.pages.flatMap((p) => p.sessions);
  const view = rows.slice(50_000, 50_000 + ON_SCREEN).map((s) => s.id);
  const times: number[] = [];
  for (let t = 0; t < TICKS; t += 1) {
    await table.put([sentinelItem({ seconds: now + t }, { user: 'newcomer' })]);
    const started = performance.now();
    const reading = await readTick(client, filter, pages, view);
    pages = mergeTick(pages, reading, statusesOf(filter.status));
    times.push(performance.now() - started);
  }
  const perTick = { requests: requests / TICKS, items: items / TICKS };
  const floor = { requests: 2, items: 1 + ON_SCREEN };
  times.sort((a, b) => a - b);

  // The refresh it replaced: every loaded page read again, in order, once.
  requests = 0;
  items = 0;
  const oldStarted = performance.now();
  let next: string | undefined;
  for (let i = 0; i < pages.pages.length; i += 1) {
    const page = await client.query({ ...filter, limit: i === 0 ? FIRST_PAGE_SIZE : NEXT_PAGE_SIZE, ...(next ? { cursor: next } : {}) });
    next = page.nextCursor;
    if (!next) break;
  }
  const oldMs = performance.now() - oldStarted;
  table.client.middlewareStack.remove('bench-refresh-count');

  figures.push(
    `Auto-refresh, ${N.toLocaleString('en-US')} rows loaded (Sentinel on DynamoDB Local, active sessions, ${ON_SCREEN} rows in view, 1 new session a tick; loading them took ${(loadMs / 1000).toFixed(1)} s):`,
    `  now:   ${perTick.requests.toFixed(1)} store requests and ${perTick.items.toFixed(0)} items a tick, ${times[Math.floor(TICKS / 2)]?.toFixed(0)} ms (median of ${TICKS})`,
    `  floor: ${floor.requests} requests (one Query for the new session, one BatchGetItem for the rows on screen) and ${floor.items} items (new sessions + rows on screen)`,
    `  ratio: ${(perTick.requests / floor.requests).toFixed(2)}x requests, ${(perTick.items / floor.items).toFixed(2)}x items`,
    `  before (every loaded page read again): ${requests} requests and ${items.toLocaleString('en-US')} items a tick, ${(oldMs / 1000).toFixed(1)} s`,
  );
});
