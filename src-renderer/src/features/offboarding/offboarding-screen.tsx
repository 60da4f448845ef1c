import { useMutation } from '@tanstack/react-query';
import { useEffect, useId, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import type { ReasonCode } from '../../../../src-shared/reason-codes';
import type { UserPreview } from '../../../../src-shared/revocation';
import type { RevokeOutcome } from '../../api/revoke-outcome';
import { parseUserList } from '../../../../src-shared/user-list';
import { useAppInfo } from '../../api/use-app-info';
import { useRevoke } from '../../api/use-revoke';
import { wardenClient } from '../../api/warden-client';
import { BlacklistGaps, useBlacklistGapView } from '../revoke/blacklist-gaps';
import { FormProblems, ReasonSelect, RetryFailed, RevokeProgress } from '../revoke/revoke-form-parts';
import { whenRevocationTakesEffect } from '../revoke/takes-effect';

const MAX_USERS = 1000;

/**
 * HR sends a list of leavers: paste or import it, see how many live sessions each has (and which
 * names the store has never seen), revoke them all with one reason and ticket, and keep the
 * per-user result as CSV evidence for the ticket.
 */
export function OffboardingScreen() {
  const id = useId();
  const [text, setText] = useState('');
  const [fileNote, setFileNote] = useState<string | null>(null);
  const users = parseUserList(text);
  const preview = useMutation<UserPreview[], Error, string[]>({ mutationFn: wardenClient.previewUsers });
  const revoke = useRevoke();

  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    if (file.size > 2 * 1024 * 1024) {
      setFileNote(`${file.name} is larger than 2 MB; is it really a list of users?`);
      return;
    }
    const content = await file.text();
    setText(content);
    setFileNote(`Imported ${file.name}: ${parseUserList(content).length} users.`);
    preview.reset();
    revoke.reset();
  };

  return (
    <section className="screen offboarding" aria-labelledby="offboarding-title">
      <header className="screen-header">
        <h1 id="offboarding-title">Offboarding</h1>
        <p className="muted">Revoke every active session of a list of leavers, with one reason and ticket.</p>
      </header>
      <div className="offboarding-body">
        <div className="panel">
          <h2>1. The list</h2>
          <label className="form-field" htmlFor={`${id}-list`}>
            <span>User names, one per line (a CSV export works too: its first column is used)</span>
            <textarea
              id={`${id}-list`}
              rows={8}
              value={text}
              spellCheck={false}
              readOnly={revoke.isPending}
              onChange={(e) => {
                setText(e.target.value);
                preview.reset();
                revoke.reset();
              }}
            />
          </label>
          <div className="row">
            <label className="file-button">
              Import CSV or TXT…
              <input type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(e) => void onFile(e)} className="visually-hidden" disabled={revoke.isPending} />
            </label>
            <span className="muted" role="status">
              {fileNote ?? `${users.length} user${users.length === 1 ? '' : 's'} in the list`}
            </span>
            <button
              type="button"
              className="primary-button"
              disabled={users.length === 0 || users.length > MAX_USERS || preview.isPending}
              onClick={() => preview.mutate(users)}
            >
              {preview.isPending ? 'Looking up…' : 'Preview sessions'}
            </button>
          </div>
          {users.length > MAX_USERS ? <p className="error-text" role="alert">At most {MAX_USERS} users per run; split the list.</p> : null}
          {preview.isError ? <p className="error-text" role="alert">Preview failed: {preview.error.message}</p> : null}
        </div>
        {preview.data && !revoke.outcome ? <PreviewAndRevoke preview={preview.data} revoke={revoke} /> : null}
        {revoke.outcome ? <Outcome report={revoke.outcome} revoke={revoke} users={preview.data?.map((p) => p.user) ?? users} /> : null}
      </div>
    </section>
  );
}

function PreviewAndRevoke({ preview, revoke }: { preview: UserPreview[]; revoke: ReturnType<typeof useRevoke> }) {
  const id = useId();
  const info = useAppInfo();
  const [reasonCode, setReasonCode] = useState<ReasonCode>('offboarding');
  const [note, setNote] = useState('');
  const [ticket, setTicket] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [touched, setTouched] = useState(false);
  const total = preview.reduce((n, p) => n + p.activeSessions, 0);
  const unknown = preview.filter((p) => !p.known);
  const withSessions = preview.filter((p) => p.activeSessions > 0).map((p) => p.user);
  const problems = [
    reasonCode === 'other' && !note.trim() ? 'A note is required with "Other".' : null,
    confirmation.trim() !== String(total) ? 'Type the number of sessions to confirm.' : null,
  ].filter((p): p is string => p !== null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    if (problems.length > 0 || withSessions.length === 0) return;
    revoke.mutate({
      target: { kind: 'users', users: withSessions, count: total },
      reasonCode,
      ...(note.trim() ? { note: note.trim() } : {}),
      ...(ticket.trim() ? { ticket: ticket.trim() } : {}),
    });
  };

  return (
    <div className="panel" data-testid="offboarding-preview">
      <h2>2. Preview</h2>
      <p role="status">
        {preview.length} users, <strong>{total} active sessions</strong>
        {unknown.length > 0 ? <>, <strong className="error-text">{unknown.length} unknown</strong></> : null}.
      </p>
      <div className="result-scroll">
        <table className="result-table" aria-label="Active sessions per user">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col" className="num">
                Active sessions
              </th>
              <th scope="col">Note</th>
            </tr>
          </thead>
          <tbody>
            {preview.map((p) => (
              <tr key={p.user} data-testid="preview-row" data-user={p.user}>
                <td>{p.user}</td>
                <td className="num">
                  {p.activeSessions}
                  {p.more ? '+' : ''}
                </td>
                <td>
                  {!p.known ? (
                    <span className="flag" data-flag="unknown">
                      ⚠ Unknown user: no session of this name in the store. Check the spelling.
                    </span>
                  ) : p.activeSessions === 0 ? (
                    <span className="muted">No active session</span>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {info.data?.connection.readOnly ? (
        <p className="muted" role="note">
          This connection is read-only (auditor mode): the preview is shown, revocations are refused.
        </p>
      ) : total > 0 ? (
        <form onSubmit={submit} noValidate className="offboarding-form">
          <h2>3. Revoke</h2>
          <p>
            Cut off {plural(total, 'session')} of {plural(withSessions.length, 'user')} in{' '}
            <strong className={`env-label ${/^prod/i.test(info.data?.connection.environment ?? '') ? 'env-production' : 'env-other'}`}>
              {(info.data?.connection.environment ?? '').toUpperCase()}
            </strong>
            , recorded as <span className="mono">{info.data?.operator}</span>.
          </p>
          <div className="row wrap">
            <ReasonSelect id={`${id}-reason`} label="Reason code" value={reasonCode} onChange={setReasonCode} />
            <label className="form-field" htmlFor={`${id}-ticket`}>
              <span>Ticket (e.g. the HR request)</span>
              <input id={`${id}-ticket`} value={ticket} onChange={(e) => setTicket(e.target.value)} maxLength={200} />
            </label>
            <label className="form-field grow" htmlFor={`${id}-note`}>
              <span>Note{reasonCode === 'other' ? ' (required)' : ' (optional)'}</span>
              <input id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
            </label>
          </div>
          <label className="form-field" htmlFor={`${id}-confirm`}>
            <span>
              To confirm, type the number of sessions: <strong className="mono">{total}</strong>
            </span>
            <input id={`${id}-confirm`} value={confirmation} onChange={(e) => setConfirmation(e.target.value)} autoComplete="off" className="narrow" />
          </label>
          <FormProblems problems={problems} shown={touched} />
          {revoke.isError ? <p className="error-text" role="alert">Nothing was confirmed: {revoke.error.message}</p> : null}
          {revoke.isPending ? <RevokeProgress progress={revoke.progress} expected={total} /> : null}
          <div className="dialog-actions">
            <button type="submit" className="danger-button" disabled={revoke.isPending}>
              Revoke {plural(total, 'session')} of {plural(withSessions.length, 'user')}
            </button>
          </div>
        </form>
      ) : (
        <p className="muted">Nobody on the list has an active session: there is nothing to revoke.</p>
      )}
    </div>
  );
}

interface UserOutcome {
  user: string;
  revoked: number;
  alreadyOrExpired: number;
  problems: number;
  pendingBlacklist: number;
  failedBlacklist: number;
  /** Why this user's sessions could not be (fully) listed: a failure, never "no active session". */
  unlisted?: string;
}

function Outcome({ report, revoke, users }: { report: RevokeOutcome; revoke: ReturnType<typeof useRevoke>; users: string[] }) {
  const kind = useAppInfo().data?.connection.kind;
  const heading = useRef<HTMLHeadingElement>(null);
  const save = useMutation({ mutationFn: () => wardenClient.saveEvidence(report.runs) });
  // A file saved before a retry does not cover it: say nothing about it once the retry is in.
  const { reset: forgetSaved } = save;
  useEffect(() => forgetSaved(), [report.runs.length, forgetSaved]);
  const empty = (user: string): UserOutcome => ({ user, revoked: 0, alreadyOrExpired: 0, problems: 0, pendingBlacklist: 0, failedBlacklist: 0 });
  const byUser = new Map<string, UserOutcome>(users.map((user) => [user, empty(user)]));
  for (const r of report.results) {
    const row = byUser.get(r.user) ?? empty(r.user || '(unknown)');
    if (r.outcome === 'revoked') row.revoked += 1;
    else if (r.outcome === 'already_revoked' || r.outcome === 'expired') row.alreadyOrExpired += 1;
    else row.problems += 1;
    if (r.outcome !== 'failed' && r.blacklist === 'pending') row.pendingBlacklist += 1;
    if (r.outcome !== 'failed' && r.blacklist === 'failed') row.failedBlacklist += 1;
    byUser.set(row.user, row);
  }
  for (const { user, error } of report.unlistedUsers) byUser.set(user, { ...(byUser.get(user) ?? empty(user)), unlisted: error });
  const rows = [...byUser.values()];
  const gaps = useBlacklistGapView(report, revoke.settledAt);
  // Only a Sentinel connection with a blacklist Redis mirrors revocations; elsewhere the column would only say 0.
  const mirrored = report.results.some((r) => r.blacklist !== undefined);
  const anyBlacklistFailed = rows.some((u) => u.failedBlacklist > 0);
  const unlisted = rows.filter((u) => u.unlisted !== undefined).length;
  const problems = rows.reduce((n, u) => n + u.problems, 0);
  const revokedTotal = rows.reduce((n, u) => n + u.revoked, 0);
  const revokedUsers = rows.filter((u) => u.revoked > 0).length;
  const revokedText = `${plural(revokedTotal, 'session')} of ${plural(revokedUsers, 'user')}`;
  return (
    <div className="panel" data-testid="offboarding-result">
      <h2 ref={heading} tabIndex={-1}>
        {gaps.notBlacklisted > 0 ? `Revoked in the store: ${revokedText} — ${gaps.notBlacklisted} not yet blacklisted` : `Done: ${revokedText} revoked`}
        {problems > 0 ? `, ${problems} not revoked (see below)` : ''}
        {unlisted > 0 ? `, ${plural(unlisted, 'user')} could not be listed (see below)` : ''}
      </h2>
      <p className="muted small" data-testid="takes-effect">
        Recorded as {report.operator}. {whenRevocationTakesEffect(kind)}
      </p>
      <div className="result-scroll">
        <table className="result-table" aria-label="Result per user">
          <thead>
            <tr>
              <th scope="col">User</th>
              <th scope="col" className="num">
                Revoked
              </th>
              <th scope="col" className="num">
                Already revoked or expired
              </th>
              <th scope="col" className="num">
                Failed or not found
              </th>
              {mirrored ? (
                <th scope="col" className="num">
                  Blacklist pending
                </th>
              ) : null}
              {anyBlacklistFailed ? (
                <th scope="col" className="num">
                  Blacklist failed
                </th>
              ) : null}
              {unlisted > 0 ? <th scope="col">Listing</th> : null}
            </tr>
          </thead>
          <tbody>
            {rows.map((u) => (
              <tr key={u.user} data-testid="user-result-row" data-user={u.user} data-revoked={u.revoked} data-state={u.unlisted !== undefined ? 'failed' : undefined}>
                <td>{u.user}</td>
                <td className="num">{u.revoked}</td>
                <td className="num">{u.alreadyOrExpired}</td>
                <td className={`num ${u.problems ? 'error-text' : ''}`}>{u.problems}</td>
                {mirrored ? <td className="num">{gaps.landed && u.pendingBlacklist > 0 ? `0 (${u.pendingBlacklist} landed since)` : u.pendingBlacklist}</td> : null}
                {anyBlacklistFailed ? (
                  <td className={`num ${u.failedBlacklist && !gaps.landed ? 'error-text' : ''}`}>
                    {gaps.landed && u.failedBlacklist > 0 ? `0 (${u.failedBlacklist} landed since)` : u.failedBlacklist}
                  </td>
                ) : null}
                {unlisted > 0 ? (
                  <td data-testid="listing">
                    {u.unlisted !== undefined ? (
                      <span className="error-text">
                        <span aria-hidden="true">✗ </span>
                        <strong>failed:</strong> {u.unlisted}
                      </span>
                    ) : (
                      <span className="muted">listed</span>
                    )}
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <BlacklistGaps view={gaps} />
      <FailureReasons report={report} />
      <RetryFailed revoke={revoke} headingRef={heading} />
      <div className="row">
        <button type="button" className="primary-button" onClick={() => save.mutate()} disabled={save.isPending || revoke.isPending}>
          Save evidence (CSV)…
        </button>
        <span role="status" data-testid="evidence-status">
          {save.data?.saved
            ? `Saved ${save.data.fileName} (${report.runs.length > 1 ? `${save.data.rows} outcomes of the run and ${plural(report.runs.length - 1, 'retry')}` : `${save.data.rows} sessions`}, from the ledger).`
            : save.data
              ? 'Not saved.'
              : ''}
          {save.isError ? <span className="error-text">Could not save: {save.error.message}</span> : null}
        </span>
      </div>
    </div>
  );
}

function plural(n: number, noun: string): string {
  return `${n} ${n === 1 ? noun : noun.endsWith('y') ? `${noun.slice(0, -1)}ies` : `${noun}s`}`;
}

/** Why sessions were not revoked, each distinct reason once with how many sessions it hit. */
function FailureReasons({ report }: { report: RevokeOutcome }) {
  const reasons = new Map<string, number>();
  for (const r of report.results) {
    if (r.outcome !== 'failed' && r.outcome !== 'not_found') continue;
    const why = r.outcome === 'not_found' ? 'Not found in the store (ended or removed meanwhile).' : (r.error ?? 'No reason given.');
    reasons.set(why, (reasons.get(why) ?? 0) + 1);
  }
  if (reasons.size === 0) return null;
  const shown = [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 5);
  return (
    <div className="failure-reasons" data-testid="failure-reasons">
      <h3>Why sessions were not revoked</h3>
      <ul>
        {shown.map(([why, n]) => (
          <li key={why}>
            <strong>{plural(n, 'session')}:</strong> <span className="error-text">{why}</span>
          </li>
        ))}
      </ul>
      {reasons.size > shown.length ? <p className="muted small">…and {plural(reasons.size - shown.length, 'other reason')}; the evidence file lists each session.</p> : null}
    </div>
  );
}
