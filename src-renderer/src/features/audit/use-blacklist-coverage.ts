import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { BlacklistCoverage, BlacklistRepair } from '../../../../src-shared/blacklist-coverage';
import type { ConfirmedConnection } from '../../../../src-shared/revocation';
import { wardenClient } from '../../api/warden-client';

/**
 * "Check now": main looks up `revoked:<id>` for every revoked session still alive. A mutation,
 * not a polled query: a check reads every revoked session of the store, so it runs when asked.
 */
export function useCoverageCheck() {
  return useMutation<BlacklistCoverage, Error>({ mutationFn: () => wardenClient.blacklist.coverage() });
}

/** Repairs the confirmed gaps (main checks again first); the Audit table then shows the repair run. */
export function useCoverageRepair() {
  const queryClient = useQueryClient();
  return useMutation<BlacklistRepair, Error, { ids: string[]; connection: ConfirmedConnection }>({
    mutationFn: (request) => wardenClient.blacklist.repair(request),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['ledger'] }),
  });
}
