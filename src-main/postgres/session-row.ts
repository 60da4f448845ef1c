import type { Session, SessionStatus } from '../../src-shared/session';
import { fromPgTime } from './postgres-time';

/** A uuid as PostgreSQL reads it (any case); anything else can be no row's id. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(text: string): boolean {
  return UUID.test(text);
}

/**
 * Status as the web app decides it on every request (`revoked = false and expires_at > now()`),
 * by the server's clock: revoked; else expired once `expires_at <= now()`; else active.
 */
export const STATUS_SQL = `case when s.revoked then 'revoked' when s.expires_at <= now() then 'expired' else 'active' end`;

/** The columns a session is mapped from, for `from sessions s`; times come back as PostgreSQL's text. */
export const SESSION_COLUMNS = [
  's.id::text as id',
  's.user_id::text as user_id',
  's.device_info::text as device_info',
  // No cast: inet's own output omits the /32 of a single address (inet::text would add it).
  's.ip_address',
  's.user_agent::text as user_agent',
  's.created_at',
  's.last_active_at',
  's.expires_at',
  's.revoked',
  's.revoked_at',
  's.revoked_reason::text as revoked_reason',
  's.revoked_by::text as revoked_by',
  `${STATUS_SQL} as status`,
].join(', ');

/** One row of `sessions` (joined with the user's e-mail when users.email exists). */
export interface SessionRow {
  id: string;
  user_id: string;
  email?: string | null;
  device_info: string | null;
  ip_address: unknown;
  user_agent: string | null;
  created_at: string;
  last_active_at: string;
  expires_at: string;
  revoked: boolean;
  revoked_at: string | null;
  revoked_reason: string | null;
  revoked_by: string | null;
  status: SessionStatus;
}

/**
 * A row in the common session shape: user = user_id, device = device_info, created = started.
 * What the table has no notion of (profile, server instance, source identity, request count) is
 * left out, and its update time is null, as for web sessions in Redis (see web-session-record.ts).
 */
export function toPostgresSession(row: SessionRow): Session {
  return {
    id: row.id,
    user: row.user_id,
    status: row.status,
    storedStatus: row.revoked ? 'revoked' : 'active',
    createdAt: fromPgTime(row.created_at),
    startedAt: fromPgTime(row.created_at),
    lastAccessAt: fromPgTime(row.last_active_at),
    expiresAt: fromPgTime(row.expires_at),
    updatedAt: null,
    deviceId: row.device_info ?? '',
    revokedBy: row.revoked_by,
    revokedAt: fromPgTime(row.revoked_at),
    revokedReason: row.revoked_reason,
    email: row.email ?? '',
    ipAddress: row.ip_address === null || row.ip_address === undefined ? '' : String(row.ip_address),
    userAgent: row.user_agent ?? '',
  };
}
