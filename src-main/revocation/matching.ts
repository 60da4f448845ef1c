import { createHash } from 'node:crypto';
import type { SessionsQueryRequest } from '../../src-shared/contract';
import { MAX_REVOKE_IDS } from '../../src-shared/revocation';
import type { Session } from '../../src-shared/session';
import type { SessionStore } from '../session-store';

/*
 * "Revoke everything this filter matches": every active session the store holds for a filter,
 * across every page (not what a screen happened to load), counted per user and profile for the
 * dry run, then revoked by id: the sessions counted are the sessions revoked.
 */

/** A filter without paging or status: only active sessions are ever revoked. */
export type MatchingFilter = Omit<SessionsQueryRequest, 'status' | 'limit' | 'cursor'>;

/** Above this many sessions the operator must confirm the count (typed in the app, `--expect-count` on the command line). */
export const CONFIRM_COUNT_ABOVE = 100;

export interface NamedCount {
  name: string;
  count: number;
}

export interface MatchingSessions {
  sessions: Session[];
  /** sha256 of the sorted ids: the confirmation names exactly these sessions, not just as many. */
  digest: string;
  /** Per user and per profile, most first (ties by name). */
  byUser: NamedCount[];
  byProfile: NamedCount[];
}

/** A filter refused for revoking everything it matches; the message says what to do instead. */
export class MatchingRefusedError extends Error {
  override name = 'MatchingRefusedError';
}

/** More sessions match than one revocation may carry: narrow the filter. */
export class TooManyMatchingError extends MatchingRefusedError {
  override name = 'TooManyMatchingError';
}

/** A time range that holds every active session of the store (`--since 1970`): it narrows nothing. */
export class NarrowsNothingError extends MatchingRefusedError {
  override name = 'NarrowsNothingError';
}

/** Filters that only bound when sessions were created: they narrow only if an active session falls outside. */
const TIME_BOUNDS: ReadonlySet<string> = new Set(['since', 'until']);

const PAGE = 500;

/** Every active session the filter matches, paged through the store; refuses more than one revocation may carry. */
export async function matchingSessions(store: Pick<SessionStore, 'query'>, filter: MatchingFilter, max = MAX_REVOKE_IDS): Promise<MatchingSessions> {
  const sessions: Session[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.query({ ...filter, status: 'active', limit: PAGE, ...(cursor ? { cursor } : {}) });
    sessions.push(...page.sessions);
    if (sessions.length > max) throw new TooManyMatchingError(`more than ${max} active sessions match: narrow the filter (by user, profile, server instance or time) and revoke in parts`);
    cursor = page.nextCursor;
  } while (cursor);
  if (sessions.length > 0 && onlyTimeBounds(filter) && !(await leavesOneOut(store, new Set(sessions.map((s) => s.id))))) {
    throw new NarrowsNothingError(`the time range holds every one of the store's ${sessions.length} active sessions, so it narrows nothing: add a user, profile, server instance or other filter, or a range that leaves some sessions out`);
  }
  return { sessions, digest: digestOf(sessions), byUser: countBy(sessions, (s) => s.user), byProfile: countBy(sessions, (s) => s.profile ?? '(no profile)') };
}

/** Which sessions, as one value: the same set gives the same digest whatever the store's order. */
export function digestOf(sessions: readonly Pick<Session, 'id'>[]): string {
  return createHash('sha256')
    .update(
      sessions
        .map((s) => s.id)
        .sort()
        .join('\n'),
    )
    .digest('hex');
}

function countBy(sessions: readonly Session[], key: (s: Session) => string): NamedCount[] {
  const counts = new Map<string, number>();
  for (const s of sessions) counts.set(key(s), (counts.get(key(s)) ?? 0) + 1);
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/** Whether a filter narrows anything: revoking every active session of a store takes more than an empty filter. */
export function narrows(filter: MatchingFilter): boolean {
  return Object.values(filter).some((v) => v !== undefined && v !== '');
}

function onlyTimeBounds(filter: MatchingFilter): boolean {
  return Object.entries(filter).every(([key, value]) => value === undefined || value === '' || TIME_BOUNDS.has(key));
}

/** Whether the store holds an active session the filter did not match (read until the first one). */
async function leavesOneOut(store: Pick<SessionStore, 'query'>, matched: ReadonlySet<string>): Promise<boolean> {
  let cursor: string | undefined;
  do {
    const page = await store.query({ status: 'active', limit: PAGE, ...(cursor ? { cursor } : {}) });
    if (page.sessions.some((s) => !matched.has(s.id))) return true;
    cursor = page.nextCursor;
  } while (cursor);
  return false;
}

/**
 * Revocations under way that the operator may stop, by the id the caller sent with each
 * (`revoke:cancel`). Cancelling aborts the run's signal; the revoker then starts no further
 * session and finishes those under way (see RunOptions).
 */
export class CancellableRuns {
  readonly #running = new Map<string, AbortController>();

  /** Whether a run is under way under this id (a second one under it is refused: cancel would be ambiguous). */
  has(id: string): boolean {
    return this.#running.has(id);
  }

  /** Runs `work` with the signal `cancel(id)` aborts; without an id, with none. */
  async run<T>(id: string | undefined, work: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
    if (id === undefined) return work(undefined);
    if (this.#running.has(id)) throw new MatchingRefusedError('a revocation with this run id is already under way');
    const controller = new AbortController();
    this.#running.set(id, controller);
    try {
      return await work(controller.signal);
    } finally {
      this.#running.delete(id);
    }
  }

  /** Stops the run; false when none is under way under this id (never started, or over). */
  cancel(id: string): boolean {
    const controller = this.#running.get(id);
    if (!controller || controller.signal.aborted) return false;
    controller.abort();
    return true;
  }
}
