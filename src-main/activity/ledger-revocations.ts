import { stat } from 'node:fs/promises';
import { CANARY_USER } from '../proof/canary-ground';
import { ledgerLines } from '../ledger/ledger';
import { GENESIS, hashOfLine, LedgerEntrySchema, type LedgerEntry } from '../ledger/ledger-entry';

/** Where reading stopped: just past the last complete line read, and that line's link in the chain. */
interface Position {
  /** The file read (a replaced file, say a restored copy, is read again from its start). */
  ino: number;
  /** Byte offset just past the last line read. */
  end: number;
  /** Where that last line starts: it is read again each time, to see it is still the same. */
  lastStart: number;
  seq: number;
  hash: string;
}

/**
 * The revocations (outcome `revoked`, the canary's self-tests left out) of one local ledger file,
 * read incrementally for the Activity view's refresh: the first read reads the whole file, each
 * later one only what was appended since (from the last line read, which must still be there with
 * the same hash), checking every new line's link and hash as `Ledger.verify` does. A file that was
 * replaced or cut shorter is read again from its start. A new line that does not verify is an
 * error that says where, never a silently different chart.
 */
export class LedgerRevocations {
  readonly path: string;
  #position: Position | null = null;
  #revocations: LedgerEntry[] = [];
  /** Bytes read by the last `read()`: for tests, which show a refresh reads only what was appended. */
  lastReadBytes = 0;
  #reading: Promise<readonly LedgerEntry[]> | null = null;

  constructor(path: string) {
    this.path = path;
  }

  /** Every revocation in the ledger now, oldest first. Concurrent calls share one read. */
  read(): Promise<readonly LedgerEntry[]> {
    this.#reading ??= this.#read().finally(() => (this.#reading = null));
    return this.#reading;
  }

  async #read(): Promise<readonly LedgerEntry[]> {
    this.lastReadBytes = 0;
    const info = await stat(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (info === null) {
      this.#position = null;
      this.#revocations = [];
      return this.#revocations;
    }
    const at = this.#position;
    if (at && at.ino === info.ino && info.size >= at.end && (await this.#extend(at, info.ino))) return this.#revocations;
    this.#position = null;
    this.#revocations = [];
    await this.#extend(null, info.ino);
    return this.#revocations;
  }

  /**
   * Reads on from `at` (or from the start): false when the line `at` ended with is no longer
   * there as it was (the file was rewritten: the caller reads it again from the start).
   */
  async #extend(at: Position | null, ino: number): Promise<boolean> {
    let seq = at?.seq ?? 0;
    let hash = at?.hash ?? GENESIS;
    let first = at !== null;
    let start = at?.lastStart ?? 0;
    const found: LedgerEntry[] = [];
    let position: Position | null = at;
    for await (const { text, end } of ledgerLines(this.path, start)) {
      this.lastReadBytes += Buffer.byteLength(text) + (end === null ? 0 : 1);
      // An append in progress (or a crash's torn line): not an entry yet, read next time.
      if (end === null) break;
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        if (first) return false;
        throw this.#broken(seq + 1, 'not a JSON line');
      }
      if (first) {
        // The last line read before: still the same entry, or the file is not the one we read.
        first = false;
        if (parsed.hash !== hash || hashOfLine(parsed) !== hash) return false;
        start = end;
        continue;
      }
      const entry = LedgerEntrySchema.safeParse(parsed);
      if (!entry.success) throw this.#broken(seq + 1, 'not a ledger entry');
      if (entry.data.seq !== seq + 1) throw this.#broken(seq + 1, `found entry ${entry.data.seq} (removed or reordered)`);
      if (entry.data.prev !== hash) throw this.#broken(seq + 1, 'does not link to the entry before it (removed, reordered or altered)');
      if (hashOfLine(parsed) !== entry.data.hash) throw this.#broken(seq + 1, 'its content does not match its hash (altered)');
      seq = entry.data.seq;
      hash = entry.data.hash;
      position = { ino, end, lastStart: start, seq, hash };
      start = end;
      if (entry.data.kind === 'outcome' && entry.data.outcome === 'revoked' && entry.data.user !== CANARY_USER) found.push(entry.data);
    }
    // The last line read before is gone (the file was cut to before it): read it all again.
    if (first) return false;
    this.#position = position;
    this.#revocations.push(...found);
    return true;
  }

  #broken(at: number, reason: string): Error {
    return new Error(`The ledger ${this.path} does not verify at entry ${at}: ${reason}. Run \`ledger verify\` and look at the file before trusting its figures.`);
  }
}
