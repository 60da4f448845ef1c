import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { GENESIS, hashOfLine, LedgerEntrySchema, sealEntry, type LedgerEntry, type LedgerRecord } from './ledger-entry';
import { withFileLock } from './file-lock';
import { cutTornTail, warnOfCut, writeAll, writeFileAtomic, type TornTailReport } from '../atomic-file';

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

/**
 * How long one holding of the ledger's lock goes on taking new batches (see `Ledger#hold`): long
 * enough for a bulk revocation to write many batches per lock, short enough that another process
 * waiting for the lock (a command line) is let in well within its wait.
 */
const HOLD_MS = 250;

/** The longest last line looked for (as the ledger has always allowed): an entry is far shorter. */
const MAX_LINE_BYTES = 256 * 1024;

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
      try {
        await this.#hold();
      } catch (error) {
        // Whatever was taken from the queue and not yet acknowledged was rejected by `#hold`; a
        // failure before it took anything (the lock, the folder) is every waiting append's.
        for (const item of this.#queue.splice(0)) item.reject(error);
      }
    }
    this.#flushing = null;
  }

  /**
   * One holding of the lock: writes batch after
   * batch as long as appends arrived while the last one was written (and at most `HOLD_MS`), so
   * a bulk revocation's stream of appends pays for the lock once, while a writer
   * that waits for its appends before making more lets other processes in between. Each
   * batch is written and fsynced, then acknowledged, then the head checkpoint is moved on to it
   * before the next batch is written, as for a lone append: a crash leaves the head at most one
   * batch behind, which the checks allow (see `#checkedTail`). Nobody else appends while the lock
   * is held; still, each batch is checked against the file's last line and the head as a lone
   * append is (a few KB read from the end), so a file altered meanwhile is refused.
   */
  async #hold(): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true });
    await withFileLock(`${this.path}.lock`, async () => {
      const file = await open(this.path, 'a+', 0o600);
      try {
        const started = Date.now();
        do {
          // Checked before every batch, as a lone append is: the file is the truth, and a file
          // altered meanwhile (by someone not taking the lock) is refused, not chained onto.
          const [here, there] = await Promise.all([file.stat(), stat(this.path).catch(() => null)]);
          // The file was replaced or removed since it was opened: the next holding opens it again.
          if (there === null || there.ino !== here.ino || there.dev !== here.dev) return;
          const size = here.size;
          const { complete, last } = await tailOf(file, size);
          let { seq, hash } = await this.#checkedTail(last);
          // Only now, with the complete lines matching the head, is a torn line a crash's leftover.
          if (complete < size) this.#report(await cutTornTail(file, this.path, complete, size));
          const batch = this.#queue.splice(0);
          let sealed: LedgerEntry[];
          try {
            sealed = batch.flatMap((b) => b.records).map((record) => {
              const entry = sealEntry(record, seq + 1, hash);
              seq = entry.seq;
              hash = entry.hash;
              return entry;
            });
            await writeAll(file, sealed.map((e) => `${JSON.stringify(e)}\n`).join(''));
            await file.sync();
          } catch (error) {
            // Not acknowledged: a torn line it may have left is cut by the next holder.
            for (const item of batch) item.reject(error);
            return;
          }
          let offset = 0;
          for (const item of batch) {
            item.resolve(sealed.slice(offset, offset + item.records.length));
            offset += item.records.length;
          }
          // A failed head write leaves the head behind, which the checks allow; the next one writes it again.
          await this.#writeHead({ seq, hash }).catch(() => undefined);
        } while (this.#queue.length > 0 && Date.now() - started < HOLD_MS);
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
  async #checkedTail(last: string | null): Promise<Head> {
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

/**
 * The length of the file up to its last newline (`complete`; bytes after it are a torn line) and
 * the last complete line before it (null in a file without one), read backwards in small chunks
 * from the end: a few kilobytes, not the whole tail, whatever the ledger's length.
 */
async function tailOf(file: FileHandle, size: number): Promise<{ complete: number; last: string | null }> {
  const chunks: Buffer[] = [];
  let start = size;
  let complete = -1;
  let chunkSize = 4096;
  while (start > 0) {
    const from = Math.max(0, start - chunkSize);
    const chunk = Buffer.alloc(start - from);
    let done = 0;
    while (done < chunk.length) {
      const { bytesRead } = await file.read(chunk, done, chunk.length - done, from + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    chunks.unshift(chunk.subarray(0, done));
    start = from;
    chunkSize = Math.min(chunkSize * 4, 1024 * 1024);
    const data = chunks.length === 1 ? chunks[0] as Buffer : Buffer.concat(chunks);
    if (complete === -1) {
      const newline = data.lastIndexOf(10);
      if (newline === -1) continue;
      complete = start + newline + 1;
    }
    const end = complete - start - 1;
    const before = end > 0 ? data.lastIndexOf(10, end - 1) : -1;
    if (before !== -1) return { complete, last: data.toString('utf8', before + 1, end) };
    if (start === 0) return { complete, last: data.toString('utf8', 0, end) };
    if (complete - start > MAX_LINE_BYTES) return { complete, last: data.toString('utf8', end - MAX_LINE_BYTES, end) };
  }
  return complete === -1 ? { complete: 0, last: null } : { complete, last: '' };
}
