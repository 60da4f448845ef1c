import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient, type InfiniteData, type Query, type QueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RequestOf, ResponseOf, SessionsPage, SessionsQueryRequest } from '../../../../src-shared/contract';
import type { Session } from '../../../../src-shared/session';
import { SESSION_STATUSES, type SessionStatus } from '../../../../src-shared/session-status';
import { wardenClient } from '../../api/warden-client';
import { PagePrefetch } from './page-prefetch';

/** The first page comes fast; later pages (loaded on scroll) are larger, for fewer round trips. */
export const FIRST_PAGE_SIZE = 100;
export const NEXT_PAGE_SIZE = 500;
/** Rows of the head of the list a refresh reads for new sessions (more pages only when all of them are new). */
export const HEAD_SIZE = 25;
/** Head pages one refresh reads before it gives up stitching and loads the list again. */
const MAX_HEAD_PAGES = 2;
/** Rows in view re-read at most (the contract's limit for `sessions:getMany`). */
export const MAX_VIEW_IDS = 500;
/** How long the table stays still before the rows scrolled into view are re-read. */
const SCROLL_SETTLE_MS = 300;

type Filter = Omit<Partial<SessionsQueryRequest>, 'cursor' | 'limit'>;
export type SessionPages = InfiniteData<SessionsPage, string | undefined>;

/** What a refresh asks main for: the head of the list, and the rows in view by id. */
export interface RefreshClient {
  query(request: RequestOf<'sessions:query'>): Promise<SessionsPage>;
  getMany(request: RequestOf<'sessions:getMany'>): Promise<ResponseOf<'sessions:getMany'>>;
}

/** What one refresh tick read, to merge into the loaded pages. */
export interface TickReading {
  /** The head of the list as the store lists it now (newest first). */
  head: Session[];
  /** Rows re-read by id: the session as it is now, or null when the store no longer holds it. */
  reread: Map<string, Session | null>;
  /** True when the head was all new for every page read: too many to stitch, load the list again. */
  reload: boolean;
}

/** A page as a list reads it, with the rows-read-since-the-last-tick set current when its read began. */
type ListPageRead = { page: SessionsPage; since: Set<string> };

/** What the sessions lists of one cache keep beside their pages. */
interface ListsState {
  /** Each list's page prefetched while the operator keeps scrolling (`PagePrefetch`), by filter. */
  prefetches: Map<string, PagePrefetch<ListPageRead>>;
  /** Revocations this cache has been told of (`revoked`): a read begun before one is not merged after it. */
  revocations: number;
  /** The sessions those revocations named, and when (see `INDEX_LAG_MS`). */
  recent: Map<string, number>;
}
const listsStates = new WeakMap<QueryClient, ListsState>();

function listsStateOf(queryClient: QueryClient): ListsState {
  let state = listsStates.get(queryClient);
  if (state === undefined) listsStates.set(queryClient, (state = { prefetches: new Map(), revocations: 0, recent: new Map() }));
  return state;
}

function prefetchOf(queryClient: QueryClient, filterKey: string): PagePrefetch<ListPageRead> {
  const { prefetches } = listsStateOf(queryClient);
  let ahead = prefetches.get(filterKey);
  if (ahead === undefined) prefetches.set(filterKey, (ahead = new PagePrefetch((read) => read.page.nextCursor)));
  return ahead;
}

const revocationsOf = (queryClient: QueryClient): number => listsStateOf(queryClient).revocations;

/**
 * A revocation is done: rows read before it must not be shown after it. Every page prefetched is
 * dropped, and a refresh (a tick, or rows re-read as they come into view) whose read began
 * before now merges nothing: the next one reads again. Without this, a tick read before a
 * revocation and answered after it put the revoked session back, active, until the next tick.
 */
export function revoked(queryClient: QueryClient, ids: readonly string[] = []): void {
  const state = listsStateOf(queryClient);
  state.revocations += 1;
  for (const ahead of state.prefetches.values()) ahead.drop();
  const recent = recentlyRevokedOf(queryClient);
  const at = Date.now();
  for (const id of ids) recent.set(id, at);
}

/**
 * How long after a revocation a read of the list may still list what it named as it was: DynamoDB
 * reads a list from an index, which follows the table eventually (typically well within a second).
 */
export const INDEX_LAG_MS = 30_000;
/** The sessions revocations this cache was told of named (`revoked`), those older than INDEX_LAG_MS let go. */
function recentlyRevokedOf(queryClient: QueryClient): Map<string, number> {
  const { recent } = listsStateOf(queryClient);
  const now = Date.now();
  for (const [id, at] of recent) if (now - at > INDEX_LAG_MS) recent.delete(id);
  return recent;
}

/**
 * Rows a list read says are active that a revocation named lately: read again by id (which reads
 * the table itself, not an index that may lag it) and taken as the store holds them now, or
 * dropped when it no longer does. Without this, a tick soon after a revocation could list the
 * revoked session active again, from the index, until the next tick.
 */
export async function afterRecentRevocations<T extends readonly Session[]>(queryClient: QueryClient, client: RefreshClient, sessions: T, statuses?: ReadonlySet<SessionStatus>): Promise<T | Session[]> {
  const recent = recentlyRevokedOf(queryClient);
  const suspect = recent.size === 0 ? [] : sessions.filter((s) => s.status === 'active' && recent.has(s.id)).map((s) => s.id);
  if (suspect.length === 0) return sessions;
  const now = await rereadRows(client, suspect);
  return sessions.flatMap((s) => {
    const current = now.get(s.id);
    if (current === undefined) return [s];
    // Gone from the store, or (for a page of a list) no longer of its statuses: not listed.
    return current === null || (statuses !== undefined && !statuses.has(current.status)) ? [] : [current];
  });
}

/** The statuses a filter lists, as `sessions:query` reads them (default `active`). */
export function statusesOf(status: Filter['status']): ReadonlySet<SessionStatus> {
  const list = status === undefined ? ['active'] : status === 'any' ? SESSION_STATUSES : Array.isArray(status) ? status : [status];
  return new Set(list as SessionStatus[]);
}

/**
 * One refresh, costing what is on screen rather than what is loaded: the head of the list (one
 * small page; more only when every row of it is new), then the rows in view that the head did
 * not already bring, in one batched read (`sessions:getMany`). Nothing else loaded is read: the
 * other rows are re-read when they are scrolled into view (`rereadRows`).
 */
export async function readTick(client: RefreshClient, filter: Filter, pages: SessionPages | undefined, inView: readonly string[]): Promise<TickReading> {
  const nothingLoaded = !(pages?.pages ?? []).some((p) => p.sessions.length > 0);
  const head: Session[] = [];
  let reload = true;
  let cursor: string | undefined;
  for (let i = 0; i < MAX_HEAD_PAGES; i += 1) {
    const page = await client.query({ ...filter, limit: i === 0 ? HEAD_SIZE : NEXT_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    head.push(...page.sessions);
    cursor = page.nextCursor;
    // Nothing loaded: the head is the list, unless there is more of it than one head page.
    if (nothingLoaded) {
      reload = cursor !== undefined;
      break;
    }
    // A row already loaded (or the end of the list): everything above it is now in hand.
    if (!cursor || (pages !== undefined && loadedAmong(pages, page.sessions.map((s) => s.id)).size > 0)) {
      reload = false;
      break;
    }
  }
  const inHead = new Set(head.map((s) => s.id));
  const loadedInView = pages === undefined ? new Set<string>() : loadedAmong(pages, inView);
  const wanted = [...new Set(inView)].filter((id) => loadedInView.has(id) && !inHead.has(id)).slice(0, MAX_VIEW_IDS);
  return { head, reread: await rereadRows(client, wanted), reload };
}

/**
 * Which of a few ids are loaded: one walk over the loaded rows against a small set, rather than
 * an index of every loaded id built for each tick (100,000 ids, each tick, is what it replaced).
 */
export function loadedAmong(pages: SessionPages, ids: readonly string[]): Set<string> {
  const wanted = new Set(ids);
  const found = new Set<string>();
  if (wanted.size === 0) return found;
  for (const page of pages.pages) {
    for (const s of page.sessions) {
      if (wanted.has(s.id)) {
        found.add(s.id);
        if (found.size === wanted.size) return found;
      }
    }
  }
  return found;
}

/** Rows by id, in one batched read: null for those the store no longer holds. */
export async function rereadRows(client: RefreshClient, ids: readonly string[]): Promise<Map<string, Session | null>> {
  const reread = new Map<string, Session | null>();
  if (ids.length === 0) return reread;
  const { sessions } = await client.getMany({ ids: ids.slice(0, MAX_VIEW_IDS) });
  for (const id of ids) reread.set(id, null);
  for (const s of sessions) reread.set(s.id, s);
  return reread;
}

/**
 * The loaded pages with a tick's reading merged in: rows re-read (or in the head) take their
 * current status and last access, rows the store no longer holds or that left the filter's
 * statuses go (as a full reload would drop them), and head rows not loaded yet are placed where
 * the head lists them: above the first loaded row (new sessions), or after the loaded row they
 * follow. Pages nothing changed in keep their identity.
 */
export function mergeTick(pages: SessionPages, reading: Pick<TickReading, 'head' | 'reread'>, statuses: ReadonlySet<SessionStatus>): SessionPages {
  const current = new Map<string, Session | null>(reading.reread);
  for (const s of reading.head) current.set(s.id, s);
  const known = reading.head.length === 0 ? new Set<string>() : loadedAmong(pages, reading.head.map((s) => s.id));
  // Unloaded head rows, keyed by the loaded row they follow ('' for the top).
  const inserts = new Map<string, Session[]>();
  let after = '';
  for (const s of reading.head) {
    if (known.has(s.id)) after = s.id;
    else inserts.set(after, [...(inserts.get(after) ?? []), s]);
  }
  let changed = false;
  const merged = pages.pages.map((page, index) => {
    let touched = false;
    const out: Session[] = [];
    const place = (key: string) => {
      const more = inserts.get(key);
      if (more) {
        out.push(...more.filter((s) => statuses.has(s.status)));
        touched = true;
      }
    };
    if (index === 0) place('');
    for (const s of page.sessions) {
      const now = current.get(s.id);
      if (now === undefined) out.push(s);
      else if (now !== null && statuses.has(now.status)) {
        out.push(now);
        if (now !== s) touched = true;
      } else touched = true;
      place(s.id);
    }
    if (!touched) return page;
    changed = true;
    return { ...page, sessions: out };
  });
  return changed ? { ...pages, pages: merged } : pages;
}

/**
 * Sessions for a filter, newest first, a page at a time (more load on scroll), refreshed every
 * `refreshMs` unless paused. A refresh reads the head of the list and the rows in view (tell it
 * which with `onVisibleRows`), never every loaded page; rows scrolled into view are re-read once
 * the table stays still. Previous rows stay on screen while a new filter loads.
 */
export function useSessions(filter: Filter, refresh: { refreshMs: number; paused: boolean; enabled?: boolean }, client: RefreshClient = wardenClient.sessions) {
  const queryClient = useQueryClient();
  const queryKey = ['sessions', 'list', filter] as const;
  const filterKey = JSON.stringify(filter);
  // Rows read since the last tick (pages loaded, head, re-read): scrolling onto them reads nothing.
  const readSinceTick = useRef(new Set<string>());
  const inView = useRef<readonly string[]>([]);
  const [tickError, setTickError] = useState<Error | null>(null);
  const list = useInfiniteQuery({
    queryKey,
    queryFn: async ({ pageParam }) => {
      const { page, since } = await prefetchOf(queryClient, filterKey).read(pageParam, async (cursor) => {
        const since = readSinceTick.current;
        const read = await client.query({ ...filter, limit: cursor ? NEXT_PAGE_SIZE : FIRST_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
        const sessions = await afterRecentRevocations(queryClient, client, read.sessions, statusesOf(filter.status));
        return { page: sessions === read.sessions ? read : { ...read, sessions }, since };
      });
      // Its rows count as read since the last tick only if no tick ended after their read began
      // (a page prefetched may have been read before one): else they are re-read once in view.
      if (readSinceTick.current === since) for (const s of page.sessions) since.add(s.id);
      return page;
    },
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor,
    placeholderData: keepPreviousData,
    enabled: refresh.enabled ?? true,
    // Kept fresh by the ticks below (head + rows in view), never by reading every loaded page
    // again: coming back to the screen does not refetch the list (a revoke still invalidates it).
    staleTime: Infinity,
  });

  useEffect(() => {
    readSinceTick.current = new Set();
    setTickError(null);
  }, [filterKey]);

  const enabled = refresh.enabled ?? true;
  useEffect(() => {
    if (refresh.paused || !enabled) return undefined;
    let running = false;
    let stopped = false;
    const run = () => {
      if (running || stopped) return;
      running = true;
      void refreshTick(queryClient, client, queryKey, filter, inView.current, readSinceTick)
        .then(() => !stopped && setTickError(null))
        .catch((error: unknown) => !stopped && setTickError(error instanceof Error ? error : new Error(String(error))))
        .finally(() => {
          running = false;
        });
    };
    const timer = setInterval(run, refresh.refreshMs);
    // Back on a list older than a tick (the screen was left, or refresh was paused): refresh it now.
    const updatedAt = queryClient.getQueryState(queryKey)?.dataUpdatedAt ?? 0;
    if (updatedAt > 0 && Date.now() - updatedAt >= refresh.refreshMs) run();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
    // The filter is its key: a new object with the same filter is the same list.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [filterKey, refresh.refreshMs, refresh.paused, enabled, queryClient, client]);

  // Rows scrolled into view that no refresh or page load has read since the last tick: once the table stays still.
  const settle = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => () => {
    if (settle.current) clearTimeout(settle.current);
  }, []);
  const onVisibleRows = useCallback(
    (ids: readonly string[]) => {
      inView.current = ids;
      if (settle.current) clearTimeout(settle.current);
      settle.current = setTimeout(() => {
        const stale = inView.current.filter((id) => !readSinceTick.current.has(id));
        if (stale.length === 0 || queryClient.isFetching({ queryKey }) > 0) return;
        for (const id of stale) readSinceTick.current.add(id);
        const before = revocationsOf(queryClient);
        void rereadRows(client, stale)
          .then((reread) => {
            // Read before a revocation: its read-back is newer (the rows are read again when next still in view).
            if (revocationsOf(queryClient) !== before) throw new Error('a revocation came first');
            queryClient.setQueryData<SessionPages>(queryKey, (pages) => (pages ? mergeTick(pages, { head: [], reread }, statusesOf(filter.status)) : pages), { updatedAt: queryClient.getQueryState(queryKey)?.dataUpdatedAt });
          })
          .catch(() => {
            for (const id of stale) readSinceTick.current.delete(id);
          });
      }, SCROLL_SETTLE_MS);
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [filterKey, queryClient, client],
  );

  const listFetchNextPage = list.fetchNextPage;
  const fetchNextPage = useCallback(
    () => askNextPage(queryClient, queryKey, listFetchNextPage),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [filterKey, queryClient, listFetchNextPage],
  );

  return {
    data: list.data,
    isPending: list.isPending,
    isPlaceholderData: list.isPlaceholderData,
    isError: list.isError || tickError !== null,
    error: list.error ?? tickError,
    dataUpdatedAt: list.dataUpdatedAt,
    fetchNextPage,
    hasNextPage: list.hasNextPage,
    isFetchingNextPage: list.isFetchingNextPage,
    refetch: list.refetch,
    /** The table's rows in view (ids), as it scrolls: what each refresh re-reads. */
    onVisibleRows,
  };
}

/**
 * The table asks for the page after the last one loaded (a run of such asks prefetches the page
 * after, `PagePrefetch`). A load under way is never cancelled for it (`cancelRefetch: false`): a
 * load of the whole list again (a revocation's, or a tick's) cancelled by the table at the end of
 * the list kept the pages read before it, a revoked session among them still active, and stitched
 * the next page onto them. The page is asked for once that load is in.
 */
export async function askNextPage(queryClient: QueryClient, queryKey: readonly ['sessions', 'list', Filter], fetchNextPage: (options: { cancelRefetch: boolean }) => Promise<unknown>): Promise<void> {
  for (;;) {
    const state = queryClient.getQueryState(queryKey);
    // Loading again the pages it holds (a first load, under a filter just chosen, is only waited for, as before).
    const reloading = state?.data !== undefined && state.fetchStatus === 'fetching' && (state.fetchMeta as { fetchMore?: unknown } | null)?.fetchMore === undefined;
    if (!reloading) prefetchOf(queryClient, JSON.stringify(queryKey[2])).ask(queryClient.getQueryData<SessionPages>(queryKey)?.pages.at(-1)?.nextCursor);
    await fetchNextPage({ cancelRefetch: false });
    if (!reloading) return;
  }
}

/**
 * One refresh of the list in the cache: read, then merge (or, with too many new rows to stitch,
 * load it again). A reading begun before a revocation this cache was told of (`revoked`) is
 * dropped: the revocation's own read-back is newer.
 */
export async function refreshTick(queryClient: QueryClient, client: RefreshClient, queryKey: readonly unknown[], filter: Filter, inView: readonly string[], readSinceTick: { current: Set<string> }): Promise<void> {
  // A page loading now would be stitched onto the pages as they were: refresh on the next tick.
  if (queryClient.isFetching({ queryKey }) > 0) return;
  const pages = queryClient.getQueryData<SessionPages>(queryKey);
  if (pages === undefined) return;
  const before = revocationsOf(queryClient);
  const read = await readTick(client, filter, pages, inView);
  const head = await afterRecentRevocations(queryClient, client, read.head);
  const reading = head === read.head ? read : { ...read, head };
  if (revocationsOf(queryClient) !== before) return;
  if (reading.reload) {
    await queryClient.refetchQueries({ queryKey, exact: true });
    return;
  }
  readSinceTick.current = new Set([...reading.head.map((s) => s.id), ...reading.reread.keys()]);
  queryClient.setQueryData<SessionPages>(queryKey, (now) => (now ? mergeTick(now, reading, statusesOf(filter.status)) : now));
}

/**
 * Every cached sessions list brought up to date after a revocation, at the cost of what it names
 * rather than what is loaded: the named sessions loaded in any list are read back by id (batched,
 * MAX_VIEW_IDS a call, once for all lists), each list on screen reads its head once for new
 * arrivals, and each list takes what the store holds as a tick does (`mergeTick`: a revoked row
 * leaves an active list and shows revoked in a list of every status). Nothing is taken from the
 * revocation's report itself. A list this cannot refresh (a read failed, a page is loading, too
 * many new rows to stitch, a list of revoked but not active sessions that the sessions named
 * may join anywhere) is loaded again, as a revocation used to load every list.
 */
export async function rereadAfterRevoke(queryClient: QueryClient, ids: readonly string[], client: RefreshClient = wardenClient.sessions): Promise<void> {
  revoked(queryClient, ids);
  const mine = revocationsOf(queryClient);
  // A later revocation came while this read back: what was read may predate it, and its own read-back is newer.
  const superseded = () => revocationsOf(queryClient) !== mine;
  const lists = queryClient
    .getQueryCache()
    .findAll({ queryKey: ['sessions', 'list'] })
    .flatMap((query) => {
      const pages = query.state.data as SessionPages | undefined;
      return pages === undefined ? [] : [{ query, pages, loaded: loadedAmong(pages, ids) }];
    });
  const named = new Set(ids);
  const wanted = [...new Set(lists.flatMap((l) => [...l.loaded]))];
  const rereading = wanted.length === 0 ? null : rereadInBatches(client, wanted);
  // Each list that needs it awaits it (and loads again if it failed); none may be left unheard.
  rereading?.catch(() => undefined);
  await Promise.all(
    lists.map(async ({ query, pages, loaded }) => {
      const { queryKey } = query;
      try {
        // A page loading now may hold rows read before the revocation: load the list again.
        if (fetching(query)) throw new Error('a page is loading');
        const filter = queryKey[2] as Filter;
        const statuses = statusesOf(filter.status);
        // A list of revoked sessions but not active ones gains those just revoked, wherever they fall in it: a load places them.
        if (statuses.has('revoked') && !statuses.has('active') && loaded.size < named.size) throw new Error('the list gains rows');
        const onScreen = query.getObserversCount() > 0;
        const [reread, heading] = await Promise.all([loaded.size > 0 && rereading ? rereading : new Map<string, Session | null>(), onScreen ? readTick(client, filter, pages, []) : null]);
        if (!onScreen && loaded.size === 0) return;
        if (heading?.reload) {
          await queryClient.refetchQueries({ queryKey, exact: true });
          return;
        }
        // The head comes from an index that may lag the revocation just written (a DynamoDB GSI is
        // read eventually consistent): a session it names in the head is taken as read by id, never
        // from the head, or the head would list it active again (and place it when not loaded).
        const unread = (heading?.head ?? []).filter((s) => named.has(s.id) && !reread.has(s.id)).map((s) => s.id);
        const byId = unread.length === 0 ? reread : new Map([...reread, ...(await rereadRows(client, unread))]);
        const head = (heading?.head ?? []).flatMap((s) => (named.has(s.id) ? [byId.get(s.id)].filter((n): n is Session => n !== null && n !== undefined) : [s]));
        const reading = { head, reread };
        // A list off screen read no head: it keeps its time, so coming back to it refreshes it at once.
        const kept = heading && !superseded() ? {} : { updatedAt: queryClient.getQueryState(queryKey)?.dataUpdatedAt };
        queryClient.setQueryData<SessionPages>(queryKey, (now) => (now ? mergeTick(now, unlessSuperseded(reading, superseded()), statuses) : now), kept);
        // A page that began loading during the read-back is stitched onto the pages as they were then: merge again once it is in.
        if (fetching(query)) mergeAgainAfterFetch(queryClient, query, () => unlessSuperseded(reading, superseded()), statuses);
      } catch {
        await queryClient.invalidateQueries({ queryKey, exact: true });
      }
    }),
  );
}

/** Read each time: a fetch may begin or end between two looks. */
const fetching = (query: Query): boolean => query.state.fetchStatus === 'fetching';

/**
 * What of a revocation's read-back may still be merged once a later revocation came: no head (it
 * may list the later one's sessions active, as they were before it) and no row read active (the
 * later one may have revoked it since); rows read revoked, expired or gone stay so.
 */
function unlessSuperseded(reading: Pick<TickReading, 'head' | 'reread'>, superseded: boolean): Pick<TickReading, 'head' | 'reread'> {
  if (!superseded) return reading;
  return { head: [], reread: new Map([...reading.reread].filter(([, s]) => s === null || s.status !== 'active')) };
}

/** Merges `reading` (as it is then) into the list again as soon as the fetch under way ends (however it ends). */
function mergeAgainAfterFetch(queryClient: QueryClient, query: Query, readingNow: () => Pick<TickReading, 'head' | 'reread'>, statuses: ReadonlySet<SessionStatus>): void {
  const unsubscribe = queryClient.getQueryCache().subscribe((event) => {
    if (event.query !== query) return;
    if (event.type === 'removed') return unsubscribe();
    if (event.type !== 'updated' || fetching(query)) return;
    unsubscribe();
    const reading = readingNow();
    queryClient.setQueryData<SessionPages>(query.queryKey, (now) => (now ? mergeTick(now, reading, statuses) : now), { updatedAt: query.state.dataUpdatedAt });
  });
}

/** Rows by id, MAX_VIEW_IDS a call (one after another: a large revocation does not flood the store). */
async function rereadInBatches(client: RefreshClient, ids: readonly string[]): Promise<Map<string, Session | null>> {
  const reread = new Map<string, Session | null>();
  for (let i = 0; i < ids.length; i += MAX_VIEW_IDS) {
    for (const [id, s] of await rereadRows(client, ids.slice(i, i + MAX_VIEW_IDS))) reread.set(id, s);
  }
  return reread;
}

/** One session, fresh from the store (for the detail panel). */
export function useSession(id: string | null) {
  return useQuery({
    queryKey: ['sessions', 'one', id],
    queryFn: async () => (await wardenClient.sessions.get({ id: id as string })).session,
    enabled: id !== null,
  });
}

/**
 * How many active sessions a user has, for "revoke all of this user": the count main's preview
 * gives (`users:preview`, as an offboarding run is previewed), not rows listed here.
 */
export function useActiveCount(user: string | null) {
  return useQuery({
    queryKey: ['sessions', 'active-count', user],
    queryFn: async () => {
      const { users } = await wardenClient.users.preview({ users: [user as string] });
      return users.find((u) => u.user === user)?.activeSessions ?? 0;
    },
    enabled: user !== null && user !== '',
  });
}
