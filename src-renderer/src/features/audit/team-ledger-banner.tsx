import { useId } from 'react';
import type { TeamVerify } from '../../../../src-shared/team-ledger';
import { exactMillisLabel, relativeTime } from '../../ui/format-time';
import { useNow } from '../../ui/use-now';
import { useDeliverTeamLedger, useTeamLedger } from './use-team-ledger';

const n = (x: number) => x.toLocaleString('en-US');

/**
 * The team chain's verification, one line: every desk's entries, linked, the history this desk
 * saw before unchanged, and this desk's own entries all there (or pending delivery). A break says
 * where, in red, with what it means for the entries after it.
 */
export function TeamVerification({ team }: { team: TeamVerify }) {
  const pending = team.pending > 0 ? ` or pending (${n(team.pending)} of this desk's ${team.pending === 1 ? 'entry' : 'entries'} not delivered yet)` : '';
  const checked = team.full ? 'all read' : `${n(team.read)} read this time, the rest verified before`;
  if (!team.ok) {
    return (
      <p className="verify-banner broken" role="alert" data-testid="team-verify-banner" data-state="broken">
        <span aria-hidden="true">✗ </span>
        Team ledger ({team.label}) BROKEN{team.brokenAt !== undefined ? ` at entry ${n(team.brokenAt)}` : ''}: {team.reason ?? 'it does not verify'}. Do not rely on
        {team.brokenAt !== undefined ? ` entries from ${n(team.brokenAt)} on` : ' it'} until this is explained; the other desks&apos; apps report the same.
      </p>
    );
  }
  if (team.entries === 0) {
    return (
      <p className="verify-banner" role="status" data-testid="team-verify-banner" data-state="empty">
        Team ledger ({team.label}): no entries yet{team.pending > 0 ? `; ${n(team.pending)} of this desk's ${team.pending === 1 ? 'entry' : 'entries'} waiting for delivery` : ''}.
      </p>
    );
  }
  return (
    <p className="verify-banner ok" role="status" data-testid="team-verify-banner" data-state="ok">
      <span aria-hidden="true">✓ </span>
      Team ledger ({team.label}) verified: {n(team.entries)} {team.entries === 1 ? 'entry' : 'entries'} ({checked}), hash chain intact, the history this desk saw before
      unchanged, and every entry of this desk on it{pending}.
    </p>
  );
}

/**
 * This desk's entries not yet on the team ledger: how many, since when, why the last delivery did
 * not finish, and "Deliver now". Nothing when the connection keeps no team ledger.
 */
export function TeamLedgerDelivery() {
  const id = useId();
  const status = useTeamLedger();
  const deliver = useDeliverTeamLedger();
  const now = useNow(15_000);
  const data = status.data;
  if (status.isPending) return null;
  if (!data) {
    return (
      <p className="verify-banner broken" role="alert">
        The team ledger&apos;s delivery state could not be read: {status.error?.message}. This view tries again in 15 s.
      </p>
    );
  }
  if (!data.configured) return null;
  const state = data.lastError !== null ? 'failing' : data.pending > 0 ? 'pending' : 'delivered';
  const oldest = data.oldestPendingTime ? Date.parse(data.oldestPendingTime) : null;
  return (
    <section className={`pending-writes pending-writes-${state === 'delivered' ? 'empty' : 'pending'}`} aria-labelledby={`${id}-title`} data-testid="team-delivery" data-state={state}>
      <div className="pending-writes-head">
        <h2 id={`${id}-title`}>Team ledger delivery</h2>
        <span className={state === 'delivered' ? 'muted small' : 'pending-writes-summary'} role="status" data-testid="team-pending">
          {state === 'delivered' ? (
            `Nothing pending: every entry of this desk had reached the ${data.label} at its last delivery${data.teamEntries !== null ? ` (${n(data.teamEntries)} entries there then)` : ''}.`
          ) : (
            <>
              <span aria-hidden="true">⚠ </span>
              {n(data.pending)} {data.pending === 1 ? 'entry' : 'entries'} of this desk {data.pending === 1 ? 'is' : 'are'} not yet on the {data.label}
              {oldest !== null ? (
                <>
                  , the oldest written{' '}
                  <time dateTime={new Date(oldest).toISOString()} title={exactMillisLabel(oldest)}>
                    {relativeTime(oldest, now)}
                  </time>
                </>
              ) : null}
              .
            </>
          )}
        </span>
        {data.pending > 0 || data.lastError !== null ? (
          <button type="button" className="small-button" onClick={() => deliver.mutate()} disabled={deliver.isPending}>
            {deliver.isPending ? 'Delivering…' : 'Deliver now'}
          </button>
        ) : null}
      </div>
      {data.lastError !== null ? (
        <p className="error-text small" role="alert" data-testid="team-delivery-error">
          <span aria-hidden="true">✗ </span>
          The last delivery did not finish: {data.lastError}. The entries are safe in this desk&apos;s ledger (its write-ahead copy) and are delivered in the background once
          that is fixed.
        </p>
      ) : null}
      {state === 'pending' && data.lastError === null ? (
        <p className="muted small">These revocations are done and recorded on this desk; other desks and auditors see them once they reach the team ledger.</p>
      ) : null}
    </section>
  );
}
