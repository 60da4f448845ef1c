import type { DynamoDBDocumentClient, QueryCommandInput, ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { BatchGetCommand, GetCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { SessionsPage, SessionsQueryRequest } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import { WardenError } from '../errors';
import { sessionPages, type SessionsFilter, type SessionStore, type StatusCounts } from '../session-store';
import { CursorCodec, InvalidCursorError, type CursorPosition } from '../stores/cursor';
import { planQuery, type ReadPlan } from './query-plan';
import { filterOf, matches, type SessionFilter } from '../stores/session-filter';
import { deriveStatus, toSession } from './sentinel-item';
import { epochMillis } from '../stores/exact-time';
import { SENTINEL_INDEXES } from './table-schema';
import type { DirectoryUser } from '../users/user-match';

export interface SentinelStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  cursors: CursorCodec;
  /** Milliseconds since the epoch; injected so tests can pin "now". */
  clock?: () => number;
  /** Items per DynamoDB request; by default a little more than the page asked for. */
  readPageSize?: number;
  /** Told of every DynamoDB read (index or scan); for tests and the benchmark. */
  onRead?: (read: { index: string | null; operation: 'Query' | 'Scan' }) => void;
}

/** DynamoDB's limit of keys in one BatchGetItem. */
const BATCH_GET_KEYS = 100;
/** BatchGetItem requests in flight at once for one `getMany`. */
const BATCH_GET_CONCURRENCY = 4;

interface Row {
  session: Session;
  /** Exact sort key: normalised UTC `created_at`, or the raw value if it did not parse. */
  at: string;
}

/** Sessions from a Sentinel credential-session table (see DESIGN.md for the exact layout). */
export class SentinelStore implements SessionStore {
  readonly #client: DynamoDBDocumentClient;
  readonly #table: string;
  readonly #cursors: CursorCodec;
  readonly #clock: () => number;
  readonly #readPageSize: number | undefined;
  readonly #onRead: SentinelStoreOptions['onRead'];

  constructor(options: SentinelStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#cursors = options.cursors;
    this.#clock = options.clock ?? Date.now;
    this.#readPageSize = options.readPageSize;
    this.#onRead = options.onRead;
  }

  get tableName(): string {
    return this.#table;
  }

  async query(request: SessionsQueryRequest): Promise<SessionsPage> {
    let filter: SessionFilter;
    try {
      filter = filterOf(request);
    } catch (error) {
      throw new WardenError('VALIDATION', (error as Error).message);
    }
    // A revocation time or reason filter on non-revoked statuses: nothing can match.
    if (filter.statuses.length === 0) return { sessions: [] };
    const plan = planQuery(filter);
    let position: CursorPosition | null = null;
    if (request.cursor !== undefined) {
      try {
        position = this.#cursors.decode(request.cursor, plan.key);
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new WardenError('INVALID_CURSOR', error.message);
        throw error;
      }
    }
    const now = this.#clock();
    const rows: Row[] = [];
    const reads = plan.reads.map((read) => ({ read, startKey: undefined as Record<string, unknown> | undefined, done: false }));

    // created_at strings sort chronologically only to the second (`00.5Z` < `00Z`), so each page
    // is cut at an exact position, and an ordered read goes on until it has passed the whole
    // second of the page's last row: nothing later in that second can still be unread. Reads
    // that are not in time order (server-instance index, scan) are read to the end.
    while (reads.some((r) => !r.done)) {
      for (const r of reads.filter((q) => !q.done)) {
        const out = await this.#readPage(r.read, filter, position, r.startKey, request.limit, now);
        for (const item of out.Items ?? []) {
          const session = toSession(item, now);
          if (!session || !matches(session, filter)) continue;
          const row = { session, at: session.createdAt ?? String(item.created_at) };
          if (position && !isAfter(row, position)) continue;
          rows.push(row);
        }
        r.startKey = out.LastEvaluatedKey;
        if (r.read.ordered) rows.sort(compareNewestFirst);
        const cut = rows[request.limit - 1];
        r.done =
          r.startKey === undefined ||
          (r.read.ordered && cut !== undefined && secondOf(String(r.startKey.created_at)) < secondOf(cut.at));
      }
    }
    rows.sort(compareNewestFirst);

    const page = rows.slice(0, request.limit);
    const last = page[page.length - 1];
    // More exist when rows beyond the page were read, or when a read stopped early (it had
    // passed the page's last second) with items left: those are older, but still to come.
    const more = rows.length > request.limit || reads.some((r) => r.startKey !== undefined);
    return {
      sessions: page.map((r) => r.session),
      ...(more && last ? { nextCursor: this.#cursors.encode({ query: plan.key, at: last.at, id: last.session.id }) } : {}),
    };
  }

  /**
   * Every session of a filter, newest first as `query` pages them, each item read once (an
   * export): each partition is read to its end in DynamoDB's own pages (up to 1 MB, no Limit),
   * and the partitions are merged as they come, a row handed out once every partition still being
   * read has passed its second. Paging `query` instead reads the other partitions' rows past each
   * page's cut again for every page (three partitions for `any`: about three items read per row
   * kept). The partition furthest behind is read next, so about one page of each is held.
   * A plan with a read not in time order is paged through `query`.
   */
  async *walk(filter: SessionsFilter): AsyncGenerator<Session[]> {
    let exact: SessionFilter;
    try {
      exact = filterOf({ ...filter, limit: 1 });
    } catch (error) {
      throw new WardenError('VALIDATION', (error as Error).message);
    }
    if (exact.statuses.length === 0) return;
    const plan = planQuery(exact);
    if (!plan.reads.every((read) => read.ordered)) {
      yield* sessionPages(this, filter, 1000);
      return;
    }
    const now = this.#clock();
    // `behind`: the second up to which a read has come (its next items are in it or older).
    const reads = plan.reads.map((read) => ({ read, startKey: undefined as Record<string, unknown> | undefined, behind: '\uffff', done: false }));
    let held: Row[] = [];
    for (;;) {
      const live = reads.filter((r) => !r.done);
      const next = live.reduce<(typeof live)[number] | undefined>((a, b) => (a === undefined || b.behind > a.behind ? b : a), undefined);
      if (next) {
        const out = await this.#readPage(next.read, exact, null, next.startKey, null, now);
        for (const item of out.Items ?? []) {
          const session = toSession(item, now);
          if (session && matches(session, exact)) held.push({ session, at: session.createdAt ?? String(item.created_at) });
        }
        next.startKey = out.LastEvaluatedKey;
        next.done = next.startKey === undefined;
        next.behind = next.startKey === undefined ? '' : secondOf(String(next.startKey.created_at));
      }
      const stillRead = reads.filter((r) => !r.done);
      const until = stillRead.reduce((a, r) => (r.behind > a ? r.behind : a), '');
      const ready = stillRead.length === 0 ? held : held.filter((row) => secondOf(row.at) > until);
      if (ready.length > 0) {
        if (stillRead.length > 0) held = held.filter((row) => secondOf(row.at) <= until);
        else held = [];
        yield ready.sort(compareNewestFirst).map((row) => row.session);
      }
      if (stillRead.length === 0) return;
    }
  }

  /** One session by id, read consistently; null when the table has no such item. */
  async get(id: string): Promise<Session | null> {
    try {
      const out = await this.#client.send(new GetCommand({ TableName: this.#table, Key: { id }, ConsistentRead: true }));
      return out.Item ? toSession(out.Item, this.#clock()) : null;
    } catch (error) {
      throw storeError(error, this.#table);
    }
  }

  /**
   * Many sessions by id, read consistently with BatchGetItem: 100 keys a request (DynamoDB's
   * limit), a few requests at once, and the keys DynamoDB hands back unprocessed (throttling, the
   * 16 MB answer limit) asked again with a growing pause until none are left.
   */
  async getMany(ids: readonly string[], onUnreadable?: (id: string) => void): Promise<Map<string, Session>> {
    const unique = [...new Set(ids)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) chunks.push(unique.slice(i, i + BATCH_GET_KEYS));
    const found = new Map<string, Session>();
    const readChunk = async (chunk: string[]): Promise<void> => {
      let keys: Record<string, unknown>[] = chunk.map((id) => ({ id }));
      for (let attempt = 0; keys.length > 0; attempt += 1) {
        if (attempt > 8) throw new WardenError('STORE_UNAVAILABLE', `DynamoDB kept ${keys.length} keys of table "${this.#table}" unprocessed (throttled): try again later.`);
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2000)));
        let out;
        try {
          out = await this.#client.send(new BatchGetCommand({ RequestItems: { [this.#table]: { Keys: keys, ConsistentRead: true } } }));
        } catch (error) {
          throw storeError(error, this.#table);
        }
        const now = this.#clock();
        for (const item of out.Responses?.[this.#table] ?? []) {
          const session = toSession(item, now);
          if (session) found.set(session.id, session);
          else if (typeof item.id === 'string') onUnreadable?.(item.id);
        }
        keys = (out.UnprocessedKeys?.[this.#table]?.Keys ?? []) as Record<string, unknown>[];
      }
    };
    for (let i = 0; i < chunks.length; i += BATCH_GET_CONCURRENCY) await Promise.all(chunks.slice(i, i + BATCH_GET_CONCURRENCY).map(readChunk));
    return found;
  }

  /**
   * Users with live sessions, counted from the `active` partition of gsi-status with only `user`
   * and `expires_at` projected: an index read, never a scan of the table. A session past its
   * exact `expires_at` is not live even when the store still says `active`.
   */
  async activeUsers(): Promise<DirectoryUser[]> {
    const now = this.#clock();
    const live = new Map<string, number>();
    const pages = this.#statusPages({
      KeyConditionExpression: '#status = :active',
      FilterExpression: 'attribute_not_exists(#ttl) OR #ttl >= :nowSeconds',
      ProjectionExpression: '#user, expires_at',
      ExpressionAttributeNames: { '#status': 'status', '#ttl': 'ttl', '#user': 'user' },
      ExpressionAttributeValues: { ':active': 'active', ':nowSeconds': Math.floor(now / 1000) },
    });
    for await (const out of pages) {
      for (const item of out.Items ?? []) {
        const expires = epochMillis(item.expires_at);
        if (typeof item.user !== 'string' || item.user === '' || (expires !== null && expires <= now)) continue;
        live.set(item.user, (live.get(item.user) ?? 0) + 1);
      }
    }
    return [...live].map(([user, count]) => ({ user, live: count, emails: [] }));
  }

  /**
   * Sessions by status, exactly, from gsi-status alone: the `revoked` and `expired` partitions
   * counted by DynamoDB (`Select: COUNT`, nothing sent back), the `active` one read with only
   * `expires_at` projected, since a session past its exact expiry is expired whatever it says.
   * Each request covers up to 1 MB of the index (DynamoDB's limit), never a page of 500 sessions.
   */
  async countByStatus(): Promise<StatusCounts> {
    const now = this.#clock();
    const partition = async (status: string, each: (out: { Count?: number; Items?: Record<string, unknown>[] }) => void): Promise<void> => {
      const pages = this.#statusPages({
        KeyConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': status },
        ...(status === 'active' ? { ProjectionExpression: 'expires_at' } : { Select: 'COUNT' as const }),
      });
      for await (const out of pages) each(out);
    };
    const counts = { active: 0, revoked: 0, expired: 0 };
    await Promise.all([
      partition('active', (out) => {
        for (const item of out.Items ?? []) counts[deriveStatus('active', item.expires_at, now) === 'expired' ? 'expired' : 'active'] += 1;
      }),
      partition('revoked', (out) => void (counts.revoked += out.Count ?? 0)),
      partition('expired', (out) => void (counts.expired += out.Count ?? 0)),
    ]);
    return counts;
  }

  /** Every page of a Query on gsi-status (each read counted), store failures said as the store's. */
  async *#statusPages(params: Omit<QueryCommandInput, 'TableName' | 'IndexName' | 'ExclusiveStartKey'>): AsyncGenerator<{ Count?: number; Items?: Record<string, unknown>[] }> {
    let startKey: Record<string, unknown> | undefined;
    do {
      this.#onRead?.({ index: SENTINEL_INDEXES.status.name, operation: 'Query' });
      let out;
      try {
        out = await this.#client.send(new QueryCommand({ TableName: this.#table, IndexName: SENTINEL_INDEXES.status.name, ...params, ...(startKey ? { ExclusiveStartKey: startKey } : {}) }));
      } catch (error) {
        throw storeError(error, this.#table);
      }
      yield out;
      startKey = out.LastEvaluatedKey;
    } while (startKey);
  }

  /** Whether any session (any status) of exactly this user is in the table: one item of gsi-user. */
  async hasUser(user: string): Promise<boolean> {
    this.#onRead?.({ index: SENTINEL_INDEXES.user.name, operation: 'Query' });
    try {
      const out = await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: SENTINEL_INDEXES.user.name,
          KeyConditionExpression: '#user = :user',
          ExpressionAttributeNames: { '#user': 'user' },
          ExpressionAttributeValues: { ':user': user },
          ProjectionExpression: 'id',
          Limit: 1,
        }),
      );
      return (out.Items?.length ?? 0) > 0;
    } catch (error) {
      throw storeError(error, this.#table);
    }
  }

  async #readPage(
    read: ReadPlan,
    filter: SessionFilter,
    position: CursorPosition | null,
    startKey: Record<string, unknown> | undefined,
    /** null: DynamoDB's own pages (up to 1 MB). */
    limit: number | null,
    nowMs: number,
  ) {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    const conditions: string[] = [];
    let keyCondition: string | undefined;

    if (read.partition) {
      names['#pk'] = read.partition.attribute;
      values[':pk'] = read.partition.value;
      keyCondition = '#pk = :pk';
      if (read.sortKey) {
        names['#sk'] = read.sortKey.attribute;
        values[':sk'] = read.sortKey.value;
        keyCondition += ' AND #sk = :sk';
      }
      if (read.ordered) {
        // Whole seconds only: exact bounds are checked in code.
        const lower = filter.since ? secondOf(filter.since) : undefined;
        const uppers = [position ? `${secondOf(position.at)}\uffff` : undefined, filter.until ? `${secondOf(filter.until)}\uffff` : undefined].filter(
          (u): u is string => u !== undefined,
        );
        const upper = uppers.sort()[0];
        if (lower !== undefined || upper !== undefined) names['#created'] = 'created_at';
        if (lower !== undefined && upper !== undefined) {
          Object.assign(values, { ':lower': lower, ':upper': upper });
          keyCondition += ' AND #created BETWEEN :lower AND :upper';
        } else if (lower !== undefined) {
          values[':lower'] = lower;
          keyCondition += ' AND #created >= :lower';
        } else if (upper !== undefined) {
          values[':upper'] = upper;
          keyCondition += ' AND #created <= :upper';
        }
      }
    }
    if (read.storedStatuses && read.partition?.attribute !== 'status' && read.sortKey?.attribute !== 'status') {
      names['#status'] = 'status';
      const placeholders = read.storedStatuses.map((status, i) => {
        values[`:status${i}`] = status;
        return `:status${i}`;
      });
      conditions.push(`#status IN (${placeholders.join(', ')})`);
    }
    if (read.ttl) {
      // `ttl` is whole seconds; it only pre-filters, the exact `expires_at` decides in code.
      names['#ttl'] = 'ttl';
      values[':nowSeconds'] = Math.floor(nowMs / 1000) + (read.ttl === 'past' ? 1 : 0);
      conditions.push(read.ttl === 'live' ? '(attribute_not_exists(#ttl) OR #ttl >= :nowSeconds)' : '(attribute_not_exists(#ttl) OR #ttl <= :nowSeconds)');
    }
    for (const [i, [attribute, value]] of Object.entries(read.equals).entries()) {
      names[`#eq${i}`] = attribute;
      values[`:eq${i}`] = value;
      conditions.push(`#eq${i} = :eq${i}`);
    }

    const common = {
      TableName: this.#table,
      ...(conditions.length > 0 ? { FilterExpression: conditions.join(' AND ') } : {}),
      ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
      ...(Object.keys(values).length > 0 ? { ExpressionAttributeValues: values } : {}),
      ...(limit === null ? (this.#readPageSize ? { Limit: this.#readPageSize } : {}) : { Limit: this.#readPageSize ?? (read.ordered ? Math.min(1000, limit + 50) : 1000) }),
      ...(startKey ? { ExclusiveStartKey: startKey } : {}),
    };
    try {
      if (read.index && keyCondition) {
        this.#onRead?.({ index: read.index, operation: 'Query' });
        const input: QueryCommandInput = { ...common, IndexName: read.index, KeyConditionExpression: keyCondition, ScanIndexForward: false };
        return await this.#client.send(new QueryCommand(input));
      }
      this.#onRead?.({ index: null, operation: 'Scan' });
      const input: ScanCommandInput = common;
      return await this.#client.send(new ScanCommand(input));
    } catch (error) {
      throw storeError(error, this.#table);
    }
  }
}


function compareNewestFirst(a: Row, b: Row): number {
  if (a.at !== b.at) return a.at < b.at ? 1 : -1;
  return a.session.id < b.session.id ? 1 : a.session.id > b.session.id ? -1 : 0;
}

/** True when the row comes after the cursor position in newest-first order. */
function isAfter(row: Row, position: CursorPosition): boolean {
  return row.at < position.at || (row.at === position.at && row.session.id < position.id);
}

/** `YYYY-MM-DDTHH:MM:SS`: the prefix up to which created_at strings sort chronologically. */
function secondOf(time: string): string {
  return time.slice(0, 19);
}

/** Turns an SDK failure into something an operator can act on, without echoing credentials. */
export function storeError(error: unknown, table: string): WardenError {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  if (name === 'ResourceNotFoundException') {
    return new WardenError('STORE_UNAVAILABLE', `Table "${table}" (or one of its indexes) was not found. Check the table name and region of this connection.`);
  }
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    return new WardenError('STORE_UNAVAILABLE', `DynamoDB refused the request on table "${table}": ${message}`);
  }
  if (name === 'ValidationException') {
    return new WardenError('STORE_UNAVAILABLE', `DynamoDB rejected the request on table "${table}" (${message}). The table may not have Sentinel's layout.`);
  }
  return new WardenError('STORE_UNAVAILABLE', `DynamoDB could not be reached or failed (${name || 'error'}): ${message}. Check the connection's endpoint and network, then retry.`);
}
