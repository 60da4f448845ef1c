import type { AuditRow, LedgerComposition, LedgerCoverage, LedgerFilter, LedgerListRequest, LedgerListResponse } from '../../src-shared/audit';
import { WardenError } from '../errors';
import { auditRowFilter, countRow, emptyComposition, mostFirst, row } from '../ledger/audit-rows';
import type { LedgerEntry } from '../ledger/ledger-entry';
import type { StoredTeamEntry, TeamChain } from './team-chain';
import { parseTeamLine, type TeamEntry } from './team-entry';

/** Entries per read of the team chain. */
const PAGE = 500;
/** A page of the audit table reads at least this many of the newest entries, so its counts and facets describe a recent window, not only the page. */
export const AUDIT_WINDOW = 2_000;
/** A page of the audit table reads at most this many entries; the answer then says it is not complete. */
export const AUDIT_MAX_READ = 50_000;
/**
 * An outcome's attempt is written just before it by the same desk, so it lies a few entries back on
 * the chain (other desks' entries may come between). One not found this far back is shown without it.
 */
const JOIN_WINDOW = 10_000;
/**
 * Desks deliver in their own order, so a desk that was offline puts old entries after newer ones
 * of other desks: reading newest first stops at `since` only after this many entries in a row were
 * all older than it.
 */
const SINCE_SLACK = 500;

/** A row of the team chain and the team entries it stands for (its attempt and outcome, or one of them). */
export interface TeamRow {
  row: AuditRow;
  entries: TeamEntry[];
}

interface Pending {
  outcome: TeamEntry | null;
  attempt: TeamEntry | null;
  done: boolean;
  /** Entries read when this was found (to give up waiting for an attempt). */
  readAt: number;
}

/**
 * Reads the team chain newest first, a page at a time, and answers its rows as they complete: an
 * outcome is joined to its attempt (found further back), an attempt read with no outcome after it
 * is `interrupted`. Rows come in the order of their position (outcome's, or the lone attempt's),
 * newest first, as the local ledger's rows do.
 */
class RowScan {
  /** Entries read so far. */
  read = 0;
  /** The chain's last position when the scan began. */
  chainEntries = 0;
  lastHash: string | null = null;
  /** Read down to its first entry: nothing older exists. */
  exhausted = false;
  /** Stopped because entries became older than `since`: nothing older is expected to match. */
  passedSince = false;
  readonly #chain: TeamChain;
  readonly #sinceMs: number | null;
  readonly #maxRead: number;

  constructor(chain: TeamChain, options: { sinceMs?: number | null; maxRead?: number }) {
    this.#chain = chain;
    this.#sinceMs = options.sinceMs ?? null;
    this.#maxRead = options.maxRead ?? Number.POSITIVE_INFINITY;
  }

  get complete(): boolean {
    return this.exhausted || this.passedSince;
  }

  async *rows(): AsyncGenerator<TeamRow> {
    const queue: Pending[] = [];
    const waiting = new Map<string, Pending>();
    let waitingInRange = 0;
    let before: number | null = null;
    let olderRun = 0;
    const since = this.#sinceMs;
    const inRange = (e: TeamEntry) => since === null || !(Date.parse(e.entry.time) < since);
    const resolve = (p: Pending) => {
      p.done = true;
      if (p.outcome && waiting.get(keyOf(p.outcome)) === p) {
        waiting.delete(keyOf(p.outcome));
        if (inRange(p.outcome)) waitingInRange -= 1;
      }
    };
    for (;;) {
      if (this.read >= this.#maxRead) break;
      const page = await this.#chain.readNewest(before, Math.min(PAGE, this.#maxRead - this.read));
      if (before === null) {
        this.chainEntries = page[0]?.seq ?? 0;
        this.lastHash = page[0] ? parse(this.#chain, page[0]).hash : null;
      }
      if (page.length === 0) {
        this.exhausted = true;
        break;
      }
      for (const stored of page) {
        const e = parse(this.#chain, stored);
        this.read += 1;
        before = stored.seq;
        olderRun = inRange(e) ? 0 : olderRun + 1;
        const key = keyOf(e);
        if (e.entry.kind === 'outcome') {
          // A requested name with nothing revoked (or not listed) is recorded without a session, and without an attempt.
          const p: Pending = { outcome: e, attempt: null, done: e.entry.sessionId === '', readAt: this.read };
          queue.push(p);
          if (!p.done) {
            const earlier = waiting.get(key);
            if (earlier) resolve(earlier);
            waiting.set(key, p);
            if (inRange(e)) waitingInRange += 1;
          }
        } else {
          const p = waiting.get(key);
          if (p) {
            p.attempt = e;
            resolve(p);
          } else {
            queue.push({ outcome: null, attempt: e, done: true, readAt: this.read });
          }
        }
        const first = queue[0];
        if (first && !first.done && this.read - first.readAt > JOIN_WINDOW) resolve(first);
        while (queue[0]?.done) {
          const next = queue.shift();
          if (next) yield teamRow(next);
        }
      }
      if (before !== null && before <= 1) {
        this.exhausted = true;
        break;
      }
      if (since !== null && olderRun >= SINCE_SLACK && waitingInRange === 0) {
        this.passedSince = true;
        break;
      }
    }
    // Outcomes whose attempt was not read (beyond where reading stopped) are shown on their own.
    for (const p of queue) yield teamRow(p);
  }
}

/**
 * The auditor's view of a team ledger: every desk's revocations as audit rows, paged newest first
 * by reading the chain from its end (never the whole chain for a page), for the audit table, the
 * activity view and the ledger export. Reading only: a read-only desk uses it as any other.
 */
export class TeamAudit {
  readonly chain: TeamChain;
  readonly #thisDevice: () => Promise<string>;
  #device: Promise<string> | undefined;

  /** `thisDevice`: this desk's device id on the chain (to tell its rows from other desks'). */
  constructor(chain: TeamChain, thisDevice: () => Promise<string>) {
    this.chain = chain;
    this.#thisDevice = thisDevice;
  }

  /**
   * A page of rows matching a request, newest first. Reads from the chain's end until the page is
   * filled, one more matching row is seen (so the table knows there is an older page) and at
   * least AUDIT_WINDOW entries were read; or `since` was passed; or AUDIT_MAX_READ entries were
   * read. `total`, `ledger` and `facets` count the rows of the entries read; `coverage` says how
   * many that is and whether nothing older can match.
   */
  async list(request: LedgerListRequest): Promise<LedgerListResponse> {
    const scan = new RowScan(this.chain, { sinceMs: request.since ? Date.parse(request.since) : null, maxRead: AUDIT_MAX_READ });
    const matches = auditRowFilter(request);
    const wanted = request.offset + request.limit + 1;
    const page: AuditRow[] = [];
    let total = 0;
    const ledger = emptyComposition();
    const facets = { operators: new Map<string, number>(), connections: new Map<string, number>(), devices: new Map<string, number>() };
    for await (const { row: r } of scan.rows()) {
      countRow(ledger, r);
      bump(facets.operators, r.operator);
      bump(facets.connections, r.connection);
      if (r.device !== undefined) bump(facets.devices, r.device);
      if (matches(r)) {
        if (total >= request.offset && page.length < request.limit) page.push(r);
        total += 1;
      }
      if (total >= wanted && scan.read >= AUDIT_WINDOW) break;
    }
    const coverage: LedgerCoverage = { label: this.chain.label, chainEntries: scan.chainEntries, read: scan.read, complete: scan.complete, thisDevice: await this.thisDevice() };
    return {
      rows: page,
      total,
      ledger,
      facets: { operators: mostFirst(facets.operators), connections: mostFirst(facets.connections), devices: mostFirst(facets.devices) },
      coverage,
    };
  }

  /** This desk's device id on the chain. */
  thisDevice(): Promise<string> {
    this.#device ??= this.#thisDevice();
    return this.#device;
  }

  /**
   * The local entries of every desk written at or after `sinceMs`, newest first (and a few older
   * ones around the boundary, which a caller bounded by time ignores): the activity view's record.
   */
  async *entriesSince(sinceMs: number): AsyncGenerator<LedgerEntry> {
    let before: number | null = null;
    let olderRun = 0;
    for (;;) {
      const page = await this.chain.readNewest(before, PAGE);
      for (const stored of page) {
        const e = parse(this.chain, stored);
        before = stored.seq;
        olderRun = Date.parse(e.entry.time) < sinceMs ? olderRun + 1 : 0;
        yield e.entry;
      }
      if (page.length === 0 || (before !== null && before <= 1) || olderRun >= SINCE_SLACK) return;
    }
  }

  /**
   * What a ledger export of a filter holds: the team entries of every matching row (its attempt
   * and outcome), read newest first down to the filter's `since` (or the chain's start).
   */
  async select(filter: LedgerFilter): Promise<TeamSelection> {
    const scan = new RowScan(this.chain, { sinceMs: filter.since ? Date.parse(filter.since) : null });
    const matches = auditRowFilter(filter);
    const chosen: (readonly [number, string])[] = [];
    const composition = emptyComposition();
    for await (const { row: r, entries } of scan.rows()) {
      if (!matches(r)) continue;
      countRow(composition, r);
      for (const e of entries) chosen.push([e.seq, e.hash]);
    }
    return {
      seqs: new Map(chosen.sort((a, b) => a[0] - b[0])),
      composition,
      chain: { label: this.chain.label, entries: scan.chainEntries, lastSeq: scan.chainEntries, lastHash: scan.lastHash, read: scan.read },
    };
  }

  /**
   * The chosen entries, oldest first, a page at a time, read again from the chain. Each must still
   * be the entry that was chosen (same hash): a chain rewritten in between is an error, never a
   * mixed export.
   */
  async *selectedPages(seqs: ReadonlyMap<number, string>): AsyncGenerator<TeamEntry[]> {
    const positions = [...seqs.keys()];
    const last = positions[positions.length - 1];
    let from = positions[0];
    if (from === undefined || last === undefined) return;
    while (from <= last) {
      const stored = await this.chain.read(from, PAGE);
      if (stored.length === 0) break;
      const page: TeamEntry[] = [];
      for (const s of stored) {
        if (s.seq > last) break;
        const hash = seqs.get(s.seq);
        if (hash === undefined) continue;
        const e = parse(this.chain, s);
        if (e.hash !== hash) throw new WardenError('INTERNAL', `The team ledger changed while it was being exported (entry ${s.seq} differs); nothing was saved. Check it on the Audit screen.`);
        page.push(e);
      }
      yield page;
      from = (stored[stored.length - 1]?.seq ?? last) + 1;
    }
  }
}

export interface TeamSelection {
  /** Team positions of the chosen entries, ascending, each with the hash it had when read. */
  seqs: Map<number, string>;
  /** How the chosen entries make up the matching rows. */
  composition: LedgerComposition;
  /** The chain they were chosen from: its label, length and last hash then, and how much was read. */
  chain: { label: string; entries: number; lastSeq: number; lastHash: string | null; read: number };
}

/** An attempt and its outcome share a desk, a run and a session. */
function keyOf(e: TeamEntry): string {
  return `${e.device}\u0000${e.entry.run}\u0000${e.entry.sessionId}`;
}

/** The audit row of a completed scan item, by team positions (local positions repeat across desks). */
function teamRow(p: Pending): TeamRow {
  const main = p.outcome ?? p.attempt;
  if (!main) throw new Error('a scanned row has neither an attempt nor an outcome');
  const local = p.outcome ? row(p.outcome.entry, p.outcome.entry.outcome ?? 'interrupted', p.attempt?.entry) : row(main.entry, 'interrupted');
  const attemptSeq = p.attempt?.seq;
  const built: AuditRow = { ...local, seq: main.seq, device: main.device };
  delete built.attemptSeq;
  if (attemptSeq !== undefined) built.attemptSeq = attemptSeq;
  return { row: built, entries: [p.attempt, p.outcome].filter((e): e is TeamEntry => e !== null) };
}

function parse(chain: TeamChain, stored: StoredTeamEntry): TeamEntry {
  const parsed = parseTeamLine(stored.text);
  if ('error' in parsed) {
    throw new WardenError('STORE_UNAVAILABLE', `Entry ${stored.seq} of the ${chain.label} cannot be read: ${parsed.error}. The verification above says more; nothing past it is shown.`);
  }
  return parsed.entry;
}

function bump(counts: Map<string, number>, name: string): void {
  counts.set(name, (counts.get(name) ?? 0) + 1);
}
