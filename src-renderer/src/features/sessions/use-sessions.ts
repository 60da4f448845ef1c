import { useInfiniteQuery } from '@tanstack/react-query';
import type { SessionStatus } from '../../../../src-shared/session-status';
import { wardenClient } from '../../api/warden-client';

export const PAGE_SIZE = 100;

/** Sessions of one status, newest first, a page at a time (further pages load on scroll). */
export function useSessions(status: SessionStatus) {
  return useInfiniteQuery({
    queryKey: ['sessions', { status }],
    queryFn: ({ pageParam }) =>
      wardenClient.querySessions({ status, limit: PAGE_SIZE, ...(pageParam ? { cursor: pageParam } : {}) }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page) => page.nextCursor,
  });
}
