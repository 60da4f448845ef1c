import { readFile, stat } from 'node:fs/promises';
import { GENESIS, hashOfLine } from '../ledger/ledger-entry';
import { ledgerLines } from '../ledger/ledger';
import { EXIT } from './cli-errors';
import { terminalSafe } from './output';

export interface TailOptions {
  path: string;
  /** Keep running and print each entry as it is appended, until `stop` aborts. */
  follow: boolean;
  /** Only the last N entries of what is there at start (all of them are still verified). */
  last?: number | undefined;
  /** Only entries whose `time` is at or after this instant (ms). */
  sinceMs?: number | undefined;
  format: 'ndjson' | 'table';
  out: (text: string) => void;
  err: (text: string) => void;
  /** Aborted on SIGINT/SIGTERM by the command line; ends a follow with exit 0. */
  stop: AbortSignal;
  /** How often a follow looks for new bytes. */
  pollMs?: number;
}

/** Thrown inside the reader: the chain does not verify from here on. */
class ChainBreak extends Error {
  override name = 'ChainBreak';
}

/**
 * `ledger tail`: the local ledger for a log shipper, one verified entry per line. Every line is
 * checked against the chain before it is printed (its seq follows, its prev is the hash before
 * it, its hash covers its content), so a forged or altered line is never forwarded as good: the
 * entries before it are printed, then the break is said on stderr and the exit is 1.
 *
 * Entries are read by byte offset: a follow reads again from just past the last complete line it
 * printed, so nothing is printed twice, and a line still being written (no newline yet) waits
 * for the next look. Entries are printed generically (whatever kind and fields the line holds),
 * exactly the values written, so a SIEM can recompute each hash.
 */
export async function tailLedger(options: TailOptions): Promise<number> {
  const pollMs = options.pollMs ?? 250;
  const state = { offset: 0, seq: 0, prev: GENESIS };
  const print = (entry: Record<string, unknown>) => options.out(formatTailEntry(entry, options.format));
  let first = true;
  let saidMissing = false;
  for (;;) {
    try {
      const exists = await stat(options.path).then(
        (s) => s.size,
        () => null,
      );
      if (exists === null) {
        if (state.offset > 0) throw new ChainBreak(`${options.path} was removed after ${state.seq} entries were read`);
        if (!options.follow) {
          options.err(`session-warden: no ledger at ${terminalSafe(options.path)} yet: nothing to print`);
          return EXIT.ok;
        }
        if (!saidMissing) options.err(`session-warden: no ledger at ${terminalSafe(options.path)} yet: waiting for its first entry`);
        saidMissing = true;
      } else {
        if (exists < state.offset) throw new ChainBreak(`${options.path} is shorter than the ${state.offset} bytes already read (entries dropped or the file replaced)`);
        const { fresh, broken } = await readVerified(options.path, state);
        if (first) {
          // The starting backlog: --since and -n choose from it; what follows is printed whole.
          const chosen = fresh.filter((e) => options.sinceMs === undefined || Date.parse(String(e.time)) >= options.sinceMs);
          for (const entry of options.last === undefined ? chosen : chosen.slice(Math.max(0, chosen.length - options.last))) print(entry);
          first = false;
        } else {
          for (const entry of fresh) print(entry);
        }
        if (broken) throw broken;
        if (!options.follow) return EXIT.ok;
      }
    } catch (error) {
      if (!(error instanceof ChainBreak)) throw error;
      options.err(`session-warden: ledger BROKEN after entry ${state.seq}: ${terminalSafe(error.message)}; nothing from there on was printed (run "session-warden ledger verify")`);
      return EXIT.incomplete;
    }
    if (await stopped(options.stop, pollMs)) return EXIT.ok;
  }
}

/**
 * The complete lines from `state.offset` on, each verified against the chain, moving the state
 * past each one that verifies; reading stops at the first that does not (`broken`), with the
 * entries before it. The head checkpoint is read first: it is written after the lines it names,
 * so the file holds at least that many entries, unless some were dropped from the end.
 */
async function readVerified(path: string, state: { offset: number; seq: number; prev: string }): Promise<{ fresh: Record<string, unknown>[]; broken?: ChainBreak }> {
  const fresh: Record<string, unknown>[] = [];
  try {
    await readInto(fresh, path, state);
  } catch (error) {
    if (error instanceof ChainBreak) return { fresh, broken: error };
    throw error;
  }
  return { fresh };
}

async function readInto(fresh: Record<string, unknown>[], path: string, state: { offset: number; seq: number; prev: string }): Promise<void> {
  const head = await readHead(`${path}.head`);
  for await (const { text, end } of ledgerLines(path, state.offset)) {
    if (end === null) break;
    let parsed: Record<string, unknown>;
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error('not an object');
      parsed = value as Record<string, unknown>;
    } catch {
      throw new ChainBreak(`line ${state.seq + 1} is not a JSON object`);
    }
    const at = state.seq + 1;
    if (parsed.seq !== at) throw new ChainBreak(`expected entry ${at}, found ${JSON.stringify(parsed.seq ?? null)} (removed or reordered)`);
    if (parsed.prev !== state.prev) throw new ChainBreak(`entry ${at} does not link to the entry before it (removed, reordered or altered)`);
    if (typeof parsed.hash !== 'string' || hashOfLine(parsed) !== parsed.hash) throw new ChainBreak(`entry ${at}: its content does not match its hash (altered)`);
    if (head && head.seq === at && head.hash !== parsed.hash) throw new ChainBreak(`entry ${at} differs from the checkpoint in the head file (altered)`);
    fresh.push(parsed);
    state.offset = end;
    state.seq = at;
    state.prev = parsed.hash;
  }
  if (head && head.seq > state.seq) throw new ChainBreak(`the head file says ${head.seq} entries, the ledger has ${state.seq} (entries dropped from the end)`);
}

async function readHead(path: string): Promise<{ seq: number; hash: string } | null> {
  const text = await readFile(path, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const head = JSON.parse(text) as { seq?: unknown; hash?: unknown };
    if (typeof head.seq === 'number' && Number.isInteger(head.seq) && typeof head.hash === 'string') return { seq: head.seq, hash: head.hash };
  } catch {
    // fall through: an unreadable head is damage
  }
  throw new ChainBreak(`${path} is not a head checkpoint`);
}

/**
 * One entry as a line. NDJSON is the entry as written (its fields in the order the hash covers);
 * control and bidi characters inside its strings are written as JSON \\u escapes, which parse to
 * the same value, so a terminal showing it is never repainted. The table is for people.
 */
export function formatTailEntry(entry: Record<string, unknown>, format: 'ndjson' | 'table'): string {
  if (format === 'ndjson') return terminalSafe(JSON.stringify(entry));
  const text = (key: string, width: number) => {
    const value = entry[key];
    const shown = value === undefined || value === null ? '-' : typeof value === 'string' ? value : JSON.stringify(value);
    return terminalSafe(shown).padEnd(width);
  };
  return [text('seq', 6), text('time', 24), text('kind', 8), text('operator', 16), text('sessionId', 36), text('user', 20), text('reasonCode', 22), text('outcome', 16)].join(' ').trimEnd();
}

/** Waits `ms`, or less if `signal` aborts meanwhile; says whether it did. */
function stopped(signal: AbortSignal, ms: number): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', abort);
      resolve(false);
    }, ms);
    const abort = () => {
      clearTimeout(timer);
      resolve(true);
    };
    signal.addEventListener('abort', abort, { once: true });
  });
}

/** An AbortSignal aborted by SIGINT or SIGTERM, and how to stop listening for them. */
export function signalStop(): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const abort = () => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return {
    signal: controller.signal,
    release: () => {
      process.off('SIGINT', abort);
      process.off('SIGTERM', abort);
    },
  };
}
