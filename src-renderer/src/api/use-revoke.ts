import { useMutation, useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { MatchingPreview, SessionsQueryRequest } from '../../../src-shared/contract';
import type { ConfirmedConnection, ConfirmedRevokeUsersRequest, RequestedName, RevokeReport, RevokeResult, RevokeSessionsRequest } from '../../../src-shared/revocation';
import { rereadAfterRevoke, revoked } from '../features/sessions/use-sessions';
import { useToasts } from '../ui/toast-store';
import { MAX_EVIDENCE_RUNS } from '../../../src-shared/reason-codes';
import { firstOutcome, retryableResults, revokeToast, withRetry, type RevokeOutcome } from './revoke-outcome';
import { BLACKLIST_QUERY_KEY } from './use-blacklist';
import { useAppInfo } from './use-app-info';
import { wardenClient } from './warden-client';

export type RevokeTarget =
  | { kind: 'sessions'; ids: string[]; users: string[] }
  /** All of one user's; `email` when the store names the user by an id and knows their e-mail (PostgreSQL). */
  | { kind: 'user'; user: string; count: number; email?: string }
  /**
   * Every active session a filter matches, across every page: `count` and the per-user and
   * per-profile counts as main counted them (`sessions:matching`); main revokes only if the count still holds.
   */
  | { kind: 'matching'; filter: MatchingFilter; count: number; users: string[]; preview: MatchingPreview; chips: string[] }
  /** An offboarding list: `requested` is every name as the list gave it, matched to the store's user (null: unknown). */
  | { kind: 'users'; users: string[]; count: number; requested?: RequestedName[] };

/** A filter for "revoke all matching": sessions:query's, without status or paging. */
export type MatchingFilter = Omit<SessionsQueryRequest, 'status' | 'limit' | 'cursor'>;

export type RevokeInput = Omit<RevokeSessionsRequest, 'ids'> & { target: RevokeTarget };
/** What the operator confirmed: the reason fields and the connection they were confirmed for. */
type Confirmed = Omit<RevokeInput, 'target'> & { connection: ConfirmedConnection };

/**
 * The sessions views brought up to date after a revocation, by what the store holds: the lists
 * read back only the sessions the report names that they have loaded (never every loaded page),
 * and the single-session views (detail, a user's live sessions, counts: one request each) load
 * again. No report (the call failed: what was written is not known): every sessions view loads again.
 */
export async function refreshSessionsAfter(queryClient: QueryClient, results: readonly RevokeResult[] | undefined): Promise<void> {
  if (results === undefined) {
    revoked(queryClient);
    await queryClient.invalidateQueries({ queryKey: ['sessions'] });
    return;
  }
  // A session a cancelled run never reached: nothing was written for it.
  const named = results.filter((r) => r.outcome !== 'not_attempted').map((r) => r.id);
  await Promise.all([rereadAfterRevoke(queryClient, named), queryClient.invalidateQueries({ predicate: ({ queryKey }) => queryKey[0] === 'sessions' && queryKey[1] !== 'list' })]);
}

/**
 * Revokes through main, reports progress while it runs, and brings the sessions views up to date
 * the moment it is done (`refreshSessionsAfter`), so the table shows the new state without a
 * manual refresh. Sessions that failed, or whose blacklist write failed, can be tried again with
 * the same reason, ticket and connection (`retryFailed`); the `outcome` then shows each session's
 * latest result.
 */
export function useRevoke() {
  const queryClient = useQueryClient();
  const show = useToasts((s) => s.show);
  // The connection the operator is looking at (its id and this opening's nonce): main refuses if
  // another one, or another opening of the same one, is active by then.
  const onScreen = useAppInfo().data?.connection;
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [outcome, setOutcome] = useState<RevokeOutcome | null>(null);
  // What the operator confirmed (reason, note, ticket, connection): a retry sends exactly that again.
  const [confirmed, setConfirmed] = useState<Confirmed | null>(null);
  // Bumped by `reset`: a run that finishes after the operator moved on must not bring its result back.
  const generation = useRef(0);
  // A run and its retries share one toast: a retry's news replaces the run's failure.
  const runToast = useRef(0);
  // When the latest run's report arrived: what is read about pending blacklist writes after it is current.
  const [settledAt, setSettledAt] = useState(0);
  // The run a Cancel stops (a revocation of what a filter matches, while it runs), and whether main took the cancel.
  const [runningId, setRunningId] = useState<string | null>(null);
  const [cancelling, setCancelling] = useState(false);
  const mutation = useMutation<RevokeReport, Error, RevokeInput & { retry?: boolean; connection?: ConfirmedConnection; generation: number }>({
    mutationFn: async ({ target, retry, connection: confirmedFor, generation: _, ...fields }) => {
      setProgress(null);
      // A retry goes to the connection confirmed for the first run; a first run to the one on screen.
      const connection = retry ? confirmedFor : onScreen && { id: onScreen.id, nonce: onScreen.nonce };
      if (!connection) throw new Error('The active connection is not known yet: nothing was revoked. Try again in a moment.');
      const reason: Confirmed = { ...fields, connection };
      if (!retry) setConfirmed(reason);
      if (target.kind === 'sessions') return wardenClient.sessions.revoke({ ids: target.ids, ...reason });
      if (target.kind === 'matching') {
        const runId = crypto.randomUUID();
        setRunningId(runId);
        setCancelling(false);
        try {
          return await wardenClient.sessions.revokeMatching({ filter: target.filter, expectedCount: target.count, expectedDigest: target.preview.digest, ...reason, runId });
        } finally {
          setRunningId(null);
        }
      }
      const request: ConfirmedRevokeUsersRequest = {
        users: target.kind === 'user' ? [target.user] : target.users,
        ...(target.kind === 'users' && target.requested ? { requested: target.requested } : {}),
        ...reason,
      };
      return wardenClient.users.revoke(request);
    },
    onSuccess: (report, { retry, generation: asked }) => {
      if (asked === generation.current) {
        setOutcome((previous) => (retry && previous ? withRetry(previous, report) : firstOutcome(report)));
        setSettledAt(Date.now());
      }
      // What happened in the store is said either way.
      const { text, tone } = revokeToast(report);
      if (!retry) runToast.current += 1;
      show(`${retry ? 'Retry: ' : ''}${text}`, tone, `revoke-run-${runToast.current}`);
    },
    onSettled: async (report) => {
      await Promise.all([refreshSessionsAfter(queryClient, report?.results), queryClient.invalidateQueries({ queryKey: BLACKLIST_QUERY_KEY })]);
    },
  });
  const running = mutation.isPending;
  useEffect(() => {
    if (!running) return undefined;
    return wardenClient.on('revoke:progress', setProgress);
  }, [running]);
  const { mutate, reset } = mutation;
  const start = useCallback((input: RevokeInput) => mutate({ ...input, generation: generation.current }), [mutate]);
  const failed = outcome ? retryableResults(outcome) : [];
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
  const blacklistFailedCount = failed.filter((r) => r.outcome !== 'failed').length;
  // Stops the run: main starts no further session, finishes those under way, and answers with the rest not attempted.
  const cancel = useCallback(() => {
    if (runningId === null) return;
    setCancelling(true);
    wardenClient.revoke.cancel({ runId: runningId }).then(
      ({ cancelled }) => setCancelling(cancelled),
      () => setCancelling(false),
    );
  }, [runningId]);
  const cancellable = running && runningId !== null;
  return { ...mutation, mutate: start, reset: clear, progress, outcome, confirmed, settledAt, failedCount: failed.length, blacklistFailedCount, retryFailed, canRetry, cancel, cancellable, cancelling };
}
