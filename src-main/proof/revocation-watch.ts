import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { RevocationAlarm, RevocationAlarms } from '../../src-shared/proof';
import type { Session } from '../../src-shared/session';
import type { Ledger } from '../ledger/ledger';
import { ledgerLines } from '../ledger/ledger';
import { LedgerEntrySchema, type LedgerEntry, type LedgerRecord } from '../ledger/ledger-entry';
import type { SessionStore } from '../session-store';
import { epochMillis, normaliseTime } from '../stores/exact-time';

export interface RevocationWatchOptions {
  /** The store's batched read: every watched session is read with one `getMany` a tick. */
  store: Required<Pick<SessionStore, 'getMany'>>;
  ledger: Pick<Ledger, 'append' | 'path'>;
  /** The connection's name in the ledger: only its revocations are watched. */
  connection: string;
  /** Milliseconds since the epoch; injected so tests can move "now". */
  clock?: () => number;
  /** Time between ticks (default 30 s). */
  periodMs?: number;
  /** How long past a session's expiry it is still watched (default 1 h): clocks differ, and TTL deletion is late. */
  marginMs?: number;
  /** How long a session whose expiry the store does not say is watched after its revocation (default 30 days). */
  maxLifetimeMs?: number;
  /** Raises a system notification. */
  notify?: (notification: { title: string; body: string }) => void;
  /** Told of the alarms of each tick, once they are in the ledger. */
  onAlarms?: (alarms: RevocationAlarm[]) => void;
}

/** What one tick did: for tests and the benchmark. */
export interface TickReport {
  /** Sessions read from the store (all in one `getMany`). */
  read: number;
  /** Alarms recorded by this tick. */
  alarms: RevocationAlarm[];
}

/** A session we revoked, still watched; rebuilt from the ledger alone. */
interface Watched {
  revocation: LedgerEntry;
  /** The revocation time as the ledger has it (normalised), or the entry's time. */
  revokedAt: string | null;
  revokedMs: number;
  /** The latest `lastAccessAt` an alarm already recorded: activity up to it is not new. */
  alarmedAccess: string | null;
  /** The store's request count when last seen (first read, or last alarm). */
  knownCount: number | undefined;
  /** Past its lifetime and the margin, or gone from the store: no longer read (and dropped). */
  done: boolean;
  /** Last read, the store held a record for it that did not read as a session. */
  unreadable?: boolean;
}

const MAX_ALARMS_KEPT = 500;
/** A session in use again is notified at most this often (every new activity is still a ledger entry). */
const NOTIFY_QUIET_MS = 15 * 60_000;
const DEFAULT_PERIOD_MS = 30_000;
const DEFAULT_MARGIN_MS = 3_600_000;
const DEFAULT_MAX_LIFETIME_MS = 30 * 24 * 3_600_000;

/**
 * Proof that revocations took effect: every session Session Warden revoked on this connection
 * (the ledger's `outcome` entries with outcome `revoked`) is read back from the store each tick,
 * all of them in one batched read, until its expiry plus a margin has passed. Use after the
 * revocation (Sentinel's `last_access_at` past `revoked_at`, its `request_count` growing, a web
 * session's `lastActiveAt` or a PostgreSQL `last_active_at` moving on) is an alarm: an `alarm`
 * entry in the ledger, once per new activity (an alarm moves the baseline on), and a notification.
 * Everything the watch knows comes from the ledger, so after a restart it watches the same
 * sessions and does not alarm again for activity already recorded.
 */
export class RevocationWatch {
  readonly #options: RevocationWatchOptions;
  readonly #clock: () => number;
  readonly #marginMs: number;
  readonly #maxLifetimeMs: number;
  readonly #watched = new Map<string, Watched>();
  #alarms: RevocationAlarm[] = [];
  #read = { file: '', offset: 0 };
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<TickReport> | null = null;
  #lastTick: string | undefined;
  #error: string | undefined;
  /** Runs of this connection recorded under an earlier name of it (see `adopt`). */
  readonly #adopted = new Set<string>();
  /** Runs were adopted since the ledger was last read: read it again from the start. */
  #rescan = false;
  /** When each session's alarm was last notified (this run). */
  readonly #notified = new Map<string, number>();

  constructor(options: RevocationWatchOptions) {
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#marginMs = options.marginMs ?? DEFAULT_MARGIN_MS;
    this.#maxLifetimeMs = options.maxLifetimeMs ?? DEFAULT_MAX_LIFETIME_MS;
  }

  /** Ticks now and every period, in the background, until `stop`. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.#background(), this.#options.periodMs ?? DEFAULT_PERIOD_MS);
    this.#timer.unref();
    void this.#background();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running?.catch(() => undefined);
  }

  async #background(): Promise<void> {
    // A tick slower than the period is not queued behind: the next period starts the next one.
    if (this.#running) return;
    try {
      await this.tick();
    } catch {
      // Said in `state().error`; the next tick tries again.
    }
  }

  /**
   * One round: the ledger read on from where it was, every watched session read in one batch,
   * alarms recorded. `only` narrows the round to some revocations (an incident's runs); the
   * others stay watched for the next round.
   */
  /**
   * Watches these runs' revocations too, whatever connection name they were recorded under: the
   * ledger keeps the name a connection had then, so after a rename its earlier revocations would
   * otherwise go unwatched. The caller vouches that the runs are this connection's (incident mode
   * records runs by connection id). New runs make the next round read the ledger from the start.
   */
  adopt(runs: Iterable<string>): void {
    for (const run of runs) {
      if (this.#adopted.has(run)) continue;
      this.#adopted.add(run);
      this.#rescan = true;
    }
  }

  tick(only?: (revocation: LedgerEntry) => boolean): Promise<TickReport> {
    // Never two at once: a second caller waits for the round in flight, then runs its own. Nor two
    // watches of the same connection and ledger (the active workspace's and incident mode's):
    // each reads the other's alarms from the ledger before it looks, so no activity alarms twice.
    const previous = this.#running ?? Promise.resolve();
    const key = `${resolve(this.#options.ledger.path)}\0${this.#options.connection}`;
    const run = previous.catch(() => undefined).then(() => oneAtATime(key, () => this.#tick(only)));
    this.#running = run;
    void run.finally(() => {
      if (this.#running === run) this.#running = null;
    }).catch(() => undefined);
    return run;
  }

  async #tick(only: ((revocation: LedgerEntry) => boolean) | undefined): Promise<TickReport> {
    try {
      await this.#refresh();
      const now = this.#clock();
      const live = [...this.#watched.values()].filter((w) => !w.done && (only === undefined || only(w.revocation)));
      const records: LedgerRecord[] = [];
      if (live.length > 0) {
        const unreadable = new Set<string>();
        const sessions = await this.#options.store.getMany(
          live.map((w) => w.revocation.sessionId),
          (id) => void unreadable.add(id),
        );
        for (const w of live) {
          const id = w.revocation.sessionId;
          const session = sessions.get(id);
          // A record the store holds but that does not read as a session is not gone: it may be
          // written that way to slip out of the watch. It stays watched (and counted in the state).
          w.unreadable = unreadable.has(id);
          if (w.unreadable) continue;
          // Gone from the store (expired and deleted, or removed): nothing is left to use.
          if (!session) {
            w.done = true;
            continue;
          }
          const record = this.#observe(w, session, now);
          if (record) records.push(record);
          const expires = epochMillis(session.expiresAt);
          if (now > (expires ?? w.revokedMs + this.#maxLifetimeMs) + this.#marginMs) w.done = true;
        }
        // Finished sessions are dropped: the watch's memory follows what is watched, not every revocation ever made.
        for (const w of live) if (w.done) this.#watched.delete(w.revocation.sessionId);
      }
      let alarms: RevocationAlarm[] = [];
      if (records.length > 0) {
        const sealed = await this.#options.ledger.append(records);
        // The alarms (and the baselines they move) come from the ledger, as after a restart.
        await this.#refresh();
        const seqs = new Set(sealed.map((e) => e.seq));
        alarms = this.#alarms.filter((a) => seqs.has(a.seq));
        this.#tell(alarms);
      }
      this.#error = undefined;
      this.#lastTick = new Date(this.#clock()).toISOString();
      return { read: live.length, alarms };
    } catch (error) {
      this.#error = error instanceof Error ? error.message : String(error);
      throw error;
    }
  }

  /** The alarm record for new activity on a revoked session, or null (and the first request count noted). */
  #observe(w: Watched, session: Session, now: number): LedgerRecord | null {
    // The store's own revocation time where it says one (PostgreSQL's now(), in the clock its
    // activity times are written in), else the ledger's.
    const revokedAt = normaliseTime(session.revokedAt) ?? w.revokedAt;
    const access = session.lastAccessAt;
    const accessMoved = access !== null && revokedAt !== null && access > revokedAt && (w.alarmedAccess === null || access > w.alarmedAccess);
    const count = session.requestCount;
    const countGrew = count !== undefined && w.knownCount !== undefined && count > w.knownCount;
    if (!accessMoved && !countGrew) {
      if (w.knownCount === undefined && count !== undefined) w.knownCount = count;
      return null;
    }
    const newRequests = countGrew ? count - (w.knownCount as number) : undefined;
    const server = session.serverInstanceId ? clip(session.serverInstanceId, 200) : undefined;
    const client = clientOf(session);
    const r = w.revocation;
    return {
      kind: 'alarm',
      time: new Date(now).toISOString(),
      operator: r.operator,
      ...(r.principal ? { principal: r.principal } : {}),
      connection: r.connection,
      run: r.run,
      sessionId: r.sessionId,
      user: r.user,
      reasonCode: r.reasonCode,
      ...(r.revokedAt ? { revokedAt: r.revokedAt } : {}),
      activity: {
        revocationSeq: r.seq,
        lastAccessAt: access,
        ...(count !== undefined ? { requestCount: count } : {}),
        ...(newRequests !== undefined ? { newRequests } : {}),
        ...(server ? { server } : {}),
        ...(client ? { client } : {}),
        summary: alarmSummary({ server, client, newRequests, lastAccessAt: access }),
      },
    };
  }

  #tell(alarms: RevocationAlarm[]): void {
    if (alarms.length === 0) return;
    try {
      this.#options.onAlarms?.(alarms);
      const notify = this.#options.notify;
      if (!notify) return;
      // A session used on every request alarms every tick: its notification is not repeated for a while.
      const now = this.#clock();
      const fresh = alarms.filter((a) => now - (this.#notified.get(a.sessionId) ?? -Infinity) >= NOTIFY_QUIET_MS);
      for (const a of fresh) this.#notified.set(a.sessionId, now);
      if (fresh.length === 0) return;
      if (fresh.length <= 3) {
        for (const a of fresh) notify({ title: `Revoked session used: ${clip(a.user, 64)}`, body: `Session ${a.sessionId}: ${clip(a.summary, 160)}. Open Session Warden to investigate.` });
      } else {
        notify({ title: `${fresh.length} revoked sessions used`, body: `Activity after revocation on ${fresh.length} sessions (${[...new Set(fresh.map((a) => clip(a.user, 32)))].slice(0, 5).join(', ')}). Open Session Warden to investigate.` });
      }
    } catch {
      // A failing notifier must not undo what the ledger holds.
    }
  }

  /** The watch's state for the renderer: alarms newest first. */
  state(): RevocationAlarms {
    return {
      watching: [...this.#watched.values()].filter((w) => !w.done).length,
      ...(this.#unreadableCount() > 0 ? { unreadable: this.#unreadableCount() } : {}),
      ...(this.#lastTick ? { lastTick: this.#lastTick } : {}),
      ...(this.#error ? { error: this.#error } : {}),
      alarms: [...this.#alarms].reverse(),
    };
  }

  #unreadableCount(): number {
    let n = 0;
    for (const w of this.#watched.values()) if (w.unreadable === true && !w.done) n += 1;
    return n;
  }

  /** Reads the ledger on from where the last read stopped (from the start if the file was replaced or cut). */
  async #refresh(): Promise<void> {
    const path = this.#options.ledger.path;
    const info = await stat(path).catch(() => null);
    if (!info) return;
    const file = `${info.dev}:${info.ino}`;
    if (this.#rescan || file !== this.#read.file || info.size < this.#read.offset) {
      this.#rescan = false;
      this.#watched.clear();
      this.#alarms = [];
      this.#read = { file, offset: 0 };
    }
    if (info.size === this.#read.offset) return;
    let offset = this.#read.offset;
    for await (const { text, end } of ledgerLines(path, offset)) {
      if (end === null) break; // an append in progress: read next time
      offset = end;
      if (!text.trim()) continue;
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        continue;
      }
      const parsed = LedgerEntrySchema.safeParse(json);
      if (parsed.success) this.#add(parsed.data);
    }
    this.#read = { file, offset };
  }

  #add(e: LedgerEntry): void {
    if ((e.connection !== this.#options.connection && !this.#adopted.has(e.run)) || e.sessionId === '') return;
    if (e.kind === 'outcome' && e.outcome === 'revoked') {
      if (this.#watched.has(e.sessionId)) return;
      const revokedAt = normaliseTime(e.revokedAt ?? e.time);
      const revokedMs = epochMillis(revokedAt) ?? Date.parse(e.time);
      // Revoked longer ago than any session lives: nothing left to watch, not even kept.
      if (this.#clock() > revokedMs + this.#maxLifetimeMs + this.#marginMs) return;
      this.#watched.set(e.sessionId, { revocation: e, revokedAt, revokedMs, alarmedAccess: null, knownCount: undefined, done: false });
      return;
    }
    if (e.kind !== 'alarm' || !e.activity) return;
    const a = e.activity;
    const w = this.#watched.get(e.sessionId);
    if (w) {
      if (a.lastAccessAt !== null && (w.alarmedAccess === null || a.lastAccessAt > w.alarmedAccess)) w.alarmedAccess = a.lastAccessAt;
      if (a.requestCount !== undefined) w.knownCount = a.requestCount;
    }
    this.#alarms.push(alarmOf(e, a));
    if (this.#alarms.length > MAX_ALARMS_KEPT) this.#alarms.splice(0, this.#alarms.length - MAX_ALARMS_KEPT);
  }
}

/** The round in flight per connection and ledger, across every watch of this process. */
const rounds = new Map<string, Promise<unknown>>();

/** Runs `work` once the round in flight for `key` (if any) has settled. */
function oneAtATime<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = rounds.get(key) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(work);
  const settled = run.catch(() => undefined);
  rounds.set(key, settled);
  void settled.then(() => {
    if (rounds.get(key) === settled) rounds.delete(key);
  });
  return run;
}

/** An `alarm` ledger entry as the renderer and the incident view show it. */
export function alarmOf(e: LedgerEntry, a: NonNullable<LedgerEntry['activity']>): RevocationAlarm {
  return {
    seq: e.seq,
    revocationSeq: a.revocationSeq,
    time: e.time,
    sessionId: e.sessionId,
    user: e.user,
    revokedAt: e.revokedAt ?? null,
    lastAccessAt: a.lastAccessAt,
    ...(a.requestCount !== undefined ? { requestCount: a.requestCount } : {}),
    ...(a.newRequests !== undefined ? { newRequests: a.newRequests } : {}),
    ...(a.server !== undefined ? { server: a.server } : {}),
    ...(a.client !== undefined ? { client: a.client } : {}),
    summary: a.summary,
  };
}

/** "activity after revocation on server srv-3, 2 requests, last access 2026-11-30 19:02:03.000000000 UTC". */
export function alarmSummary(seen: { server?: string | undefined; client?: string | undefined; newRequests?: number | undefined; lastAccessAt: string | null }): string {
  const where = seen.server ? ` on server ${seen.server}` : seen.client ? ` from ${seen.client}` : '';
  const requests = seen.newRequests !== undefined ? `, ${seen.newRequests} request${seen.newRequests === 1 ? '' : 's'}` : '';
  // `2026-11-30 19:02:03.123456789 UTC`: every digit the store holds, read as a time.
  const last = seen.lastAccessAt ? `, last access ${seen.lastAccessAt.replace('T', ' ').replace(/Z$/, ' UTC')}` : '';
  return `activity after revocation${where}${requests}${last}`;
}

/** The client a web session or PostgreSQL row names: address, and browser. */
function clientOf(session: Session): string | undefined {
  const parts = [session.ipAddress ? clip(session.ipAddress, 64) : '', session.userAgent ? `(${clip(session.userAgent, 120)})` : ''].filter((p) => p !== '');
  return parts.length > 0 ? parts.join(' ') : undefined;
}

/**
 * Store strings are untrusted: one line, bounded, without control characters (C0, DEL, C1) or
 * format characters (bidirectional overrides and isolates, zero-width marks) that would make a
 * notification read otherwise than it is.
 */
export function clip(text: string, max: number): string {
  const printable = text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, ' ');
  const flat = printable.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
