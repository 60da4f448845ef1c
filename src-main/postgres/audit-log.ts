import type { Pool } from 'pg';
import { WardenError } from '../errors';
import { poolError } from './postgres-pool';
import { fromPgTime, toPgBound } from './postgres-time';
import { AUDIT_TOOL } from './postgres-writer';

/** The revocations the web app's audit table records: one session, or all of a user's (revoke_user_sessions). */
export const REVOCATION_ACTIONS = ['SESSION_REVOKED', 'REVOKE_ALL'] as const;

/** One row of `session_audit_log`, typed; every string came from the database (untrusted). */
export interface PostgresAuditRow {
  /** The bigserial id, as text (it may pass 2^53). */
  id: string;
  action: string;
  /** The session (SESSION_REVOKED); null for REVOKE_ALL, which covers all of `userId`'s live sessions. */
  sessionId: string | null;
  userId: string;
  /** The user's `users.email`, read by primary key for each row when the column exists (`withEmail`); else null. */
  email: string | null;
  /** Normalised UTC with nine fraction digits (see ExactTimeSchema). */
  createdAt: string | null;
  /** `details.reason`. */
  reason: string | null;
  /** The app user who revoked: `details.revokedBy` (SESSION_REVOKED) or `details.revoked_by` (REVOKE_ALL). */
  revokedBy: string | null;
  /** `details.operator`: who revoked when they are no user of the app (Session Warden writes it). */
  operator: string | null;
  /** REVOKE_ALL: how many sessions it revoked (`details.count`). */
  count: number | null;
  /** Written by Session Warden (`details.tool`), so the lead can match it with the ledger's entry. */
  bySessionWarden: boolean;
  ipAddress: string | null;
  userAgent: string | null;
  /** The whole `details`, as stored (any JSON). */
  details: unknown;
}

export interface PostgresAuditRequest {
  /** Written at or after (RFC 3339). */
  since?: string | undefined;
  /** Written at or before (RFC 3339). */
  until?: string | undefined;
  limit: number;
  /** `nextBefore` of the previous page. */
  before?: string | undefined;
  /** Actions to read; the two revocation actions by default. */
  actions?: readonly string[] | undefined;
  /** Read each row's user's `users.email` (by primary key): only when the column exists. */
  withEmail?: boolean | undefined;
}

/**
 * The app's audit rows, newest first by id (the order they were written), a page at a time by
 * keyset on the primary key, so a page never reads more of the table than it walks past. The
 * migration has no index on created_at: a time window is checked on the rows the walk meets.
 */
export async function readPostgresAuditLog(pool: Pool, request: PostgresAuditRequest): Promise<{ rows: PostgresAuditRow[]; nextBefore?: string }> {
  if (!Number.isInteger(request.limit) || request.limit < 1 || request.limit > 5000) throw new WardenError('VALIDATION', 'limit is a whole number from 1 to 5000');
  if (request.before !== undefined && !/^\d{1,19}$/.test(request.before)) throw new WardenError('VALIDATION', 'before is the nextBefore of a previous page');
  const values: unknown[] = [[...(request.actions ?? REVOCATION_ACTIONS)]];
  const where = ['l.action = any($1::text[])'];
  const add = (condition: string, value: unknown) => {
    values.push(value);
    where.push(condition.replace('?', `$${values.length}`));
  };
  try {
    if (request.since !== undefined) add('l.created_at >= ?::timestamptz', toPgBound(request.since, 'up'));
    if (request.until !== undefined) add('l.created_at <= ?::timestamptz', toPgBound(request.until, 'down'));
  } catch (error) {
    throw new WardenError('VALIDATION', (error as Error).message);
  }
  if (request.before !== undefined) add('l.id < ?::bigint', request.before);
  values.push(request.limit + 1);
  let rows: AuditRow[];
  try {
    // Ordered by the table's bigint id (`l.id`), never the selected text `id`: as text '9' sorts after '10'.
    ({ rows } = await pool.query<AuditRow>(
      `select l.id::text as id, l.action::text as action, l.session_id::text as session_id, l.user_id::text as user_id, l.created_at,
              l.details, l.ip_address, l.user_agent::text as user_agent,
              ${request.withEmail === true ? '(select u.email::text from users u where u.id = l.user_id)' : 'null::text'} as email
         from session_audit_log l where ${where.join(' and ')} order by l.id desc limit $${values.length}`,
      values,
    ));
  } catch (error) {
    throw poolError(pool, error);
  }
  const page = rows.slice(0, request.limit).map(toAuditRow);
  const last = page[page.length - 1];
  return { rows: page, ...(rows.length > request.limit && last ? { nextBefore: last.id } : {}) };
}

interface AuditRow {
  id: string;
  action: string;
  session_id: string | null;
  user_id: string;
  created_at: string;
  details: unknown;
  ip_address: unknown;
  user_agent: string | null;
  email: string | null;
}

function toAuditRow(row: AuditRow): PostgresAuditRow {
  const details = row.details !== null && typeof row.details === 'object' && !Array.isArray(row.details) ? (row.details as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === 'string' ? value : null);
  const count = details.count;
  return {
    id: row.id,
    action: row.action,
    sessionId: row.session_id,
    userId: row.user_id,
    email: row.email,
    createdAt: fromPgTime(row.created_at),
    reason: text(details.reason),
    revokedBy: text(details.revokedBy) ?? text(details.revoked_by),
    operator: text(details.operator),
    count: typeof count === 'number' && Number.isInteger(count) ? count : null,
    bySessionWarden: details.tool === AUDIT_TOOL,
    ipAddress: row.ip_address === null || row.ip_address === undefined ? null : String(row.ip_address),
    userAgent: row.user_agent,
    details: row.details,
  };
}
