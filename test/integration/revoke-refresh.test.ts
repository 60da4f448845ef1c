import { QueryClient } from '@tanstack/react-query';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppInfo } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';
import { askNextPage, HEAD_SIZE, MAX_VIEW_IDS, NEXT_PAGE_SIZE, refreshTick, rereadAfterRevoke, type RefreshClient, type SessionPages } from '../../src-renderer/src/features/sessions/use-sessions';
import { dispatchCall, listKey as keyOf, listQuery, listRows as rows, observeList } from '../fixtures/renderer-lists';
import { sentinelItem, withTableAndDir, type TestTable } from '../fixtures/sentinel-table';

const INFO: AppInfo = { version: '0.1.0', connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'sentinel-local', kind: 'dynamodb', environment: 'test', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:tester' };
type Filter = { status: 'active' | 'any' };

/**
 * `client`, except that the answer to a read of the head of a list is held once it is read:
 * `read` settles when the store has answered it, and the answer reaches the caller on `release()`.
 */
function holdingHead(client: RefreshClient): { slow: RefreshClient; read: Promise<void>; release: () => void } {
  let readDone!: () => void;
  const read = new Promise<void>((r) => (readDone = r));
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const slow: RefreshClient = {
    query: async (request) => {
      const page = await client.query(request);
      if (request.limit === HEAD_SIZE) {
        readDone();
        await held;
      }
      return page;
    },
    getMany: (request) => client.getMany(request),
  };
  return { slow, read, release };
}

/**
 * The lists a revocation brings up to date, as the renderer's query cache holds them, over a
 * real Sentinel table (DynamoDB Local) through the production dispatcher: only the revoked
 * sessions a list has loaded are read back, by id, at most MAX_VIEW_IDS a call; a list on screen
 * also reads its head; what the lists show is what the store holds; a failed read loads the list again.
 */
describe('after a revocation, the cached sessions lists read back what it named', () => {
  let table: TestTable;
  let dir: { path: string; remove: () => Promise<void> };
  withTableAndDir({ table: (t) => (table = t), dir: (d) => (dir = d) });
  const stop: (() => void)[] = [];
  afterEach(() => {
    for (const s of stop.splice(0)) s();
  });

  /** The renderer's client through the dispatcher, recording each call's channel and how many ids it asked for. */
  function clientOver(t: TestTable, calls: string[]): RefreshClient {
    const call = dispatchCall(t.handlers(dir.path, INFO));
    return {
      query: (request) => {
        calls.push(`query:${request.limit}`);
        return call('sessions:query', request);
      },
      getMany: (request) => {
        calls.push(`getMany:${request.ids.length}`);
        return call('sessions:getMany', request);
      },
    };
  }

  /** A list as the table holds it: on screen (observed, as `useSessions` does) with `pages` pages loaded. */
  async function onScreen(queryClient: QueryClient, client: RefreshClient, filter: Filter, pages: number): Promise<void> {
    const observer = observeList(queryClient, client, filter, stop);
    await observer.refetch();
    for (let i = 1; i < pages; i += 1) await observer.fetchNextPage();
  }

  /** A list loaded earlier and left (no observer): only its cache entry. */
  async function offScreen(queryClient: QueryClient, client: RefreshClient, filter: Filter, pages: number): Promise<void> {
    await queryClient.fetchInfiniteQuery({ ...listQuery(client, filter), pages });
  }

  it('reads back only the loaded ones of 1,500 revoked, 500 a call, once for every list; the active list drops them, the list of every status shows them revoked', async () => {
    const now = Math.floor(Date.now() / 1000);
    // Every other session is mass.leaver's: 1,500 of 3,000, of which about 1,050 fall in the 2,100 rows loaded.
    await table.put(Array.from({ length: 3_000 }, (_, i) => sentinelItem({ seconds: now - 60 - i }, { user: i % 2 === 0 ? 'mass.leaver' : `user${i % 41}` })));
    const calls: string[] = [];
    const client = clientOver(table, calls);
    const queryClient = new QueryClient();
    await onScreen(queryClient, client, { status: 'active' }, 5);
    await offScreen(queryClient, client, { status: 'any' }, 5);
    const loadedActive = rows(queryClient.getQueryData<SessionPages>(keyOf({ status: 'active' })));
    const loadedAny = rows(queryClient.getQueryData<SessionPages>(keyOf({ status: 'any' })));
    expect(loadedActive).toHaveLength(2_100);
    expect(loadedAny).toHaveLength(2_100);

    const report = await table.revoker(dir.path).revokeUsers({ users: ['mass.leaver'], reasonCode: 'offboarding' });
    const revoked = report.results.filter((r) => r.outcome === 'revoked').map((r) => r.id);
    expect(revoked).toHaveLength(1_500);
    // A session the store did not revoke, named all the same: it is shown as the store holds it.
    const untouched = loadedActive.find((s) => s.user !== 'mass.leaver') as Session;
    const loadedRevoked = new Set([...loadedActive, ...loadedAny].filter((s) => s.user === 'mass.leaver').map((s) => s.id));
    expect(loadedRevoked.size).toBeGreaterThan(1_000);

    calls.length = 0;
    await rereadAfterRevoke(queryClient, [...revoked, untouched.id], client);
    // One head read for the list on screen, none for the list off screen; the loaded ids once, 500 a call.
    const reads = calls.filter((c) => c.startsWith('getMany:')).map((c) => Number(c.slice('getMany:'.length)));
    expect(calls.filter((c) => c.startsWith('query:'))).toEqual(['query:25']);
    expect(reads).toHaveLength(Math.ceil((loadedRevoked.size + 1) / MAX_VIEW_IDS));
    expect(Math.max(...reads)).toBeLessThanOrEqual(MAX_VIEW_IDS);
    expect(reads.reduce((a, b) => a + b, 0)).toBe(loadedRevoked.size + 1);

    const active = rows(queryClient.getQueryData<SessionPages>(keyOf({ status: 'active' })));
    expect(active.some((s) => s.user === 'mass.leaver')).toBe(false);
    expect(active).toHaveLength(2_100 - loadedActive.filter((s) => s.user === 'mass.leaver').length);
    expect(active.find((s) => s.id === untouched.id)?.status).toBe('active');
    const any = rows(queryClient.getQueryData<SessionPages>(keyOf({ status: 'any' })));
    expect(any.map((s) => s.id)).toEqual(loadedAny.map((s) => s.id));
    for (const s of any) expect(s.status).toBe(s.user === 'mass.leaver' ? 'revoked' : 'active');
    expect(any.find((s) => s.user === 'mass.leaver')).toMatchObject({ revokedBy: 'local:tester' });
    // The list off screen keeps its time: coming back to it refreshes it at once.
    expect(queryClient.getQueryState(keyOf({ status: 'any' }))?.isInvalidated).toBe(false);
    queryClient.clear();
  }, 300_000);

  it('loads a list again when the read back fails: never stale rows left silently', async () => {
    const now = Math.floor(Date.now() / 1000) + 600;
    const mine = Array.from({ length: 400 }, (_, i) => sentinelItem({ seconds: now - i }, { user: i === 7 ? 'nina.target' : 'bystander' }));
    await table.put(mine);
    const calls: string[] = [];
    const client = clientOver(table, calls);
    const queryClient = new QueryClient();
    await onScreen(queryClient, client, { status: 'active' }, 2);
    await offScreen(queryClient, client, { status: 'any' }, 1);
    const target = mine[7] as (typeof mine)[0];
    const report = await table.revoker(dir.path).revokeSessions({ ids: [target.id], reasonCode: 'credential_compromise' });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked']);

    // DynamoDB throttles every batched read past the SDK's attempts.
    table.client.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'BatchGetItemCommand') throw Object.assign(new Error('injected throttling'), { name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 } });
        return next(args);
      },
      { step: 'initialize', name: 'throttle-batch-get' },
    );
    try {
      calls.length = 0;
      await rereadAfterRevoke(queryClient, [target.id], client);
    } finally {
      table.client.middlewareStack.remove('throttle-batch-get');
    }
    // The list on screen was loaded again (every loaded page), as before: it no longer holds the session.
    expect(calls.filter((c) => c === `query:${NEXT_PAGE_SIZE}`).length).toBeGreaterThan(0);
    const active = rows(queryClient.getQueryData<SessionPages>(keyOf({ status: 'active' })));
    expect(active.length).toBeGreaterThan(100);
    expect(active.some((s) => s.id === target.id)).toBe(false);
    // The list off screen is marked to load again when it is next shown; it never showed the report's word.
    expect(queryClient.getQueryState(keyOf({ status: 'any' }))?.isInvalidated).toBe(true);
    queryClient.clear();
  }, 120_000);

  it('a refresh tick read before a revocation and answered after it does not put the revoked session back', async () => {
    const now = Math.floor(Date.now() / 1000) + 1_200;
    const mine = Array.from({ length: 60 }, (_, i) => sentinelItem({ seconds: now - i }, { user: i === 3 ? 'tick.target' : 'bystander' }));
    await table.put(mine);
    const target = mine[3] as (typeof mine)[0];
    const calls: string[] = [];
    const client = clientOver(table, calls);
    const queryClient = new QueryClient();
    await onScreen(queryClient, client, { status: 'active' }, 1);
    const key = keyOf({ status: 'active' });
    expect(rows(queryClient.getQueryData<SessionPages>(key)).some((s) => s.id === target.id)).toBe(true);

    // The tick reads the head of the list (the target in it, active), and its answer is held.
    const { slow, read, release } = holdingHead(client);
    const ticking = refreshTick(queryClient, slow, key, { status: 'active' }, [target.id], { current: new Set() });
    await read;

    // Meanwhile the target is revoked and the list reads it back: it leaves the active list.
    const report = await table.revoker(dir.path).revokeSessions({ ids: [target.id], reasonCode: 'credential_compromise' });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked']);
    await rereadAfterRevoke(queryClient, [target.id], client);
    expect(rows(queryClient.getQueryData<SessionPages>(key)).some((s) => s.id === target.id)).toBe(false);

    // The tick's answer, read before the revocation, comes in: the target stays out of the active list.
    release();
    await ticking;
    expect(rows(queryClient.getQueryData<SessionPages>(key)).some((s) => s.id === target.id)).toBe(false);
    // The next tick reads again, and the list is as the store holds it.
    await refreshTick(queryClient, client, key, { status: 'active' }, [], { current: new Set() });
    const active = rows(queryClient.getQueryData<SessionPages>(key));
    expect(active.some((s) => s.id === target.id)).toBe(false);
    expect(active.length).toBeGreaterThanOrEqual(59);
    queryClient.clear();
  }, 120_000);

  it('the table asking for more while a revocation loads the list again does not keep the rows read before it', async () => {
    const now = Math.floor(Date.now() / 1000) + 1_800;
    const mine = Array.from({ length: 800 }, (_, i) => sentinelItem({ seconds: now - i }, { user: i === 5 ? 'scroll.target' : 'bystander' }));
    await table.put(mine);
    const target = mine[5] as (typeof mine)[0];
    const client = clientOver(table, []);
    // Reads of a page after the first wait while `gate` is shut (a page loading, as on a slow store).
    let gate: Promise<void> | null = null;
    let open: () => void = () => undefined;
    let held = 0;
    const gated: RefreshClient = {
      query: async (request) => {
        if (request.cursor !== undefined && gate) {
          held += 1;
          await gate;
        }
        return client.query(request);
      },
      getMany: (request) => client.getMany(request),
    };
    const queryClient = new QueryClient();
    const filter: Filter = { status: 'active' };
    const key = keyOf(filter);
    const observer = observeList(queryClient, gated, filter, stop);
    await observer.refetch();
    await observer.fetchNextPage();
    expect(rows(queryClient.getQueryData<SessionPages>(key)).some((s) => s.id === target.id)).toBe(true);

    // The operator is at the end of the list: the table asks for page 3, which is loading when the revocation is done.
    gate = new Promise<void>((r) => (open = r));
    const asked = askNextPage(queryClient, key, observer.fetchNextPage);
    await expect.poll(() => held).toBe(1);
    const report = await table.revoker(dir.path).revokeSessions({ ids: [target.id], reasonCode: 'credential_compromise' });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked']);
    // A page was loading: the list is loaded again (its first page, then its second, which waits).
    const rereading = rereadAfterRevoke(queryClient, [target.id], gated);
    await expect.poll(() => held).toBe(2);
    // The table, no longer loading a next page and still at the end, asks for more.
    const askedAgain = askNextPage(queryClient, key, observer.fetchNextPage);
    open();
    gate = null;
    await Promise.all([asked, rereading, askedAgain]);
    await expect.poll(() => queryClient.getQueryState(key)?.fetchStatus).toBe('idle');
    // The list holds what the store holds after the revocation: the target is not in the active
    // list; the page the table asked for was read once the list was in, after it.
    const active = rows(queryClient.getQueryData<SessionPages>(key));
    expect(queryClient.getQueryData<SessionPages>(key)?.pages).toHaveLength(3);
    const shown = new Set(active.map((s) => s.id));
    expect(shown.size).toBe(active.length);
    expect(mine.slice(0, 700).filter((s) => s.id !== target.id && !shown.has(s.id))).toEqual([]);
    expect(active.some((s) => s.id === target.id)).toBe(false);
    queryClient.clear();
  }, 120_000);

  it('the table asking for more while a list just chosen loads its first page reads only that page', async () => {
    const now = Math.floor(Date.now() / 1000) + 3_600;
    await table.put(Array.from({ length: 300 }, (_, i) => sentinelItem({ seconds: now - i }, { user: 'first.load' })));
    const calls: string[] = [];
    const queryClient = new QueryClient();
    const filter: Filter = { status: 'active' };
    const observer = observeList(queryClient, clientOver(table, calls), filter, stop);
    // The table still shows the previous filter's rows (at their end) and asks for more.
    const loading = observer.refetch();
    await askNextPage(queryClient, keyOf(filter), observer.fetchNextPage);
    await loading;
    expect(queryClient.getQueryData<SessionPages>(keyOf(filter))?.pages).toHaveLength(1);
    expect(calls).toEqual(['query:100']);
    queryClient.clear();
  }, 120_000);

  it('a head read from an index that lags the revocation does not put the revoked sessions back', async () => {
    const now = Math.floor(Date.now() / 1000) + 2_400;
    const mine = Array.from({ length: 60 }, (_, i) => sentinelItem({ seconds: now - 10 - i }, { user: i === 0 ? 'lag.loaded' : 'bystander' }));
    await table.put(mine);
    const client = clientOver(table, []);
    const queryClient = new QueryClient();
    const filter: Filter = { status: 'active' };
    const key = keyOf(filter);
    await onScreen(queryClient, client, filter, 1);
    const listed = rows(queryClient.getQueryData<SessionPages>(key)).map((s) => s.id);
    // A session that arrived after the list was loaded (not in it yet), newest of all.
    const arrived = sentinelItem({ seconds: now }, { user: 'lag.arrived' });
    await table.put([arrived]);
    const loaded = mine[0] as (typeof mine)[0];
    const before = new Map((await client.getMany({ ids: [loaded.id, arrived.id] })).sessions.map((s) => [s.id, s]));
    expect(before.size).toBe(2);
    const report = await table.revoker(dir.path).revokeSessions({ ids: [loaded.id, arrived.id], reasonCode: 'credential_compromise' });
    expect(report.results.map((r) => r.outcome)).toEqual(['revoked', 'revoked']);

    // The head is read from the status index, which (on DynamoDB, not DynamoDB Local) may still
    // list both as they were before the revocation: read by id, each says revoked.
    const lagging: RefreshClient = {
      query: async (request) => {
        const page = await client.query(request);
        if (request.cursor !== undefined) return page;
        const stale = [...before.values()].filter((s) => !page.sessions.some((p) => p.id === s.id));
        return { ...page, sessions: [...stale, ...page.sessions].sort((a, b) => ((a.createdAt ?? '') < (b.createdAt ?? '') ? 1 : -1)).slice(0, request.limit) };
      },
      getMany: (request) => client.getMany(request),
    };
    await rereadAfterRevoke(queryClient, [loaded.id, arrived.id], lagging);
    const active = rows(queryClient.getQueryData<SessionPages>(key));
    expect(active.some((s) => s.id === loaded.id)).toBe(false);
    expect(active.some((s) => s.id === arrived.id)).toBe(false);
    // The rest as listed, no more and no less.
    expect(active.map((s) => s.id)).toEqual(listed.filter((id) => id !== loaded.id));
    queryClient.clear();
  }, 120_000);

  it('the read-back of a revocation answered after a later one does not put the later one\'s session back', async () => {
    const now = Math.floor(Date.now() / 1000) + 3_000;
    const mine = Array.from({ length: 60 }, (_, i) => sentinelItem({ seconds: now - i }, { user: i === 2 ? 'later.target' : i === 10 ? 'first.target' : 'bystander' }));
    await table.put(mine);
    const first = mine[10] as (typeof mine)[0];
    const later = mine[2] as (typeof mine)[0];
    const client = clientOver(table, []);
    const queryClient = new QueryClient();
    const filter: Filter = { status: 'active' };
    const key = keyOf(filter);
    await onScreen(queryClient, client, filter, 1);

    // The first revocation's read-back reads the head of the list (the later target in it, active), and its answer is held.
    const { slow, read, release } = holdingHead(client);
    expect((await table.revoker(dir.path).revokeSessions({ ids: [first.id], reasonCode: 'credential_compromise' })).results[0]?.outcome).toBe('revoked');
    const firstReadBack = rereadAfterRevoke(queryClient, [first.id], slow);
    await read;

    // Meanwhile a second revocation is done and read back: its target leaves the active list.
    expect((await table.revoker(dir.path).revokeSessions({ ids: [later.id], reasonCode: 'credential_compromise' })).results[0]?.outcome).toBe('revoked');
    await rereadAfterRevoke(queryClient, [later.id], client);
    expect(rows(queryClient.getQueryData<SessionPages>(key)).some((s) => s.id === later.id)).toBe(false);

    // The first read-back, its head read before the second revocation, comes in: neither target is listed active.
    release();
    await firstReadBack;
    const active = rows(queryClient.getQueryData<SessionPages>(key));
    expect(active.some((s) => s.id === first.id)).toBe(false);
    expect(active.some((s) => s.id === later.id)).toBe(false);
    queryClient.clear();
  }, 120_000);

  it('a refresh tick soon after a revocation, its head read from an index that still lags it, does not put the revoked session back', async () => {
    const now = Math.floor(Date.now() / 1000) + 4_200;
    const mine = Array.from({ length: 40 }, (_, i) => sentinelItem({ seconds: now - i }, { user: i === 1 ? 'tick.lag' : 'bystander' }));
    await table.put(mine);
    const target = mine[1] as (typeof mine)[0];
    const client = clientOver(table, []);
    const queryClient = new QueryClient();
    const filter: Filter = { status: 'active' };
    const key = keyOf(filter);
    await onScreen(queryClient, client, filter, 1);
    const before = (await client.getMany({ ids: [target.id] })).sessions[0] as Session;
    expect((await table.revoker(dir.path).revokeSessions({ ids: [target.id], reasonCode: 'credential_compromise' })).results[0]?.outcome).toBe('revoked');
    await rereadAfterRevoke(queryClient, [target.id], client);
    expect(rows(queryClient.getQueryData<SessionPages>(key)).some((s) => s.id === target.id)).toBe(false);

    // The next tick reads the head from the status index, which (on DynamoDB) may still list the target active.
    const lagging: RefreshClient = {
      query: async (request) => {
        const page = await client.query(request);
        if (request.cursor !== undefined || page.sessions.some((s) => s.id === target.id)) return page;
        return { ...page, sessions: [...page.sessions.slice(0, 1), before, ...page.sessions.slice(1)].slice(0, request.limit) };
      },
      getMany: (request) => client.getMany(request),
    };
    await refreshTick(queryClient, lagging, key, filter, [], { current: new Set() });
    expect(rows(queryClient.getQueryData<SessionPages>(key)).some((s) => s.id === target.id)).toBe(false);
    queryClient.clear();
  }, 120_000);
});
