import { useMutation } from '@tanstack/react-query';
import { useEffect } from 'react';
import { REASON_LABELS, type ReasonCode } from '../../../../src-shared/reason-codes';
import type { RevokeResult } from '../../../../src-shared/revocation';
import type { RevokeOutcome } from '../../api/revoke-outcome';
import { useAppInfo } from '../../api/use-app-info';
import { wardenClient } from '../../api/warden-client';
import { closingByUser, type UserClosing } from '../../../../src-shared/closed-at';
import { countdown } from '../../ui/exposure';
import { exactMillisLabel } from '../../ui/format-time';
import { useNow } from '../../ui/use-now';
import './run-record.css';
import { useNavigation } from '../../app/navigation-store';
import { useAuditFilters } from '../audit/audit-filters';
import { focusWhenShown } from '../palette/palette-intents';
import { DenyOffer } from '../iam/deny-offer';

/** What the operator confirmed for a run, as the result repeats it. */
export interface ConfirmedFields {
  reasonCode: ReasonCode;
  note?: string | undefined;
  ticket?: string | undefined;
}

/**
 * The latest moment credentials already issued for the revoked sessions can be used: the latest
 * of the per-session times main decided when it revoked them. Null when any is missing.
 */
export function credentialsUsableUntil(results: readonly RevokeResult[]): number | null {
  const times = results.filter((r) => r.outcome === 'revoked' || r.outcome === 'already_revoked').map((r) => (r.credentialsUntil ? Date.parse(r.credentialsUntil) : NaN));
  // One session without a time makes "the latest" unknown: never show an end that may be early.
  return times.length > 0 && times.every((t) => Number.isFinite(t)) ? Math.max(...times) : null;
}

/**
 * A revoke result read as the record of what was done: the reason, note and ticket confirmed;
 * when the revocation really stops the holder (the exact time already-issued credentials run out,
 * or the next request); where the blacklist stands; and a count that changed since confirmation.
 */
export function RunRecord({ report, confirmed, confirmedCount }: { report: RevokeOutcome; confirmed: ConfirmedFields | null; confirmedCount: number | null }) {
  const connection = useAppInfo().data?.connection;
  const capabilities = connection?.capabilities;
  const revoked = report.results.filter((r) => r.outcome === 'revoked').length;
  const until = credentialsUsableUntil(report.results);
  const mirrored = report.results.some((r) => r.blacklist !== undefined);
  // Sessions that expired on their own are neither new nor cut off by this run.
  const seen = report.results.filter((r) => r.outcome !== 'expired').length;
  const changed = confirmedCount !== null && seen !== confirmedCount ? seen - confirmedCount : 0;
  return (
    <div className="run-record" data-testid="run-record">
      <dl className="record-facts">
        {confirmed ? (
          <>
            <div>
              <dt>Reason</dt>
              <dd>{REASON_LABELS[confirmed.reasonCode].replace(' (note required)', '')}</dd>
            </div>
            <div>
              <dt>Ticket</dt>
              <dd data-testid="record-ticket">{confirmed.ticket ? <span className="mono">{confirmed.ticket}</span> : <span className="muted">none given</span>}</dd>
            </div>
            {confirmed.note ? (
              <div className="wide">
                <dt>Note</dt>
                <dd>{confirmed.note}</dd>
              </div>
            ) : null}
          </>
        ) : null}
        <div>
          <dt>Recorded as</dt>
          <dd className="mono">{report.operator}</dd>
        </div>
        <div>
          <dt>Where</dt>
          <dd>
            {connection?.name} ({connection?.environment.toUpperCase()})
          </dd>
        </div>
        {revoked + report.results.filter((r) => r.outcome === 'already_revoked').length > 0 ? (
          <div className="wide">
            <dt>Already-issued credentials</dt>
            <dd data-testid="credentials-until">
              {capabilities?.residual === 'next-request'
                ? `None: ${lowerFirst(capabilities.takesEffect)}`
                : until !== null
                  ? (
                    <>
                      usable until <strong>{exactMillisLabel(until)}</strong> at the latest: 15 minutes (their lifetime) after the revocation, since a fetch racing it can still have been served; nothing after that.
                    </>
                  )
                  : 'The store did not say when the last credentials were fetched: assume up to 15 minutes from now.'}
            </dd>
          </div>
        ) : null}
        <FullyClosed results={report.results} />
        <div className="wide">
          <dt>Blacklist</dt>
          <dd data-testid="record-blacklist">
            {mirrored
              ? 'Per session below.'
              : capabilities && connection && !capabilities.blacklistMirror
                ? 'No separate blacklist: the revocation in the store is what the app checks.'
                : `No blacklist on this connection: enforcement reads the ${capabilities?.where.toLowerCase() ?? 'store'} ${connection?.table ?? ''}.`}
          </dd>
        </div>
      </dl>
      {/* Sentinel: IAM can refuse the credentials already issued, while they may still work. */}
      <DenyOffer ids={report.results.filter((r) => r.outcome === 'revoked' || r.outcome === 'already_revoked').map((r) => r.id)} incident={confirmed?.ticket} until={until} />
      {changed !== 0 ? (
        <p className="record-changed" role="note" data-testid="count-changed">
          {changed > 0
            ? `${changed} ${changed === 1 ? 'session' : 'sessions'} started after you confirmed ${confirmedCount} and ${changed === 1 ? 'was' : 'were'} revoked too.`
            : `${-changed} of the ${confirmedCount} sessions you confirmed ended before the run reached ${-changed === 1 ? 'it' : 'them'} (expired or revoked elsewhere).`}
        </p>
      ) : null}
    </div>
  );
}

/**
 * Save the run (and its retries) as CSV evidence read back from the ledger. `detail` says what
 * the records are, where a screen's runs hold more than sessions (offboarding's per-name records).
 */
export function SaveEvidence({ report, disabled, primary = false, detail }: { report: RevokeOutcome; disabled: boolean; primary?: boolean; detail?: string }) {
  const save = useMutation({ mutationFn: () => wardenClient.evidence.save({ runs: report.runs }) });
  // A file saved before a retry does not cover it: say nothing about it once the retry is in.
  const { reset } = save;
  useEffect(() => reset(), [report.runs.length, reset]);
  const retries = report.runs.length - 1;
  const covered = retries > 0 ? ` of the run and ${retries} ${retries === 1 ? 'retry' : 'retries'}` : '';
  return (
    <>
      <button type="button" className={primary ? 'primary-button' : 'secondary-button'} onClick={() => save.mutate()} disabled={save.isPending || disabled}>
        Save evidence (CSV)…
      </button>
      <span role="status" className="small" data-testid="evidence-status">
        {save.data?.saved ? `Saved ${save.data.fileName} (${save.data.rows} records${covered}, from the ledger${detail ? `: ${detail}` : ''}).` : save.data ? 'Not saved.' : ''}
        {save.isError ? <span className="error-text">Could not save: {save.error.message}</span> : null}
      </span>
    </>
  );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** Opens the Audit screen on the ledger rows of this run and its retries. */
export function OpenInAudit({ report, onOpen }: { report: RevokeOutcome; onOpen?: () => void }) {
  const go = useNavigation((s) => s.go);
  const setAudit = useAuditFilters((s) => s.set);
  const clearAudit = useAuditFilters((s) => s.clearAll);
  return (
    <button
      type="button"
      className="secondary-button"
      onClick={() => {
        clearAudit();
        setAudit({ runs: report.runs.join(' ') });
        onOpen?.();
        go('audit');
        focusWhenShown('main h1');
      }}
    >
      Open in Audit
    </button>
  );
}

/** Users listed by name in the result; the rest are counted (the evidence has every one). */
const CLOSING_SHOWN = 6;

/**
 * When the revocation is really over, per user: the moment the last credential already issued
 * for their sessions stops working, with a countdown while it has not, from the times main
 * decided per session (`closedAt`).
 */
function FullyClosed({ results }: { results: readonly RevokeResult[] }) {
  const closing = closingByUser(results);
  const known = closing.map((c) => c.closedAtMs).filter((t): t is number => t !== null);
  const last = known.length === closing.length && known.length > 0 ? Math.max(...known) : null;
  const now = useNow(1000);
  if (closing.length === 0) return null;
  const open = last !== null && last > now;
  return (
    <div className="wide">
      <dt>Fully closed</dt>
      <dd data-testid="fully-closed" data-state={last === null ? 'unknown' : open ? 'open' : 'closed'}>
        {last === null ? (
          'Not known for every session: the store did not say when credentials were last issued.'
        ) : open ? (
          <>
            Open until <strong>{exactMillisLabel(last)}</strong> (<span className="mono" aria-hidden="true">{countdown(last - now)}</span> left): credentials already issued still work until then.
          </>
        ) : (
          <>
            Fully closed at <strong>{exactMillisLabel(last)}</strong>: nothing issued before the revocation works any more.
          </>
        )}
        {closing.length > 1 ? (
          <ul className="closing-list">
            {closing.slice(0, CLOSING_SHOWN).map((c) => (
              <li key={c.user}>{closingItem(c, now)}</li>
            ))}
            {closing.length > CLOSING_SHOWN ? <li className="muted">… and {closing.length - CLOSING_SHOWN} more users (each in the evidence file)</li> : null}
          </ul>
        ) : null}
      </dd>
    </div>
  );
}

function closingItem(c: UserClosing, now: number): string {
  const who = c.user || '(unknown user)';
  if (c.closedAtMs === null) return `${who}: not known`;
  return c.closedAtMs > now ? `${who}: open until ${exactMillisLabel(c.closedAtMs)}` : `${who}: fully closed at ${exactMillisLabel(c.closedAtMs)}`;
}
