import type { z } from 'zod';
import type { SessionsFilterSchema, SessionsPage, SessionsQueryRequest } from '../src-shared/contract';
import type { Session } from '../src-shared/session';

/**
 * What every store adapter (Sentinel on DynamoDB, web sessions on Redis) offers the handlers.
 * Adapters throw WardenError with an operator-readable message when the store fails.
 */
export interface SessionStore {
  /** One page of sessions, newest first; `request.cursor` continues a previous page. */
  query(request: SessionsQueryRequest): Promise<SessionsPage>;
  /** One session by id; null when the store has no such session. */
  get(id: string): Promise<Session | null>;
  /** True when a session may come on two pages of one listing (a Redis SCAN): callers de-duplicate. */
  readonly pagesMayRepeat?: boolean;
}

/** A filter without paging (what an export is given). */
export type SessionsFilter = z.output<typeof SessionsFilterSchema>;
