import { useEffect, useMemo, useRef, useState } from 'react';
import type { Session } from '../../../../src-shared/session';
import type { SessionField, StoreCapabilities } from '../../../../src-shared/store-capabilities';
import { useReadOnly } from '../../api/use-app-info';
import { countdown, CREDENTIAL_LIFETIME_MS, residualExposureUntil } from '../../ui/exposure';
import { exactLabel, exactMillisLabel, toMillis } from '../../ui/format-time';
import { StatusBadge } from '../../ui/status-badge';
import { AlarmDetail } from '../proof/alarm-badge';
import { TimeCell } from '../../ui/time-cell';
import { useNow } from '../../ui/use-now';
import { useWatch } from '../watch/watch-store';
import { queryOf, useFilters } from './filters-store';
import { fieldLabel, fieldText, fieldValue, isMonoField, TIME_FIELDS } from './session-fields';
import { useSelection } from './selection-store';
import { whyNotMatching } from './signal-filter-match';
import { DenyOffer } from '../iam/deny-offer';
import { useSession } from './use-sessions';

interface DetailPanelProps {
  /** What the store has: which fields, under which names, and what stays open after a revocation. */
  capabilities: StoreCapabilities;
  /**
   * The row as loaded in the table (undefined when it is not among the loaded rows): shown until
   * the fresh read arrives, and whenever the table's copy is the newer one.
   */
  fallback: Session | undefined;
  onRevokeSession: (session: Session) => void;
  onRevokeUser: (user: string) => void;
}

/** Everything about one session, with the exposure that revoking does not end at once. */
export function DetailPanel({ capabilities, fallback, onRevokeSession, onRevokeUser }: DetailPanelProps) {
  const focused = useSelection((s) => s.focused);
  const focus = useSelection((s) => s.focus);
  const fresh = useSession(focused);
  const now = useNow(1000);
  const closeRef = useRef<HTMLButtonElement>(null);
  const [copied, setCopied] = useState(false);
  const session = newer(fresh.data, fallback);
  const readOnly = useReadOnly();
  const filters = useFilters();
  const query = useMemo(() => queryOf(filters, Date.now(), capabilities.filters), [filters, capabilities.filters]);
  const inTable = fallback !== undefined;
  const mismatch = session ? whyNotMatching(session, query, now, inTable) : [];

  useEffect(() => {
    closeRef.current?.focus();
    setCopied(false);
  }, [focused]);

  // The row left the table (revoked or expired meanwhile, or the filters changed): read the
  // session again, so the panel says what it is now rather than what it was.
  const { refetch } = fresh;
  const wasInTable = useRef(inTable);
  useEffect(() => {
    if (wasInTable.current && !inTable) void refetch();
    wasInTable.current = inTable;
  }, [inTable, refetch]);

  if (!focused) return null;
  return (
    <aside className="detail-panel" aria-labelledby="detail-title" data-testid="detail-panel" onKeyDown={(e) => e.key === 'Escape' && focus(null)}>
      <header className="detail-header">
        <h2 id="detail-title">Session</h2>
        <button ref={closeRef} type="button" className="icon-button" aria-label="Close details" onClick={() => focus(null)}>
          ×
        </button>
      </header>
      <div role="status" className="detail-mismatch-region">
        {mismatch.length > 0 ? (
          <div className="detail-mismatch" data-testid="detail-mismatch">
            <p>
              <strong>No longer matches the filters</strong>: this session is not in the table.
            </p>
            <ul>
              {mismatch.map((reason) => (
                <li key={reason}>{reason}</li>
              ))}
            </ul>
            <button type="button" className="small-button" onClick={() => focus(null)}>
              Close the panel
            </button>
          </div>
        ) : null}
      </div>
      {fresh.isError ? <p role="alert" className="error-text">Could not read the session: {fresh.error.message}</p> : null}
      {fresh.data === null ? <p role="status">{capabilities.gone}</p> : null}
      {session ? (
        <div className="detail-body">
          <p className="detail-id">
            <span className="mono">{session.id}</span>
            <button
              type="button"
              className="small-button"
              onClick={() =>
                void navigator.clipboard.writeText(session.id).then(
                  () => setCopied(true),
                  () => setCopied(false),
                )
              }
            >
              {copied ? 'Copied' : 'Copy id'}
            </button>
          </p>
          {/* The actions first: Watch and Revoke in reach without scrolling past the fields. */}
          <div className="detail-actions">
            {session.status === 'active' && !readOnly ? (
              <button type="button" className="danger-button" onClick={() => onRevokeSession(session)}>
                Revoke this session…
              </button>
            ) : null}
            {session.user ? (
              <>
                {readOnly ? null : (
                  <button type="button" className="secondary-button" onClick={() => onRevokeUser(session.user)}>
                    Revoke all active sessions of {session.user}…
                  </button>
                )}
                <WatchButton user={session.user} />
              </>
            ) : null}
          </div>
          <StatusBadge status={session.status} storedStatus={session.storedStatus} />
          <AlarmDetail sessionId={session.id} />
          {session.status === 'revoked' ? (
            <>
              <FullyClosed session={session} residual={capabilities.residual} now={now} />
              {/* While its issued credentials may still work (Sentinel), IAM can refuse them now. */}
              <DenyOffer ids={[session.id]} incident={session.revokedTicket} until={toMillis(session.revokedAt ?? session.updatedAt ?? '') + CREDENTIAL_LIFETIME_MS || null} />
            </>
          ) : capabilities.residual === 'next-request' ? (
            <NextRequestNote session={session} />
          ) : (
            <Exposure session={session} now={now} />
          )}
          <dl className="fields">
            {capabilities.detail
              .filter((field) => field !== 'status' && !TIME_FIELDS.has(field))
              .map((field) => {
                const text = fieldText(session, field);
                return (
                  <Field key={field} label={fieldLabel(capabilities, field)} mono={isMonoField(field, () => [text])}>
                    {text}
                  </Field>
                );
              })}
            {session.revokedBy !== null ? <Field label="Revoked by">{session.revokedBy}</Field> : null}
            {session.revokedReason !== null ? <Field label="Reason">{session.revokedReason}</Field> : null}
            {session.revokedTicket !== undefined ? <Field label="Ticket">{session.revokedTicket}</Field> : null}
          </dl>
          <h3>Timeline</h3>
          <ol className="timeline">
            {timeline(capabilities, session).map(({ key, label, value }) => (
              <TimelineItem key={key} label={label} value={value} now={now} />
            ))}
          </ol>
        </div>
      ) : (
        <p role="status">Loading…</p>
      )}
    </aside>
  );
}

/** The fresher of the session as read alone and as the table last loaded it (by `updated_at`). */
function newer(read: Session | null | undefined, row: Session | undefined): Session | undefined {
  if (!read) return row;
  if (!row || row.updatedAt === null) return read;
  return read.updatedAt === null || row.updatedAt > read.updatedAt ? row : read;
}

function WatchButton({ user }: { user: string }) {
  const watching = useWatch((s) => s.watched.includes(user));
  const watch = useWatch((s) => s.watch);
  const unwatch = useWatch((s) => s.unwatch);
  return (
    <button type="button" className="secondary-button" aria-pressed={watching} onClick={() => (watching ? unwatch(user) : watch(user))}>
      {watching ? `Stop watching ${user}` : `Watch ${user} for new sessions`}
    </button>
  );
}

/**
 * The store's times in its order, with the revocation (every store's) before the expiry; the
 * expiry is "Expiry" once the session no longer runs towards it.
 */
function timeline(capabilities: StoreCapabilities, session: Session): { key: string; label: string; value: string | null }[] {
  const times = capabilities.detail.filter((field) => TIME_FIELDS.has(field));
  const items: { key: string; label: string; value: string | null }[] = times.map((field: SessionField) => ({
    key: field,
    label: field === 'expiresAt' && session.status !== 'active' && capabilities.labels.expiresAt === undefined ? 'Expiry' : fieldLabel(capabilities, field),
    value: (fieldValue(session, field) as string | null | undefined) ?? null,
  }));
  if (session.revokedAt !== null) {
    const expiry = items.findIndex((item) => item.key === 'expiresAt');
    items.splice(expiry < 0 ? items.length : expiry, 0, { key: 'revokedAt', label: 'Revoked', value: session.revokedAt });
  }
  return items;
}

/**
 * Stores whose app checks every request (`residual: next-request`): nothing stays open, the
 * revocation takes effect at the next request.
 */
function NextRequestNote({ session }: { session: Session }) {
  if (session.status !== 'active') return null;
  return (
    <p className="exposure" role="note">
      Revoking leaves nothing open: the web app refuses this session from its next request.
    </p>
  );
}

/**
 * A revoked session: when it is (or was) fully closed, by the rule main records in the revoke
 * result and the evidence: credentials issued before the revocation work until their lifetime
 * after it (Sentinel); where the app checks every request, the revocation itself closes it.
 */
function FullyClosed({ session, residual, now }: { session: Session; residual: StoreCapabilities['residual']; now: number }) {
  // Our revoked_at, or for another tool's revocation (which writes none) the last update.
  const revoked = session.revokedAt ?? session.updatedAt ?? null;
  const revokedMs = revoked === null ? Number.NaN : toMillis(revoked);
  if (!Number.isFinite(revokedMs)) {
    return (
      <p className="exposure" role="note" data-testid="fully-closed" data-state="unknown">
        Revoked, but the store does not say when: {residual === 'next-request' ? 'the app refuses it from its next request.' : 'credentials already issued may work up to 15 minutes after the revocation.'}
      </p>
    );
  }
  const until = residual === 'next-request' ? revokedMs : revokedMs + CREDENTIAL_LIFETIME_MS;
  const open = until > now;
  return (
    <div className={open ? 'exposure' : 'closed-note'} role="note" data-testid="fully-closed" data-state={open ? 'open' : 'closed'}>
      {open ? (
        <>
          <strong>
            Open until {exactMillisLabel(until)} (<span className="mono">{countdown(until - now)}</span> left)
          </strong>
          <p>Revoked: no new credentials are issued, but those issued before the revocation work until their lifetime ends.</p>
        </>
      ) : (
        <>
          <strong>Fully closed at {exactMillisLabel(until)}</strong>
          <p>{residual === 'next-request' ? 'The app refuses this session from its next request.' : 'Nothing issued before the revocation works any more.'}</p>
        </>
      )}
    </div>
  );
}

function Exposure({ session, now }: { session: Session; now: number }) {
  if (session.status === 'expired') return null;
  const until = residualExposureUntil(session.lastAccessAt, session.expiresAt, now);
  if (until === null) return null;
  return (
    <div className="exposure" role="note" data-testid="exposure">
      <strong>
        Residual exposure: <span className="mono">{countdown(until - now)}</span>
      </strong>
      <p>
        {session.status === 'revoked' ? 'Revoked: no new credentials will be issued, but ' : 'Revoking stops the next credential fetch, but '}
        credentials already issued (at the last access) stay valid until they expire, at the latest {new Date(until).toISOString().slice(0, 19).replace('T', ' ')} UTC.
      </p>
    </div>
  );
}

/** Longer store values are cut here, so the panel's actions stay in reach; one click shows all. */
const FIELD_PREVIEW = 500;

function Field({ label, children, mono }: { label: string; children: string; mono?: boolean }) {
  const [full, setFull] = useState(false);
  const long = children.length > FIELD_PREVIEW;
  return (
    <div>
      <dt>{label}</dt>
      <dd className={[mono ? 'mono' : '', long && full ? 'long-value' : ''].filter(Boolean).join(' ') || undefined} tabIndex={long && full ? 0 : undefined}>
        {children ? (long && !full ? `${children.slice(0, FIELD_PREVIEW)}…` : children) : '—'}
        {long ? (
          <button type="button" className="link-button small" onClick={() => setFull(!full)}>
            {full ? ' Show less' : ` Show all ${children.length.toLocaleString('en-US')} characters`}
          </button>
        ) : null}
      </dd>
    </div>
  );
}

function TimelineItem({ label, value, now }: { label: string; value: string | null; now: number }) {
  return (
    <li>
      <span className="timeline-label">{label}</span> <TimeCell value={value} now={now} />
      {value ? <span className="timeline-exact mono">{exactLabel(value)}</span> : null}
    </li>
  );
}
