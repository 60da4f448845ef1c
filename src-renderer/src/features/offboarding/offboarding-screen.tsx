import { useMutation } from '@tanstack/react-query';
import { useId, useMemo, useState, type ChangeEvent } from 'react';
import type { UserPreview } from '../../../../src-shared/revocation';
import { readUserList, type ListNote } from '../../../../src-shared/user-list';
import { useRevoke } from '../../api/use-revoke';
import { wardenClient } from '../../api/warden-client';
import { askedNames, plural, rowsOf } from './offboarding-rows';
import { OffboardingPreview } from './offboarding-preview';
import { OffboardingResult } from './offboarding-result';

const MAX_USERS = 1000;

/**
 * HR sends a list of leavers: paste or import it, see how it was read (nothing split or dropped
 * silently), how many live sessions each name has (matched ignoring case or by e-mail; unknown
 * names flagged with the names the store does hold), revoke them all with one reason and ticket,
 * and keep the result, one record per requested name, as CSV evidence for the ticket.
 */
export function OffboardingScreen() {
  const id = useId();
  const [text, setText] = useState('');
  const [fileNote, setFileNote] = useState<string | null>(null);
  // Unknown names the operator matched to a suggested user, by the name as typed.
  const [picks, setPicks] = useState<ReadonlyMap<string, string>>(new Map());
  const read = useMemo(() => readUserList(text), [text]);
  const names = read.names;
  const preview = useMutation<UserPreview[], Error, string[]>({ mutationFn: async (users) => (await wardenClient.users.preview({ users })).users });
  const revoke = useRevoke();
  const rows = preview.data ? rowsOf(names, picks, preview.data) : null;

  const changeList = (next: string) => {
    setText(next);
    setPicks(new Map());
    preview.reset();
    revoke.reset();
  };
  const onFile = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    if (!file) return;
    if (file.size > 2 * 1024 * 1024) {
      setFileNote(`${file.name} is larger than 2 MB; is it really a list of users?`);
      return;
    }
    const content = await file.text();
    changeList(content);
    setFileNote(`Imported ${file.name}: ${plural(readUserList(content).names.length, 'name')}.`);
  };
  const pick = (typed: string, user: string) => {
    const next = new Map(picks).set(typed, user);
    setPicks(next);
    preview.mutate(askedNames(names, next));
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
            <span>User names or e-mails, one per line (a CSV export works too: its first column is used)</span>
            <textarea id={`${id}-list`} rows={8} value={text} spellCheck={false} readOnly={revoke.isPending} onChange={(e) => changeList(e.target.value)} />
          </label>
          <div className="row">
            <label className="file-button">
              Import CSV or TXT…
              <input type="file" accept=".csv,.txt,text/csv,text/plain" onChange={(e) => void onFile(e)} className="visually-hidden" disabled={revoke.isPending} />
            </label>
            <span className="muted" role="status">
              {fileNote ?? `${plural(names.length, 'name')} in the list`}
            </span>
            <button
              type="button"
              className="primary-button"
              disabled={names.length === 0 || names.length > MAX_USERS || preview.isPending}
              onClick={() => preview.mutate(askedNames(names, picks))}
            >
              {preview.isPending ? 'Looking up…' : 'Preview sessions'}
            </button>
          </div>
          <ListNotes notes={read.notes} />
          {names.length > MAX_USERS ? <p className="error-text" role="alert">At most {MAX_USERS} users per run; split the list.</p> : null}
          {preview.isError ? <p className="error-text" role="alert">Preview failed: {preview.error.message}</p> : null}
        </div>
        {rows && !revoke.outcome ? <OffboardingPreview rows={rows} revoke={revoke} onPick={pick} /> : null}
        {rows && revoke.outcome ? <OffboardingResult report={revoke.outcome} revoke={revoke} rows={rows} /> : null}
      </div>
    </section>
  );
}

const NOTE_LABELS: Record<ListNote['kind'], string> = {
  split: 'split',
  columns: 'columns dropped',
  header: 'heading skipped',
  duplicate: 'repeat merged',
  comment: 'comment',
};

/** How the list was read, before any preview: every line that did not become exactly one name. */
function ListNotes({ notes }: { notes: readonly ListNote[] }) {
  const shown = notes.filter((n) => n.kind !== 'comment');
  const comments = notes.length - shown.length;
  if (notes.length === 0) return null;
  return (
    <div className="list-notes" data-testid="list-notes" role="status">
      <h3>How the list was read</h3>
      {shown.length > 0 ? (
        <ul>
          {shown.slice(0, 50).map((n) => (
            <li key={`${n.line}-${n.kind}`} data-kind={n.kind}>
              <strong>
                Line {n.line} ({NOTE_LABELS[n.kind]}):
              </strong>{' '}
              <span className="mono">{n.text}</span> — {n.detail}
            </li>
          ))}
        </ul>
      ) : null}
      {shown.length > 50 ? <p className="muted small">…and {plural(shown.length - 50, 'more line')}.</p> : null}
      {comments > 0 ? <p className="muted small">{plural(comments, 'comment line')} (starting with #) ignored.</p> : null}
    </div>
  );
}
