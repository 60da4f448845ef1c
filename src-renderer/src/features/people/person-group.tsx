import type { PersonGroup } from '../../../../src-shared/people';
import { countdown } from '../../ui/exposure';
import { relativeTime } from '../../ui/format-time';
import { StatusBadge } from '../../ui/status-badge';
import { TimeCell } from '../../ui/time-cell';
import { useNow } from '../../ui/use-now';
import { colourOf, ConnectionTag } from './connection-tag';
import { identityFieldWords, isoLabel, kindWords, plural } from './people-words';

/**
 * One connection's part of a person search: a heading with the environment's colour band and
 * label, how the person is named there, the counts, last activity and residual exposure, then
 * the sessions; a connection that could not be searched says why.
 */
export function PersonGroupView({ group, index }: { group: PersonGroup; index: number }) {
  const headingId = `person-group-${index}`;
  const c = group.connection;
  return (
    <section className={`person-group band-${colourOf(c)}${c.production ? ' production' : ''}`} aria-labelledby={headingId} data-testid="person-group" data-connection={c.name} data-state={group.state}>
      <header className="person-group-head">
        <h2 id={headingId}>{c.name}</h2>
        <ConnectionTag connection={c} />
        <span className="muted small">{kindWords(c.kind)}</span>
        <GroupState group={group} />
      </header>
      {group.identity ? (
        <p className="person-identity small">
          Named here as <span className="mono">{identityFieldWords(c.kind, group.identity.key)}</span> = <strong className="mono">{group.identity.name}</strong>{' '}
          <span className="muted">(rule {group.identity.rule})</span>
        </p>
      ) : null}
      {group.state === 'unreachable' || group.state === 'cannot-derive' ? (
        <p className={group.state === 'unreachable' ? 'person-problem error-text' : 'person-problem warning-text'} data-testid="group-problem">
          <strong>{group.state === 'unreachable' ? 'Could not be searched: ' : 'Not searched: '}</strong>
          {sentence(group.problem ?? 'no reason given')}
          {group.state === 'unreachable' ? ' The other connections are shown as found; search again once it is back.' : ' Edit the connection\u2019s identity rule in Connections, or type the person differently.'}
        </p>
      ) : (
        <>
          {group.state === 'incomplete' ? (
            <p className="person-problem warning-text" data-testid="group-problem">
              <strong>Searched only in part: </strong>
              {sentence(group.problem ?? 'the search was cut short')} The counts below are what was found so far (at least that many); revoking reads every live session again.
            </p>
          ) : null}
          <GroupFacts group={group} />
          {group.state === 'none' ? (
            <p className="muted small">No session of {group.identity?.name ?? 'this person'} in this store (live, revoked or expired).</p>
          ) : (
            <PersonSessions group={group} label={`Sessions in ${c.name}`} />
          )}
        </>
      )}
    </section>
  );
}

function GroupState({ group }: { group: PersonGroup }) {
  const words: Record<PersonGroup['state'], string> = { found: 'found', none: 'no sessions', 'cannot-derive': 'name cannot be derived', unreachable: 'unreachable', incomplete: 'searched in part' };
  return <span className={`group-state group-state-${group.state}`}>{words[group.state]}</span>;
}

function GroupFacts({ group }: { group: PersonGroup }) {
  const now = useNow(1000);
  const { active, revoked, expired } = group.counts;
  const until = group.exposure.until === null ? null : Date.parse(group.exposure.until);
  return (
    <dl className="person-facts">
      <div>
        <dt>Sessions</dt>
        <dd data-testid="group-counts">
          <span className={active > 0 ? 'count-live' : undefined}>{active} live</span> · {revoked} revoked · {expired} expired
        </dd>
      </div>
      <div>
        <dt>Last activity</dt>
        <dd>{group.lastActivityAt === null ? <span className="muted">none recorded</span> : <time dateTime={group.lastActivityAt} title={isoLabel(group.lastActivityAt)}>{relativeTime(Date.parse(group.lastActivityAt), now)}</time>}</dd>
      </div>
      <div className="wide">
        <dt>Residual exposure</dt>
        <dd data-testid="group-exposure">
          {group.exposure.live ? (
            <strong className="exposure-live">Live: {plural(active, 'session')} still work{active === 1 ? 's' : ''} until revoked</strong>
          ) : until !== null && until > now ? (
            <>
              Credentials valid until <strong>{isoLabel(group.exposure.until ?? '')}</strong> (<span className="mono">{countdown(until - now)}</span> left)
            </>
          ) : until !== null ? (
            <span>Closed: nothing issued works since {isoLabel(group.exposure.until ?? '')}</span>
          ) : (
            <span className="muted">None: nothing issued here still works</span>
          )}
        </dd>
      </div>
    </dl>
  );
}

/** The person's sessions in one connection, live first as main lists them. */
export function PersonSessions({ group, label }: { group: PersonGroup; label: string }) {
  const now = useNow();
  const sentinel = group.connection.kind === 'dynamodb' || group.connection.kind === 'demo';
  return (
    <div className="person-sessions">
      <table className="audit-table" aria-label={label}>
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Session</th>
            {sentinel ? <th scope="col">Profile</th> : null}
            <th scope="col">Device</th>
            <th scope="col">{sentinel ? 'Source identity' : 'IP address'}</th>
            <th scope="col">Last access</th>
            <th scope="col">Started</th>
            <th scope="col">Expires</th>
          </tr>
        </thead>
        <tbody>
          {group.sessions.map((s) => (
            <tr key={s.id} data-testid="person-session" data-status={s.status}>
              <td>
                <StatusBadge status={s.status} storedStatus={s.storedStatus} />
              </td>
              <td className="mono clip" title={s.id}>
                {s.id}
              </td>
              {sentinel ? <td className="clip">{s.profile ?? '—'}</td> : null}
              <td className="clip" title={s.userAgent ?? s.deviceId}>
                {s.deviceId || '—'}
              </td>
              <td className="mono clip">{(sentinel ? s.sourceIdentity : s.ipAddress) ?? '—'}</td>
              <td>
                <TimeCell value={s.lastAccessAt} now={now} />
              </td>
              <td>
                <TimeCell value={s.startedAt ?? s.createdAt} now={now} />
              </td>
              <td>
                <TimeCell value={s.expiresAt} now={now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {group.more ? <p className="muted small">More sessions than listed here ({group.sessions.length} shown); the counts above are exact. Open the connection in Sessions for the rest.</p> : null}
    </div>
  );
}

/** A store's message as a sentence, so the advice after it reads apart. */
function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}
