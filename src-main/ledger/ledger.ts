import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GENESIS, hashOfLine, LedgerEntrySchema, sealEntry, type LedgerEntry, type LedgerRecord } from './ledger-entry';
import { withFileLock } from './file-lock';
import { completeLength, cutTornTail, lastCompleteLine, warnOfCut, writeAll, writeFileAtomic, type TornTailReport } from '../atomic-file';

export type { TornTailReport } from '../atomic-file';

export interface VerifyReport {
  ok: boolean;
  /** Entries that verified, in order, before any break. */
  verifiedEntries: number;
  /** 1-based line number of the first entry that does not verify. */
  brokenAt?: number;
  reason?: string;
}

interface Head {
  seq: number;
  hash: string;
}

export interface LedgerOptions {
  /**
   * Told when an append found a torn last line (a crash cut an earlier append short), cut it off
   * and kept its bytes in `<ledger>.torn-<time>`. Without it, a process warning says so (stderr).
   */
  onRecover?: (report: TornTailReport) => void;
}

/**
 * The append-only, hash-chained revocation ledger: one JSON object per line, each carrying the
 * previous entry's hash. A `.head` file beside it checkpoints the last entry, so dropping entries
 * from the end is noticed too. Appends are group-committed: every `append` resolves only after
 * the lines are fsynced, but concurrent appends share one write and one fsync.
 *
 * Several processes (the app, command lines) may append to one ledger: every append, and the
 * snapshot `verify` reads, happens under `<ledger>.lock`. A crash mid-append leaves a torn last
 * line that was never acknowledged; the next append cuts it off (keeping the bytes beside the
 * ledger, see `LedgerOptions.onRecover`) instead of refusing to continue or gluing onto it.
 */
export class Ledger {
  readonly path: string;
  readonly #onRecover: (report: TornTailReport) => void;
  #queue: { records: LedgerRecord[]; resolve: (e: LedgerEntry[]) => void; reject: (e: unknown) => void }[] = [];
  #flushing: Promise<void> | null = null;

  constructor(path: string, options: LedgerOptions = {}) {
    this.path = path;
    this.#onRecover = options.onRecover ?? warnOfCut;
  }

  /** Appends records durably (fsync) and resolves with the sealed entries, in order. */
  append(records: LedgerRecord[]): Promise<LedgerEntry[]> {
    if (records.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      this.#queue.push({ records, resolve, reject });
      if (!this.#flushing) this.#flushing = this.#flushLoop();
    });
  }

  async #flushLoop(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0);
      let acknowledged = false;
      // Acknowledged as soon as the lines are fsynced: the head checkpoint that follows may lag.
      const durable = (sealed: LedgerEntry[]) => {
        acknowledged = true;
        let offset = 0;
        for (const item of batch) {
          item.resolve(sealed.slice(offset, offset + item.records.length));
          offset += item.records.length;
        }
      };
      try {
        await this.#write(
          batch.flatMap((b) => b.records),
          durable,
        );
      } catch (error) {
        if (!acknowledged) for (const item of batch) item.reject(error);
      }
    }
    this.#flushing = null;
  }

  /**
   * Appends and fsyncs the lines, tells `durable`, then moves the head checkpoint on (before the
   * lock is released). A crash, or a failed head write, between the two leaves the head one
   * append behind, which the checks allow; the next append writes it again.
   */
  async #write(records: LedgerRecord[], durable: (sealed: LedgerEntry[]) => void): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    return withFileLock(`${this.path}.lock`, async () => {
      const file = await open(this.path, 'a+', 0o600);
      try {
        const size = (await file.stat()).size;
        const complete = await completeLength(file, size);
        let { seq, hash } = await this.#checkedTail(file, complete);
        // Only now, with the complete lines matching the head, is a torn line a crash's leftover.
        if (complete < size) this.#report(await cutTornTail(file, this.path, complete, size));
        const sealed = records.map((record) => {
          seq += 1;
          const entry = sealEntry(record, seq, hash);
          hash = entry.hash;
          return entry;
        });
        await writeAll(file, sealed.map((e) => `${JSON.stringify(e)}\n`).join(''));
        await file.sync();
        durable(sealed);
        await this.#writeHead({ seq, hash });
      } finally {
        await file.close();
      }
    });
  }

  /**
   * The last complete entry's seq and hash (the file is the truth), refused if it does not match
   * the head checkpoint: never chain onto a ledger that lost entries, the next head would hide it.
   * The head may lag one append behind (a crash between the append and the head write).
   */
  async #checkedTail(file: FileHandle, complete: number): Promise<Head> {
    const last = await lastCompleteLine(file, complete);
    const tail = last === null ? { seq: 0, hash: GENESIS } : LedgerEntrySchema.parse(JSON.parse(last));
    const head = await this.#readHead();
    if (head === null && tail.seq > 0) throw new Error(`${this.path}.head is missing; run \`ledger verify\` before revoking again`);
    if (head && (head.seq > tail.seq || (head.seq === tail.seq && head.hash !== tail.hash))) {
      throw new Error(`${this.path} does not match its head checkpoint (entries dropped or altered); run \`ledger verify\` before revoking again`);
    }
    return { seq: tail.seq, hash: tail.hash };
  }

  #report(report: TornTailReport): void {
    try {
      this.#onRecover(report);
    } catch {
      // The cut is done and its bytes are kept; a failing reporter must not fail the append.
    }
  }

  async #writeHead(head: Head): Promise<void> {
    await writeFileAtomic(`${this.path}.head`, JSON.stringify(head), `${this.path}.head.tmp`);
  }

  /**
   * Checks every link, streaming (memory stays flat however long the ledger), and that the
   * `.head` checkpoint is in the chain, so altered, removed, reordered or dropped entries show.
   * It checks a snapshot taken under the lock (the head and the length), so an append in flight
   * is never mistaken for damage; appends made meanwhile land after that length. A torn last line
   * left by a crash is not an entry and not damage (see `append`), as long as the head does not
   * say it was a whole one.
   */
  async verify(): Promise<VerifyReport> {
    const { head, size } = await this.#snapshot();
    if (size === null) {
      return head ? { ok: false, verifiedEntries: 0, brokenAt: 1, reason: `the ledger file is missing but its head says ${head.seq} entries` } : { ok: true, verifiedEntries: 0 };
    }
    if (head === null && size > 0) {
      return { ok: false, verifiedEntries: 0, brokenAt: 1, reason: 'the head checkpoint file is missing (it may have been removed to hide dropped entries)' };
    }
    let prev = GENESIS;
    let count = 0;
    let headSeen = head === null;
    for await (const { text, end } of ledgerLines(this.path, 0, size)) {
      const at = count + 1;
      const broken = (reason: string): VerifyReport => ({ ok: false, verifiedEntries: count, brokenAt: at, reason });
      if (end === null) {
        // What a crash mid-append leaves: never acknowledged, so not an entry (the next append
        // cuts it off and keeps it). Unless the head says a whole entry was there: then the end was cut.
        if (head && head.seq > count) return broken(`the head file says ${head.seq} entries, the ledger has ${count} and a torn line of ${Buffer.byteLength(text)} bytes (entries dropped or cut from the end)`);
        break;
      }
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return broken('not a JSON line');
      }
      const entry = LedgerEntrySchema.safeParse(parsed);
      if (!entry.success) return broken('not a ledger entry');
      if (entry.data.seq !== at) return broken(`expected entry ${at}, found entry ${entry.data.seq} (removed or reordered)`);
      if (entry.data.prev !== prev) return broken('does not link to the entry before it (removed, reordered or altered)');
      if (hashOfLine(parsed) !== entry.data.hash) return broken('its content does not match its hash (altered)');
      if (head && head.seq === at) {
        if (head.hash !== entry.data.hash) return broken('differs from the checkpoint in the head file (altered)');
        headSeen = true;
      }
      prev = entry.data.hash;
      count = at;
    }
    if (!headSeen && head) {
      return { ok: false, verifiedEntries: count, brokenAt: count + 1, reason: `the head file says ${head.seq} entries, the ledger has ${count} (entries dropped from the end)` };
    }
    return { ok: true, verifiedEntries: count };
  }

  /**
   * The head and the ledger's length, read together under the lock. Where the lock cannot be
   * taken because the folder is missing or read-only (an auditor's copy), no one appends there,
   * so they are read without it.
   */
  async #snapshot(): Promise<{ head: Head | null; size: number | null }> {
    const read = async () => ({ head: await this.#readHead(), size: await stat(this.path).then((s) => s.size, () => null) });
    try {
      return await withFileLock(`${this.path}.lock`, read);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'EACCES' || code === 'EROFS' || code === 'EPERM') return read();
      throw error;
    }
  }

  /** Every entry, in order; for listing and export. A last line still being written (or torn) is not one yet. */
  async *entries(): AsyncGenerator<LedgerEntry> {
    const exists = await stat(this.path).then(() => true, () => false);
    if (!exists) return;
    for await (const { text, end } of ledgerLines(this.path)) {
      if (end !== null && text.trim()) yield LedgerEntrySchema.parse(JSON.parse(text));
    }
  }

  async #readHead(): Promise<Head | null> {
    const text = await readFile(`${this.path}.head`, 'utf8').catch(() => null);
    if (text === null) return null;
    try {
      const head = JSON.parse(text) as Head;
      return Number.isInteger(head.seq) && typeof head.hash === 'string' ? head : { seq: Number.MAX_SAFE_INTEGER, hash: '' };
    } catch {
      return { seq: Number.MAX_SAFE_INTEGER, hash: '' };
    }
  }
}

/**
 * The lines of a ledger file from byte `start`, each with the byte offset just past its newline
 * (so a reader can come back for what is appended later). A last line without its newline (an
 * append in progress, or a torn write) comes with `end: null`. Lines are cut on bytes and decoded
 * whole, so offsets stay exact with any UTF-8 text. `stop` (a byte length) ends the reading
 * there, for a reader that took a snapshot of the length.
 */
export async function* ledgerLines(path: string, start = 0, stop = Infinity): AsyncGenerator<{ text: string; end: number | null }> {
  if (stop <= start) return;
  let pending: Buffer = Buffer.alloc(0);
  let offset = start;
  const range = stop === Infinity ? { start } : { start, end: stop - 1 };
  for await (const chunk of createReadStream(path, range) as AsyncIterable<Buffer>) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let from = 0;
    for (let newline = pending.indexOf(10); newline !== -1; newline = pending.indexOf(10, from)) {
      offset += newline + 1 - from;
      yield { text: pending.toString('utf8', from, newline), end: offset };
      from = newline + 1;
    }
    pending = pending.subarray(from);
  }
  if (pending.length > 0) yield { text: pending.toString('utf8'), end: null };
}
