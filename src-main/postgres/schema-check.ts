import type { Pool } from 'pg';
import type { ConnectionTestResult } from '../../src-shared/connections';
import { WardenError } from '../errors';
import { poolError } from './postgres-pool';

type State = 'ok' | 'warning' | 'failed';

/** What Session Warden needs a piece of the schema for: its reads, its writes, or only the web app itself. */
type Need = 'read' | 'write' | 'app';

/** One column of the migration: its type as format_type() prints it, and which other types still work. */
interface ExpectedColumn {
  name: string;
  type: string;
  need: Need;
  /** Types that work the same for us (said as a warning). */
  alike?: readonly string[];
}

const TSTZ = 'timestamp with time zone';
const VARCHAR_ALIKE = ['character varying', 'text'];

/** The web app's migration, as Session Warden reads and writes it (test/fixtures/postgres-schema.sql). */
const TABLES: Record<string, { need: Need; columns: ExpectedColumn[] }> = {
  sessions: {
    need: 'read',
    columns: [
      { name: 'id', type: 'uuid', need: 'read' },
      { name: 'user_id', type: 'uuid', need: 'read' },
      { name: 'token_hash', type: 'character varying(64)', need: 'app', alike: VARCHAR_ALIKE },
      { name: 'device_info', type: 'character varying(255)', need: 'read', alike: VARCHAR_ALIKE },
      { name: 'ip_address', type: 'inet', need: 'read', alike: ['cidr', 'text', 'character varying'] },
      { name: 'user_agent', type: 'text', need: 'read', alike: ['character varying'] },
      { name: 'created_at', type: TSTZ, need: 'read' },
      { name: 'last_active_at', type: TSTZ, need: 'read' },
      { name: 'expires_at', type: TSTZ, need: 'read' },
      { name: 'revoked', type: 'boolean', need: 'read' },
      { name: 'revoked_at', type: TSTZ, need: 'read' },
      { name: 'revoked_reason', type: 'character varying(255)', need: 'read', alike: VARCHAR_ALIKE },
      { name: 'revoked_by', type: 'uuid', need: 'read' },
    ],
  },
  users: {
    need: 'read',
    columns: [
      { name: 'id', type: 'uuid', need: 'read' },
      // Optional for us: without it, users are found by id only and no e-mail is shown.
      { name: 'email', type: 'character varying(255)', need: 'app', alike: VARCHAR_ALIKE },
    ],
  },
  session_audit_log: {
    need: 'write',
    columns: [
      { name: 'id', type: 'bigint', need: 'read' },
      { name: 'session_id', type: 'uuid', need: 'write' },
      { name: 'user_id', type: 'uuid', need: 'write' },
      { name: 'action', type: 'character varying(50)', need: 'write', alike: VARCHAR_ALIKE },
      { name: 'ip_address', type: 'inet', need: 'app', alike: ['cidr', 'text', 'character varying'] },
      { name: 'user_agent', type: 'text', need: 'app', alike: ['character varying'] },
      { name: 'details', type: 'jsonb', need: 'write', alike: ['json'] },
      { name: 'created_at', type: TSTZ, need: 'read' },
    ],
  },
};

interface ExpectedIndex {
  name: string;
  /** The leading columns it must have. */
  columns: readonly string[];
  /** Its predicate must say `revoked = false` (the partial index); otherwise it must have none. */
  partial: boolean;
  need: Need;
  why: string;
  create: string;
}

const INDEXES: ExpectedIndex[] = [
  {
    name: 'user_id',
    columns: ['user_id'],
    partial: false,
    need: 'read',
    why: "a user's sessions (the user filter, revoking all of a user) would read the whole table",
    create: 'CREATE INDEX idx_sessions_user_id ON sessions(user_id)',
  },
  {
    name: 'token_hash',
    columns: ['token_hash'],
    partial: false,
    need: 'app',
    why: "the web app's own check on every request reads the whole table (Session Warden does not use it)",
    create: 'CREATE INDEX idx_sessions_token_hash ON sessions(token_hash)',
  },
  {
    name: 'expires_at',
    columns: ['expires_at'],
    partial: false,
    need: 'read',
    why: 'listing sessions (newest expiry first, the active and expired filters) would read the whole table',
    create: 'CREATE INDEX idx_sessions_expires_at ON sessions(expires_at)',
  },
  {
    name: 'partial (user_id, revoked, expires_at) where revoked = false',
    columns: ['user_id', 'revoked', 'expires_at'],
    partial: true,
    need: 'app',
    why: "live sessions are found through the user_id index instead (a little slower for users with many revoked sessions)",
    create: 'CREATE INDEX idx_sessions_active ON sessions(user_id, revoked, expires_at) WHERE revoked = false',
  },
];

const FUNCTION_SIGNATURE = 'revoke_user_sessions(uuid,character varying,uuid,uuid)';

/** One thing found, with what it is needed for (a failed `read` stops the store, a failed `write` the writer). */
export interface SchemaFinding {
  name: string;
  state: State;
  detail: string;
  need: Need;
}

/** What the database holds, as far as Session Warden cares. */
export interface PostgresSchema {
  findings: SchemaFinding[];
  /** users.email exists: users are also found, and shown, by e-mail. */
  hasEmail: boolean;
  /** sessions.revoked_reason's length limit (characters); null when unlimited (text). */
  reasonMaxLength: number | null;
  /** The database's encoding is UTF-8: what COPY writes is UTF-8 as it is (see PostgresSessionStore.csvLines). */
  utf8: boolean;
  /** sessions.ip_address holds text (text or varchar, not inet or cidr): anything may be written in it. */
  ipAddressIsText: boolean;
}

interface ColumnRow {
  table_name: string;
  column_name: string;
  type: string;
  type_name: string;
  max_length: number | null;
}
interface IndexRow {
  name: string;
  columns: string[];
  predicate: string | null;
  valid: boolean;
}

/** How the connection is meant to be used, when the pool looking at it says otherwise. */
export interface SchemaCheckOptions {
  /**
   * The connection is read-only (auditor mode): write privileges are not needed. Absent: as the
   * pool's own transactions are. A connection test that looks through a read-only pool at a
   * connection meant for revoking passes `false`, so the write privileges are checked too.
   */
  readOnly?: boolean | undefined;
}

/** Reads the catalog (a few small queries, no table is read) and compares it with the migration. */
export async function inspectPostgresSchema(pool: Pool, options: SchemaCheckOptions = {}): Promise<PostgresSchema> {
  let columns: ColumnRow[];
  let indexes: IndexRow[];
  let fn: { signature: string; result: string }[];
  let grants: Record<string, boolean | null>;
  try {
    [columns, indexes, fn, grants] = await Promise.all([
      pool
        .query<ColumnRow>(
          `select c.relname::text as table_name, a.attname::text as column_name, format_type(a.atttypid, a.atttypmod) as type,
                  format_type(a.atttypid, null) as type_name,
                  case when a.atttypid = 'varchar'::regtype and a.atttypmod > 4 then a.atttypmod - 4 end as max_length
             from pg_attribute a join pg_class c on c.oid = a.attrelid
            where c.oid = any(array[to_regclass('sessions'), to_regclass('users'), to_regclass('session_audit_log')])
              and a.attnum > 0 and not a.attisdropped`,
        )
        .then((r) => r.rows),
      pool
        .query<IndexRow>(
          `select i.relname::text as name, ix.indisvalid as valid, pg_get_expr(ix.indpred, ix.indrelid) as predicate,
                  array(select coalesce(a.attname::text, '(expression)')
                          from unnest(ix.indkey::int2[]) with ordinality k(attnum, n)
                          left join pg_attribute a on a.attrelid = ix.indrelid and a.attnum = k.attnum
                         order by k.n) as columns
             from pg_index ix join pg_class i on i.oid = ix.indexrelid
            where ix.indrelid = to_regclass('sessions')`,
        )
        .then((r) => r.rows),
      pool
        .query<{ signature: string; result: string }>(
          `select p.oid::regprocedure::text as signature, pg_get_function_result(p.oid) as result
             from pg_proc p where p.proname = 'revoke_user_sessions' and pg_function_is_visible(p.oid)`,
        )
        .then((r) => r.rows),
      pool
        .query<Record<string, boolean | null>>(
          `select has_table_privilege(to_regclass('sessions'), 'SELECT') as sessions_select,
                  has_table_privilege(to_regclass('sessions'), 'UPDATE') as sessions_update,
                  has_table_privilege(to_regclass('users'), 'SELECT') as users_select,
                  has_table_privilege(to_regclass('session_audit_log'), 'SELECT') as audit_select,
                  has_table_privilege(to_regclass('session_audit_log'), 'INSERT') as audit_insert,
                  current_setting('default_transaction_read_only') = 'on' as read_only,
                  current_setting('server_encoding') = 'UTF8' as utf8`,
        )
        .then((r) => r.rows[0] ?? {}),
    ]);
  } catch (error) {
    throw poolError(pool, error);
  }

  const findings: SchemaFinding[] = [];
  for (const [table, expected] of Object.entries(TABLES)) findings.push(tableFinding(table, expected, columns.filter((c) => c.table_name === table)));
  if (columns.some((c) => c.table_name === 'sessions')) for (const index of INDEXES) findings.push(indexFinding(index, indexes));
  findings.push(functionFinding(fn));
  findings.push(privilegeFinding(grants, options.readOnly ?? grants.read_only === true));

  const email = columns.find((c) => c.table_name === 'users' && c.column_name === 'email');
  const reason = columns.find((c) => c.table_name === 'sessions' && c.column_name === 'revoked_reason');
  const ip = columns.find((c) => c.table_name === 'sessions' && c.column_name === 'ip_address');
  return {
    findings,
    hasEmail: email !== undefined && ['character varying', 'text'].includes(email.type_name),
    reasonMaxLength: reason?.max_length ?? null,
    utf8: grants.utf8 === true,
    ipAddressIsText: ip !== undefined && VARCHAR_ALIKE.includes(ip.type_name),
  };
}

function tableFinding(table: string, expected: { need: Need; columns: ExpectedColumn[] }, found: ColumnRow[]): SchemaFinding {
  const name = `Table ${table}`;
  if (found.length === 0) {
    return { name, state: 'failed', need: expected.need, detail: `not found (in the connection's search_path): ${table === 'session_audit_log' ? 'revocations cannot be written' : 'sessions cannot be read'}` };
  }
  const problems: { state: State; need: Need; text: string }[] = [];
  for (const column of expected.columns) {
    const row = found.find((c) => c.column_name === column.name);
    if (!row) {
      problems.push({ state: column.need === 'app' ? 'warning' : 'failed', need: column.need, text: `${column.name} is missing${column.name === 'email' ? ' (users are then found by id only)' : ''}` });
    } else if (row.type !== column.type) {
      const alike = row.type_name === column.type.replace(/\(\d+\)$/, '') || (column.alike ?? []).includes(row.type_name);
      problems.push({
        state: alike || column.need === 'app' ? 'warning' : 'failed',
        need: column.need,
        text: `${column.name} is ${row.type} (expected ${column.type})`,
      });
    }
  }
  const failed = problems.filter((p) => p.state === 'failed');
  const state: State = failed.length > 0 ? 'failed' : problems.length > 0 ? 'warning' : 'ok';
  const need: Need = failed.some((p) => p.need === 'read') ? 'read' : failed.length > 0 ? 'write' : expected.need;
  return {
    name,
    state,
    need,
    detail: problems.length === 0 ? `all ${expected.columns.length} columns with the expected types` : problems.map((p) => p.text).join('; '),
  };
}

function indexFinding(expected: ExpectedIndex, indexes: IndexRow[]): SchemaFinding {
  const name = `Index on sessions: ${expected.name}`;
  const leads = (index: IndexRow) => expected.columns.every((column, i) => index.columns[i] === column);
  const fits = (index: IndexRow) => leads(index) && (expected.partial ? /\brevoked\s*=\s*false\b|\bnot\s+revoked\b/i.test(index.predicate ?? '') : index.predicate === null);
  const usable = indexes.find((i) => i.valid && fits(i));
  if (usable) return { name, state: 'ok', need: expected.need, detail: usable.name };
  const invalid = indexes.find((i) => !i.valid && fits(i));
  const state: State = expected.need === 'read' ? 'failed' : 'warning';
  const what = invalid ? `${invalid.name} is INVALID (a failed CREATE INDEX CONCURRENTLY?): rebuild it with REINDEX` : 'missing';
  return { name, state, need: expected.need, detail: `${what}: ${expected.why}. Create it with: ${expected.create}` };
}

function functionFinding(rows: { signature: string; result: string }[]): SchemaFinding {
  const name = 'Function revoke_user_sessions';
  const exact = rows.find((r) => r.signature === FUNCTION_SIGNATURE);
  if (exact && exact.result === 'integer') return { name, state: 'ok', need: 'app', detail: `${FUNCTION_SIGNATURE} returns integer` };
  const found = rows.map((r) => `${r.signature} returns ${r.result}`).join(', ');
  return {
    name,
    state: 'warning',
    need: 'app',
    detail: `${found ? `found ${found}, expected ${FUNCTION_SIGNATURE} returns integer` : 'missing'} (the web app's "log out everywhere"; Session Warden does not call it, it reads its REVOKE_ALL audit rows)`,
  };
}

function privilegeFinding(grants: Record<string, boolean | null>, readOnly: boolean): SchemaFinding {
  const name = 'Privileges';
  const missing: { text: string; need: Need }[] = [];
  if (grants.sessions_select === false) missing.push({ text: 'SELECT on sessions', need: 'read' });
  if (grants.users_select === false) missing.push({ text: 'SELECT on users', need: 'read' });
  if (grants.audit_select === false) missing.push({ text: 'SELECT on session_audit_log (Activity and Audit)', need: 'app' });
  if (!readOnly && grants.sessions_update === false) missing.push({ text: 'UPDATE on sessions', need: 'write' });
  if (!readOnly && grants.audit_insert === false) missing.push({ text: 'INSERT on session_audit_log', need: 'write' });
  const mode = readOnly ? 'read-only transactions (auditor mode): revocations are refused' : 'read and write';
  if (missing.length === 0) return { name, state: 'ok', need: 'app', detail: mode };
  const worst = missing.find((m) => m.need === 'read') ?? missing.find((m) => m.need === 'write');
  return {
    name,
    state: worst ? 'failed' : 'warning',
    need: worst?.need ?? 'app',
    detail: `this role lacks ${missing.map((m) => m.text).join(', ')} (${mode})`,
  };
}

/**
 * What stops the store from reading (`read`) or the writer from revoking (`write`), as a
 * WardenError naming every such problem; null when nothing does.
 */
export function schemaProblem(schema: PostgresSchema, use: 'read' | 'write'): WardenError | null {
  const blocking = schema.findings.filter((f) => f.state === 'failed' && (f.need === 'read' || (use === 'write' && f.need === 'write')));
  if (blocking.length === 0) return null;
  const doing = use === 'read' ? 'read sessions from' : 'revoke in';
  return new WardenError('STORE_UNAVAILABLE', `Cannot ${doing} this database: ${blocking.map((f) => `${f.name}: ${f.detail}`).join(' — ')}`);
}

/**
 * The connection test: the connection itself, then the tables with their columns and types, the
 * indexes (with the partial one), the app's function and this role's privileges, each named with
 * what is missing or differs. `ok` unless something Session Warden needs failed.
 */
export async function checkPostgresSchema(pool: Pool, options: SchemaCheckOptions = {}): Promise<ConnectionTestResult> {
  let connection: { version: string; user: string; database: string };
  try {
    const { rows } = await pool.query<{ version: string; user: string; database: string }>(
      `select current_setting('server_version') as version, current_user::text as user, current_database()::text as database`,
    );
    connection = rows[0] ?? { version: '?', user: '?', database: '?' };
  } catch (error) {
    return { ok: false, checks: [{ name: 'Connection', state: 'failed', detail: poolError(pool, error).message }] };
  }
  let schema: PostgresSchema;
  try {
    schema = await inspectPostgresSchema(pool, options);
  } catch (error) {
    return { ok: false, checks: [{ name: 'Schema', state: 'failed', detail: (error as Error).message }] };
  }
  const checks = [
    { name: 'Connection', state: 'ok' as const, detail: `PostgreSQL ${connection.version}, database ${connection.database} as ${connection.user}` },
    ...schema.findings.map(({ name, state, detail }) => ({ name, state, detail })),
  ];
  return { ok: checks.every((c) => c.state !== 'failed'), checks };
}
