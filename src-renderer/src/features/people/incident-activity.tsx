import type { IncidentActivityCheck, IncidentView } from '../../../../src-shared/people';
import { isoLabel, plural } from './people-words';
import './incident-activity.css';

type Alarm = IncidentView['alarms'][number];

/** Alarms listed in the view; the rest are in each ledger and the bundle. */
const SHOWN = 20;

/**
 * Activity after revocation on every connection of the incident: the alarms (connection, session,
 * when, server or client, what the store said), and per connection whether it could be checked
 * just now. A connection that could not be read says so: that is not "no activity".
 */
export function IncidentActivity({ data, nameOf }: { data: IncidentView; nameOf: (connection: string) => string }) {
  const { alarms, activity } = data;
  const newest = [...alarms].reverse();
  const sessions = new Set(alarms.map((a) => `${a.connection}\0${a.sessionId}`)).size;
  return (
    <section className={`panel incident-activity${alarms.length > 0 ? ' alarmed' : ''}`} aria-labelledby="incident-activity-title" data-testid="incident-activity">
      <h2 id="incident-activity-title">
        {alarms.length > 0 ? (
          <>
            <span aria-hidden="true">⚠</span> Used after revocation: {plural(alarms.length, 'alarm')} on {plural(sessions, 'session')}
          </>
        ) : (
          'Activity after revocation'
        )}
      </h2>
      {alarms.length > 0 ? (
        <div className="alarm-detail" role="alert" data-testid="incident-alarms">
          <p>
            The store shows {sessions === 1 ? 'a session' : 'sessions'} revoked for this incident in use after the revocation. Whatever still accepts{' '}
            {sessions === 1 ? 'it' : 'them'} is not enforcing it: find that service, and check the blacklist.
          </p>
          <div className="incident-alarm-table">
            <table className="audit-table" aria-label="Activity after revocation">
              <thead>
                <tr>
                  <th scope="col">Connection</th>
                  <th scope="col">Session (user)</th>
                  <th scope="col">Last access</th>
                  <th scope="col">Server or client</th>
                  <th scope="col">What the store says</th>
                </tr>
              </thead>
              <tbody>
                {newest.slice(0, SHOWN).map((a) => (
                  <tr key={`${a.connection}-${a.seq}`} data-testid="incident-alarm" data-connection={nameOf(a.connection)}>
                    <td>
                      <span aria-hidden="true">⚠ </span>
                      {nameOf(a.connection)}
                    </td>
                    <td>
                      <span className="mono nowrap">{a.sessionId}</span>
                      <br />
                      <span className="muted small">of {a.user || '—'}</span>
                    </td>
                    <td className="mono">{a.lastAccessAt ? isoLabel(a.lastAccessAt) : '—'}</td>
                    <td>{where(a)}</td>
                    <td>
                      {a.summary} <span className="muted small">(recorded {isoLabel(a.time)})</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {alarms.length > SHOWN ? <p className="muted">and {plural(alarms.length - SHOWN, 'earlier alarm')}: in each connection's ledger and in the bundle.</p> : null}
        </div>
      ) : null}
      <ul className="activity-checks">
        {activity.map((c) => (
          <CheckLine key={c.connection} check={c} alarms={alarms.filter((a) => a.connection === c.name || a.connection === c.connection).length} />
        ))}
      </ul>
    </section>
  );
}

function where(a: Alarm): string {
  if (a.server) return `server ${a.server}`;
  if (a.client) return a.client;
  return '—';
}

/** One connection's check, in a glyph and words (never colour alone). */
function CheckLine({ check, alarms }: { check: IncidentActivityCheck; alarms: number }) {
  const read = `${plural(check.sessions, 'revoked session')} read back at ${isoLabel(check.checkedAt)}`;
  let glyph: string;
  let words: string;
  let tone: string;
  if (check.state === 'unreachable') {
    glyph = '✕';
    tone = 'unknown';
    words = `not known: could not be read, so use after revocation cannot be ruled out there (${check.problem ?? 'no answer'}).`;
  } else if (check.state === 'not-checked') {
    glyph = '–';
    tone = 'skipped';
    words = `not checked: ${check.problem ?? 'not watched here'}.`;
  } else if (alarms > 0) {
    glyph = '⚠';
    tone = 'alarmed';
    words = `used after revocation: ${plural(alarms, 'alarm')}${check.newAlarms > 0 ? ` (${check.newAlarms} new)` : ''}; ${read}.`;
  } else if (check.sessions === 0) {
    glyph = '✓';
    tone = 'quiet';
    words = `nothing to read back: no session revoked here for this incident is still in the store (checked ${isoLabel(check.checkedAt)}).`;
  } else {
    glyph = '✓';
    tone = 'quiet';
    words = `no use after revocation seen; ${read}.`;
  }
  return (
    <li className={`activity-check activity-check-${tone}`} data-testid="incident-activity-check" data-connection={check.name} data-state={check.state}>
      <span className="activity-glyph" aria-hidden="true">
        {glyph}
      </span>{' '}
      <strong>{check.name}</strong>: {words}
    </li>
  );
}
