import type { Session, SessionStatus } from '../../src-shared/session';
import { STATUS_SQL } from './session-row';

/**
 * A timestamptz as the normalised text every adapter returns (`2026-11-22T08:00:00.123456000Z`:
 * UTC, nine fraction digits), made by PostgreSQL; null for what has no such form (`infinity`,
 * `-infinity`, years BC or beyond 9999), exactly as fromPgTime reads the column's own text.
 * An export reads four of these a row: made here, the walk's rows arrive with their times as
 * they are exported, with no reshaping (nor a regular expression or a Date) a row in main.
 */
export function exactUtcSql(column: string): string {
  const utc = `(${column} at time zone 'UTC')`;
  return `case when extract(year from ${utc}) between 1 and 9999 then to_char(${utc}, 'YYYY-MM-DD"T"HH24:MI:SS.US"000Z"') end`;
}

/**
 * The columns of an export's walk, for `from sessions s` (`email` the user's e-mail, or null): read
 * as arrays (`rowMode: 'array'`), in this order, by walkSession. Each is already the text the
 * Session holds: ids and strings as text, times by exactUtcSql, status as the listings derive it.
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
    exactUtcSql('s.created_at'),
    exactUtcSql('s.last_active_at'),
    exactUtcSql('s.expires_at'),
    's.revoked',
    exactUtcSql('s.revoked_at'),
    's.revoked_reason::text',
    's.revoked_by::text',
    STATUS_SQL,
  ].join(', ');
}

/** One row of walkColumns as a Session: the same session, key for key and in the same key order, as toPostgresSession makes of the row paging reads. */
export function walkSession(row: unknown[]): Session {
  const created = row[6] as string | null;
  const ip = row[4];
  return {
    id: row[0] as string,
    user: row[1] as string,
    status: row[13] as SessionStatus,
    storedStatus: row[9] === true ? 'revoked' : 'active',
    createdAt: created,
    startedAt: created,
    lastAccessAt: row[7] as string | null,
    expiresAt: row[8] as string | null,
    updatedAt: null,
    deviceId: (row[3] as string | null) ?? '',
    revokedBy: row[12] as string | null,
    revokedAt: row[10] as string | null,
    revokedReason: row[11] as string | null,
    email: (row[2] as string | null) ?? '',
    ipAddress: ip === null || ip === undefined ? '' : String(ip),
    userAgent: (row[5] as string | null) ?? '',
  };
}
