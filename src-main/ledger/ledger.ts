import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { GENESIS, hashOfLine, LedgerEntrySchema, sealEntry, type LedgerEntry, type LedgerRecord } from './ledger-entry';
import { withFileLock } from './file-lock';
import { writeFileAtomic } from '../atomic-file';

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
 * The append-only, hash-chained revocation ledger: one JSON object per line, each carrying the
 * previous entry's hash. A `.head` file beside it checkpoints the last entry, so dropping entries
 * from the end is noticed too. Appends are group-committed: every `append` resolves only after
 * the lines are fsynced, but concurrent appends share one write and one fsync.
 */
export class Ledger {
  readonly path: string;
  #queue: { records: LedgerRecord[]; resolve: (e: LedgerEntry[]) => void; reject: (e: unknown) => void }[] = [];
  #flushing: Promise<void> | null = null;

  constructor(path: string) {
    this.path = path;
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
      try {
        const sealed = await this.#write(batch.flatMap((b) => b.records));
        let offset = 0;
        for (const item of batch) {
          item.resolve(sealed.slice(offset, offset + item.records.length));
          offset += item.records.length;
        }
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.#flushing = null;
  }

  async #write(records: LedgerRecord[]): Promise<LedgerEntry[]> {
    await mkdir(dirname(this.path), { recursive: true });
    return withFileLock(`${this.path}.lock`, async () => {
      let { seq, hash } = await this.#tail();
      // Never chain onto a ledger that lost entries: the next head would hide the loss.
      const head = await this.#readHead();
      if (head === null && seq > 0) throw new Error(`${this.path}.head is missing; run \`ledger verify\` before revoking again`);
      if (head && (head.seq > seq || (head.seq === seq && head.hash !== hash))) {
        throw new Error(`${this.path} does not match its head checkpoint (entries dropped or altered); run \`ledger verify\` before revoking again`);
      }
      const sealed = records.map((record) => {
        seq += 1;
        const entry = sealEntry(record, seq, hash);
        hash = entry.hash;
        return entry;
      });
      const file = await open(this.path, 'a', 0o600);
      try {
        await file.write(sealed.map((e) => `${JSON.stringify(e)}\n`).join(''));
        await file.sync();
      } finally {
        await file.close();
      }
      await this.#writeHead({ seq, hash });
      return sealed;
    });
  }

  /** The last entry's seq and hash, read from the end of the file (the file is the truth). */
  async #tail(): Promise<Head> {
    const size = await stat(this.path).then((s) => s.size, () => 0);
    if (size === 0) return { seq: 0, hash: GENESIS };
    const length = Math.min(size, 256 * 1024);
    const file = await open(this.path, 'r');
    try {
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      const text = buffer.toString('utf8');
      if (!text.endsWith('\n')) throw new Error(`${this.path} ends in a partial line; run \`ledger verify\` before revoking again`);
      const last = text.trimEnd().split('\n').at(-1) ?? '';
      const parsed = LedgerEntrySchema.parse(JSON.parse(last));
      return { seq: parsed.seq, hash: parsed.hash };
    } finally {
      await file.close();
    }
  }

  async #writeHead(head: Head): Promise<void> {
    await writeFileAtomic(`${this.path}.head`, JSON.stringify(head), `${this.path}.head.tmp`);
  }

  /**
   * Checks every link, streaming (memory stays flat however long the ledger), and that the
   * `.head` checkpoint is in the chain, so altered, removed, reordered or dropped entries show.
   */
  async verify(): Promise<VerifyReport> {
    const head = await this.#readHead();
    const exists = await stat(this.path).then(() => true, () => false);
    if (!exists) {
      return head ? { ok: false, verifiedEntries: 0, brokenAt: 1, reason: `the ledger file is missing but its head says ${head.seq} entries` } : { ok: true, verifiedEntries: 0 };
    }
    let prev = GENESIS;
    let count = 0;
    let headSeen = head === null;
    let firstLine = true;
    const lines = createInterface({ input: createReadStream(this.path, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (firstLine && head === null) {
        lines.close();
        return { ok: false, verifiedEntries: 0, brokenAt: 1, reason: 'the head checkpoint file is missing (it may have been removed to hide dropped entries)' };
      }
      firstLine = false;
      const at = count + 1;
      const broken = (reason: string): VerifyReport => {
        lines.close();
        return { ok: false, verifiedEntries: count, brokenAt: at, reason };
      };
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
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

  /** Every entry, in order; for listing and export. */
  async *entries(): AsyncGenerator<LedgerEntry> {
    const exists = await stat(this.path).then(() => true, () => false);
    if (!exists) return;
    for await (const { text } of ledgerLines(this.path)) {
      if (text.trim()) yield LedgerEntrySchema.parse(JSON.parse(text));
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
 * whole, so offsets stay exact with any UTF-8 text.
 */
export async function* ledgerLines(path: string, start = 0): AsyncGenerator<{ text: string; end: number | null }> {
  let pending: Buffer = Buffer.alloc(0);
  let offset = start;
  for await (const chunk of createReadStream(path, { start }) as AsyncIterable<Buffer>) {
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
