import { createHash } from 'node:crypto';
import type { SessionsPage, SessionsQueryRequest } from '../../src-shared/contract';
import { SessionIdSchema, type Session, type SessionStatus } from '../../src-shared/session';
import { WardenError } from '../errors';
import { filterOf, matches } from '../stores/session-filter';
import type { SessionStore } from '../session-store';
import { CursorCodec, InvalidCursorError } from '../stores/cursor';
import { scanNodes, type RedisClient } from './redis-target';
import { idOfSessionKey, keys, parseRecord, toWebSession } from './web-session-record';
import { mapConcurrent } from '../revocation/concurrency';
import type { DirectoryUser } from '../users/user-match';

export interface RedisSessionStoreOptions {
  client: RedisClient;
  cursors: CursorCodec;
  clock?: () => number;
  /** SCAN / SSCAN `COUNT` hint: keys looked at per round trip. */
  scanCount?: number;
  /** Round trips one page may take before it is returned short (with a cursor to go on). */
  maxBatchesPerPage?: number;
}

type Source = 'user-set' | 'scan';

/** Who carries an e-mail, and whether every user index was read (`storeKeys`: the keys the store holds, when not). */
export interface EmailUsers {
  users: string[];
  complete: boolean;
  indexesRead: number;
  storeKeys: number | null;
  /** User indexes whose members exist but none reads as a session with an e-mail: whose they are is not known. */
  undecided: number;
}

/** A user index's e-mails as its sessions carry them, or that none could be read (members that exist but do not read as sessions). */
interface IndexEmails {
  emails: Set<string>;
  undecided: boolean;
}

/** Keys in one MGET of `getMany`. */
const MGET_KEYS = 1000;

/**
 * Web sessions from Redis, in the web application's layout. A user's live sessions come from
 * `user_sessions:<userId>` (SSCAN); everything else from an incremental `SCAN MATCH session:*`,
 * never `KEYS`. Pages follow the SCAN cursor, so they come in the server's order (each page is
 * sorted newest first) and may hold a little more than `limit`: a SCAN batch is never split,
 * because a cursor cannot point inside one without risking a session being skipped.
 */
export class RedisSessionStore implements SessionStore {
  readonly pagesMayRepeat = true;
  readonly #client: RedisClient;
  readonly #cursors: CursorCodec;
  readonly #clock: () => number;
  readonly #scanCount: number;
  readonly #maxBatches: number;

  constructor(options: RedisSessionStoreOptions) {
    this.#client = options.client;
    this.#cursors = options.cursors;
    this.#clock = options.clock ?? Date.now;
    this.#scanCount = options.scanCount ?? 500;
    this.#maxBatches = options.maxBatchesPerPage ?? 200;
  }

  async query(request: SessionsQueryRequest): Promise<SessionsPage> {
    if (request.profile !== undefined || request.serverInstance !== undefined) {
      throw new WardenError('VALIDATION', 'web sessions have no profile or server instance: filter by user, status or time');
    }
    const filter = filterOf(request);
    // A revocation time or reason only exists for revoked sessions (the filter keeps only those).
    if (filter.statuses.length === 0) return { sessions: [] };
    const statuses = new Set<SessionStatus>(filter.statuses);
    // The user's set holds the ids of their live sessions (and of expired ones whose key is still
    // there, until the web app prunes them): active sessions, with or without those just expired
    // (what a revocation asks for), come from it; revoked ones and other expired ones are scanned for.
    const source: Source = request.user !== undefined && statuses.has('active') && [...statuses].every((s) => s === 'active' || s === 'expired') ? 'user-set' : 'scan';
    const queryKey = createHash('sha256')
      .update(JSON.stringify([source, [...statuses].sort(), request.user ?? null, request.since ?? null, request.until ?? null, request.revokedSince ?? null, request.revokedUntil ?? null, request.reasonCode ?? null]))
      .digest('base64url');

    const nodes = source === 'scan' ? scanNodes(this.#client) : [];
    let nodeIndex = 0;
    let cursor = '0';
    if (request.cursor !== undefined) {
      try {
        const position = this.#cursors.decode(request.cursor, queryKey);
        [nodeIndex, cursor] = parsePosition(position.at);
        if (source === 'scan' && nodes[nodeIndex]?.address !== position.id) throw new InvalidCursorError('the cluster changed since');
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new WardenError('INVALID_CURSOR', error.message);
        throw error;
      }
    }

    const now = this.#clock();
    const found = new Map<string, Session>();
    let unreadableCount = 0;
    const unreadableExamples: string[] = [];
    let done = false;
    for (let batch = 0; batch < this.#maxBatches && found.size < request.limit && !done; batch += 1) {
      let ids: string[];
      if (source === 'user-set') {
        const [next, members] = await this.#client.sscan(keys.userSessions(request.user as string), cursor, 'COUNT', this.#scanCount);
        cursor = next;
        // The same check as for scanned keys: only ids we can show and act on. The others are
        // counted: a user must not look as if they had no session because we could not read one.
        ids = members.filter((id) => SessionIdSchema.safeParse(id).success);
        for (const member of members) {
          if (ids.includes(member)) continue;
          unreadableCount += 1;
          if (unreadableExamples.length < 5) unreadableExamples.push(member.slice(0, 200));
        }
      } else {
        const node = nodes[nodeIndex];
        if (!node) break;
        const [next, scanned] = await node.node.scan(cursor, 'MATCH', keys.sessionPattern, 'COUNT', this.#scanCount);
        cursor = next;
        ids = scanned.map(idOfSessionKey).filter((id): id is string => id !== null);
      }
      const unreadableRecord = (id: string) => {
        unreadableCount += 1;
        if (unreadableExamples.length < 5) unreadableExamples.push(`session:${id} does not read as a session`);
      };
      for (const session of await this.#read(ids, now, source === 'user-set' ? unreadableRecord : undefined)) {
        if (!matches(session, filter)) continue;
        found.set(session.id, session);
      }
      if (cursor === '0') {
        if (source === 'scan' && nodeIndex + 1 < nodes.length) nodeIndex += 1;
        else done = true;
      }
    }

    const sessions = [...found.values()].sort(newestFirst);
    const unreadable = unreadableCount > 0 ? { unreadable: { count: unreadableCount, examples: unreadableExamples } } : {};
    if (done) return { sessions, ...unreadable };
    const address = source === 'scan' ? (nodes[nodeIndex]?.address ?? '') : '';
    return { sessions, nextCursor: this.#cursors.encode({ query: queryKey, at: `${nodeIndex}:${cursor}`, id: address }), ...unreadable };
  }

  async get(id: string): Promise<Session | null> {
    const [session] = await this.#read([id], this.#clock());
    return session ?? null;
  }

  /**
   * Many sessions by id, each with its blacklist entry. On one server: MGETs of `session:<id>` and
   * `revoked:<id>` (1,000 keys each) sent as one pipeline, one round trip. In a cluster the keys
   * live on different nodes, so each is a GET, and auto-pipelining sends each node's in one batch.
   */
  async getMany(ids: readonly string[], onUnreadable?: (id: string) => void): Promise<Map<string, Session>> {
    const unique = [...new Set(ids)].filter((id) => SessionIdSchema.safeParse(id).success);
    const found = new Map<string, Session>();
    if (unique.length === 0) return found;
    const now = this.#clock();
    let pairs: [string | null, string | null][];
    if (this.#client.isCluster) {
      pairs = await this.#readEach(unique);
    } else {
      const pipeline = this.#client.pipeline();
      const chunks: string[][] = [];
      for (let i = 0; i < unique.length; i += MGET_KEYS) chunks.push(unique.slice(i, i + MGET_KEYS));
      for (const chunk of chunks) {
        pipeline.mget(chunk.map((id) => keys.session(id)));
        pipeline.mget(chunk.map((id) => keys.revoked(id)));
      }
      const replies = (await pipeline.exec()) ?? [];
      pairs = [];
      chunks.forEach((chunk, c) => {
        const [sessionError, records] = replies[2 * c] ?? [new Error('no reply'), null];
        const [revokedError, reasons] = replies[2 * c + 1] ?? [new Error('no reply'), null];
        if (sessionError) throw sessionError;
        if (revokedError) throw revokedError;
        chunk.forEach((_, i) => pairs.push([(records as (string | null)[])[i] ?? null, (reasons as (string | null)[])[i] ?? null]));
      });
    }
    pairs.forEach(([raw, blacklistReason], i) => {
      const record = raw === null ? null : parseRecord(raw);
      const id = unique[i] as string;
      if (record) found.set(id, toWebSession(id, record, blacklistReason, now));
      else if (raw !== null) onUnreadable?.(id);
    });
    return found;
  }

  async #readEach(ids: string[]): Promise<[string | null, string | null][]> {
    const client = this.#client;
    return Promise.all(ids.map((id) => Promise.all([client.get(keys.session(id)), client.get(keys.revoked(id))])));
  }

  /**
   * Users with live sessions: the web app's own index of them, the `user_sessions:<userId>` sets
   * (found with SCAN MATCH on every node, never KEYS), each counted with SCARD; one member's
   * record gives the user's e-mail. A set may still hold ids of sessions that just expired, until
   * the web app prunes it, so a count can be a little high; never low.
   */
  async activeUsers(): Promise<DirectoryUser[]> {
    const prefix = keys.userSessions('');
    const users = new Set<string>();
    for (const { node } of scanNodes(this.#client)) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', this.#scanCount);
        cursor = next;
        for (const key of found) if (key.length > prefix.length) users.add(key.slice(prefix.length));
      } while (cursor !== '0');
    }
    const client = this.#client;
    const entries = await mapConcurrent([...users], 64, async (user): Promise<DirectoryUser | null> => {
      // Read until a member answers: stale ids (keys gone) must not leave the user without an e-mail.
      const index = await this.#emailsOfIndex(user);
      // A key of that name that is not a set (WRONGTYPE) is not a user's index: left out.
      if (index === null) return null;
      const live = await client.scard(keys.userSessions(user));
      return { user, live, emails: [...index.emails] };
    });
    return entries.filter((e): e is DirectoryUser => e !== null && e.live > 0);
  }

  /**
   * The user ids whose live sessions carry `email` (ignoring case). The web app keeps no e-mail →
   * userId key, so every `user_sessions:<userId>` set is looked at (SCAN MATCH on every node, never
   * KEYS), with a few members' records each. With `budget`, the scan stops once its time is spent
   * (looked at after each batch) and says how far it got: an index not read is not claimed empty.
   */
  async usersWithEmail(email: string, budget?: { deadline: number; clock: () => number }): Promise<EmailUsers> {
    const wanted = email.toLowerCase();
    const prefix = keys.userSessions('');
    const client = this.#client;
    const users = new Set<string>();
    let read = 0;
    let undecided = 0;
    const nodes = scanNodes(client);
    for (const [n, { node }] of nodes.entries()) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', this.#scanCount);
        cursor = next;
        const batch = found.filter((key) => key.length > prefix.length).map((key) => key.slice(prefix.length));
        read += batch.length;
        await mapConcurrent(batch, 64, async (user) => {
          const index = await this.#emailsOfIndex(user);
          if (index === null) return;
          if ([...index.emails].some((e) => e.toLowerCase() === wanted)) users.add(user);
          else if (index.undecided) undecided += 1;
        });
        const more = cursor !== '0' || n + 1 < nodes.length;
        if (budget && more && budget.clock() >= budget.deadline) {
          const sizes = await Promise.all(nodes.map((each) => each.node.dbsize()));
          return { users: [...users], complete: false, indexesRead: read, storeKeys: sizes.reduce((a, b) => a + b, 0), undecided };
        }
      } while (cursor !== '0');
    }
    return { users: [...users], complete: true, indexesRead: read, storeKeys: null, undecided };
  }

  /**
   * The e-mail(s) one user's index names: its members are read (SSCAN, a batch at a time) until
   * one is a session record with an e-mail. Ids of expired sessions stay in the set until the web
   * app prunes it, so a few members picked at random can all be stale while the user has a live
   * session: reading on until a record answers finds it. Null: the key is not a set (WRONGTYPE),
   * so not a user's index. Any other failure is the store's and is thrown.
   */
  async #emailsOfIndex(user: string): Promise<IndexEmails | null> {
    const client = this.#client;
    const emails = new Set<string>();
    let undecided = false;
    let cursor = '0';
    do {
      let members: string[];
      try {
        [cursor, members] = await client.sscan(keys.userSessions(user), cursor, 'COUNT', 50);
      } catch (error) {
        if (isWrongType(error)) return null;
        throw error;
      }
      const ids = members.filter((id) => SessionIdSchema.safeParse(id).success);
      if (ids.length < members.length) undecided = true;
      const records = await Promise.all(
        ids.map((id) =>
          client.get(keys.session(id)).catch((error: unknown) => {
            // A `session:` key that is not a string: it exists, and does not read as a session.
            if (!isWrongType(error)) throw error;
            return '';
          }),
        ),
      );
      for (const raw of records) {
        if (raw === null) continue; // expired, not yet pruned from the set
        const email = parseRecord(raw)?.email;
        if (typeof email === 'string' && email.includes('@')) emails.add(email);
        else undecided = true;
      }
      if (emails.size > 0) return { emails, undecided: false };
    } while (cursor !== '0');
    return { emails, undecided };
  }

  /**
   * True when the user has a session set. A user whose sessions were all revoked has none left
   * (the set is emptied), and telling that apart would take a scan: null then, not false.
   */
  async hasUser(user: string): Promise<boolean | null> {
    return (await this.#client.exists(keys.userSessions(user))) === 1 ? true : null;
  }

  /**
   * Sessions for ids, each with its blacklist entry; ids whose key is gone (expired during the
   * scan, or a stale member of a user's set) and values that are not session records are left out.
   */
  /**
   * The sessions of these ids, each with its blacklist entry. A record that exists but does not
   * read as a session (not JSON, or a key of another type) is told to `onUnreadable`, never thrown
   * for the whole page nor passed over as if absent.
   */
  async #read(ids: string[], now: number, onUnreadable?: (id: string) => void): Promise<Session[]> {
    const client = this.#client;
    // A key of another type reads as '' (not JSON): unreadable, as a record that is not a session.
    const record = (id: string) =>
      client.get(keys.session(id)).catch((error: unknown) => {
        if (!isWrongType(error)) throw error;
        return '';
      });
    const rows = await Promise.all(ids.map((id) => Promise.all([record(id), client.get(keys.revoked(id))])));
    const sessions: Session[] = [];
    rows.forEach(([raw, blacklistReason], i) => {
      const id = ids[i] as string;
      if (raw === null) return;
      const parsed = parseRecord(raw);
      if (parsed) sessions.push(toWebSession(id, parsed, blacklistReason, now));
      else onUnreadable?.(id);
    });
    return sessions;
  }
}

function parsePosition(at: string): [number, string] {
  const match = /^(\d{1,4}):(\d{1,20})$/.exec(at);
  if (!match) throw new InvalidCursorError('unreadable');
  return [Number(match[1]), match[2] as string];
}

/** Newest first by creation time; sessions without a readable time last; ties by id. */
function newestFirst(a: Session, b: Session): number {
  const at = a.createdAt ?? '';
  const bt = b.createdAt ?? '';
  if (at !== bt) return at < bt ? 1 : -1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Redis's answer to a command on a key of another type. */
function isWrongType(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('WRONGTYPE');
}
