import { describe, expect, it } from 'vitest';
import type { AppInfo, Channel, RequestOf, ResponseOf } from '../../src-shared/contract';
import type { IpcResult } from '../../src-shared/result';
import { createDispatch } from '../../src-main/ipc/dispatch';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { mergeTick, readTick, statusesOf, FIRST_PAGE_SIZE, NEXT_PAGE_SIZE, type RefreshClient, type SessionPages } from '../../src-renderer/src/features/sessions/use-sessions';
import { revokeAsSentinelCli, sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:tester' };
const ROWS = 10_500;
/** About a screen of rows and the table's overscan. */
const IN_VIEW = 44;

/**
 * The Sessions table's auto-refresh over a real Sentinel table (DynamoDB Local) with 10,500 rows
 * loaded: each tick costs the head of the list and the rows in view, never every loaded page
 * (the list used to be read again whole: 22 queries and 10,500 items a tick here).
 */
describe('refreshing the sessions list costs what is on screen, not what is loaded', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });

  /** The renderer's client, through the production dispatcher (validation both ways) over the real handler table. */
  function clientOver(t: TestTable): RefreshClient {
    const dispatch = createDispatch(t.handlers(dir.path, INFO), { trustedOrigins: ['app://warden'] });
    const call = async <C extends Channel>(channel: C, request: RequestOf<C>): Promise<ResponseOf<C>> => {
      const result = (await dispatch(channel, request, { url: 'app://warden/index.html', isMainFrame: true }, () => undefined)) as IpcResult<ResponseOf<C>>;
      if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
      return result.value;
    };
    return { query: (request) => call('sessions:query', request), getMany: (request) => call('sessions:getMany', request) };
  }

  /** DynamoDB requests and items read while `work` runs, at the table's client. */
  async function counted<T>(work: () => Promise<T>): Promise<{ result: T; requests: string[]; items: number }> {
    const requests: string[] = [];
    let items = 0;
    const name = `refresh-count-${Math.random()}`;
    table.client.middlewareStack.add(
      (next, context) => async (args) => {
        requests.push(String(context.commandName));
        const out = await next(args);
        const output = out.output as { Count?: number; Responses?: Record<string, unknown[]> };
        items += output.Count ?? Object.values(output.Responses ?? {}).reduce((n, list) => n + list.length, 0);
        return out;
      },
      { step: 'initialize', name },
    );
    try {
      return { result: await work(), requests, items };
    } finally {
      table.client.middlewareStack.remove(name);
    }
  }

  /** Every page of the filter, loaded as the table loads them on scroll. */
  async function loadAll(client: RefreshClient, filter: { status: 'any' | 'active' | ('active' | 'revoked')[] }): Promise<SessionPages> {
    const pages: SessionPages = { pages: [], pageParams: [] };
    let cursor: string | undefined;
    do {
      const page = await client.query({ ...filter, limit: cursor ? NEXT_PAGE_SIZE : FIRST_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
      pages.pages.push(page);
      pages.pageParams.push(cursor);
      cursor = page.nextCursor;
    } while (cursor);
    return pages;
  }

  const rows = (pages: SessionPages) => pages.pages.flatMap((p) => p.sessions);

  it('reads at most 3 times a tick with 10,500 rows loaded, shows a revocation by another process in view and the new session on top', async () => {
    const now = Math.floor(Date.now() / 1000);
    await table.put(Array.from({ length: ROWS }, (_, i) => sentinelItem({ seconds: now - 60 - i, nanos: 1000 }, { user: `user${i % 300}` })));
    const client = clientOver(table);
    // Live and revoked sessions: a revocation changes a row's status in place.
    const filter = { status: ['active', 'revoked'] as ('active' | 'revoked')[] };
    let pages = await loadAll(client, filter);
    expect(rows(pages)).toHaveLength(ROWS);
    expect(pages.pages.length).toBeGreaterThan(20);

    // The operator has scrolled to the middle of the list.
    const view = rows(pages).slice(5_000, 5_000 + IN_VIEW).map((s) => s.id);
    const quiet = await counted(() => readTick(client, filter, pages, view));
    expect(quiet.requests.length).toBeLessThanOrEqual(3);
    // One Query per status partition of the index for the head (as any page of this filter), one BatchGetItem for the rows in view.
    expect(quiet.requests.sort()).toEqual(['BatchGetItemCommand', 'QueryCommand', 'QueryCommand']);
    // Items read: the head of each partition and the rows in view, against 10,500 when every loaded page was read again.
    expect(quiet.items).toBeLessThan(200);
    expect(quiet.result.reload).toBe(false);
    const unchanged = mergeTick(pages, quiet.result, statusesOf(filter.status));
    expect(rows(unchanged).map((s) => s.id)).toEqual(rows(pages).map((s) => s.id));

    // Another process (Sentinel's own CLI) revokes a row in view; a new session begins.
    const target = view[10] as string;
    await revokeAsSentinelCli(table, target, 'sentinel-cli', 'stolen laptop', now);
    const arrival = sentinelItem({ seconds: now }, { user: 'newcomer' });
    await table.put([arrival]);

    const tick = await counted(() => readTick(client, filter, pages, view));
    expect(tick.requests.length).toBeLessThanOrEqual(3);
    pages = mergeTick(pages, tick.result, statusesOf(filter.status));
    const after = rows(pages);
    expect(after).toHaveLength(ROWS + 1);
    expect(after[0]?.id).toBe(arrival.id);
    expect(after.find((s) => s.id === target)).toMatchObject({ status: 'revoked', revokedBy: 'sentinel-cli' });
    // Pages nothing changed in are the same objects: nothing else was read or rebuilt.
    expect(pages.pages.filter((p, i) => p !== unchanged.pages[i]).length).toBe(2);
  });

  it('costs the head of every status partition (as any page of "any") and one batched read, still nothing per loaded page', async () => {
    const client = clientOver(table);
    const pages = await loadAll(client, { status: 'any' });
    const view = rows(pages).slice(9_000, 9_000 + IN_VIEW).map((s) => s.id);
    const tick = await counted(() => readTick(client, { status: 'any' }, pages, view));
    expect(tick.requests.sort()).toEqual(['BatchGetItemCommand', 'QueryCommand', 'QueryCommand', 'QueryCommand']);
  });

  it('drops a row in view that left the filter (revoked under "active"), as a reload would, still within 3 requests', async () => {
    const client = clientOver(table);
    const pages = await loadAll(client, { status: 'active' });
    const before = rows(pages);
    expect(before.length).toBeGreaterThan(10_000);
    const view = before.slice(8_000, 8_000 + IN_VIEW).map((s) => s.id);
    const target = view[3] as string;
    await revokeAsSentinelCli(table, target, 'sentinel-cli', 'offboarded', Math.floor(Date.now() / 1000));

    const tick = await counted(() => readTick(client, { status: 'active' }, pages, view));
    expect(tick.requests.length).toBeLessThanOrEqual(3);
    const merged = rows(mergeTick(pages, tick.result, statusesOf('active')));
    expect(merged.some((s) => s.id === target)).toBe(false);
    expect(merged).toHaveLength(before.length - 1);
  });

  it('stitches up to a page of new sessions above the loaded ones, and asks for a reload when there are more', async () => {
    const client = clientOver(table);
    const pages = await loadAll(client, { status: 'active' });
    const now = Math.floor(Date.now() / 1000) + 5;
    const burst = Array.from({ length: 60 }, (_, i) => sentinelItem({ seconds: now + i }, { user: 'burst' }));
    await table.put(burst);
    const tick = await counted(() => readTick(client, { status: 'active' }, pages, []));
    // All 25 of the head were new: one more page (of 500) reaches a loaded row.
    expect(tick.requests).toEqual(['QueryCommand', 'QueryCommand']);
    expect(tick.result.reload).toBe(false);
    const merged = rows(mergeTick(pages, tick.result, statusesOf('active')));
    expect(merged.slice(0, 60).map((s) => s.id)).toEqual(burst.map((s) => s.id).reverse());

    await table.put(Array.from({ length: 600 }, (_, i) => sentinelItem({ seconds: now + 100 + i }, { user: 'flood' })));
    const flood = await readTick(client, { status: 'active' }, pages, []);
    expect(flood.reload).toBe(true);
  });
});
