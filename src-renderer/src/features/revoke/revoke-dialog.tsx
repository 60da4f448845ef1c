import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { OUTCOME_LABELS, type Outcome, type ReasonCode } from '../../../../src-shared/reason-codes';
import type { RevokeOutcome } from '../../api/revoke-outcome';
import { useAppInfo } from '../../api/use-app-info';
import { ModalDialog } from '../../ui/modal-dialog';
import { BlacklistCell, BlacklistGaps, useBlacklistGapView } from './blacklist-gaps';
import { FormProblems, ReasonSelect, RetryFailed, RevokeProgress } from './revoke-form-parts';
import { whenRevocationTakesEffect } from './takes-effect';
import { OpenInAudit, RunRecord, SaveEvidence } from './run-record';
import { useWatch } from '../watch/watch-store';
import type { MatchingPreview } from '../../../../src-shared/contract';
import { useRevoke, type RevokeTarget } from '../../api/use-revoke';
import { RevokeTheRest } from '../sessions/revoke-all-matching';

interface RevokeDialogProps {
  target: RevokeTarget | null;
  onClose: (revoked: boolean) => void;
}

/**
 * Asks for the reason, says exactly what will be cut off and where, makes the operator confirm in
 * proportion to the blast radius, then shows what happened to every session.
 */
export function RevokeDialog({ target: asked, onClose }: RevokeDialogProps) {
  const revoke = useRevoke();
  const titleId = useId();
  const report = revoke.outcome;
  // After a cancelled run, what is left of the filter, counted again: confirmed afresh in this dialog.
  const [rest, setRest] = useState<RevokeTarget | null>(null);
  const revokedBefore = useRef(false);
  const target = asked === null ? null : (rest ?? asked);
  const close = () => {
    const revoked = Boolean(report) || revokedBefore.current;
    revoke.reset();
    setRest(null);
    revokedBefore.current = false;
    onClose(revoked);
  };
  const revokeRest = (next: RevokeTarget) => {
    revokedBefore.current = true;
    revoke.reset();
    setRest(next);
  };
  return (
    <ModalDialog open={target !== null} onClose={close} busy={revoke.isPending} labelledBy={titleId} testId="revoke-dialog">
      {target === null ? null : report ? (
        <ResultView report={report} revoke={revoke} onlyUser={onlyUserOf(target)} confirmedCount={target.kind === 'sessions' ? target.ids.length : target.count} titleId={titleId} onDone={close}>
          {target.kind === 'matching' && report.cancelled ? <RevokeTheRest target={target} notAttempted={report.results.filter((r) => r.outcome === 'not_attempted').length} onCounted={revokeRest} /> : null}
        </ResultView>
      ) : (
        <RevokeForm key={target.kind === 'matching' ? target.preview.digest : 'form'} target={target} revoke={revoke} titleId={titleId} onCancel={close} />
      )}
    </ModalDialog>
  );
}

function RevokeForm({ target, revoke, titleId, onCancel }: { target: RevokeTarget; revoke: ReturnType<typeof useRevoke>; titleId: string; onCancel: () => void }) {
  const id = useId();
  const info = useAppInfo();
  const [reasonCode, setReasonCode] = useState<ReasonCode | ''>('');
  const [note, setNote] = useState('');
  const [ticket, setTicket] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [touched, setTouched] = useState(false);
  // The run's Cancel appears where the disabled buttons were: focus goes to it, for the keyboard.
  const stop = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (revoke.cancellable) stop.current?.focus();
  }, [revoke.cancellable]);

  const count = target.kind === 'sessions' ? target.ids.length : target.count;
  const users = target.kind === 'user' ? [target.user] : target.users;
  const environment = info.data?.connection.environment ?? 'unknown';
  const production = /^prod/i.test(environment);
  // Proportional confirmation: one session needs none; all of a user's sessions need the user's
  // name; a selection of several needs their number.
  // (or their e-mail, where the store names users by an id nobody can type from memory).
  // Everything a filter matches: the count is typed above the threshold main gives, and always in production.
  const expected =
    target.kind === 'user'
      ? (target.email ?? target.user)
      : target.kind === 'matching'
        ? count > target.preview.confirmAbove || production
          ? String(count)
          : null
        : count > 1
          ? String(count)
          : null;
  const typeWhat = target.kind === 'user' ? (target.email !== undefined ? "the user's e-mail" : 'the user name') : 'the number of sessions';
  const noteMissing = reasonCode === 'other' && !note.trim();
  const problems = [
    reasonCode === '' ? 'Choose a reason code.' : null,
    noteMissing ? 'A note is required with "Other".' : null,
    expected !== null && confirmation.trim() !== expected ? `Type ${typeWhat} to confirm.` : null,
  ].filter((p): p is string => p !== null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problems.length > 0 || reasonCode === '') return;
    revoke.mutate({ target, reasonCode, ...(note.trim() ? { note: note.trim() } : {}), ...(ticket.trim() ? { ticket: ticket.trim() } : {}) });
  };

  const what =
    target.kind === 'matching'
      ? `all ${count} active session${count === 1 ? '' : 's'} matching ${target.chips.join(', ')}`
      : target.kind === 'user'
      ? `all ${count} active session${count === 1 ? '' : 's'} of ${target.email !== undefined ? `${target.email} (user ${target.user})` : target.user}`
      : target.kind === 'users'
        ? `all active sessions of ${users.length} user${users.length === 1 ? '' : 's'} (${count} now)`
        : `${count} session${count === 1 ? '' : 's'} of ${users.length} user${users.length === 1 ? '' : 's'}`;
  return (
    <form onSubmit={submit} noValidate>
      {production ? (
        <div className="env-band env-production" role="note">
          PRODUCTION — these revocations take effect on live users.
        </div>
      ) : null}
      <h2 id={titleId} className="dialog-title">
        Revoke {what}
      </h2>
      <p className="dialog-summary">
        In <strong className={`env-label ${production ? 'env-production' : environment === 'demo' ? 'env-demo' : 'env-other'}`}>{environment.toUpperCase()}</strong> (
        {info.data?.connection.name}), recorded as <span className="mono">{info.data?.operator}</span>.
        {target.kind !== 'user' && users.length > 0 && users.length <= 5 ? <> Users: {users.join(', ')}.</> : null}
      </p>
      <p className="muted small">
        {whenRevocationTakesEffect(info.data?.connection.capabilities)}
      </p>
      {target.kind === 'matching' ? <MatchingCounts preview={target.preview} /> : null}
      <ReasonSelect id={`${id}-reason`} label="Reason code (required)" value={reasonCode} onChange={setReasonCode} required invalid={touched && reasonCode === ''} />
      <label className="form-field" htmlFor={`${id}-note`}>
        <span>Note{reasonCode === 'other' ? ' (required)' : ' (optional)'}</span>
        <textarea id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} rows={2} aria-invalid={touched && noteMissing} />
      </label>
      <label className="form-field" htmlFor={`${id}-ticket`}>
        <span>Ticket or incident reference (optional)</span>
        <input id={`${id}-ticket`} value={ticket} onChange={(e) => setTicket(e.target.value)} maxLength={200} />
      </label>
      {expected !== null ? (
        <label className="form-field" htmlFor={`${id}-confirm`}>
          <span>
            To confirm, type {typeWhat}: <strong className="mono">{expected}</strong>
          </span>
          <input id={`${id}-confirm`} value={confirmation} onChange={(e) => setConfirmation(e.target.value)} autoComplete="off" spellCheck={false} />
        </label>
      ) : null}
      <FormProblems problems={problems} shown={touched} />
      {revoke.isError ? (
        <p className="error-text" role="alert">
          Nothing was confirmed: {revoke.error.message}
        </p>
      ) : null}
      {revoke.isPending ? <RevokeProgress progress={revoke.progress} expected={count} stopping={revoke.cancelling} /> : null}
      <div className="dialog-actions">
        {revoke.cancellable ? (
          // Stops the run: no further session is started; those under way finish and are recorded.
          <button type="button" className="secondary-button" ref={stop} aria-disabled={revoke.cancelling} onClick={revoke.cancelling ? undefined : revoke.cancel}>
            {revoke.cancelling ? 'Cancelling…' : 'Cancel revocation'}
          </button>
        ) : (
          <button type="button" className="secondary-button" disabled={revoke.isPending} onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="submit" className="danger-button" disabled={revoke.isPending}>
          Revoke {count} session{count === 1 ? '' : 's'}
        </button>
      </div>
    </form>
  );
}

/** The one user every session of the target belongs to, if there is one. */
function onlyUserOf(target: RevokeTarget): string | null {
  if (target.kind === 'user') return target.user;
  return target.users.length === 1 ? (target.users[0] ?? null) : null;
}

function ResultView({
  report,
  revoke,
  onlyUser,
  confirmedCount,
  titleId,
  onDone,
  children,
}: {
  report: RevokeOutcome;
  revoke: ReturnType<typeof useRevoke>;
  onlyUser: string | null;
  confirmedCount: number;
  titleId: string;
  onDone: () => void;
  /** What the result offers next beside retrying (the rest of a cancelled run). */
  children?: ReactNode;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  const watching = useWatch((s) => (onlyUser !== null ? s.watched.includes(onlyUser) : false));
  const watch = useWatch((s) => s.watch);
  const counts = new Map<Outcome, number>();
  for (const r of report.results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const gaps = useBlacklistGapView(report, revoke.settledAt);
  // Only DynamoDB connections with a blacklist Redis mirror have a blacklist state to show.
  const mirrored = report.results.some((r) => r.blacklist !== undefined);
  const unlisted = report.unlistedUsers;
  const bad = (counts.get('failed') ?? 0) + (counts.get('not_found') ?? 0) + unlisted.length;
  // Cancelled: said first, as what was done and what was not; the other outcomes after it.
  const cancelled = report.cancelled === true;
  const outcomes = [...counts].filter(([outcome]) => !cancelled || (outcome !== 'revoked' && outcome !== 'not_attempted')).map(([outcome, n]) => `${n} ${OUTCOME_LABELS[outcome]}`);
  if (cancelled) outcomes.unshift(`Cancelled: ${counts.get('revoked') ?? 0} revoked, ${counts.get('not_attempted') ?? 0} not attempted`);
  if (unlisted.length > 0) outcomes.push(`${unlisted.length} user${unlisted.length === 1 ? '' : 's'} could not be listed`);
  return (
    <div data-testid="revoke-result">
      <h2 id={titleId} className="dialog-title" ref={heading} tabIndex={-1}>
        {cancelled
          ? 'Revocation cancelled'
          : bad > 0
          ? 'Revocation finished with problems'
          : gaps.notBlacklisted > 0
            ? `Revoked in the store — ${gaps.notBlacklisted} session${gaps.notBlacklisted === 1 ? '' : 's'} not yet blacklisted`
            : 'Revocation finished'}
      </h2>
      <p className="dialog-summary" role="status">
        {outcomes.join(', ') || 'No active sessions were found'}. Recorded as <span className="mono">{report.operator}</span>.
      </p>
      {report.usersWithoutActiveSessions.length > 0 ? <p className="muted">No active session: {report.usersWithoutActiveSessions.join(', ')}.</p> : null}
      <RunRecord report={report} confirmed={revoke.confirmed} confirmedCount={report.runs.length === 1 ? confirmedCount : null} />
      <BlacklistGaps view={gaps} />
      {/* Focusable, so a keyboard can scroll a long run's outcomes (every session of a cancelled one). */}
      <div className="result-scroll" tabIndex={0} role="region" aria-label="Outcomes, scrollable">
        <table className="result-table" aria-label="Outcome per session">
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">User</th>
              <th scope="col">Outcome</th>
              {mirrored ? <th scope="col">Blacklist</th> : null}
            </tr>
          </thead>
          <tbody>
            {unlisted.map((u) => (
              // Not "no active session": we could not read them, and say why.
              <tr key={`unlisted:${u.user}`} data-testid="unlisted-row" data-outcome="failed" data-user={u.user}>
                <td className="muted">not listed</td>
                <td>{u.user}</td>
                <td>
                  <span className="outcome outcome-failed">failed</span>
                  <span className="error-text small"> {u.error}</span>
                </td>
                {mirrored ? <td className="muted">—</td> : null}
              </tr>
            ))}
            {report.results.map((r) => (
              <tr key={r.id} data-testid="result-row" data-outcome={r.outcome} data-blacklist={r.blacklist ?? ''}>
                <td className="mono">{r.id}</td>
                {/* A session that could not be read has no user in the report; the one asked for is known. */}
                <td>{r.user || onlyUser || '—'}</td>
                <td>
                  <span className={`outcome outcome-${r.outcome}`}>{OUTCOME_LABELS[r.outcome]}</span>
                  {/* A failed blacklist write's error is said in the Blacklist column and above the table. */}
                  {r.error && r.blacklist !== 'failed' ? <span className="error-text small"> {r.error}</span> : null}
                </td>
                {mirrored ? (
                  <td>
                    <BlacklistCell result={r} landed={gaps.landed} />
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <RetryFailed revoke={revoke} headingRef={heading} />
      {children}
      <div className="dialog-actions record-actions">
        <SaveEvidence report={report} disabled={revoke.isPending} />
        <OpenInAudit report={report} onOpen={onDone} />
        {onlyUser !== null ? (
          <button type="button" className="secondary-button" aria-pressed={watching} disabled={watching} onClick={() => watch(onlyUser)}>
            {watching ? `Watching ${onlyUser}` : `Watch ${onlyUser}`}
          </button>
        ) : null}
        <button type="button" className="primary-button" onClick={onDone} disabled={revoke.isPending} autoFocus>
          Done
        </button>
      </div>
    </div>
  );
}

/** Rows of each count shown in the confirmation; the rest are summed in one line. */
const COUNTS_SHOWN = 6;

/** What "revoke all matching" will cut off, per user and per profile, as main counted it from the store. */
function MatchingCounts({ preview }: { preview: MatchingPreview }) {
  return (
    <div className="matching-counts" data-testid="matching-counts">
      {(
        [
          ['User', preview.byUser],
          ['Profile', preview.byProfile],
        ] as const
      ).map(([heading, counts]) =>
        counts.length > 0 ? (
          <table key={heading} className="counts-table">
            <caption className="visually-hidden">Active sessions by {heading.toLowerCase()}</caption>
            <thead>
              <tr>
                <th scope="col">{heading}</th>
                <th scope="col">Sessions</th>
              </tr>
            </thead>
            <tbody>
              {counts.slice(0, COUNTS_SHOWN).map((c) => (
                <tr key={c.name}>
                  <td className="mono">{c.name}</td>
                  <td className="num">{c.count.toLocaleString('en-US')}</td>
                </tr>
              ))}
              {counts.length > COUNTS_SHOWN ? (
                <tr>
                  <td className="muted">{counts.length - COUNTS_SHOWN} more</td>
                  <td className="num">{counts.slice(COUNTS_SHOWN).reduce((sum, c) => sum + c.count, 0).toLocaleString('en-US')}</td>
                </tr>
              ) : null}
            </tbody>
          </table>
        ) : null,
      )}
    </div>
  );
}
