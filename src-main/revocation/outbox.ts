import { createHash } from 'node:crypto';
import { mkdir, open, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { withFileLock } from '../ledger/file-lock';
import { completeLength, cutTornTail, warnOfCut, writeAll, writeFileAtomic, type TornTailReport } from '../atomic-file';

export type { TornTailReport } from '../atomic-file';

/**
 * The outbox file for one Redis target: pending writes for one server are never flushed into
 * another. Named by a hash of the URL without its credentials, so no secret lands in a file name.
 */
export function outboxPathFor(dataDir: string, redisUrl: string): string {
  let target = redisUrl;
  try {
    const url = new URL(redisUrl);
    url.username = '';
    url.password = '';
    url.search = '';
    target = url.toString();
  } catch {
    // An unparsable URL still gets a stable file of its own.
  }
  return join(dataDir, `blacklist-outbox-${createHash('sha256').update(target).digest('hex').slice(0, 16)}.jsonl`);
}

export interface PendingBlacklistWrite {
  /** Session id; the key is `revoked:<id>`. */
  id: string;
  /** The value services read: the revocation reason. */
  reason: string;
  /** When the session expires (ms since epoch); the TTL is worked out when the write lands. */
  expiresAtMs: number;
}

/** A pending write and when it was first queued; `null` for one recorded before times were kept. */
export interface QueuedBlacklistWrite extends PendingBlacklistWrite {
  queuedAtMs: number | null;
}

/** What is pending now, for "3 pending (oldest 12 min)". */
export interface OutboxStatus {
  pending: QueuedBlacklistWrite[];
  /** The earliest known `queuedAtMs`, or null when nothing (with a known time) is pending. */
  oldestQueuedAtMs: number | null;
}

export interface DurableOutboxOptions {
  /** Stamps `queuedAtMs` on new entries. */
  clock?: () => number;
  /** Told when an append cut off a torn last line (see `cutTornTail`); without it, a process warning. */
  onRecover?: (report: TornTailReport) => void;
}

const LineSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), id: z.string(), reason: z.string(), expiresAtMs: z.number(), queuedAtMs: z.number().optional() }),
  z.object({ op: z.literal('done'), id: z.string() }),
]);
type Line = z.infer<typeof LineSchema>;

/**
 * Blacklist writes that Redis has not acknowledged yet, kept in a JSON-lines file (fsynced) so
 * that none is lost when Redis is down or the app restarts. Emptied once everything has landed.
 *
 * The file is the truth and may be shared: the app and a command line can both queue writes
 * for one Redis, so `load()` reads it again each time (every retry round) and sees what others
 * added or finished. Appends happen under `<file>.lock`, whole (short writes are retried), and
 * only after a torn last line left by a crash is cut off, so a new entry is never glued onto it.
 * Only newline-terminated lines count: a line without one was never confirmed to its writer.
 */
export class DurableOutbox {
  readonly #path: string;
  readonly #clock: () => number;
  readonly #onRecover: (report: TornTailReport) => void;
  #pending = new Map<string, QueuedBlacklistWrite>();
  #writes: Promise<unknown> = Promise.resolve();
  #queue: { line: Line; resolve: () => void; reject: (error: unknown) => void }[] = [];
  #draining = false;

  constructor(path: string, options: DurableOutboxOptions = {}) {
    this.#path = path;
    this.#clock = options.clock ?? Date.now;
    this.#onRecover = options.onRecover ?? warnOfCut;
  }

  /** Reads the file again; after it, `pending()` holds what every process has left pending. */
  load(): Promise<void> {
    return this.#serial(async () => {
      this.#pending = await this.#readState();
    });
  }

  /** What was pending at the last `load()`, plus this process's own adds and dones since. */
  pending(): PendingBlacklistWrite[] {
    return [...this.#pending.values()].map(({ id, reason, expiresAtMs }) => ({ id, reason, expiresAtMs }));
  }

  /** Like `pending()`, with when each write was first queued. */
  queued(): QueuedBlacklistWrite[] {
    return [...this.#pending.values()].map((write) => ({ ...write }));
  }

  /** Reads the file again and says what is pending and since when. */
  async status(): Promise<OutboxStatus> {
    await this.load();
    const pending = this.queued();
    const times = pending.map((p) => p.queuedAtMs).filter((t): t is number => t !== null);
    return { pending, oldestQueuedAtMs: times.length > 0 ? Math.min(...times) : null };
  }

  /**
   * Resolves once the write is durably recorded as pending. Queuing one already pending updates
   * it (its reason and expiry) and keeps the time it was first queued.
   */
  add(write: PendingBlacklistWrite): Promise<void> {
    return this.#enqueue({ op: 'add', id: write.id, reason: write.reason, expiresAtMs: write.expiresAtMs, queuedAtMs: this.#clock() });
  }

  done(id: string): Promise<void> {
    return this.#enqueue({ op: 'done', id });
  }

  /**
   * Group commit: lines asked for while an append is on disk go out together in the next one,
   * one write and one fsync under one lock, and each caller hears only once its line is durable.
   * A bulk revocation with a blacklist queues two lines per session; this keeps that cheap.
   */
  #enqueue(line: Line): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ line, resolve, reject });
      if (this.#draining) return;
      this.#draining = true;
      void this.#serial(() => this.#drain());
    });
  }

  /**
   * Appends what is queued, batch after batch. It stops in the same tick as it finds the queue
   * empty (callers resumed by the last batch run only after), so a line queued then starts a new drain.
   */
  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      // A `done` for a write no longer pending (here, or just before in this batch) writes nothing.
      const after = new Map(this.#pending);
      const lines: Line[] = [];
      for (const { line } of batch) {
        if (line.op === 'done' && !after.has(line.id)) continue;
        fold(after, line);
        lines.push(line);
      }
      try {
        if (lines.length > 0) await this.#append(lines, lines.some((l) => l.op === 'done') && after.size === 0);
        for (const line of lines) fold(this.#pending, line);
        for (const { resolve } of batch) resolve();
      } catch (error) {
        for (const { reject } of batch) reject(error);
      }
    }
    this.#draining = false;
  }

  /** Runs file work one at a time in this process, in call order; one failure does not stop the rest. */
  #serial(task: () => Promise<void>): Promise<void> {
    const run = this.#writes.then(task);
    this.#writes = run.catch(() => undefined);
    return run;
  }

  #append(lines: Line[], compact: boolean): Promise<void> {
    return this.#locked(async () => {
      const file = await open(this.#path, 'a+', 0o600);
      try {
        const size = (await file.stat()).size;
        const complete = await completeLength(file, size);
        if (complete < size) this.#report(await cutTornTail(file, this.#path, complete, size));
        await writeAll(file, lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
        await file.sync();
      } finally {
        await file.close();
      }
      // Compaction keeps whatever any process still has pending.
      if (compact) await this.#compact();
    });
  }

  /** Another process may share this outbox (the app and a command line): file work happens under one lock. */
  async #locked(work: () => Promise<void>): Promise<void> {
    await mkdir(dirname(this.#path), { recursive: true });
    await withFileLock(`${this.#path}.lock`, work);
  }

  #report(report: TornTailReport): void {
    try {
      this.#onRecover(report);
    } catch {
      // The cut is done and its bytes are kept; a failing reporter must not fail the write.
    }
  }

  async #readState(): Promise<Map<string, QueuedBlacklistWrite>> {
    const text = await readFile(this.#path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return '';
      throw error;
    });
    const state = new Map<string, QueuedBlacklistWrite>();
    // The part after the last newline is a line in flight or torn: not confirmed (see the class).
    for (const raw of text.split('\n').slice(0, -1)) {
      const line = parseLine(raw);
      if (line) fold(state, line);
    }
    return state;
  }

  /** Rewrites the file with only the entries still pending (by anyone), atomically. */
  async #compact(): Promise<void> {
    const lines = [...(await this.#readState()).values()].map(({ queuedAtMs, ...write }) =>
      JSON.stringify({ op: 'add', ...write, ...(queuedAtMs === null ? {} : { queuedAtMs }) }),
    );
    await writeFileAtomic(this.#path, lines.map((l) => `${l}\n`).join(''), `${this.#path}.tmp`);
  }
}

/** Applies one line: a write queued again keeps its first time, as it has waited since then. */
function fold(state: Map<string, QueuedBlacklistWrite>, line: Line): void {
  if (line.op === 'done') {
    state.delete(line.id);
    return;
  }
  const earlier = state.get(line.id);
  const queuedAtMs = earlier ? earlier.queuedAtMs : (line.queuedAtMs ?? null);
  state.set(line.id, { id: line.id, reason: line.reason, expiresAtMs: line.expiresAtMs, queuedAtMs });
}

/**
 * One line of the file. Versions before the torn-line cut glued the next entry onto a torn
 * line, so a line that does not parse is read again from its last `{"op":`: that entry was
 * confirmed to its writer and must not be lost.
 */
function parseLine(raw: string): Line | null {
  const glued = raw.lastIndexOf('{"op":');
  return parseJson(raw) ?? (glued > 0 ? parseJson(raw.slice(glued)) : null);
}

function parseJson(raw: string): Line | null {
  try {
    const line = LineSchema.safeParse(JSON.parse(raw));
    return line.success ? line.data : null;
  } catch {
    return null;
  }
}
