import { useQuery } from '@tanstack/react-query';
import type { Session } from '../../../../src-shared/session';
import type { StoreCapabilities } from '../../../../src-shared/store-capabilities';
import { wardenClient } from '../../api/warden-client';
import { residualExposureUntil } from '../../ui/exposure';
import { exactMillisLabel, relativeTime, toMillis } from '../../ui/format-time';
import { useWatch } from '../watch/watch-store';
import { fieldLabel } from './session-fields';
import './user-views.css';

/** Live sessions of one user (up to 500), refreshed with the table. */
function useUserLiveSessions(user: string, refreshMs: number | false) {
  return useQuery({
    queryKey: ['sessions', 'user-header', user],
    queryFn: async () => {
      const page = await wardenClient.sessions.query({ status: 'active', user, limit: 500 });
      return { sessions: page.sessions, more: page.nextCursor !== undefined };
    },
    refetchInterval: refreshMs,
  });
}

/** `06:45 UTC` today, or the full date when it is another day. */
function utcClock(ms: number, nowMs: number): string {
  const label = exactMillisLabel(ms);
  return label.slice(0, 10) === exactMillisLabel(nowMs).slice(0, 10) ? `${label.slice(11, 16)} UTC` : `${label.slice(0, 16)} UTC`;
}

export interface UserSummary {
  active: number;
  more: boolean;
  devices: number;
  lastAccessMs: number | null;
  /** If revoked now, until when credentials already issued can still be used (Sentinel). */
  exposureEndsMs: number | null;
  /** The user's e-mail when every session names the same one (PostgreSQL users are UUIDs). */
  email: string | null;
}

/**
 * A user id nobody reads or types from memory (a UUID, as PostgreSQL's users have): shown and
 * confirmed by e-mail where the sessions name one. A readable name (alice, mallory.web) stays as is.
 */
export function isOpaqueUserId(user: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(user);
}

export function summarise(sessions: readonly Session[], more: boolean, nowMs: number): UserSummary {
  const devices = new Set(sessions.map((s) => s.deviceId).filter(Boolean));
  const lastAccess = sessions.map((s) => (s.lastAccessAt ? toMillis(s.lastAccessAt) : null)).filter((t): t is number => t !== null);
  const exposure = sessions.map((s) => residualExposureUntil(s.lastAccessAt, s.expiresAt, nowMs)).filter((t): t is number => t !== null);
  const emails = new Set(sessions.map((s) => s.email ?? null));
  const [email] = emails;
  return {
    email: emails.size === 1 && email ? email : null,
    active: sessions.length,
    more,
    devices: devices.size,
    lastAccessMs: lastAccess.length > 0 ? Math.max(...lastAccess) : null,
    exposureEndsMs: exposure.length > 0 ? Math.max(...exposure) : null,
  };
}

/**
 * One user at a glance, above the table when it is filtered to that user: live sessions, devices,
 * last access, until when already-issued credentials would last if revoked now, and the two
 * things an analyst does next (revoke them all, watch for a new one) without scrolling anywhere.
 */
export function UserHeader({ user, capabilities, readOnly, refreshMs, now, onRevokeAll }: { user: string; capabilities: StoreCapabilities; readOnly: boolean; refreshMs: number | false; now: number; onRevokeAll: (user: { user: string; email?: string }) => void }) {
  const live = useUserLiveSessions(user, refreshMs);
  const watching = useWatch((s) => s.watched.includes(user));
  const watch = useWatch((s) => s.watch);
  const unwatch = useWatch((s) => s.unwatch);
  if (!live.data || live.data.sessions.length === 0) return null;
  const summary = summarise(live.data.sessions, live.data.more, now);
  const count = `${summary.active}${summary.more ? '+' : ''}`;
  // Filtered by an opaque id whose e-mail the sessions name: the person first, the id beside.
  const email = summary.email !== null && isOpaqueUserId(user) ? summary.email : null;
  const facts = [
    `${count} active`,
    `${summary.devices} ${summary.devices === 1 ? 'device' : 'devices'}`,
    summary.lastAccessMs !== null ? `${fieldLabel(capabilities, 'lastAccessAt').toLowerCase()} ${relativeTime(summary.lastAccessMs, now)}` : null,
  ].filter((f): f is string => f !== null);
  return (
    <section className="user-header" aria-label={`User ${user}`} data-testid="user-header">
      <h2 className="user-header-name">
        {email ?? user}
        {email !== null ? <span className="user-header-id mono">{user}</span> : null}
      </h2>
      <p className="user-header-facts">
        {facts.map((f) => (
          <span key={f}>{f}</span>
        ))}
        {summary.active > 0 ? (
          capabilities.residual === 'next-request' ? (
            <span>each session refused from its next request once revoked</span>
          ) : summary.exposureEndsMs !== null ? (
            <span title={`If revoked now, credentials already issued can be used until ${exactMillisLabel(summary.exposureEndsMs)} (last fetch plus 15 minutes, capped by expiry)`}>
              exposure ends {utcClock(summary.exposureEndsMs, now)} if revoked now
            </span>
          ) : (
            <span>no credentials issued in the last 15 minutes</span>
          )
        ) : null}
      </p>
      <div className="user-header-actions">
        {!readOnly && summary.active > 0 ? (
          <button type="button" className="danger-button" onClick={() => onRevokeAll(email !== null ? { user, email } : { user })}>
            Revoke all {count}…
          </button>
        ) : null}
        <button type="button" className="secondary-button" aria-pressed={watching} onClick={() => (watching ? unwatch(user) : watch(user))}>
          {watching ? 'Watching' : 'Watch'}
        </button>
      </div>
    </section>
  );
}
