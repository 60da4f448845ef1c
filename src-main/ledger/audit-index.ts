import { stat } from 'node:fs/promises';
import type { AuditRow } from '../../src-shared/audit';
import { AuditRowBuilder } from './audit-rows';
import { GENESIS, LedgerEntrySchema } from './ledger-entry';
import { ledgerLines } from './ledger';

interface Position {
  /** The file read so far (device and inode), so a replaced file is read again from the start. */
  file: string;
  /** Bytes read: always the end of a whole line. */
  offset: number;
  /** Hash of the last entry read; the next one must chain onto it, or the file was rewritten. */
  lastHash: string;
}

/**
 * The audit rows of a ledger file, kept up to date by reading only what was appended since the
 * last call: the audit view refreshes every 15 seconds, and a ledger of a few hundred thousand
 * entries should not be parsed again each time. A file that was replaced, shortened or rewritten
 * (where the last read ended is not the start of an entry chained onto the last one read) is read
 * again from the start. An earlier entry edited in place without changing the file's length is
 * not seen here: only `ledger:verify`, which reads everything, reports that. A partial last line
 * (an append in progress) is left for the next call. Rows are kept in memory for the life of the
 * workspace.
 */
export class AuditIndex {
  readonly #path: string;
  #builder = new AuditRowBuilder();
  #at: Position = { file: '', offset: 0, lastHash: GENESIS };
  #refreshing: Promise<void> | null = null;

  constructor(path: string) {
    this.#path = path;
  }

  /** Alarm entries (activity after revocation) read so far: in the ledger, but no audit rows. */
  get alarms(): number {
    return this.#builder.alarms;
  }

  /** Every audit row, newest first, as of now. */
  async rows(): Promise<Iterable<AuditRow>> {
    // Calls that arrive during a refresh wait for it, then refresh again (something may have been appended meanwhile).
    while (this.#refreshing) await this.#refreshing;
    this.#refreshing = this.#refresh().finally(() => (this.#refreshing = null));
    await this.#refreshing;
    return this.#builder.newestFirst();
  }

  async #refresh(): Promise<void> {
    const info = await stat(this.#path).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!info) return this.#reset('');
    const file = `${info.dev}:${info.ino}`;
    if (file !== this.#at.file || info.size < this.#at.offset) this.#reset(file);
    if (info.size === this.#at.offset) return;
    try {
      if (!(await this.#readFrom(this.#at, true))) {
        // Rewritten in place: what was built no longer describes the file.
        this.#reset(file);
        await this.#readFrom(this.#at, false);
      }
    } catch (error) {
      // Part of a read may have been added: start over next time rather than count it twice.
      this.#reset('');
      throw error;
    }
  }

  #reset(file: string): void {
    this.#builder = new AuditRowBuilder();
    this.#at = { file, offset: 0, lastHash: GENESIS };
  }

  /** Reads whole lines from `at.offset`; false (having added nothing) if the first does not chain on. */
  async #readFrom(at: Position, checkChain: boolean): Promise<boolean> {
    let offset = at.offset;
    let lastHash = at.lastHash;
    let first = checkChain && at.offset > 0;
    for await (const { text, end } of ledgerLines(this.#path, at.offset)) {
      if (end === null) break; // an append in progress: its line is read next time
      offset = end;
      if (!text.trim()) continue;
      const entry = LedgerEntrySchema.safeParse(parseJson(text));
      // Where the last read ended is no longer the end of an entry, or not of the same chain.
      if (first && (!entry.success || entry.data.prev !== lastHash)) return false;
      first = false;
      if (!entry.success) throw new Error(`${this.#path}: the line ending at byte ${end} is not a ledger entry`);
      this.#builder.add(entry.data);
      lastHash = entry.data.hash;
    }
    this.#at = { file: at.file, offset, lastHash };
    return true;
  }
}

function parseJson(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}
