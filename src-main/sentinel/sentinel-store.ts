import type { DynamoDBDocumentClient, QueryCommandOutput } from '@aws-sdk/lib-dynamodb';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { SessionsPage, SessionsQueryRequest } from '../../src-shared/contract';
import type { Session, SessionStatus } from '../../src-shared/session';
import { WardenError } from '../errors';
import type { SessionStore } from '../session-store';
import { CursorCodec, InvalidCursorError, type CursorPosition } from './cursor';
import { toSession } from './sentinel-item';
import { SENTINEL_INDEXES } from './table-schema';

export interface SentinelStoreOptions {
  client: DynamoDBDocumentClient;
  tableName: string;
  cursors: CursorCodec;
  /** Milliseconds since the epoch; injected so tests can pin "now". */
  clock?: () => number;
  /** Items per DynamoDB request; by default a little more than the page asked for. */
  readPageSize?: number;
}

/**
 * One partition of `gsi-status` to read, and which side of expiry we want from it. Deriving status
 * on read means `expired` is two partitions: stored `expired`, and stored `active` past expiry.
 */
interface Stream {
  storedStatus: SessionStatus;
  ttl?: 'live' | 'past';
}

const STREAMS: Record<SessionStatus, Stream[]> = {
  active: [{ storedStatus: 'active', ttl: 'live' }],
  revoked: [{ storedStatus: 'revoked' }],
  expired: [{ storedStatus: 'expired' }, { storedStatus: 'active', ttl: 'past' }],
};

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

  constructor(options: SentinelStoreOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#cursors = options.cursors;
    this.#clock = options.clock ?? Date.now;
    this.#readPageSize = options.readPageSize;
  }

  async query(request: SessionsQueryRequest): Promise<SessionsPage> {
    const queryKey = `status=${request.status}`;
    let position: CursorPosition | null = null;
    if (request.cursor !== undefined) {
      try {
        position = this.#cursors.decode(request.cursor, queryKey);
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new WardenError('INVALID_CURSOR', error.message);
        throw error;
      }
    }
    const now = this.#clock();
    const rows: Row[] = [];
    const pending = STREAMS[request.status].map((stream) => ({
      stream,
      startKey: undefined as Record<string, unknown> | undefined,
      done: false,
    }));

    // created_at strings sort chronologically only to the second (`00.5Z` < `00Z`), so each page
    // is cut at an exact position, and a stream is read until it has passed the whole second of
    // the page's last row: nothing later in that second can still be unread.
    while (pending.some((p) => !p.done)) {
      for (const p of pending.filter((q) => !q.done)) {
        const out = await this.#readPage(p.stream, position, p.startKey, request.limit, now);
        for (const item of out.Items ?? []) {
          const session = toSession(item, now);
          if (!session || session.status !== request.status) continue;
          const row = { session, at: session.createdAt ?? String(item.created_at) };
          if (position && !isAfter(row, position)) continue;
          rows.push(row);
        }
        p.startKey = out.LastEvaluatedKey;
        rows.sort(compareNewestFirst);
        const cut = rows[request.limit - 1];
        p.done =
          p.startKey === undefined ||
          (cut !== undefined && secondOf(String(p.startKey.created_at)) < secondOf(cut.at));
      }
    }

    const page = rows.slice(0, request.limit);
    const last = page[page.length - 1];
    const more = rows.length > request.limit;
    return {
      sessions: page.map((r) => r.session),
      ...(more && last ? { nextCursor: this.#cursors.encode({ query: queryKey, at: last.at, id: last.session.id }) } : {}),
    };
  }

  async #readPage(
    stream: Stream,
    position: CursorPosition | null,
    startKey: Record<string, unknown> | undefined,
    limit: number,
    nowMs: number,
  ): Promise<QueryCommandOutput> {
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':status': stream.storedStatus };
    let keyCondition = '#status = :status';
    if (position) {
      // Everything up to the end of the cursor's second; rows already delivered are skipped.
      names['#created'] = 'created_at';
      values[':through'] = `${secondOf(position.at)}\uffff`;
      keyCondition += ' AND #created <= :through';
    }
    let filter: string | undefined;
    if (stream.ttl) {
      // `ttl` is whole seconds; it only pre-filters, the exact `expires_at` decides in toSession.
      names['#ttl'] = 'ttl';
      values[':nowSeconds'] = Math.floor(nowMs / 1000) + (stream.ttl === 'past' ? 1 : 0);
      filter =
        stream.ttl === 'live'
          ? 'attribute_not_exists(#ttl) OR #ttl >= :nowSeconds'
          : 'attribute_not_exists(#ttl) OR #ttl <= :nowSeconds';
    }
    try {
      return await this.#client.send(
        new QueryCommand({
          TableName: this.#table,
          IndexName: SENTINEL_INDEXES.status.name,
          KeyConditionExpression: keyCondition,
          ...(filter ? { FilterExpression: filter } : {}),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          Limit: this.#readPageSize ?? Math.min(1000, limit + 50),
          ...(startKey ? { ExclusiveStartKey: startKey } : {}),
        }),
      );
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
    return new WardenError('STORE_UNAVAILABLE', `Table "${table}" (or its gsi-status index) was not found. Check the table name and region of this connection.`);
  }
  if (name === 'AccessDeniedException' || name === 'UnrecognizedClientException') {
    return new WardenError('STORE_UNAVAILABLE', `DynamoDB refused the request on table "${table}": ${message}`);
  }
  return new WardenError('STORE_UNAVAILABLE', `DynamoDB could not be reached or failed (${name || 'error'}): ${message}. Check the connection's endpoint and network, then retry.`);
}
