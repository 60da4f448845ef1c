import type { RevocationAlarm } from '../../../../src-shared/proof';
import { useAlarmedSessions, useAlarmsOf, useRevocationAlarms } from '../../api/use-proof';
import { exactLabel } from '../../ui/format-time';

/** "Used after revocation" beside a session's status, in words and a glyph, never colour alone. */
export function AlarmBadge({ sessionId }: { sessionId: string }) {
  const alarm = useAlarmedSessions().get(sessionId);
  if (!alarm) return null;
  return (
    <span className="alarm-badge" data-testid="alarm-badge" title={alarm.summary}>
      <span aria-hidden="true">⚠</span> used after revocation
    </span>
  );
}

/** The detail panel's account of use after revocation: what the store said, where, when. */
export function AlarmDetail({ sessionId }: { sessionId: string }) {
  const alarms = useAlarmsOf(sessionId);
  const latest = alarms[0];
  if (!latest) return null;
  return (
    <section className="alarm-detail" role="alert" data-testid="alarm-detail" aria-labelledby="alarm-detail-title">
      <h3 id="alarm-detail-title">
        <span aria-hidden="true">⚠</span> Used after revocation
      </h3>
      <p>
        The store shows this session in use after Session Warden revoked it{where(latest)}. Whatever still accepts it is not enforcing the
        revocation: find that service, and check the blacklist.
      </p>
      <ul>
        {alarms.slice(0, 5).map((a) => (
          <li key={a.seq}>
            <span className="mono">{exactLabel(a.time)}</span>: {a.summary}
          </li>
        ))}
      </ul>
      {alarms.length > 5 ? <p className="muted">and {alarms.length - 5} earlier alarms (ledger entries).</p> : null}
    </section>
  );
}

function where(alarm: RevocationAlarm): string {
  if (alarm.server) return ` on server ${alarm.server}`;
  if (alarm.client) return ` from ${alarm.client}`;
  return '';
}

/** Activity's line on the revocation watch: the alarms (use after revocation), or how many sessions it watches. */
export function ActivityAlarmLine() {
  const { data } = useRevocationAlarms();
  if (!data || data.unsupported) return null;
  const unreadable = data.unreadable ? <UnreadableLine count={data.unreadable} /> : null;
  if (data.alarms.length === 0) {
    return (
      <>
        <p className="muted" data-testid="activity-watch">
          Revocation watch: {data.watching === 1 ? '1 revoked session' : `${data.watching.toLocaleString('en-US')} revoked sessions`} read back for use after revocation; none seen.
          {data.error ? ` The last read failed: ${data.error}` : ''}
        </p>
        {unreadable}
      </>
    );
  }
  const sessions = new Set(data.alarms.map((a) => a.sessionId)).size;
  return (
    <section className="activity-alarms" role="alert" data-testid="activity-alarms" aria-label="Use after revocation">
      <h2>
        <span aria-hidden="true">⚠</span> Use after revocation: {data.alarms.length === 1 ? '1 alarm' : `${data.alarms.length} alarms`} on{' '}
        {sessions === 1 ? '1 session' : `${sessions} sessions`}
      </h2>
      <ul>
        {data.alarms.slice(0, 5).map((a) => (
          <li key={a.seq}>
            <span className="mono">{exactLabel(a.time)}</span> {a.user}, session <span className="mono">{a.sessionId}</span>: {a.summary}
          </li>
        ))}
      </ul>
      {unreadable}
    </section>
  );
}

/** Revoked sessions whose record no longer reads as a session: not proof of anything, but not gone either. */
function UnreadableLine({ count }: { count: number }) {
  return (
    <p className="watch-unreadable" role="status" data-testid="activity-watch-unreadable">
      <span aria-hidden="true">⚠</span> {count === 1 ? '1 revoked session has' : `${count.toLocaleString('en-US')} revoked sessions have`} a record in the store that
      no longer reads as a session (damaged, or rewritten in another form): still watched, but their use cannot be seen. Look at the record in the store.
    </p>
  );
}
