import type { CsvLines } from '../export/export-file';

/** Two rows in a row began with the same first field (an export's session id): see CopyCsvLines. */
export class RepeatedRowError extends Error {
  override name = 'RepeatedRowError';
  constructor(readonly fields: readonly string[]) {
    super(`two rows in a row begin ${fields.join(',')}`);
  }
}

const QUOTE = 0x22;
const LF = 0x0a;
const COMMA = 0x2c;
const CRLF = Buffer.from('\r\n');

/**
 * The output of PostgreSQL's `COPY ... TO STDOUT (FORMAT csv)` as an export's CSV lines: the same
 * bytes but each line ended by CRLF (RFC 4180, as csv-stringify writes every other export) where
 * PostgreSQL ends it by LF alone, and counted.
 *
 * PostgreSQL quotes a cell that holds a comma, a quote, a CR or an LF, doubling its quotes, and
 * never quotes otherwise (one column of `\.` aside, which an export never is). So an LF ends a line
 * exactly when an even number of quote bytes came before it in the line; neither byte can be part
 * of a longer UTF-8 character. Chunks may end anywhere: a line's beginning is kept until its end
 * arrives.
 *
 * Each line's first field is unquoted (a session id): a line that begins with the same field as
 * the one before is refused with RepeatedRowError, naming its first two fields (see walk).
 */
export class CopyCsvLines {
  /** The beginning of a line whose end has not arrived. */
  #carry: Buffer = Buffer.alloc(0);
  /** The first field of the last whole line of an earlier chunk (a copy). */
  #previous: Buffer | null = null;

  /** Where the chunks of a push are put together, used again by each (read before the next). */
  #scratch: Buffer = Buffer.alloc(0);

  /**
   * The whole lines of what came before and of `chunks`, CRLF-ended, in a buffer of their own (not
   * from Node's shared pool: it may be transferred to another thread).
   */
  push(chunks: readonly Buffer[]): CsvLines {
    const input = this.#carry.length > 0 || chunks.length !== 1 ? this.#together(chunks) : (chunks[0] as Buffer);
    const ends: number[] = [];
    // The first field of the line before: in #previous until a line of this input ends.
    let previous = this.#previous;
    let previousStart = 0;
    let previousEnd = previous?.length ?? 0;
    let start = 0;
    let at = 0;
    // The next quote at or after `at` (-1: none left in input), looked for again only once passed.
    let quote = input.indexOf(QUOTE, 0);
    for (;;) {
      const lf = input.indexOf(LF, at);
      if (lf < 0) break;
      if (quote >= 0 && quote < lf) {
        // A quoted cell: its line goes on past its closing quote, whatever it holds before that.
        const close = input.indexOf(QUOTE, quote + 1);
        if (close < 0) break;
        at = close + 1;
        quote = input.indexOf(QUOTE, at);
        continue;
      }
      const comma = input.indexOf(COMMA, start);
      const field = comma >= 0 && comma < lf ? comma : lf;
      if (previous !== null && previousEnd - previousStart === field - start && input.compare(previous, previousStart, previousEnd, start, field) === 0) {
        throw new RepeatedRowError(input.toString('utf8', start, lf).split(',', 2));
      }
      previous = input;
      previousStart = start;
      previousEnd = field;
      ends.push(lf);
      start = lf + 1;
      at = start;
    }
    this.#carry = Buffer.from(input.subarray(start));
    if (previous !== null && previous !== this.#previous) this.#previous = Buffer.from(previous.subarray(previousStart, previousEnd));
    const csv = Buffer.allocUnsafeSlow(start + ends.length);
    let from = 0;
    let to = 0;
    for (const lf of ends) {
      to += input.copy(csv, to, from, lf);
      to += CRLF.copy(csv, to);
      from = lf + 1;
    }
    return { csv, rows: ends.length };
  }

  /** The carried beginning and `chunks` as one, in #scratch: a fresh buffer each push was most of an export's garbage. */
  #together(chunks: readonly Buffer[]): Buffer {
    let size = this.#carry.length;
    for (const chunk of chunks) size += chunk.length;
    if (this.#scratch.length < size) this.#scratch = Buffer.allocUnsafeSlow(Math.max(size, this.#scratch.length * 2));
    let at = this.#carry.copy(this.#scratch, 0);
    for (const chunk of chunks) at += chunk.copy(this.#scratch, at);
    return this.#scratch.subarray(0, size);
  }

  /** Once the COPY ended: throws if a line was left without its end (the output was cut short). */
  end(): void {
    if (this.#carry.length > 0) throw new Error(`the COPY's output ended in the middle of a line (${this.#carry.length} bytes without a line end)`);
  }
}
