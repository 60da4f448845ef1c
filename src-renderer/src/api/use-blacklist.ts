import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BlacklistPending } from '../../../src-shared/blacklist';
import { useToasts } from '../ui/toast-store';
import { wardenClient } from './warden-client';

/** Every blacklist query (pending writes); invalidated after revocations and retries. */
export const BLACKLIST_QUERY_KEY = ['blacklist'] as const;
const PENDING_KEY = [...BLACKLIST_QUERY_KEY, 'pending'] as const;

/**
 * Blacklist writes that no Redis has acknowledged yet, across every saved connection (main
 * retries them in the background whichever connection is active). Polled every 15 s.
 */
export function useBlacklistPending() {
  return useQuery({ queryKey: PENDING_KEY, queryFn: () => wardenClient.blacklist.pending(), refetchInterval: 15_000 });
}

/** "Retry now": one delivery round in main, then what is still pending, said in a toast. */
export function useRetryBlacklist() {
  const queryClient = useQueryClient();
  const show = useToasts((s) => s.show);
  return useMutation({
    mutationFn: () => wardenClient.blacklist.retry(),
    onSuccess: (pending: BlacklistPending) => {
      queryClient.setQueryData(PENDING_KEY, pending);
      if (pending.total === 0) {
        show('Every pending blacklist write is now in its blacklist Redis.');
        return;
      }
      const error = pending.targets.find((t) => t.error)?.error;
      show(`${pending.total} blacklist write${pending.total === 1 ? ' is' : 's are'} still pending${error ? `: ${error}` : ''}. They are retried in the background.`, 'warning');
    },
    onError: (error: Error) => show(`The retry did not run: ${error.message}. The writes are still kept and retried in the background.`, 'warning'),
    onSettled: () => queryClient.invalidateQueries({ queryKey: BLACKLIST_QUERY_KEY }),
  });
}
