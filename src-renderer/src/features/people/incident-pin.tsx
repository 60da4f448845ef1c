import { useId, useState, type FormEvent } from 'react';
import type { PeopleFindResponse } from '../../../../src-shared/people';
import { useIncidentPin, useIncidents } from '../../api/use-people';
import { focusWhenShown } from '../palette/palette-intents';
import { usePeople } from './people-store';
import { isoLabel } from './people-words';

/** What main's IncidentRefSchema accepts, said at the field (main checks it again). */
export const INCIDENT_REF = /^[A-Za-z0-9][A-Za-z0-9._:#/-]{0,63}$/;
export const INCIDENT_REF_HINT = 'an incident reference such as INC-1234: letters, digits and . _ : # / -';

/** Pins the person and the searched connections to an incident reference, then opens the incident. */
export function IncidentPin({ found }: { found: PeopleFindResponse }) {
  const id = useId();
  const [incident, setIncident] = useState('');
  const [note, setNote] = useState('');
  const [tried, setTried] = useState(false);
  const pin = useIncidentPin();
  const open = usePeople((s) => s.openIncident);
  const ref = incident.trim();
  const bad = !INCIDENT_REF.test(ref);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setTried(true);
    if (bad) return;
    pin.mutate(
      { incident: ref, person: found.person, connections: found.groups.map((g) => g.connection.id), ...(note.trim() ? { note: note.trim() } : {}) },
      {
        onSuccess: (summary) => {
          open(summary.incident);
          focusWhenShown('main h1');
        },
      },
    );
  };
  return (
    <form className="incident-pin row wrap" onSubmit={submit} noValidate aria-label="Pin to an incident">
      <label className="form-field" htmlFor={`${id}-incident`}>
        <span>Incident reference</span>
        <input id={`${id}-incident`} value={incident} onChange={(e) => setIncident(e.target.value)} placeholder="INC-1234" maxLength={64} spellCheck={false} autoComplete="off" aria-invalid={tried && bad} />
      </label>
      <label className="form-field grow" htmlFor={`${id}-note`}>
        <span>Note (optional)</span>
        <input id={`${id}-note`} value={note} onChange={(e) => setNote(e.target.value)} maxLength={2000} />
      </label>
      <button type="submit" className="secondary-button" disabled={pin.isPending}>
        Pin {found.person} to the incident
      </button>
      {tried && bad ? (
        <p className="error-text small" role="alert">
          Type {INCIDENT_REF_HINT}.
        </p>
      ) : null}
      {pin.isError ? (
        <p className="error-text small" role="alert">
          Not pinned: {pin.error.message}
        </p>
      ) : null}
    </form>
  );
}

/** Incidents pinned on this desk, newest first, each opening its view. Hidden while there are none. */
export function IncidentsList() {
  const incidents = useIncidents();
  const open = usePeople((s) => s.openIncident);
  const list = incidents.data ?? [];
  if (list.length === 0) return null;
  return (
    <nav className="panel incidents-list" aria-label="Pinned incidents">
      <h2>Pinned incidents</h2>
      <ul>
        {[...list]
          .sort((a, b) => b.pinnedAt.localeCompare(a.pinnedAt))
          .slice(0, 8)
          .map((i) => (
            <li key={i.incident}>
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  open(i.incident);
                  focusWhenShown('main h1');
                }}
              >
                {i.incident}
              </button>{' '}
              <span className="mono">{i.person}</span> <span className="muted small">pinned {isoLabel(i.pinnedAt)} by {i.pinnedBy}, {i.runs.length} revocation run{i.runs.length === 1 ? '' : 's'}</span>
            </li>
          ))}
      </ul>
    </nav>
  );
}
