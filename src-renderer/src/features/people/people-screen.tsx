import { useEffect, useId, useState, type FormEvent } from 'react';
import type { Connection } from '../../../../src-shared/connections';
import type { PeopleFindResponse } from '../../../../src-shared/people';
import { useConnections } from '../../api/use-connections';
import { usePeopleFind } from '../../api/use-people';
import { colourOf } from './connection-tag';
import { IncidentPin, IncidentsList } from './incident-pin';
import { IncidentView } from './incident-view';
import { usePeople } from './people-store';
import { plural, revocable } from './people-words';
import { PersonGroupView } from './person-group';
import { RevokeEverywhereDialog } from './revoke-everywhere';
import './people.css';

/** A saved connection, or the embedded demo store, as the search form lists it. */
interface Searchable {
  id: string;
  name: string;
  environment: string;
  colour: Connection['colour'];
  readOnly: boolean;
}

const DEMO: Searchable = { id: 'demo', name: 'Demo store', environment: 'demo', colour: 'amber', readOnly: false };

/**
 * Incident mode: one person across every saved connection. Type an e-mail or a login, choose the
 * connections, search them all at once; the answer is one list grouped by connection, from which
 * the analyst revokes everywhere and pins the person to an incident.
 */
export function PeopleScreen() {
  const incident = usePeople((s) => s.incident);
  return incident !== null ? <IncidentView incident={incident} /> : <PersonSearch />;
}

function PersonSearch() {
  const id = useId();
  const { person, setPerson, searchNow, found, searched } = usePeople();
  const connections = useConnections();
  const saved: Searchable[] = connections.data?.connections ?? [];
  const searchable = saved.length > 0 ? saved : [DEMO];
  // Unticked connections, by id: every connection is searched by default, new ones included.
  const [unticked, setUnticked] = useState<ReadonlySet<string>>(new Set());
  const selected = searchable.filter((c) => !unticked.has(c.id)).map((c) => c.id);
  const find = usePeopleFind();
  const [revoking, setRevoking] = useState(false);
  const typed = person.trim();

  const search = () => {
    if (typed === '' || selected.length === 0) return;
    find.mutate({ person: typed, connections: selected }, { onSuccess: searched, onError: () => searched(null) });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    search();
  };
  // The palette asked for a person: search once the saved connections are known.
  const ready = connections.isSuccess || connections.isError;
  useEffect(() => {
    if (searchNow && ready) search();
    // Only when the palette asks (searchNow), not on every keystroke.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [searchNow, ready]);

  const toggle = (connection: string, on: boolean) =>
    setUnticked((previous) => {
      const next = new Set(previous);
      if (on) next.delete(connection);
      else next.add(connection);
      return next;
    });

  return (
    <section className="screen people" aria-labelledby="people-title">
      <header className="screen-header">
        <h1 id="people-title">Find a person</h1>
        <p className="muted">One person across every store: their sessions per connection, revoked everywhere at once.</p>
      </header>
      <div className="people-body">
        <form className="panel people-form" onSubmit={submit} noValidate aria-label="Find a person">
          <div className="row wrap">
            <label className="form-field grow" htmlFor={`${id}-person`}>
              <span>Person: an e-mail such as alice@corp.example, or a login such as alice</span>
              <input id={`${id}-person`} value={person} onChange={(e) => setPerson(e.target.value)} spellCheck={false} autoComplete="off" maxLength={254} data-testid="person-input" />
            </label>
            <button type="submit" className="primary-button" disabled={find.isPending || typed === '' || selected.length === 0}>
              {find.isPending ? 'Searching…' : 'Search'}
            </button>
          </div>
          <fieldset className="form-group people-connections">
            <legend>
              Connections to search ({selected.length} of {searchable.length})
            </legend>
            <ul>
              {searchable.map((c) => (
                <li key={c.id}>
                  <label className="checkbox-field">
                    <input type="checkbox" checked={!unticked.has(c.id)} onChange={(e) => toggle(c.id, e.target.checked)} />
                    <span className={`env-label env-colour-${colourOf(c)}`}>{c.environment.toUpperCase()}</span> {c.name}
                    {c.readOnly ? <span className="read-only-badge">read-only</span> : null}
                  </label>
                </li>
              ))}
            </ul>
            <div className="row">
              <button type="button" className="link-button" onClick={() => setUnticked(new Set())}>
                Select all
              </button>
              <button type="button" className="link-button" onClick={() => setUnticked(new Set(searchable.map((c) => c.id)))}>
                Select none
              </button>
            </div>
          </fieldset>
          <p role="status" aria-live="polite" className="people-status" data-testid="people-status">
            {find.isPending ? `Searching ${plural(selected.length, 'connection')} for ${typed}…` : find.isError ? '' : found ? summary(found) : selected.length === 0 ? 'Select at least one connection to search.' : ''}
          </p>
          {find.isError ? (
            <p className="error-text" role="alert">
              Not searched: {find.error.message}
            </p>
          ) : null}
        </form>
        <IncidentsList />
        {found && !find.isPending ? <Results found={found} onRevoke={() => setRevoking(true)} /> : null}
      </div>
      {found && revoking ? <RevokeEverywhereDialog
          found={found}
          onClose={(revoked) => {
            setRevoking(false);
            // What the groups say is stale once anything was revoked: search the same connections again.
            if (revoked) find.mutate({ person: found.person, connections: found.groups.map((g) => g.connection.id) }, { onSuccess: searched });
          }}
        /> : null}
    </section>
  );
}

/** "alice: 5 live sessions in 2 of 3 connections; 1 could not be searched." */
function summary(found: PeopleFindResponse): string {
  const live = found.groups.reduce((n, g) => n + g.counts.active, 0);
  const withLive = found.groups.filter((g) => g.counts.active > 0).length;
  const unsearched = found.groups.filter((g) => g.state === 'unreachable' || g.state === 'cannot-derive').length;
  const partly = found.groups.filter((g) => g.state === 'incomplete').length;
  return `${found.person}: ${plural(live, 'live session')} in ${withLive} of ${plural(found.groups.length, 'connection')}${unsearched > 0 ? `; ${unsearched} could not be searched (said below)` : ''}${partly > 0 ? `; ${partly} searched only in part (said below)` : ''}.`;
}

function Results({ found, onRevoke }: { found: PeopleFindResponse; onRevoke: () => void }) {
  const targets = found.groups.filter(revocable);
  const live = targets.reduce((n, g) => n + g.counts.active, 0);
  const readOnlyLive = found.groups.filter((g) => g.connection.readOnly && g.counts.active > 0).length;
  return (
    <div className="people-results" data-testid="people-results">
      <div className="panel people-actions">
        <h2>
          {found.person} <span className="muted small">searched {found.searchedAt.slice(11, 19)} UTC</span>
        </h2>
        <div className="row wrap">
          <button type="button" className="danger-button" disabled={live === 0} onClick={onRevoke} aria-describedby="revoke-everywhere-why">
            Revoke everywhere… ({plural(live, 'session')})
          </button>
          <span id="revoke-everywhere-why" className="muted small">
            {live === 0 ? 'No live session where this desk may revoke.' : `In ${plural(targets.length, 'connection')}.`}
            {readOnlyLive > 0 ? ` ${plural(readOnlyLive, 'read-only connection')} with live sessions cannot be revoked from here.` : ''}
          </span>
        </div>
        <Unsearched found={found} />
        <IncidentPin found={found} />
      </div>
      {found.groups.map((group, index) => (
        <PersonGroupView key={group.connection.id} group={group} index={index} />
      ))}
    </div>
  );
}

/** The connections that could not be searched, named at the top with why (their groups below say it too). */
function Unsearched({ found }: { found: PeopleFindResponse }) {
  const missing = found.groups.filter((g) => g.state === 'unreachable' || g.state === 'cannot-derive' || g.state === 'incomplete');
  if (missing.length === 0) return null;
  return (
    <ul className="people-unsearched" aria-label="Connections not searched" data-testid="people-unsearched">
      {missing.map((g) => (
        <li key={g.connection.id}>
          <strong>{g.connection.name}</strong>: {g.state === 'unreachable' ? 'could not be searched' : g.state === 'incomplete' ? 'searched only in part' : 'not searched'}, {g.problem ?? 'no reason given'}
        </li>
      ))}
    </ul>
  );
}
