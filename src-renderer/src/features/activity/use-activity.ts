import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { wardenClient } from '../../api/warden-client';

/** The activity summary for a range; refreshed every minute while shown. */
export function useActivity(range: { since: string; until: string } | null) {
  return useQuery({
    queryKey: ['activity', range],
    queryFn: () => wardenClient.activity.summary(range as { since: string; until: string }),
    enabled: range !== null,
    refetchInterval: 60_000,
    placeholderData: keepPreviousData,
  });
}
