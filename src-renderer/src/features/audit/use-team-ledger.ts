import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TeamLedgerStatus } from '../../../../src-shared/team-ledger';
import { wardenClient } from '../../api/warden-client';
import { useToasts } from '../../ui/toast-store';

const TEAM_KEY = ['ledger', 'team'] as const;

/** The connection's team ledger as this desk's delivery sees it (pending entries, last error). Polled every 15 s. */
export function useTeamLedger() {
  return useQuery({ queryKey: TEAM_KEY, queryFn: () => wardenClient.ledger.team(), refetchInterval: 15_000 });
}

/** "Deliver now": one delivery round in main; then the table and the verification are read again. */
export function useDeliverTeamLedger() {
  const queryClient = useQueryClient();
  const show = useToasts((s) => s.show);
  return useMutation({
    mutationFn: () => wardenClient.ledger.deliver(),
    onSuccess: (status: TeamLedgerStatus) => {
      queryClient.setQueryData(TEAM_KEY, status);
      if (!status.configured) return;
      if (status.lastError !== null) show(`Delivery to the ${status.label} did not finish: ${status.lastError}. ${pendingWords(status.pending)} kept in this desk's ledger and tried again in the background.`, 'warning');
      else if (status.pending === 0) show(`Every entry of this desk is on the ${status.label}.`);
    },
    onError: (error: Error) => show(`Delivery did not run: ${error.message}. The entries stay in this desk's ledger and are tried again in the background.`, 'warning'),
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['ledger'] }),
  });
}

/** "3 entries are" / "1 entry is". */
export function pendingWords(pending: number): string {
  return `${pending.toLocaleString('en-US')} ${pending === 1 ? 'entry is' : 'entries are'}`;
}
