import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { isProductionEnvironment } from '../../../../src-shared/environment';
import type { ReasonCode } from '../../../../src-shared/reason-codes';
import { useAppInfo } from '../../api/use-app-info';
import type { useRevoke } from '../../api/use-revoke';
import { liveLabel } from '../../api/use-users';
import { FormProblems, ReasonSelect, RevokeProgress } from '../revoke/revoke-form-parts';
import { knownUsers, plural, requestedNames, type ListRow } from './offboarding-rows';

/**
 * Each requested name with the store's user it matched and its live sessions; unknown names are
 * flagged with the closest names the store holds (choosing one matches the name to it). Then one
 * reason and ticket for the run (a ticket is required where the connection says so), and the
 * number of sessions typed to confirm. Every requested name is recorded, unknown ones included.
 */
export function OffboardingPreview({ rows, revoke, onPick }: { rows: ListRow[]; revoke: ReturnType<typeof useRevoke>; onPick: (typed: string, user: string) => void }) {
  const id = useId();
  const connection = useAppInfo().data?.connection;
  const heading = useRef<HTMLHeadingElement>(null);
  const [reasonCode, setReasonCode] = useState<ReasonCode>('offboarding');
  const [note, setNote] = useState('');
  const [ticket, setTicket] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [touched, setTouched] = useState(false);
  const { users, sessions: total } = knownUsers(rows);
  const unknown = rows.filter((r) => !r.preview.known);
  const withSessions = new Set(rows.filter((r) => r.preview.known && r.preview.activeSessions > 0).map((r) => r.preview.user)).size;
  const ticketRequired = connection?.requireTicket === true;
  const firstTyped = new Map<string, string>();
  for (const r of rows) if (r.preview.known && !firstTyped.has(r.preview.user)) firstTyped.set(r.preview.user, r.typed);
  const problems = [
    reasonCode === 'other' && !note.trim() ? 'A note is required with "Other".' : null,
    ticketRequired && !ticket.trim() ? `A ticket is required for offboarding runs on ${connection?.name ?? 'this connection'}.` : null,
    total > 0 && confirmation.trim() !== String(total) ? 'Type the number of sessions to confirm.' : null,
  ].filter((p): p is string => p !== null);

  // Keyboard users land on what the preview says, not back at the top of the page.
  useEffect(() => heading.current?.focus(), []);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problems.length > 0) return;
    revoke.mutate({
      target: { kind: 'users', users, count: total, requested: requestedNames(rows) },
      reasonCode,
      ...(note.trim() ? { note: note.trim() } : {}),
      ...(ticket.trim() ? { ticket: ticket.trim() } : {}),
    });
  };

  return (
    <div className="panel" data-testid="offboarding-preview">
      <h2 ref={heading} tabIndex={-1}>
        2. Preview
      </h2>
      <p role="status">
        {plural(rows.length, 'name')}, {plural(users.length, 'user')} in the store, <strong>{plural(total, 'active session')}</strong>
        {unknown.length > 0 ? (
          <>
            , <strong className="error-text">{unknown.length} unknown</strong>
          </>
        ) : null}
        .
      </p>
      <div className="result-scroll">
        <table className="result-table" aria-label="Active sessions per requested name">
          <thead>
            <tr>
              <th scope="col">Requested</th>
              <th scope="col">User in the store</th>
              <th scope="col" className="num">
                Active sessions
              </th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.typed} data-testid="preview-row" data-user={r.preview.user} data-requested={r.typed} data-known={r.preview.known}>
                <td>{r.typed}</td>
                <td>{r.preview.known ? r.preview.user : <span className="muted">—</span>}</td>
                <td className="num">
                  {r.preview.activeSessions}
                  {r.preview.more ? '+' : ''}
                </td>
                <td>
                  <RowNote row={r} sameAs={r.preview.known && firstTyped.get(r.preview.user) !== r.typed ? firstTyped.get(r.preview.user) : undefined} onPick={onPick} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {connection?.readOnly ? (
        <p className="muted" role="note">
          This connection is read-only (auditor mode): the preview is shown, revocations are refused.
        </p>
      ) : (
        <form onSubmit={submit} noValidate className="offboarding-form">
          <h2>3. {total > 0 ? 'Revoke' : 'Record'}</h2>
          <p>
            {total > 0 ? (
              <>
                Cut off {plural(total, 'session')} of {plural(withSessions, 'user')} in{' '}
              </>
            ) : (
              <>Nobody on the list has an active session: nothing will be revoked. The list is recorded, name by name, in </>
            )}
            <strong className={`env-label ${isProductionEnvironment(connection?.environment ?? '') ? 'env-production' : 'env-other'}`}>{(connection?.environment ?? '').toUpperCase()}</strong>
            {unknown.length > 0 ? <>; {plural(unknown.length, 'unknown name')} recorded as unknown</> : null}.
          </p>
          <div className="row wrap">
            <ReasonSelect id={`${id}-reason`} label="Reason code" value={reasonCode} onChange={setReasonCode} />
            <label className="form-field" htmlFor={`${id}-ticket`}>
              <span>Ticket (the HR request){ticketRequired ? ' — required' : ''}</span>
              <input id={`${id}-ticket`} value={ticket} onChange={(e) => setTicket(e.target.value)} maxLength={200} aria-required={ticketRequired} aria-describedby={`${id}-ticket-hint`} />
            </label>
            <label className="form-field grow" htmlFor={`${id}-note`}>
              <span>Note{reasonCode === 'other' ? ' (required)' : ' (optional)'}</span>
              <input id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
            </label>
          </div>
          <p id={`${id}-ticket-hint`} className={`small ${!ticket.trim() && !ticketRequired ? 'warning-text' : 'muted'}`} data-testid="ticket-hint">
            {ticketRequired
              ? 'This connection requires a ticket: the evidence must name the request it answers.'
              : ticket.trim()
                ? 'The ticket is recorded with every name.'
                : 'No ticket: the record and the evidence will not name the request this run answers.'}
          </p>
          {total > 0 ? (
            <label className="form-field" htmlFor={`${id}-confirm`}>
              <span>
                To confirm, type the number of sessions: <strong className="mono">{total}</strong>
              </span>
              <input id={`${id}-confirm`} value={confirmation} onChange={(e) => setConfirmation(e.target.value)} autoComplete="off" className="narrow" />
            </label>
          ) : null}
          <FormProblems problems={problems} shown={touched} />
          {revoke.isError ? <p className="error-text" role="alert">Nothing was confirmed: {revoke.error.message}</p> : null}
          {revoke.isPending ? <RevokeProgress progress={revoke.progress} expected={total} /> : null}
          <div className="dialog-actions">
            <button type="submit" className={total > 0 ? 'danger-button' : 'primary-button'} disabled={revoke.isPending}>
              {total > 0 ? `Revoke ${plural(total, 'session')} of ${plural(withSessions, 'user')}` : `Record the list (${plural(rows.length, 'name')}, nothing to revoke)`}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}

function RowNote({ row, sameAs, onPick }: { row: ListRow; sameAs: string | undefined; onPick: (typed: string, user: string) => void }) {
  const { preview } = row;
  if (!preview.known) {
    return (
      <span className="flag" data-flag="unknown">
        ⚠ Unknown: no such user in the store.
        {preview.suggestions.length > 0 ? (
          <>
            {' '}
            Did you mean{' '}
            {preview.suggestions.map((s, i) => (
              <span key={s.user}>
                {i > 0 ? ', ' : ''}
                <button type="button" className="link-button" data-testid="pick-suggestion" data-user={s.user} onClick={() => onPick(row.typed, s.user)}>
                  {s.user}
                </button>{' '}
                ({liveLabel(s.live)})
              </span>
            ))}
            ?
          </>
        ) : (
          ' Check the spelling.'
        )}
      </span>
    );
  }
  const notes = [
    row.picked ? 'chosen by you from the suggestions' : preview.how === 'case' ? 'matched ignoring case' : preview.how === 'email' ? 'matched by e-mail' : null,
    sameAs !== undefined ? `same user as “${sameAs}”` : null,
    preview.activeSessions === 0 ? 'no live sessions' : null,
  ].filter(Boolean);
  return <span className="muted">{notes.join('; ')}</span>;
}
