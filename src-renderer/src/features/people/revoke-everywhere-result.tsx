import { useEffect, useRef } from 'react';
import { OUTCOME_LABELS, type Outcome } from '../../../../src-shared/reason-codes';
import { usePeopleEvidence, type PeopleRevokeConnection, type usePeopleRevoke } from '../../api/use-people';
import { useAppInfo } from '../../api/use-app-info';
import { countdown } from '../../ui/exposure';
import { DenyOffer } from '../iam/deny-offer';
import { exactMillisLabel } from '../../ui/format-time';
import { useNow } from '../../ui/use-now';
import { focusWhenShown } from '../palette/palette-intents';
import { colourOf, ConnectionTag } from './connection-tag';
import { usePeople } from './people-store';
import { plural } from './people-words';

const STATE_WORDS = { done: 'done', refused: 'refused: nothing tried', failed: 'failed' } as const;

/** What a revoke-everywhere did, per connection and per session, with retry, evidence and the incident. */
export function RevokeEverywhereResult({ revoke, person, titleId, onDone }: { revoke: ReturnType<typeof usePeopleRevoke>; person: string; titleId: string; onDone: () => void }) {
  const outcome = revoke.outcome;
  const heading = useRef<HTMLHeadingElement>(null);
  const openIncident = usePeople((s) => s.openIncident);
  // After a retry, focus goes back to the heading, which now says how it went.
  const running = revoke.isPending;
  const wasRunning = useRef(false);
  useEffect(() => {
    if (wasRunning.current && !running) heading.current?.focus();
    wasRunning.current = running;
  }, [running]);
  if (!outcome) return null;
  const all = outcome.connections.flatMap((c) => c.results);
  const counts = new Map<Outcome, number>();
  for (const r of all) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const troubled = outcome.connections.filter((c) => c.failed.length > 0 || c.latest.state !== 'done');
  return (
    <div data-testid="revoke-everywhere-result" className="revoke-everywhere">
      <h2 id={titleId} className="dialog-title" ref={heading} tabIndex={-1}>
        {troubled.length > 0 ? `Revoked with problems in ${plural(troubled.length, 'connection')}` : `Revoked everywhere: ${person}`}
      </h2>
      <p className="dialog-summary" role="status" data-testid="everywhere-summary">
        {[...counts].map(([o, n]) => `${n} ${OUTCOME_LABELS[o]}`).join(', ') || 'No session was revoked'}
        {revoke.failedCount > 0 ? `; ${plural(revoke.failedCount, 'session')} still to retry` : ''}. Recorded as <span className="mono">{outcome.operator}</span>
        {outcome.incident ? (
          <>
            {' '}
            for incident <strong className="mono">{outcome.incident}</strong>
          </>
        ) : null}
        {outcome.attempts > 1 ? ` (after ${plural(outcome.attempts - 1, 'retry', 'retries')})` : ''}.
      </p>
      {outcome.incidentProblem ? (
        <p className="error-text" role="alert" data-testid="incident-problem">
          Not noted on the incident: {outcome.incidentProblem}
        </p>
      ) : null}
      <div className="result-scroll everywhere-outcomes" tabIndex={0} role="region" aria-label="Outcome per connection">
        {outcome.connections.map((c) => (
          <ConnectionOutcome key={c.latest.connection.id} c={c} incident={outcome.incident} />
        ))}
      </div>
      {revoke.isPending ? (
        <p role="status" className="progress">
          Retrying {plural(revoke.failedCount, 'session')}…
        </p>
      ) : null}
      {revoke.isError ? (
        <p className="error-text" role="alert">
          The retry did not run: {revoke.error.message}
        </p>
      ) : null}
      <div className="dialog-actions record-actions">
        {revoke.failedCount > 0 ? (
          <button type="button" className="secondary-button" onClick={revoke.retryFailed} disabled={revoke.isPending} data-testid="retry-failed">
            Retry what failed ({plural(revoke.failedCount, 'session')})
          </button>
        ) : null}
        <SaveEverywhereEvidence runs={outcome.runs} disabled={revoke.isPending} />
        {outcome.incident && !outcome.incidentProblem ? (
          <button
            type="button"
            className="secondary-button"
            onClick={() => {
              const incident = outcome.incident ?? null;
              onDone();
              openIncident(incident);
              focusWhenShown('main h1');
            }}
          >
            Open incident {outcome.incident}
          </button>
        ) : null}
        <button type="button" className="primary-button" onClick={onDone} disabled={revoke.isPending}>
          Done
        </button>
      </div>
    </div>
  );
}

function ConnectionOutcome({ c, incident }: { c: PeopleRevokeConnection; incident?: string | undefined }) {
  const connection = c.latest.connection;
  return (
    <section className={`everywhere-outcome band-${colourOf(connection)}`} data-testid="everywhere-outcome" data-connection={connection.name} data-state={c.latest.state} aria-label={`Outcome in ${connection.name}`}>
      <h3>
        {connection.name} <ConnectionTag connection={connection} /> <span className={`group-state group-state-${c.latest.state}`}>{STATE_WORDS[c.latest.state]}</span>
      </h3>
      {c.latest.problem ? <p className={c.latest.state === 'done' ? 'small' : 'error-text small'}>{c.latest.problem}</p> : null}
      {c.latest.beyondConfirmed ? (
        <p className="small warning-text" data-testid="everywhere-beyond">
          {plural(c.latest.beyondConfirmed, 'more live session')} than confirmed (begun since the search) {c.latest.beyondConfirmed === 1 ? 'was' : 'were'} revoked too.
        </p>
      ) : null}
      <ClosedWhen c={c} />
      <DenyIssued c={c} incident={incident} />
      {c.results.length > 0 ? (
        <table className="audit-table" aria-label={`Outcome per session in ${connection.name}`}>
          <thead>
            <tr>
              <th scope="col">Session</th>
              <th scope="col">User</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {c.results.map((r) => (
              <tr key={r.id} data-testid="everywhere-session" data-outcome={r.outcome}>
                <td className="mono">{r.id}</td>
                <td>{r.user || '—'}</td>
                <td>
                  <span className={`outcome outcome-${r.outcome}`}>{OUTCOME_LABELS[r.outcome]}</span>
                  {r.error ? <span className="error-text small"> {r.error}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {c.failed.length > c.results.filter((r) => r.outcome === 'failed').length ? <p className="small warning-text">{plural(c.failed.length, 'session')} not reached: retry.</p> : null}
    </section>
  );
}

/**
 * Sentinel credentials issued before the revocation still work until they expire: on the active
 * connection IAM can deny them now (its own credentials, in main); elsewhere, say where to do it.
 */
function DenyIssued({ c, incident }: { c: PeopleRevokeConnection; incident?: string | undefined }) {
  const active = useAppInfo().data?.connection.id;
  const now = useNow(1000);
  const connection = c.latest.connection;
  if (connection.kind !== 'dynamodb') return null;
  const cut = c.results.filter((r) => (r.outcome === 'revoked' || r.outcome === 'already_revoked') && r.closedAt !== undefined);
  const until = Math.max(...cut.map((r) => Date.parse(r.closedAt ?? '')));
  if (cut.length === 0 || !(until > now)) return null;
  if (connection.id === active) return <DenyOffer ids={cut.map((r) => r.id)} incident={incident} until={until} />;
  return (
    <p className="small muted" data-testid="deny-elsewhere">
      To deny the AWS credentials already issued to these sessions before they expire, switch to {connection.name} and use “Also deny credentials already issued…” on a revoked session: IAM is reached with
      that connection’s own credentials.
    </p>
  );
}

/** One evidence CSV over every connection's runs of this revoke-everywhere and its retries, read back from the ledgers. */
function SaveEverywhereEvidence({ runs, disabled }: { runs: { connection: string; run: string }[]; disabled: boolean }) {
  const save = useMutationReset(runs.length);
  return (
    <>
      <button type="button" className="secondary-button" onClick={() => save.mutate(runs)} disabled={disabled || save.isPending || runs.length === 0}>
        Save evidence CSV…
      </button>
      <span role="status" className="small" data-testid="evidence-status">
        {save.data?.saved ? `Saved ${save.data.fileName ?? 'the file'} (${plural(save.data.rows, 'record')} from ${plural(runs.length, 'run')}).` : save.data ? 'Not saved.' : ''}
        {save.isError ? <span className="error-text">Could not save: {save.error.message}</span> : null}
      </span>
    </>
  );
}

/** The evidence mutation, forgotten when a retry adds runs (a file saved before it does not cover it). */
function useMutationReset(runs: number) {
  const save = usePeopleEvidence();
  const { reset } = save;
  useEffect(() => reset(), [runs, reset]);
  return save;
}

/**
 * When this connection's revocation is really over: the latest moment a credential issued before
 * it still works (main's per-session `closedAt`: Sentinel's credential lifetime; the revocation
 * itself where the app checks every request), counting down while open.
 */
function ClosedWhen({ c }: { c: PeopleRevokeConnection }) {
  // The ticking clock may be up to a second behind a result that just arrived: never call a revocation that is over "open".
  const now = Math.max(useNow(1000), Date.now());
  const cut = c.results.filter((r) => r.outcome === 'revoked' || r.outcome === 'already_revoked');
  if (cut.length === 0) return null;
  const times = cut.map((r) => (r.closedAt ? Date.parse(r.closedAt) : NaN));
  if (!times.every((t) => Number.isFinite(t))) return <p className="small muted">Fully closed: not known for every session (the store did not say when credentials were last issued).</p>;
  const last = Math.max(...times);
  return (
    <p className="small" data-testid="everywhere-closed" data-state={last > now ? 'open' : 'closed'}>
      {last > now ? (
        <>
          Open until <strong>{exactMillisLabel(last)}</strong> (<span className="mono">{countdown(last - now)}</span> left): credentials already issued still work until then.
        </>
      ) : (
        <>Fully closed at {exactMillisLabel(last)}: nothing issued before the revocation works any more.</>
      )}
    </p>
  );
}
