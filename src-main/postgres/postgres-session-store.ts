import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Pool, QueryResultRow } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { IP_FILTER_HINT, IpFilterSchema, type SessionsPage, type SessionsQueryRequest } from '../../src-shared/contract';
import { REASON_CODES } from '../../src-shared/reason-codes';
import type { Session, SessionStatus } from '../../src-shared/session';
import { SESSION_STATUSES } from '../../src-shared/session-status';
import { WardenError } from '../errors';
import type { SessionsFilter, SessionStore, StatusCounts } from '../session-store';
import { CursorCodec, InvalidCursorError, type CursorPosition } from '../stores/cursor';
import { refuseUnservedFilters } from '../stores/session-filter';
import type { DirectoryUser } from '../users/user-match';
import { checkout, poolError } from './postgres-pool';
import { POSTGRES_CAPABILITIES } from './capabilities';
import { toPgBound } from './postgres-time';
import { inspectPostgresSchema, schemaProblem, type PostgresSchema } from './schema-check';
import { isUuid, SESSION_COLUMNS, toPostgresSession, type SessionRow } from './session-row';
import type { CsvLines } from '../export/export-file';
import { CopyCsvLines, RepeatedRowError } from './copy-csv-lines';
import { copySelect, walkColumns, walkSession } from './walk-row';

export interface PostgresSessionStoreOptions {
  pool: Pool;
  cursors: CursorCodec;
  /** Told of every statement that reads sessions, with the settings it runs under; for tests (EXPLAIN) and the benchmark. */
  onQuery?: (statement: { text: string; values: unknown[]; settings: string[] }) => void;
}

/** Rows a FETCH of an export's cursor reads (see walk). */
const WALK_FETCH = 1000;

/** Bytes of an export's COPY handed on at once (see csvLines): about a thousand sessions. */
const COPY_BATCH = 256 * 1024;

/** Counting live users walks the partial index, never the table (see activeUsers). */
const NO_SEQSCAN = 'enable_seqscan = off';

/** `text` as an ILIKE pattern matching it anywhere, its `%`, `_` and `\` taken literally (backslash is LIKE's escape). */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, '\\$&')}%`;
}

/** The e-mail of the user whose id is `id` (an SQL expression), looked up by users' primary key. */
const EMAIL_OF = (id: string) => `(select u.email::text from users u where u.id = ${id}) as email`;

/**
 * The chunks of `stream`, which is failed (as node-postgres fails a statement: `Query read timeout`)
 * when one is awaited longer than `ms` (none or 0: never): a network gone silent ends an export in
 * the time it ends any statement, however long the export takes.
 */
async function* chunksWithin(stream: Readable, ms: number | undefined): AsyncGenerator<Buffer> {
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  try {
    for (;;) {
      const timer = ms ? setTimeout(() => stream.destroy(new Error(`Query read timeout: the COPY sent nothing for ${ms} ms`)), ms) : undefined;
      let next: IteratorResult<Buffer>;
      try {
        next = await iterator.next();
      } finally {
        clearTimeout(timer);
      }
      if (next.done === true) return;
      yield next.value;
    }
  } finally {
    await iterator.return?.();
  }
}

/** Positional parameters of one statement. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /**
   * `text` with each placeholder replaced by its value as a literal (a string quoted by `quote`,
   * node-postgres's escapeLiteral), for the one statement that takes no parameters (COPY). One
   * pass: a value's own text (a device filter of `$2`) is never read as a placeholder.
   */
  inline(text: string, quote: (value: string) => string): string {
    const literal = (value: unknown): string => {
      if (typeof value === 'string') {
        // As a parameter it is refused by the server (invalid byte sequence 0x00); in the statement's
        // text it would end the text there, which the server takes for a broken connection.
        if (value.includes('\u0000')) throw new WardenError('VALIDATION', 'A filter value holds the character U+0000 (0x00), which PostgreSQL text cannot hold: remove it and export again.');
        return quote(value);
      }
      if (typeof value === 'number' && Number.isFinite(value)) return String(value);
      if (Array.isArray(value)) return `array[${value.map(literal).join(', ')}]`;
      throw new WardenError('INTERNAL', `A value of this filter cannot be written into a COPY statement (${typeof value}).`);
    };
    return text.replace(/\$(\d+)/g, (_, n: string) => literal(this.values[Number(n) - 1]));
  }
}

/**
 * The web app's `sessions` table, read as the app reads it: status by the server's clock, users by
 * id (or by e-mail through `users.email` when it exists). Every listing is ordered by
 * (`expires_at` desc, `id` desc), the one order an index of the migration serves, and paged by
 * keyset from a signed cursor (never OFFSET): the first page and every next one read only
 * their rows through `idx_sessions_expires_at`, a user's through `idx_sessions_user_id` or the
 * partial index. The schema is checked before the first read: a missing index or a wrong column
 * type is an error that says so, not a slow or wrong answer.
 */
export class PostgresSessionStore implements SessionStore {
  readonly #pool: Pool;
  readonly #cursors: CursorCodec;
  readonly #onQuery: PostgresSessionStoreOptions['onQuery'];
  #schema: Promise<PostgresSchema> | null = null;

  constructor(options: PostgresSessionStoreOptions) {
    this.#pool = options.pool;
    this.#cursors = options.cursors;
    this.#onQuery = options.onQuery;
  }

  /**
   * One read; with `settings`, in a transaction of its own under them (`set local`). A filter
   * the planner guesses rare (a device substring) would otherwise tempt it to read and sort the
   * whole table rather than walk the index in order and stop at a page.
   */
  async #read<R extends object>(text: string, values: unknown[], settings: string[] = []): Promise<R[]> {
    this.#onQuery?.({ text, values, settings });
    if (settings.length === 0) {
      try {
        return (await this.#pool.query<R & QueryResultRow>(text, values)).rows;
      } catch (error) {
        throw poolError(this.#pool, error);
      }
    }
    const client = await checkout(this.#pool);
    try {
      await client.query('begin');
      for (const setting of settings) await client.query(`set local ${setting}`);
      const { rows } = await client.query<R & QueryResultRow>(text, values);
      await client.query('commit');
      return rows;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw poolError(this.#pool, error);
    } finally {
      client.release();
    }
  }

  /** The schema as inspected once (again while it cannot be read from); throws saying what stops the reads. */
  async schema(): Promise<PostgresSchema> {
    this.#schema ??= inspectPostgresSchema(this.#pool).catch((error: unknown) => {
      this.#schema = null;
      throw error;
    });
    const schema = await this.#schema;
    const problem = schemaProblem(schema, 'read');
    if (problem) {
      // Looked at again next time: the operator may be fixing it right now.
      this.#schema = null;
      throw problem;
    }
    return schema;
  }

  /**
   * A filter's conditions on `sessions s` (never a page's position), with the cursor key they are
   * bound to; null when nothing can match.
   */
  async #plan(request: SessionsQueryRequest): Promise<{ schema: PostgresSchema; queryKey: string; where: string[]; p: Params; narrowed: boolean } | null> {
    refuseUnservedFilters(request, POSTGRES_CAPABILITIES);
    // The handlers parse requests with the contract; a caller that did not gets the same words, never PostgreSQL's.
    if (request.ipAddress !== undefined && !IpFilterSchema.safeParse(request.ipAddress).success) throw new WardenError('VALIDATION', `ipAddress: expected ${IP_FILTER_HINT}`);
    const schema = await this.schema();
    const statuses = new Set<SessionStatus>(request.status === 'any' ? SESSION_STATUSES : Array.isArray(request.status) ? request.status : [request.status]);
    // A revocation time or reason only exists for revoked sessions.
    if (request.revokedSince !== undefined || request.revokedUntil !== undefined || request.reasonCode !== undefined) {
      statuses.delete('active');
      statuses.delete('expired');
    }
    if (statuses.size === 0) return null;
    const queryKey = createHash('sha256')
      .update(JSON.stringify(['pg1', [...statuses].sort(), request.user ?? null, request.since ?? null, request.until ?? null, request.revokedSince ?? null, request.revokedUntil ?? null, request.reasonCode ?? null, request.device ?? null, request.ipAddress ?? null, request.text ?? null]))
      .digest('base64url');
    const p = new Params();
    const where = [statusCondition(statuses)];
    if (request.user !== undefined) {
      if (isUuid(request.user)) where.push(`s.user_id = ${p.add(request.user)}::uuid`);
      // Ignoring case, as identity rules lower-case e-mails and people type them: the app may have
      // stored `Alice@Corp.Example` (and, users.email being UNIQUE as written, a second spelling
      // too: both are the person). The migration has no lower(email) index: users is read in full.
      else if (schema.hasEmail) where.push(`s.user_id in (select u.id from users u where lower(u.email::text) = lower(${p.add(request.user)}))`);
      else return null;
    }
    if (request.since !== undefined) where.push(`s.created_at >= ${p.add(toPgBound(request.since, 'up'))}::timestamptz`);
    if (request.until !== undefined) where.push(`s.created_at <= ${p.add(toPgBound(request.until, 'down'))}::timestamptz`);
    if (request.revokedSince !== undefined) where.push(`s.revoked_at >= ${p.add(toPgBound(request.revokedSince, 'up'))}::timestamptz`);
    if (request.revokedUntil !== undefined) where.push(`s.revoked_at <= ${p.add(toPgBound(request.revokedUntil, 'down'))}::timestamptz`);
    if (request.reasonCode !== undefined) {
      // As reasonOf: the text before the first colon names the code; anything else is `unknown`.
      const code = `btrim(split_part(coalesce(s.revoked_reason, ''), ':', 1), E' \\t\\r\\n')`;
      where.push(request.reasonCode === 'unknown' ? `not (${code} = any(${p.add([...REASON_CODES])}::text[]))` : `${code} = ${p.add(request.reasonCode)}`);
    }
    // Device, address and free text filter the rows the order walks (no index of the migration
    // serves a substring or a network): the planner is kept on the index walk (see #read).
    const narrowed = request.device !== undefined || request.ipAddress !== undefined || request.text !== undefined;
    if (request.device !== undefined) where.push(`s.device_info ilike ${p.add(containsPattern(request.device))}`);
    // `<<=`: within the network, or the address itself (a plain address is a /32 or /128).
    if (request.ipAddress !== undefined) where.push(`s.ip_address <<= ${p.add(request.ipAddress)}::inet`);
    if (request.text !== undefined) {
      const like = p.add(containsPattern(request.text));
      const columns = ['s.id::text', 's.user_id::text', 's.device_info', 's.user_agent', 'host(s.ip_address)'].map((c) => `${c} ilike ${like}`);
      if (schema.hasEmail) columns.push(`exists(select 1 from users u where u.id = s.user_id and u.email::text ilike ${like})`);
      where.push(`(${columns.join(' or ')})`);
    }
    return { schema, queryKey, where, p, narrowed };
  }

  async query(request: SessionsQueryRequest): Promise<SessionsPage> {
    const plan = await this.#plan(request);
    if (!plan) return { sessions: [] };
    const { schema, queryKey, where, p, narrowed } = plan;
    let position: CursorPosition | null = null;
    if (request.cursor !== undefined) {
      try {
        position = this.#cursors.decode(request.cursor, queryKey);
        if (!isUuid(position.id)) throw new InvalidCursorError('unreadable');
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new WardenError('INVALID_CURSOR', error.message);
        throw error;
      }
    }
    if (position) {
      // The first term bounds the index range; the second breaks ties within one instant by id.
      const at = p.add(position.at);
      const id = p.add(position.id);
      where.push(`s.expires_at <= ${at}::timestamptz`, `(s.expires_at < ${at}::timestamptz or s.id < ${id}::uuid)`);
    }
    const limit = p.add(request.limit + 1);
    // The page is cut first and each of its rows looks its e-mail up by primary key after, so
    // neither the users table nor its size changes how sessions are read. expires_at travels as
    // PostgreSQL's own text (exact, and `infinity` too) and is cast back.
    const sql = `select page.*${schema.hasEmail ? `, ${EMAIL_OF('page.user_id::uuid')}` : ''}
      from (select ${SESSION_COLUMNS} from sessions s where ${where.join(' and ')}
             order by s.expires_at desc, s.id desc limit ${limit}) page
      order by page.expires_at desc, page.id::uuid desc`;
    const rows = await this.#read<SessionRow>(sql, p.values, narrowed ? [NO_SEQSCAN] : []);
    const page = rows.slice(0, request.limit);
    const last = page[page.length - 1];
    return {
      sessions: page.map(toPostgresSession),
      ...(rows.length > request.limit && last ? { nextCursor: this.#cursors.encode({ query: queryKey, at: last.expires_at, id: last.id }) } : {}),
    };
  }

  /**
   * Every session of a filter, in the listings' order, for an export: one statement read through
   * a cursor (FETCH 1,000 at a time, each row an array of text already in the Session's form: see
   * walk-row.ts) in a read-only REPEATABLE READ transaction, so the whole
   * export is one snapshot with every status by one clock. Paging by keyset instead planned and
   * sought a statement a page and sorted each page again (2.5x the time of the same rows read
   * by hand, measured). The transaction is rolled back and its connection released when the
   * caller stops early.
   */
  async *walk(filter: SessionsFilter): AsyncGenerator<Session[]> {
    const plan = await this.#plan({ ...filter, limit: 1 });
    if (!plan) return;
    const { schema, where, p, narrowed } = plan;
    const settings = narrowed ? [NO_SEQSCAN] : [];
    // The e-mail by a join on users' primary key, not a lookup a row: the planner keeps the index
    // walk in order and remembers each user's row (Memoize), where a subquery a row cost more of
    // the server's time than reading the session itself (measured: 600 ms for 200,000 rows, 240 with the join).
    const sql = schema.hasEmail
      ? `select ${walkColumns('walk_user.email::text')} from sessions s left join users walk_user on walk_user.id = s.user_id where ${where.join(' and ')} order by s.expires_at desc, s.id desc`
      : `select ${walkColumns('null::text')} from sessions s where ${where.join(' and ')} order by s.expires_at desc, s.id desc`;
    const client = await checkout(this.#pool);
    let open = false;
    try {
      await client.query('begin isolation level repeatable read read only');
      open = true;
      for (const setting of settings) await client.query(`set local ${setting}`);
      this.#onQuery?.({ text: sql, values: p.values, settings });
      await client.query(`declare warden_walk no scroll cursor for ${sql}`, p.values);
      // The join gives a session once per users row of its user: where users.id is not unique (no
      // primary key), a session would be written twice. Its rows are next to each other (same
      // order keys): the export stops, as paging does (its lookup by id fails on a second row).
      let previous: unknown = null;
      for (;;) {
        // Arrays, not an object a row: the rows are read once, by position, into sessions.
        const { rows } = await client.query<unknown[]>({ text: `fetch ${WALK_FETCH} from warden_walk`, rowMode: 'array' });
        for (const row of rows) {
          if (row[0] === previous) {
            throw new WardenError('STORE_UNAVAILABLE', `PostgreSQL: users holds more than one row for user ${JSON.stringify(row[1])} (users.id is not unique): the export stopped rather than write session ${String(row[0])} twice. Run the connection test to see what differs.`);
          }
          previous = row[0];
        }
        if (rows.length > 0) yield rows.map(walkSession);
        if (rows.length < WALK_FETCH) break;
      }
      await client.query('commit');
      open = false;
    } catch (error) {
      throw poolError(this.#pool, error);
    } finally {
      if (open) await client.query('rollback').catch(() => undefined);
      client.release();
    }
  }

  /**
   * Every session of a filter as an export's CSV lines (the fields `keys` names, in that order),
   * made by PostgreSQL: one `COPY (select ...) TO STDOUT (FORMAT csv)` in the listings' order,
   * its cells the text csvLines would write of the walk's sessions (columns by copyColumns, line
   * ends by CopyCsvLines), so the file is byte for byte the one the walk and csv-stringify make.
   * It costs the server what reading the rows costs and main next to nothing: a walk of a
   * million sessions made them into objects, cloned them to the encoder thread and wrote their
   * CSV there, and that, not the store, was most of an export's time. Null where the database's
   * encoding is not UTF-8 (COPY would hand its bytes on unconverted): the export walks then.
   */
  async csvLines(filter: SessionsFilter, keys: readonly (keyof Session)[]): Promise<AsyncIterable<CsvLines> | null> {
    const schema = await this.schema();
    if (!schema.utf8) return null;
    return this.#copy(filter, keys);
  }

  async *#copy(filter: SessionsFilter, keys: readonly (keyof Session)[]): AsyncGenerator<CsvLines> {
    const plan = await this.#plan({ ...filter, limit: 1 });
    if (!plan) return;
    const { schema, where, p, narrowed } = plan;
    const settings = narrowed ? [NO_SEQSCAN] : [];
    // The e-mail by a join, as the walk reads it (see there).
    const { ipAddressIsText } = schema;
    const select = schema.hasEmail
      ? copySelect({ email: 'walk_user.email::text', ipAddressIsText }, keys, `from sessions s left join users walk_user on walk_user.id = s.user_id where ${where.join(' and ')}`)
      : copySelect({ email: 'null::text', ipAddressIsText }, keys, `from sessions s where ${where.join(' and ')}`);
    const client = await checkout(this.#pool);
    let finished = false;
    try {
      // As the walk's: one snapshot, and never serializable (where the database or role makes that the
      // default, its predicate locks on every row read would be held for the whole export).
      await client.query('begin isolation level repeatable read read only');
      for (const setting of settings) await client.query(`set local ${setting}`);
      // The COPY lasts the whole export (the server waits while main writes the file), where the
      // walk was FETCHes each well within the statement timeout: the COPY runs without it, still
      // bounded where it would wait for nothing, on a lock (lock_timeout, unless the role sets
      // one) and for its output (chunksWithin).
      await client.query(`select set_config('lock_timeout', current_setting('statement_timeout'), true) where current_setting('lock_timeout') = '0'`);
      await client.query('set local statement_timeout = 0');
      const text = `copy (${p.inline(select, (value) => client.escapeLiteral(value))}) to stdout (format csv)`;
      this.#onQuery?.({ text, values: [], settings });
      const lines = new CopyCsvLines();
      let chunks: Buffer[] = [];
      let size = 0;
      const copy = copyTo(text);
      client.query(copy);
      // node-postgres's query_timeout bounds a statement's whole time, and for a COPY (which never
      // calls back) its timer was never cleared: calling back once, now, clears it.
      (copy as { callback?: () => void }).callback?.();
      for await (const chunk of chunksWithin(copy, this.#pool.options.query_timeout)) {
        chunks.push(chunk);
        size += chunk.length;
        if (size < COPY_BATCH) continue;
        const batch = lines.push(chunks);
        chunks = [];
        size = 0;
        if (batch.rows > 0) yield batch;
      }
      const last = lines.push(chunks);
      lines.end();
      if (last.rows > 0) yield last;
      await client.query('commit');
      finished = true;
    } catch (error) {
      if (error instanceof RepeatedRowError) {
        // As the walk says it: the join gave a session once per users row of its user.
        throw new WardenError('STORE_UNAVAILABLE', `PostgreSQL: users holds more than one row for user ${JSON.stringify(error.fields[1] ?? '')} (users.id is not unique): the export stopped rather than write session ${error.fields[0] ?? ''} twice. Run the connection test to see what differs.`);
      }
      throw poolError(this.#pool, error);
    } finally {
      // Stopped early or failed: the connection may still be inside the COPY, so it is closed, not reused.
      client.release(finished ? undefined : true);
    }
  }

  /** One session by id; null when the table has none (an id that is not a uuid cannot be one). */
  async get(id: string): Promise<Session | null> {
    if (!isUuid(id)) return null;
    const schema = await this.schema();
    const [row] = await this.#read<SessionRow>(
      `select ${SESSION_COLUMNS}${schema.hasEmail ? `, ${EMAIL_OF('s.user_id')}` : ''} from sessions s where s.id = $1::uuid`,
      [id],
    );
    return row ? toPostgresSession(row) : null;
  }

  /**
   * Users with live sessions, counted from the partial index (user_id, revoked, expires_at) where
   * revoked = false alone (an index-only scan), each with their e-mail. With most sessions live
   * the planner would rather read the whole table, which holds more than the index: it is told
   * not to, for this one statement.
   */
  async activeUsers(): Promise<DirectoryUser[]> {
    const schema = await this.schema();
    const client = await checkout(this.#pool);
    try {
      await client.query('begin');
      await client.query(`set local ${NO_SEQSCAN}`);
      const text = `with live as (select s.user_id, count(*)::int as live from sessions s where s.revoked = false and s.expires_at > now() group by s.user_id)
         select live.user_id::text as user_id, live.live, ${schema.hasEmail ? EMAIL_OF('live.user_id') : 'null::text as email'} from live`;
      this.#onQuery?.({ text, values: [], settings: [NO_SEQSCAN] });
      const { rows } = await client.query<{ user_id: string; live: number; email: string | null }>(text);
      await client.query('commit');
      return rows.map((r) => ({ user: r.user_id, live: r.live, emails: r.email ? [r.email] : [] }));
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw poolError(this.#pool, error);
    } finally {
      client.release();
    }
  }

  /** Sessions by status, exactly as the listings derive it (the server's clock), in one statement. */
  async countByStatus(): Promise<StatusCounts> {
    await this.schema();
    const [row] = await this.#read<{ active: string; revoked: string; expired: string }>(
      `select count(*) filter (where s.revoked) as revoked,
              count(*) filter (where s.revoked = false and s.expires_at > now()) as active,
              count(*) filter (where s.revoked = false and s.expires_at <= now()) as expired
         from sessions s`,
      [],
    );
    return { active: Number(row?.active ?? 0), revoked: Number(row?.revoked ?? 0), expired: Number(row?.expired ?? 0) };
  }

  /** Whether the table holds any session of this user id (one probe of the user_id index). */
  async hasUser(user: string): Promise<boolean> {
    if (!isUuid(user)) return false;
    await this.schema();
    const [row] = await this.#read<{ found: boolean }>('select exists(select 1 from sessions where user_id = $1::uuid) as found', [user]);
    return row?.found === true;
  }

  /** Many sessions by id in one statement (`where s.id = any($1::uuid[])`, the primary key); ids that are not uuids match nothing. */
  async getMany(ids: readonly string[]): Promise<Map<string, Session>> {
    const wanted = [...new Set(ids)].filter(isUuid);
    const found = new Map<string, Session>();
    if (wanted.length === 0) return found;
    const schema = await this.schema();
    const rows = await this.#read<SessionRow>(
      `select ${SESSION_COLUMNS}${schema.hasEmail ? `, ${EMAIL_OF('s.user_id')}` : ''} from sessions s where s.id = any($1::uuid[])`,
      [wanted],
    );
    for (const row of rows) found.set(row.id, toPostgresSession(row));
    return found;
  }
}

/**
 * The derived statuses as a condition. Active and expired alone also bound `expires_at`, which
 * the index range serves; the others filter the rows the order walks past.
 */
function statusCondition(statuses: ReadonlySet<SessionStatus>): string {
  const active = statuses.has('active');
  const expired = statuses.has('expired');
  const revoked = statuses.has('revoked');
  if (active && expired && revoked) return 'true';
  if (active && expired) return 's.revoked = false';
  if (active && revoked) return '(s.revoked or s.expires_at > now())';
  if (expired && revoked) return '(s.revoked or s.expires_at <= now())';
  if (active) return 's.revoked = false and s.expires_at > now()';
  if (expired) return 's.revoked = false and s.expires_at <= now()';
  return 's.revoked';
}
