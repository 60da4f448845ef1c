import type { SessionStatus } from '../../../src-shared/session-status';

const GLYPH: Record<SessionStatus, string> = { active: '●', revoked: '⨯', expired: '○' };

/** Status in colour and in words, so colour is never the only signal. */
export function StatusBadge({ status, storedStatus }: { status: SessionStatus; storedStatus: string }) {
  const stale = status === 'expired' && storedStatus === 'active';
  const blacklistOnly = status === 'revoked' && storedStatus === 'blacklisted';
  return (
    <span
      className={`status status-${status}`}
      title={
        stale
          ? 'Past its expiry; the store still says active (Sentinel did not stop gracefully)'
          : blacklistOnly
            ? 'Cut off by its blacklist entry; the session record itself does not say revoked'
            : undefined
      }
    >
      <span aria-hidden="true">{GLYPH[status]}</span> {status}
      {stale ? <span className="status-note"> (stale)</span> : null}
      {blacklistOnly ? <span className="status-note"> (blacklist)</span> : null}
    </span>
  );
}
