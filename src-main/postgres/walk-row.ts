import type { Session, SessionStatus } from '../../src-shared/session';
import { FORMULA_FIRST } from '../export/csv';
import { STATUS_SQL } from './session-row';

/**
 * A timestamptz as the normalised text every adapter returns (`2026-11-22T08:00:00.123456000Z`:
 * UTC, nine fraction digits), made by PostgreSQL; null for what has no such form (`infinity`,
 * `-infinity`, years BC or beyond 9999), exactly as fromPgTime reads the column's own text.
 * An export reads four of these a row: made here, the walk's rows arrive with their times as
 * they are exported, with no reshaping (nor a regular expression or a Date) a row in main. The
 * years are bounded by comparing the time itself, not its year as a number (`extract` makes a
 * numeric: 0.6–0.8 s of the server's time a million rows of four times, measured).
 */
export function exactUtcSql(column: string): string {
  return `case when ${column} >= '0001-01-01 00:00:00+00'::timestamptz and ${column} < '10000-01-01 00:00:00+00'::timestamptz then to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"000Z"') end`;
}

/**
 * Each field of a Session that the sessions table holds, as the SQL (for `from sessions s`) that
 * makes its text or null: ids and strings as text, times by exactUtcSql, status as the listings
 * derive it; `email` the user's e-mail, or null. The walk and an export's COPY read the same.
 */
function sessionFieldsSql(email: string) {
  return {
    id: 's.id::text',
    user: 's.user_id::text',
    email,
    status: STATUS_SQL,
    storedStatus: `case when s.revoked then 'revoked' else 'active' end`,
    createdAt: exactUtcSql('s.created_at'),
    startedAt: exactUtcSql('s.created_at'),
    lastAccessAt: exactUtcSql('s.last_active_at'),
    expiresAt: exactUtcSql('s.expires_at'),
    deviceId: 's.device_info::text',
    // No cast: inet's own output omits the /32 of a single address (inet::text would add it).
    ipAddress: 's.ip_address',
    userAgent: 's.user_agent::text',
    revokedBy: 's.revoked_by::text',
    revokedAt: exactUtcSql('s.revoked_at'),
    revokedReason: 's.revoked_reason::text',
  } satisfies Partial<Record<keyof Session, string>>;
}

/**
 * The fields no person or other program writes free text into: made by these statements (status,
 * times) or uuids by the schema check (ids, users). Every other field is a cell csvCellSql escapes.
 */
const NOT_FREE_TEXT = new Set<keyof Session>(['id', 'user', 'revokedBy', 'status', 'storedStatus', 'createdAt', 'startedAt', 'lastAccessAt', 'expiresAt', 'revokedAt']);

/**
 * A text cell as csvLines writes it, in SQL: an empty one as nothing (null, which COPY writes as
 * nothing, where it would write an empty string as `""`), and one that begins as a formula would
 * (escapeFormula's characters: `ascii` gives a UTF-8 database's first code point, and each of them
 * is a single UTF-16 unit) behind an apostrophe. One integer test a cell: testing its first
 * character as text (`strpos`, `left`) cost the server about 1.5 s more a million sessions.
 */
function csvCellSql(text: string): string {
  return `case when ascii(${text}) in (${FORMULA_FIRST.join(', ')}) then '''' || ${text} else nullif(${text}, '') end`;
}

/**
 * An export's COPY statement's query (`fromWhere`: `from sessions s ... where ...`; `email` the
 * user's e-mail, or null; `ipAddressIsText` as the schema check found it): a column a field of `keys`, in that order, each the text csvLines
 * writes of that field of the Session the walk reads (null for a field the table does not hold),
 * in the listings' order. COPY's CSV then quotes exactly the cells csv-stringify quotes (see
 * copy-csv-lines.ts). A field written twice (created_at is also started_at) is made once: the
 * rows are read by a subquery that makes each distinct cell (OFFSET 0 keeps PostgreSQL from
 * folding it into the outer query, where each column would be made again), and the outer query
 * orders by the subquery's own order, which the planner keeps without sorting again.
 */
export function copySelect(source: { email: string; ipAddressIsText: boolean }, keys: readonly (keyof Session)[], fromWhere: string): string {
  const fields: Partial<Record<keyof Session, string>> = sessionFieldsSql(source.email);
  const cells = new Map<string, string>();
  const columns = keys.map((key) => {
    const sql = fields[key];
    if (sql === undefined) return 'null';
    // An inet or cidr address is written by its type's own output (as the walk reads it) and can be
    // neither empty nor a formula; one held as text is a text cell like any other.
    const typedAddress = key === 'ipAddress' && !source.ipAddressIsText;
    const cell = NOT_FREE_TEXT.has(key) || typedAddress ? sql : csvCellSql(key === 'ipAddress' ? `${sql}::text` : sql);
    let name = cells.get(cell);
    if (name === undefined) {
      name = `cell_${cells.size}`;
      cells.set(cell, name);
    }
    return `row_cells.${name}`;
  });
  const inner = [...cells].map(([cell, name]) => `${cell} as ${name}`);
  return (
    `select ${columns.join(', ')} from (select ${inner.join(', ')}, s.expires_at as order_at, s.id as order_id ${fromWhere} order by s.expires_at desc, s.id desc offset 0) row_cells ` +
    'order by row_cells.order_at desc, row_cells.order_id desc'
  );
}

/**
 * The columns of an export's walk, for `from sessions s` (`email` the user's e-mail, or null): read
 * as arrays (`rowMode: 'array'`), in this order, by walkSession. Each is already the text the
 * Session holds: ids and strings as text, times by exactUtcSql, status as the listings derive it.
 */
export function walkColumns(email: string): string {
  const f = sessionFieldsSql(email);
  return [f.id, f.user, f.email, f.deviceId, f.ipAddress, f.userAgent, f.createdAt, f.lastAccessAt, f.expiresAt, 's.revoked', f.revokedAt, f.revokedReason, f.revokedBy, f.status].join(', ');
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
