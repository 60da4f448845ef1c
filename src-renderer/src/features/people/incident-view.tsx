import { OUTCOME_LABELS, type Outcome } from '../../../../src-shared/reason-codes';
import type { IncidentView as Incident } from '../../../../src-shared/people';
import { useIncident, useIncidentExport } from '../../api/use-people';
import { useNow } from '../../ui/use-now';
import { countdown } from '../../ui/exposure';
import { colourOf, ConnectionTag } from './connection-tag';
import { IncidentActivity } from './incident-activity';
import { usePeople } from './people-store';
import { isoLabel, plural } from './people-words';
import { PersonSessions } from './person-group';

/**
 * One incident: who was pinned and where, what was revoked in each connection (from its ledger),
 * what is still open now (a fresh search), activity after revocation, and the bundle export.
 */
export function IncidentView({ incident }: { incident: string }) {
  const view = useIncident(incident);
  const close = usePeople((s) => s.openIncident);
  return (
    <section className="screen people" aria-labelledby="incident-title">
      <header className="screen-header">
        <h1 id="incident-title">Incident {incident}</h1>
        <button type="button" className="secondary-button" onClick={() => close(null)}>
          Back to Find a person
        </button>
        <button type="button" className="link-button push-right" onClick={() => void view.refetch()} disabled={view.isFetching}>
          {view.isFetching ? 'Refreshing…' : 'Refresh'}
        </button>
      </header>
      <div className="people-body" data-testid="incident-view" data-state={view.data ? 'ready' : view.isError ? 'error' : 'loading'}>
        {view.isError ? (
          <p className="error-text" role="alert">
            The incident could not be read: {view.error.message}
          </p>
        ) : !view.data ? (
          <p role="status" className="muted">
            Reading the incident and searching its connections…
          </p>
        ) : (
          <IncidentBody data={view.data} />
        )}
      </div>
    </section>
  );
}

function IncidentBody({ data }: { data: Incident }) {
  const { summary, now, revoked, alarms } = data;
  // The view names connections by id or by name (a ledger row keeps the name it was revoked under).
  const names = new Map(now.groups.flatMap((g) => [[g.connection.id, g.connection] as const, [g.connection.name, g.connection] as const]));
  const nameOf = (id: string) => names.get(id)?.name ?? id;
  const open = now.groups.filter((g) => g.counts.active > 0);
  const unknown = now.groups.filter((g) => g.state === 'unreachable' || g.state === 'cannot-derive' || g.state === 'incomplete');
  const byConnection = new Map<string, typeof revoked>();
  for (const r of revoked) byConnection.set(r.connection, [...(byConnection.get(r.connection) ?? []), r]);
  return (
    <>
      <div className="panel incident-summary">
        <dl className="person-facts">
          <div>
            <dt>Person</dt>
            <dd className="mono">{summary.person}</dd>
          </div>
          <div>
            <dt>Pinned</dt>
            <dd>
              {isoLabel(summary.pinnedAt)} by <span className="mono">{summary.pinnedBy}</span>
            </dd>
          </div>
          <div>
            <dt>Connections</dt>
            <dd>{summary.connections.map(nameOf).join(', ')}</dd>
          </div>
          {summary.note ? (
            <div className="wide">
              <dt>Note</dt>
              <dd>{summary.note}</dd>
            </div>
          ) : null}
        </dl>
        <p role="status" className="incident-verdict" data-testid="incident-verdict">
          {verdict(revoked.length, open.reduce((n, g) => n + g.counts.active, 0), alarms.length, unknown.length, data.activity.filter((c) => c.state === 'unreachable').length)}
        </p>
        <IncidentExport incident={summary.incident} />
      </div>

      <IncidentActivity data={data} nameOf={nameOf} />

      <section className="panel" aria-labelledby="incident-open">
        <h2 id="incident-open">Still open now</h2>
        {open.length === 0 && unknown.length === 0 ? <p data-testid="incident-nothing-open">No live session of {summary.person} in any pinned connection.</p> : null}
        {unknown.map((g) => (
          <p key={g.connection.id} className="error-text small" data-testid="incident-unknown">
            {g.connection.name}: not known — {g.problem ?? g.state}
          </p>
        ))}
        {open.map((g) => (
          <div key={g.connection.id} className={`everywhere-outcome band-${colourOf(g.connection)}`} data-testid="incident-open-group" data-connection={g.connection.name}>
            <h3>
              {g.connection.name} <ConnectionTag connection={g.connection} /> <span className="count-live">{plural(g.counts.active, 'live session')}</span>
            </h3>
            <PersonSessions group={{ ...g, sessions: g.sessions.filter((s) => s.status === 'active') }} label={`Still open in ${g.connection.name}`} />
          </div>
        ))}
        <ResidualWindows data={data} />
      </section>

      <section className="panel" aria-labelledby="incident-revoked">
        <h2 id="incident-revoked">Revoked, per connection ({revoked.length})</h2>
        {revoked.length === 0 ? <p className="muted">Nothing revoked for this incident yet: revoke everywhere from Find a person with the incident reference.</p> : null}
        {[...byConnection].map(([connection, rows]) => {
          const c = names.get(connection);
          return (
            <div key={connection} className={`everywhere-outcome band-${c ? colourOf(c) : 'grey'}`} data-testid="incident-revoked-group" data-connection={nameOf(connection)}>
              <h3>
                {nameOf(connection)} {c ? <ConnectionTag connection={c} /> : null} <span className="muted small">{outcomeCounts(rows.map((r) => r.outcome))}</span>
              </h3>
              <table className="audit-table" aria-label={`Revoked in ${nameOf(connection)}`}>
                <thead>
                  <tr>
                    <th scope="col">Session</th>
                    <th scope="col">User</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">At</th>
                    <th scope="col">Closed</th>
                  </tr>
                </thead>
                <RevokedRows rows={rows} />
              </table>
            </div>
          );
        })}
      </section>
    </>
  );
}

/** The revoked sessions of one connection; one clock for them all, so the closing times stay honest as they pass. */
function RevokedRows({ rows }: { rows: Incident['revoked'] }) {
  // The ticking clock may lag a second behind: never call a closing that is over still to come.
  const now = Math.max(useNow(1000), Date.now());
  return (
    <tbody>
      {rows.map((r) => (
        <tr key={`${r.run}-${r.id}`} data-testid="incident-revoked-row" data-outcome={r.outcome}>
          <td className="mono">{r.id}</td>
          <td>{r.user || '—'}</td>
          <td>{outcomeLabel(r.outcome)}</td>
          <td>{isoLabel(r.at)}</td>
          <td>
            <ClosedCell closedAt={r.closedAt} now={now} />
          </td>
        </tr>
      ))}
    </tbody>
  );
}

/**
 * When nothing issued before the revocation works any more: for Sentinel, credentials already
 * fetched live their lifetime after it, so a time still to come reads as a closing, not as closed.
 */
function ClosedCell({ closedAt, now }: { closedAt: string | undefined; now: number }) {
  const at = closedAt === undefined ? NaN : Date.parse(closedAt);
  if (closedAt === undefined || !Number.isFinite(at)) return <span className="muted">—</span>;
  if (at > now) {
    return (
      <span data-testid="incident-closed" data-state="open" title={isoLabel(closedAt)}>
        closes at <strong>{closedAt.slice(11, 19)} UTC</strong> (credentials already issued still work until then)
      </span>
    );
  }
  return (
    <span data-testid="incident-closed" data-state="closed">
      Fully closed {isoLabel(closedAt)}
    </span>
  );
}

function outcomeLabel(outcome: string): string {
  return outcome in OUTCOME_LABELS ? OUTCOME_LABELS[outcome as Outcome] : outcome;
}

function outcomeCounts(outcomes: string[]): string {
  const counts = new Map<string, number>();
  for (const o of outcomes) counts.set(o, (counts.get(o) ?? 0) + 1);
  return [...counts].map(([o, n]) => `${n} ${outcomeLabel(o)}`).join(', ');
}

function verdict(revoked: number, live: number, alarms: number, unknown: number, unchecked: number): string {
  const parts = [`${plural(revoked, 'session')} revoked`, live > 0 ? `${plural(live, 'live session')} still open` : 'nothing live'];
  if (alarms > 0) parts.push(`${plural(alarms, 'alarm')} of activity after revocation`);
  if (unchecked > 0) parts.push(`activity after revocation not known in ${plural(unchecked, 'connection')}`);
  if (unknown > 0) parts.push(`${plural(unknown, 'connection')} not known now`);
  return `${parts.join('; ')}.`;
}

/** Revoked Sentinel sessions whose already-issued credentials still work: until when, counting down. */
function ResidualWindows({ data }: { data: Incident }) {
  const now = useNow(1000);
  const windows = data.now.groups.filter((g) => !g.exposure.live && g.exposure.until !== null && Date.parse(g.exposure.until) > now);
  if (windows.length === 0) return null;
  return (
    <ul className="incident-windows">
      {windows.map((g) => {
        const until = Date.parse(g.exposure.until ?? '');
        return (
          <li key={g.connection.id} data-testid="incident-window">
            {g.connection.name}: credentials already issued stay valid until <strong>{isoLabel(g.exposure.until ?? '')}</strong> (<span className="mono">{countdown(until - now)}</span> left)
          </li>
        );
      })}
    </ul>
  );
}

function IncidentExport({ incident }: { incident: string }) {
  const exporter = useIncidentExport();
  return (
    <div className="row wrap">
      <button type="button" className="secondary-button" disabled={exporter.isPending} onClick={() => exporter.mutate({ incident, format: 'csv' })}>
        Export bundle (CSV)…
      </button>
      <button type="button" className="secondary-button" disabled={exporter.isPending} onClick={() => exporter.mutate({ incident, format: 'json' })}>
        Export bundle (JSON)…
      </button>
      <span role="status" className="small" data-testid="incident-export-status">
        {exporter.data?.saved ? `Saved ${exporter.data.files.join(' and ')} (${plural(exporter.data.rows, 'row')}).` : exporter.data ? 'Not saved.' : ''}
        {exporter.isError ? <span className="error-text">Could not export: {exporter.error.message}</span> : null}
      </span>
    </div>
  );
}
