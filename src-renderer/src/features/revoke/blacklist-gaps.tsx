import { useEffect, useState } from 'react';
import type { RevokeResult } from '../../../../src-shared/revocation';
import { blacklistGaps, type RevokeOutcome } from '../../api/revoke-outcome';
import { useBlacklistPending, useRetryBlacklist } from '../../api/use-blacklist';
import { lastErrors } from '../blacklist/pending-words';

export interface BlacklistGapView {
  pending: RevokeResult[];
  failed: RevokeResult[];
  /**
   * Every blacklist write this run left undone has landed since: main reported them kept (pending
   * and refused writes both go to the outbox) after the run, and now reports nothing kept at all.
   */
  landed: boolean;
  /** Sessions revoked in the store that services may still accept. */
  notBlacklisted: number;
}

/**
 * The sessions of a run that are revoked in the store but not in the blacklist, kept current.
 * Both observations are needed before saying they landed: a "nothing pending" from a main that
 * does not see this outbox must not read as delivered.
 */
export function useBlacklistGapView(report: RevokeOutcome, settledAt: number): BlacklistGapView {
  const live = useBlacklistPending();
  const { pending, failed } = blacklistGaps(report);
  const undone = pending.length + failed.length;
  const fresh = live.data !== undefined && live.dataUpdatedAt > settledAt;
  const total = fresh ? (live.data?.total ?? null) : null;
  // The run after which main was seen holding (at least) this run's undone writes.
  const [seenKeptAfter, setSeenKeptAfter] = useState<number | null>(null);
  useEffect(() => {
    if (undone > 0 && total !== null && total >= undone) setSeenKeptAfter(settledAt);
  }, [undone, total, settledAt]);
  const landed = undone > 0 && seenKeptAfter === settledAt && total === 0;
  return { pending, failed, landed, notBlacklisted: landed ? 0 : undone };
}

/** What is missing from the blacklist after a run, in words, with the way to complete it. */
export function BlacklistGaps({ view }: { view: BlacklistGapView }) {
  const live = useBlacklistPending();
  const retry = useRetryBlacklist();
  const { pending, failed, landed } = view;
  const undone = pending.length + failed.length;
  if (undone === 0) return null;
  if (landed) {
    const many = undone !== 1;
    const were = pending.length === 0 ? 'that had failed' : failed.length === 0 ? `that ${many ? 'were' : 'was'} pending` : 'that were pending or had failed';
    return (
      <div className="blacklist-gaps" data-testid="blacklist-gaps">
        <p className="gap gap-landed" data-testid="blacklist-landed">
          <span aria-hidden="true">✓ </span>
          The {undone} blacklist write{many ? 's' : ''} {were} {many ? 'have' : 'has'} landed since: nothing is pending any more.
        </p>
      </div>
    );
  }
  const reasons = new Map<string, number>();
  for (const r of failed) {
    const why = r.error ?? 'the blacklist write failed (no reason given)';
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  const liveErrors = live.data ? lastErrors(live.data) : [];
  const many = pending.length !== 1;
  const retryNow = (
    <button type="button" className="secondary-button" onClick={() => retry.mutate()} disabled={retry.isPending}>
      {retry.isPending ? 'Retrying…' : 'Retry now'}
    </button>
  );
  return (
    <div className="blacklist-gaps" data-testid="blacklist-gaps">
      {failed.length > 0 ? (
        <div className="gap gap-failed" data-testid="blacklist-failed">
          <p>
            <strong>
              <span aria-hidden="true">✗ </span>
              {failed.length} session{failed.length === 1 ? '' : 's'} not blacklisted: the blacklist write failed.
            </strong>{' '}
            {failed.length === 1 ? 'It is' : 'They are'} revoked in the store, but services that check the blacklist still accept{' '}
            {failed.length === 1 ? 'it' : 'them'}.
          </p>
          <ul>
            {[...reasons].map(([why, n]) => (
              <li key={why}>
                {reasons.size > 1 ? <strong>{n}: </strong> : null}
                <span className="error-text">{why}</span>
              </li>
            ))}
          </ul>
          <p className="muted small">
            Once the blacklist Redis accepts this connection&apos;s credentials, Retry sends {failed.length === 1 ? 'it' : 'them'} again with the same reason
            and ticket: {failed.length === 1 ? 'it comes' : 'they come'} back &quot;already revoked&quot; and the blacklist entry is written then.
          </p>
        </div>
      ) : null}
      {pending.length > 0 ? (
        <div className="gap gap-pending" data-testid="blacklist-pending">
          <p>
            <strong>
              <span aria-hidden="true">◷ </span>
              {pending.length} blacklist write{many ? 's' : ''} pending:
            </strong>{' '}
            kept and retried until the blacklist Redis takes {many ? 'them' : 'it'}; the web app and other enforcement points may still accept{' '}
            {many ? 'these sessions' : 'the session'} until then.
          </p>
          {liveErrors.length > 0 ? <p className="small">Last attempt: {liveErrors.join('; ')}</p> : null}
          {retryNow}
        </div>
      ) : null}
    </div>
  );
}

/** One session's blacklist state in a result table: a symbol and a word, never colour alone. */
export function BlacklistCell({ result, landed }: { result: RevokeResult; landed: boolean }) {
  if (result.blacklist === undefined) return <span className="muted">—</span>;
  if (result.blacklist === 'written') return <span className="bl bl-written">✓ written</span>;
  if (landed) return <span className="bl bl-written">✓ landed since</span>;
  if (result.blacklist === 'pending') return <span className="bl bl-pending">◷ pending</span>;
  // Why is said once for all of them above the table; the session's own words on hover.
  return (
    <span className="bl bl-failed" title={result.error}>
      ✗ failed
    </span>
  );
}
