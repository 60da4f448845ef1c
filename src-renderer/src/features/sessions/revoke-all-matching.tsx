import { useMutation } from '@tanstack/react-query';
import type { RevokeTarget, MatchingFilter } from '../../api/use-revoke';
import { wardenClient } from '../../api/warden-client';

/**
 * "Revoke all matching…": every active session the current filter matches, across every page of
 * the store (not what the table has loaded). Main counts them first, per user and per profile;
 * the revoke dialog then shows that count and asks for it to be typed above main's threshold (and
 * always in production). Offered only when the filter narrows something: never the whole store.
 */
export function RevokeAllMatching({
  query,
  chips,
  localSearch,
  onCounted,
}: {
  query: Record<string, unknown>;
  chips: string[];
  /** A search within the loaded rows is active: the store would match more than the table shows, so nothing is offered until it is cleared. */
  localSearch: boolean;
  onCounted: (target: RevokeTarget) => void;
}) {
  // Only active sessions are ever revoked: the status filter is not part of what is matched.
  const filter = Object.fromEntries(Object.entries(query).filter(([key]) => key !== 'status')) as MatchingFilter;
  const narrows = chips.length > 0 && Object.values(filter).some((v) => v !== undefined && v !== '');
  const count = useCountMatching(filter, chips, onCounted);
  if (!narrows) return null;
  return (
    <div className="revoke-matching">
      <button type="button" className="danger-outline-button" onClick={() => count.mutate()} disabled={count.isPending || localSearch} aria-describedby="revoke-matching-status">
        {count.isPending ? 'Counting every match…' : 'Revoke all matching…'}
      </button>
      <span id="revoke-matching-status" className="muted small" role="status">
        {localSearch
          ? 'Clear "Search loaded rows" first: it narrows only the rows loaded here, not what the store would revoke.'
          : count.isError
            ? `Could not count: ${count.error.message}`
            : count.data?.total === 0
              ? 'No active session matches these filters: nothing to revoke.'
              : ''}
      </span>
    </div>
  );
}

/** Main's count of every active session the filter matches now (the dry run); a count above none goes to `onCounted`. */
function useCountMatching(filter: MatchingFilter, chips: string[], onCounted: (target: RevokeTarget) => void) {
  return useMutation({
    mutationFn: () => wardenClient.sessions.matching({ filter }),
    onSuccess: (preview) => {
      if (preview.total === 0) return;
      onCounted({ kind: 'matching', filter, count: preview.total, users: preview.byUser.map((u) => u.name), preview, chips });
    },
  });
}

/**
 * After a cancelled run: the sessions it did not attempt, counted again by main (a new dry run of
 * the same filter, since sessions began and ended meanwhile), and confirmed afresh.
 */
export function RevokeTheRest({ target, notAttempted, onCounted }: { target: Extract<RevokeTarget, { kind: 'matching' }>; notAttempted: number; onCounted: (target: RevokeTarget) => void }) {
  const count = useCountMatching(target.filter, target.chips, onCounted);
  return (
    <div className="revoke-rest">
      <button type="button" className="danger-outline-button" onClick={() => count.mutate()} disabled={count.isPending} aria-describedby="revoke-rest-status">
        {count.isPending ? 'Counting every match…' : `Revoke the ${notAttempted.toLocaleString('en-US')} not attempted…`}
      </button>
      <p id="revoke-rest-status" className="muted small" role="status">
        {count.isError
          ? `Could not count: ${count.error.message}`
          : count.data?.total === 0
            ? 'No active session matches these filters any more: nothing left to revoke.'
            : 'Counts again what the filter matches now, then asks you to confirm.'}
      </p>
    </div>
  );
}
