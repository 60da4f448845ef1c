import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { BlastRadius, IamApplyResult, IamRemoveResult } from '../../../../src-shared/iam-deny';
import type { ConfirmedConnection } from '../../../../src-shared/revocation';
import { wardenClient } from '../../api/warden-client';

/** Every iam query (plans and the attached policies); invalidated after a put or a removal. */
export const IAM_KEY = ['iam'] as const;
const LIST_KEY = [...IAM_KEY, 'list'] as const;

/**
 * The deny plan for these revoked sessions at this blast radius: main reads the sessions, maps
 * their profiles to roles and counts each role's other inline policies. Made once per choice
 * (not polled): its `plannedAt` is what an apply names back.
 */
export function useDenyPlan(request: { ids: string[]; blast: BlastRadius; incident?: string | undefined }, enabled: boolean) {
  return useQuery({
    queryKey: [...IAM_KEY, 'plan', request],
    queryFn: () => wardenClient.iam.plan(request),
    enabled,
    staleTime: Infinity,
    gcTime: 0,
    refetchOnWindowFocus: false,
  });
}

export interface ApplyRequest {
  ids: string[];
  blast: BlastRadius;
  incident?: string | undefined;
  plannedAt: string;
  role: string;
  sha256: string;
  typedRole?: string | undefined;
  acceptWidened?: boolean | undefined;
  connection: ConfirmedConnection;
}

/** iam:PutRolePolicy of the shown document; IAM's refusal comes back as the answer, not an error. */
export function useApplyDeny() {
  const queryClient = useQueryClient();
  return useMutation<IamApplyResult, Error, ApplyRequest>({
    mutationFn: (request) => wardenClient.iam.apply(request),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: LIST_KEY });
      void queryClient.invalidateQueries({ queryKey: ['ledger'] });
    },
  });
}

/** Our deny policies still attached to the connection's mapped roles; read again every minute (one may become removable). */
export function useAttachedDenies(enabled: boolean) {
  return useQuery({ queryKey: LIST_KEY, queryFn: () => wardenClient.iam.list(), enabled, refetchInterval: 60_000, refetchOnWindowFocus: false });
}

export function useRemoveDeny() {
  const queryClient = useQueryClient();
  return useMutation<IamRemoveResult, Error, { role: string; name: string; override: boolean; connection: ConfirmedConnection }>({
    mutationFn: (request) => wardenClient.iam.remove(request),
    onSettled: () => {
      void queryClient.invalidateQueries({ queryKey: LIST_KEY });
      void queryClient.invalidateQueries({ queryKey: ['ledger'] });
    },
  });
}
