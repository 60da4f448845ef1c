import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { RevokeReport, RevokeSessionsRequest, RevokeUsersRequest } from '../../../src-shared/revocation';
import { useToasts } from '../ui/toast-store';
import { MAX_EVIDENCE_RUNS } from '../../../src-shared/reason-codes';
import { failedResults, firstOutcome, withRetry, type RevokeOutcome } from './revoke-outcome';
import { useAppInfo } from './use-app-info';
import { wardenClient } from './warden-client';

export type RevokeTarget =
  | { kind: 'sessions'; ids: string[]; users: string[] }
  | { kind: 'user'; user: string; count: number }
  | { kind: 'users'; users: string[]; count: number };

export type RevokeInput = Omit<RevokeSessionsRequest, 'ids'> & { target: RevokeTarget };

/**
 * Revokes through main, reports progress while it runs, and refreshes every sessions query the
 * moment it is done, so the table shows the new state without a manual refresh. Sessions that
 * failed can be tried again with the same reason, ticket and connection (`retryFailed`); the
 * `outcome` then shows each session's latest result.
 */
export function useRevoke() {
  const queryClient = useQueryClient();
  const show = useToasts((s) => s.show);
  // The connection the operator is looking at: main refuses if another one is active by then.
  const connection = useAppInfo().data?.connection.name;
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [outcome, setOutcome] = useState<RevokeOutcome | null>(null);
  // What the operator confirmed (reason, note, ticket, connection): a retry sends exactly that again.
  const [confirmed, setConfirmed] = useState<Omit<RevokeInput, 'target'> | null>(null);
  // Bumped by `reset`: a run that finishes after the operator moved on must not bring its result back.
  const generation = useRef(0);
  const mutation = useMutation<RevokeReport, Error, RevokeInput & { retry?: boolean; generation: number }>({
    mutationFn: ({ target, retry, generation: _, ...fields }) => {
      setProgress(null);
      const reason = retry ? fields : { ...fields, ...(connection !== undefined ? { connection } : {}) };
      if (!retry) setConfirmed(reason);
      if (target.kind === 'sessions') return wardenClient.revokeSessions({ ids: target.ids, ...reason });
      const request: RevokeUsersRequest = { users: target.kind === 'user' ? [target.user] : target.users, ...reason };
      return wardenClient.revokeUsers(request);
    },
    onSuccess: (report, { retry, generation: asked }) => {
      if (asked === generation.current) setOutcome((previous) => (retry && previous ? withRetry(previous, report) : firstOutcome(report)));
      // What happened in the store is said either way.
      const revoked = report.results.filter((r) => r.outcome === 'revoked').length;
      const problems = report.results.filter((r) => r.outcome === 'failed' || r.outcome === 'not_found').length;
      const pending = report.results.filter((r) => r.blacklist === 'pending').length;
      show(
        `${retry ? 'Retry: ' : ''}${revoked} session${revoked === 1 ? '' : 's'} revoked${problems ? `, ${problems} not revoked` : ''}${pending ? `, ${pending} blacklist write${pending === 1 ? '' : 's'} pending` : ''}.`,
        problems || pending ? 'warning' : 'success',
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['sessions'] }),
  });
  const running = mutation.isPending;
  useEffect(() => {
    if (!running) return undefined;
    return wardenClient.onRevokeProgress(setProgress);
  }, [running]);
  const { mutate, reset } = mutation;
  const start = useCallback((input: RevokeInput) => mutate({ ...input, generation: generation.current }), [mutate]);
  const failed = outcome ? failedResults(outcome) : [];
  const canRetry = confirmed !== null && outcome !== null && outcome.runs.length < MAX_EVIDENCE_RUNS && failed.length > 0;
  const retryFailed = () => {
    if (!canRetry) return;
    const target: RevokeTarget = { kind: 'sessions', ids: failed.map((r) => r.id), users: [...new Set(failed.map((r) => r.user).filter(Boolean))] };
    mutate({ target, ...confirmed, retry: true, generation: generation.current });
  };
  const clear = useCallback(() => {
    generation.current += 1;
    reset();
    setOutcome(null);
    setConfirmed(null);
  }, [reset]);
  return { ...mutation, mutate: start, reset: clear, progress, outcome, failedCount: failed.length, retryFailed, canRetry };
}
