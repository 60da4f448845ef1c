import type { AuditRow, LedgerComposition, LedgerFilter, LedgerListRequest, LedgerListResponse } from '../../src-shared/audit';
import type { LedgerEntry } from './ledger-entry';

/** An attempt and its outcome share a run and a session. */
const keyOf = (e: LedgerEntry) => `${e.run}\u0000${e.sessionId}`;

/**
 * Audit rows built as ledger entries arrive, in order: each attempt joined to its outcome; an
 * attempt that has no outcome (yet, or ever: the process died in between) shows as
 * `interrupted`. Joined rows are kept in ledger order, so newest first is a walk backwards.
 */
export class AuditRowBuilder {
  readonly #joined: AuditRow[] = [];
  readonly #open = new Map<string, LedgerEntry>();
  /** `alarm` entries seen: not revocations (no row), counted so the composition adds up to the ledger's entries. */
  alarms = 0;

  add(e: LedgerEntry): void {
    if (e.kind === 'alarm') {
      this.alarms += 1;
      return;
    }
    const key = keyOf(e);
    if (e.kind === 'attempt') {
      this.#open.set(key, e);
      return;
    }
    const attempt = this.#open.get(key);
    this.#open.delete(key);
    this.#joined.push(row(e, e.outcome ?? 'interrupted', attempt));
  }

  /** Every row, newest first (by ledger position). */
  *newestFirst(): Generator<AuditRow> {
    const interrupted = [...this.#open.values()].map((attempt) => row(attempt, 'interrupted')).sort((a, b) => b.seq - a.seq);
    let i = this.#joined.length - 1;
    let k = 0;
    while (i >= 0 || k < interrupted.length) {
      const joined = this.#joined[i];
      const open = interrupted[k];
      if (open && (!joined || open.seq > joined.seq)) {
        yield open;
        k += 1;
      } else if (joined) {
        yield joined;
        i -= 1;
      }
    }
  }
}

/** The row for an outcome entry (with its attempt, if any), or for an attempt alone (`interrupted`). */
export function row(e: LedgerEntry, outcome: AuditRow['outcome'], attempt?: LedgerEntry): AuditRow {
  const attemptSeq = e.kind === 'attempt' ? e.seq : attempt?.seq;
  return {
    seq: e.seq,
    ...(attemptSeq !== undefined ? { attemptSeq } : {}),
    time: attempt?.time ?? e.time,
    operator: e.operator,
    connection: e.connection,
    run: e.run,
    sessionId: e.sessionId,
    user: e.user || attempt?.user || '',
    reasonCode: e.reasonCode,
    ...(e.note !== undefined ? { note: e.note } : {}),
    ...(e.ticket !== undefined ? { ticket: e.ticket } : {}),
    outcome,
    ...(e.blacklist !== undefined ? { blacklist: e.blacklist } : {}),
    ...(e.error !== undefined ? { error: e.error } : {}),
  };
}

/** Ledger entries a row stands for: its attempt and its outcome, or one of them alone. */
function entriesOf(r: AuditRow): 1 | 2 {
  return r.attemptSeq !== undefined && r.attemptSeq !== r.seq ? 2 : 1;
}

export function emptyComposition(): LedgerComposition {
  return { entries: 0, revocations: 0, withOutcome: 0, interrupted: 0, outcomeOnly: 0, perName: 0 };
}

/** Counts a row, and the entries it stands for, into a composition. */
export function countRow(into: LedgerComposition, r: AuditRow): void {
  const entries = entriesOf(r);
  into.entries += entries;
  into.revocations += 1;
  if (entries === 2) into.withOutcome += 1;
  else if (r.attemptSeq === undefined && (r.outcome === 'no_active_sessions' || r.outcome === 'unknown_user')) into.perName += 1;
  else if (r.attemptSeq === undefined) into.outcomeOnly += 1;
  else into.interrupted += 1;
}

/** A test for a filter: the same one for the audit table and for the ledger export. */
export function auditRowFilter(filter: LedgerFilter): (row: AuditRow) => boolean {
  const text = filter.text?.toLowerCase();
  const since = filter.since ? Date.parse(filter.since) : null;
  const until = filter.until ? Date.parse(filter.until) : null;
  return (r) => {
    if (filter.runs !== undefined && !filter.runs.includes(r.run)) return false;
    if (filter.operator !== undefined && r.operator !== filter.operator) return false;
    if (filter.connection !== undefined && r.connection !== filter.connection) return false;
    if (filter.device !== undefined && r.device !== filter.device) return false;
    if (filter.reasonCode !== undefined && r.reasonCode !== filter.reasonCode) return false;
    if (filter.outcome !== undefined && r.outcome !== filter.outcome) return false;
    const at = Date.parse(r.time);
    if (since !== null && !(at >= since)) return false;
    if (until !== null && !(at <= until)) return false;
    if (text !== undefined && ![r.operator, r.user, r.sessionId, r.ticket ?? '', r.note ?? ''].some((v) => v.toLowerCase().includes(text))) return false;
    return true;
  };
}

/**
 * One page of the rows matching a request, how many match in all, how the whole ledger's entries
 * make up its rows, and the operators and connections it holds; one pass, no copies.
 */
export function pageOfAuditRows(rows: Iterable<AuditRow>, request: LedgerListRequest, alarms = 0): LedgerListResponse {
  const matches = auditRowFilter(request);
  const page: AuditRow[] = [];
  let total = 0;
  const ledger = emptyComposition();
  // Alarm entries (activity after revocation) are in the ledger but are no revocation: counted apart.
  if (alarms > 0) {
    ledger.entries += alarms;
    ledger.alarms = alarms;
  }
  const operators = new Map<string, number>();
  const connections = new Map<string, number>();
  for (const r of rows) {
    countRow(ledger, r);
    operators.set(r.operator, (operators.get(r.operator) ?? 0) + 1);
    connections.set(r.connection, (connections.get(r.connection) ?? 0) + 1);
    if (!matches(r)) continue;
    if (total >= request.offset && page.length < request.limit) page.push(r);
    total += 1;
  }
  return { rows: page, total, ledger, facets: { operators: mostFirst(operators), connections: mostFirst(connections) } };
}

export function mostFirst(counts: Map<string, number>): { name: string; count: number }[] {
  return [...counts].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface LedgerSelection {
  /** Positions of the entries of the matching rows, ascending, each with the hash it had when read. */
  seqs: Map<number, string>;
  /** How the chosen entries make up the matching rows (what the audit table counts). */
  composition: LedgerComposition;
  /** The ledger the selection was made from: how many entries, and the last one. */
  ledger: { entries: number; lastSeq: number; lastHash: string | null };
}

/**
 * The entries an export of a filter holds: for every row the filter matches (exactly as the audit
 * table matches it), its attempt entry and its outcome entry. Streams the ledger once, holding
 * only attempts still waiting for their outcome and the positions chosen.
 */
export async function selectLedgerEntries(entries: AsyncIterable<LedgerEntry>, filter: LedgerFilter): Promise<LedgerSelection> {
  const matches = auditRowFilter(filter);
  const open = new Map<string, LedgerEntry>();
  const chosen: (readonly [number, string])[] = [];
  const composition = emptyComposition();
  let count = 0;
  let last: LedgerEntry | null = null;
  const take = (r: AuditRow, of: LedgerEntry[]) => {
    if (!matches(r)) return;
    countRow(composition, r);
    for (const e of of) chosen.push([e.seq, e.hash]);
  };
  for await (const e of entries) {
    count += 1;
    last = e;
    // An alarm (activity after revocation) is no revocation attempt: no audit row, not exported with them.
    if (e.kind === 'alarm') continue;
    const key = keyOf(e);
    if (e.kind === 'attempt') {
      open.set(key, e);
      continue;
    }
    const attempt = open.get(key);
    open.delete(key);
    take(row(e, e.outcome ?? 'interrupted', attempt), attempt ? [attempt, e] : [e]);
  }
  for (const attempt of open.values()) take(row(attempt, 'interrupted'), [attempt]);
  return { seqs: new Map(chosen.sort((a, b) => a[0] - b[0])), composition, ledger: { entries: count, lastSeq: last?.seq ?? 0, lastHash: last?.hash ?? null } };
}
