import { keepPreviousData, useInfiniteQuery, useQuery } from '@tanstack/react-query';
import type { SessionsQueryRequest } from '../../../../src-shared/contract';
import { wardenClient } from '../../api/warden-client';

/** The first page comes fast; later pages (loaded on scroll) are larger, for fewer round trips. */
export const FIRST_PAGE_SIZE = 100;
export const NEXT_PAGE_SIZE = 500;

type Filter = Omit<Partial<SessionsQueryRequest>, 'cursor' | 'limit'>;

/**
 * Sessions for a filter, newest first, a page at a time (more load on scroll), refreshed by
 * polling every `refreshMs` unless paused. Previous rows stay on screen while a new filter loads.
 */
export function useSessions(filter: Filter, refresh: { refreshMs: number; paused: boolean; enabled?: boolean }) {
  return useInfiniteQuery({
    queryKey: ['sessions', 'list', filter],
    queryFn: ({ pageParam }) =>
      wardenClient.sessions.query({ ...filter, limit: pageParam ? NEXT_PAGE_SIZE : FIRST_PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor,
    refetchInterval: refresh.paused ? false : refresh.refreshMs,
    placeholderData: keepPreviousData,
    enabled: refresh.enabled ?? true,
  });
}

/** One session, fresh from the store (for the detail panel). */
export function useSession(id: string | null) {
  return useQuery({
    queryKey: ['sessions', 'one', id],
    queryFn: async () => (await wardenClient.sessions.get({ id: id as string })).session,
    enabled: id !== null,
  });
}

/** How many active sessions a user has (up to 500), for "revoke all of this user". */
export function useActiveCount(user: string | null) {
  return useQuery({
    queryKey: ['sessions', 'active-count', user],
    queryFn: async () => (await wardenClient.sessions.query({ status: 'active', user: user as string, limit: 500 })).sessions.length,
    enabled: user !== null && user !== '',
  });
}
