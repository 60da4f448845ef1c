import type { z } from 'zod';
import type { SessionsFilterSchema, SessionsPage, SessionsQueryRequest } from '../src-shared/contract';
import type { Session } from '../src-shared/session';
import type { UserDirectorySource } from './users/user-directory';

/**
 * What every store adapter (Sentinel on DynamoDB, web sessions on Redis) offers the handlers.
 * Adapters throw WardenError with an operator-readable message when the store fails.
 */
export interface SessionStore extends UserDirectorySource {
  /** One page of sessions, newest first; `request.cursor` continues a previous page. */
  query(request: SessionsQueryRequest): Promise<SessionsPage>;
  /** One session by id; null when the store has no such session. */
  get(id: string): Promise<Session | null>;
  /**
   * Many sessions by id in as few store requests as the store allows (BatchGetItem, one pipeline,
   * one SELECT): the revocation watch reads every watched session each tick this way. Ids the
   * store has no session for are absent from the map; so are records the store holds but that do
   * not read as a session (corrupt, or written to look so), which are named to `onUnreadable`.
   */
  getMany?(ids: readonly string[], onUnreadable?: (id: string) => void): Promise<Map<string, Session>>;
  /**
   * How many sessions the store holds in each status, exactly, in as few requests as the store
   * allows (one count statement; an index's partitions counted a page of up to 1 MB per request):
   * the Activity view's counts. Absent where the store cannot count without reading every session.
   */
  countByStatus?(): Promise<StatusCounts>;
  /** True when a session may come on two pages of one listing (a Redis SCAN): callers de-duplicate. */
  readonly pagesMayRepeat?: boolean;
}

/** Sessions by derived status (see `SessionStore.countByStatus`). */
export interface StatusCounts {
  active: number;
  revoked: number;
  expired: number;
}

/** A filter without paging (what an export is given). */
export type SessionsFilter = z.output<typeof SessionsFilterSchema>;

/**
 * Every page of a filter, following the cursor. Sessions a store may repeat across pages (a Redis
 * SCAN) are handed out once. Entries the store could not read as sessions (`page.unreadable`) are
 * added up in `unreadable`, for a caller that must not take them for "no session".
 */
export async function* sessionPages(store: SessionStore, filter: SessionsFilter, pageSize = 500, unreadable?: { count: number }): AsyncGenerator<Session[]> {
  const seen = store.pagesMayRepeat ? new Set<string>() : null;
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...filter, limit: pageSize, ...(cursor ? { cursor } : {}) });
    if (unreadable && page.unreadable) unreadable.count += page.unreadable.count;
    yield seen ? page.sessions.filter((s) => !seen.has(s.id) && seen.add(s.id) !== undefined) : page.sessions;
    cursor = page.nextCursor;
  } while (cursor);
}
