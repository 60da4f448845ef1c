import { useId, useState, type FormEvent } from 'react';
import type { PeopleFindResponse, PersonGroup } from '../../../../src-shared/people';
import type { ReasonCode } from '../../../../src-shared/reason-codes';
import { usePeopleRevoke } from '../../api/use-people';
import { ModalDialog } from '../../ui/modal-dialog';
import { FormProblems, ReasonSelect } from '../revoke/revoke-form-parts';
import { ConnectionTag } from './connection-tag';
import { INCIDENT_REF, INCIDENT_REF_HINT } from './incident-pin';
import { liveIds, plural, revocable } from './people-words';
import { RevokeEverywhereResult } from './revoke-everywhere-result';

/** Above this many sessions in all, the count is typed to confirm (as for "revoke all matching"); always with production in it. */
export const TYPE_COUNT_ABOVE = 100;

/**
 * One confirmation for every connection the person has live sessions in: each named with its
 * count (production in red and in words), read-only ones listed as excluded; one reason, note,
 * ticket and incident; the count typed when production is in it or the total is large. Then the
 * outcome per connection and per session.
 */
export function RevokeEverywhereDialog({ found, onClose }: { found: PeopleFindResponse; onClose: (revoked: boolean) => void }) {
  const revoke = usePeopleRevoke();
  const titleId = useId();
  const close = () => {
    const revoked = revoke.outcome !== null;
    revoke.reset();
    onClose(revoked);
  };
  return (
    <ModalDialog open onClose={close} busy={revoke.isPending} labelledBy={titleId} testId="revoke-everywhere">
      {revoke.outcome ? <RevokeEverywhereResult revoke={revoke} person={found.person} titleId={titleId} onDone={close} /> : <RevokeEverywhereForm found={found} revoke={revoke} titleId={titleId} onCancel={close} />}
    </ModalDialog>
  );
}

function RevokeEverywhereForm({ found, revoke, titleId, onCancel }: { found: PeopleFindResponse; revoke: ReturnType<typeof usePeopleRevoke>; titleId: string; onCancel: () => void }) {
  const id = useId();
  const [reasonCode, setReasonCode] = useState<ReasonCode | ''>('');
  const [note, setNote] = useState('');
  const [ticket, setTicket] = useState('');
  const [incident, setIncident] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [touched, setTouched] = useState(false);

  const targets = found.groups.filter(revocable);
  // Every live session counted there, not only the listed ones: main reads them all at revocation time.
  const total = targets.reduce((n, g) => n + g.counts.active, 0);
  const production = targets.some((g) => g.connection.production);
  const excluded = found.groups.filter((g) => !revocable(g) && (g.counts.active > 0 || g.state === 'unreachable' || g.state === 'cannot-derive' || g.state === 'incomplete'));
  const expected = production || total > TYPE_COUNT_ABOVE ? String(total) : null;
  const ref = incident.trim();
  const noteMissing = reasonCode === 'other' && !note.trim();
  const problems = [
    targets.length === 0 ? 'No connection has a live session this desk may revoke.' : null,
    reasonCode === '' ? 'Choose a reason code.' : null,
    noteMissing ? 'A note is required with "Other".' : null,
    ref !== '' && !INCIDENT_REF.test(ref) ? `The incident reference must be ${INCIDENT_REF_HINT}.` : null,
    expected !== null && confirmation.trim() !== expected ? 'Type the number of sessions to confirm.' : null,
  ].filter((p): p is string => p !== null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    const [first, ...rest] = targets.map((g) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: liveIds(g), everyLive: true, confirmedCount: g.counts.active }));
    if (problems.length > 0 || reasonCode === '' || !first) return;
    revoke.start({
      person: found.person,
      targets: [first, ...rest],
      reasonCode,
      ...(note.trim() ? { note: note.trim() } : {}),
      ...(ticket.trim() ? { ticket: ticket.trim() } : {}),
      ...(ref ? { incident: ref } : {}),
    });
  };

  return (
    <form onSubmit={submit} noValidate className="revoke-everywhere">
      {production ? (
        <div className="env-band env-production" role="note">
          PRODUCTION is included — these revocations take effect on live users.
        </div>
      ) : null}
      <h2 id={titleId} className="dialog-title">
        Revoke every live session of {found.person} in {plural(targets.length, 'connection')}
      </h2>
      <p className="dialog-summary">
        {plural(total, 'session')} in all, each connection with its own credentials and its own guards; each run lands in that connection&apos;s ledger.
      </p>
      <ul className="everywhere-targets" aria-label="Where sessions will be revoked" data-testid="everywhere-targets">
        {targets.map((g) => (
          <TargetRow key={g.connection.id} group={g} />
        ))}
        {excluded.map((g) => (
          <li key={g.connection.id} className="everywhere-excluded" data-testid="everywhere-excluded" data-connection={g.connection.name}>
            <span className="everywhere-name">{g.connection.name}</span> <ConnectionTag connection={g.connection} />{' '}
            <span className="muted">{excludedWhy(g)}</span>
          </li>
        ))}
      </ul>
      <ReasonSelect id={`${id}-reason`} label="Reason code (required)" value={reasonCode} onChange={setReasonCode} required invalid={touched && reasonCode === ''} />
      <label className="form-field" htmlFor={`${id}-note`}>
        <span>Note{reasonCode === 'other' ? ' (required)' : ' (optional)'}</span>
        <textarea id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} rows={2} aria-invalid={touched && noteMissing} />
      </label>
      <div className="row wrap">
        <label className="form-field grow" htmlFor={`${id}-ticket`}>
          <span>Ticket (optional)</span>
          <input id={`${id}-ticket`} value={ticket} onChange={(e) => setTicket(e.target.value)} maxLength={200} />
        </label>
        <label className="form-field grow" htmlFor={`${id}-incident`}>
          <span>Incident reference (optional: the runs are pinned to it)</span>
          <input id={`${id}-incident`} value={incident} onChange={(e) => setIncident(e.target.value)} maxLength={64} placeholder="INC-1234" spellCheck={false} autoComplete="off" />
        </label>
      </div>
      {expected !== null ? (
        <label className="form-field" htmlFor={`${id}-confirm`}>
          <span>
            To confirm, type the number of sessions: <strong className="mono">{expected}</strong>
            {production ? ' (asked whenever production is included)' : ''}
          </span>
          <input id={`${id}-confirm`} value={confirmation} onChange={(e) => setConfirmation(e.target.value)} autoComplete="off" spellCheck={false} data-testid="everywhere-confirm" />
        </label>
      ) : null}
      <FormProblems problems={problems} shown={touched} />
      {revoke.isError ? (
        <p className="error-text" role="alert">
          Nothing was revoked: {revoke.error.message}
        </p>
      ) : null}
      {revoke.isPending ? (
        <p role="status" className="progress">
          Revoking in {plural(targets.length, 'connection')}…
        </p>
      ) : null}
      <div className="dialog-actions">
        <button type="button" className="secondary-button" disabled={revoke.isPending} onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="danger-button" disabled={revoke.isPending || targets.length === 0}>
          Revoke {plural(total, 'session')} in {plural(targets.length, 'connection')}
        </button>
      </div>
    </form>
  );
}

function TargetRow({ group }: { group: PersonGroup }) {
  const c = group.connection;
  const n = group.counts.active;
  const unlisted = n - liveIds(group).length;
  return (
    <li className={c.production ? 'everywhere-target everywhere-production' : 'everywhere-target'} data-testid="everywhere-target" data-connection={c.name} data-production={c.production}>
      <span className="everywhere-name">{c.name}</span> <ConnectionTag connection={c} />
      {c.production && c.environment.toUpperCase() !== 'PRODUCTION' ? <strong className="everywhere-prod-word">PRODUCTION</strong> : null}
      <span className="everywhere-count">
        {group.state === 'incomplete' ? 'at least ' : ''}
        {plural(n, 'live session')}
      </span>
      {unlisted > 0 ? <span className="small muted"> (all of them: {plural(unlisted, 'session')} beyond the list are read from the store when revoking)</span> : null}
    </li>
  );
}

function excludedWhy(group: PersonGroup): string {
  if (group.state === 'unreachable') return 'not searched (unreachable): nothing revoked there';
  if (group.state === 'cannot-derive') return 'not searched (the name cannot be derived): nothing revoked there';
  if (group.state === 'incomplete' && group.counts.active === 0) return 'searched only in part, no live session found so far: nothing revoked there (search again)';
  if (group.connection.readOnly) return `cannot revoke here: read-only (${plural(group.counts.active, 'live session')} stay)`;
  return 'no live session listed';
}
