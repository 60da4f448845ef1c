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

/** More sessions match than one revocation may carry: narrow the filter. */
export class TooManyMatchingError extends Error {
  override name = 'TooManyMatchingError';
}

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
