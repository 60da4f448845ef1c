import type { Session, SessionStatus } from '../../src-shared/session';
import { normaliseTime, parseExactTime } from '../stores/exact-time';

/**
 * One item of the Sentinel table as Sentinel writes it. Every attribute may be missing or of an
 * unexpected type in a real table, so nothing here is trusted until mapped by `toSession`.
 */
export interface SentinelItem {
  id: string;
  user: string;
  profile: string;
  server_instance_id: string;
  status: string;
  started_at: string;
  last_access_at: string;
  expires_at: string;
  request_count: number;
  source_identity: string;
  device_id: string;
  created_at: string;
  updated_at: string;
  ttl: number;
  revoked_by?: string;
  revoked_reason?: string;
}

export { REVOKE_GRACE_MS } from '../revocation/expiry-grace';

/**
 * The status an operator sees: `active` past its `expires_at` is `expired` (Sentinel writes
 * `expired` only on a graceful stop, and TTL deletion is late). `graceMs` (revocation only, see
 * REVOKE_GRACE_MS) keeps a session that expired less than that long ago `active`.
 */
export function deriveStatus(storedStatus: unknown, expiresAt: unknown, nowMs: number, graceMs = 0): SessionStatus | null {
  if (storedStatus === 'revoked' || storedStatus === 'expired') return storedStatus;
  if (storedStatus !== 'active') return null;
  const expiry = typeof expiresAt === 'string' ? parseExactTime(expiresAt) : null;
  if (!expiry) return 'active';
  // In whole milliseconds, rounded up: a float sum would drop the nanoseconds (epoch
  // milliseconds leave a double no room for them) and call a session over a moment early.
  const expiryMs = expiry.epochSeconds * 1000 + Math.ceil(expiry.nanos / 1e6);
  return expiryMs + graceMs <= nowMs ? 'expired' : 'active';
}

/** Maps a raw item to the common session shape; null when it is not a session we can show. */
export function toSession(item: Record<string, unknown>, nowMs: number): Session | null {
  const status = deriveStatus(item.status, item.expires_at, nowMs);
  if (status === null || typeof item.id !== 'string') return null;
  const count = item.request_count;
  return {
    id: item.id,
    user: text(item.user),
    profile: text(item.profile),
    serverInstanceId: text(item.server_instance_id),
    status,
    storedStatus: text(item.status),
    createdAt: normaliseTime(item.created_at),
    startedAt: normaliseTime(item.started_at),
    lastAccessAt: normaliseTime(item.last_access_at),
    expiresAt: normaliseTime(item.expires_at),
    updatedAt: normaliseTime(item.updated_at),
    requestCount: typeof count === 'number' && Number.isSafeInteger(count) && count >= 0 ? count : 0,
    sourceIdentity: text(item.source_identity),
    deviceId: text(item.device_id),
    revokedBy: typeof item.revoked_by === 'string' ? item.revoked_by : null,
    revokedAt: normaliseTime(item.revoked_at),
    revokedReason: typeof item.revoked_reason === 'string' ? item.revoked_reason : null,
    // Our own attribute, written with the revocation; other tools' revocations have none.
    ...(typeof item.revoked_ticket === 'string' && item.revoked_ticket !== '' ? { revokedTicket: item.revoked_ticket } : {}),
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}
