import type { Session, SessionStatus } from '../../src-shared/session';
import { fromPgTime } from './postgres-time';
import { STATUS_SQL } from './session-row';

/**
 * The columns of an export's walk, for `from sessions s` (`email` the user's e-mail, or null): read
 * as arrays (`rowMode: 'array'`), in this order, by walkSession. Ids and strings as text, status
 * as the listings derive it, times as PostgreSQL's own text (the pool reads timestamptz as text),
 * put in the Session's form by fromPgTime as paging does. Formatting them in the statement instead
 * (to_char, with extract(year) to find those it cannot form) cost the server more than twice the
 * time of the rest of the walk's statement: about 2.5 s of its CPU for a million rows, where
 * fromPgTime takes about 0.7 s of main's (measured).
 */
export function walkColumns(email: string): string {
  return [
    's.id::text',
    's.user_id::text',
    email,
    's.device_info::text',
    // No cast: inet's own output omits the /32 of a single address (inet::text would add it).
    's.ip_address',
    's.user_agent::text',
    's.created_at',
    's.last_active_at',
    's.expires_at',
    's.revoked',
    's.revoked_at',
    's.revoked_reason::text',
    's.revoked_by::text',
    STATUS_SQL,
  ].join(', ');
}

/** One row of walkColumns as a Session: the same session, key for key and in the same key order, as toPostgresSession makes of the row paging reads. */
export function walkSession(row: unknown[]): Session {
  const created = fromPgTime(row[6] as string | null);
  const ip = row[4];
  return {
    id: row[0] as string,
    user: row[1] as string,
    status: row[13] as SessionStatus,
    storedStatus: row[9] === true ? 'revoked' : 'active',
    createdAt: created,
    startedAt: created,
    lastAccessAt: fromPgTime(row[7] as string | null),
    expiresAt: fromPgTime(row[8] as string | null),
    updatedAt: null,
    deviceId: (row[3] as string | null) ?? '',
    revokedBy: row[12] as string | null,
    revokedAt: fromPgTime(row[10] as string | null),
    revokedReason: row[11] as string | null,
    email: (row[2] as string | null) ?? '',
    ipAddress: ip === null || ip === undefined ? '' : String(ip),
    userAgent: (row[5] as string | null) ?? '',
  };
}
