import type { AuditRow, LedgerListRequest } from '../../src-shared/audit';
import type { LedgerEntry } from './ledger-entry';

/**
 * Audit rows built as ledger entries arrive, in order: each attempt joined to its outcome; an
 * attempt that has no outcome (yet, or ever: the process died in between) shows as
 * `interrupted`. Joined rows are kept in ledger order, so newest first is a walk backwards.
 */
export class AuditRowBuilder {
  readonly #joined: AuditRow[] = [];
  readonly #open = new Map<string, LedgerEntry>();

  add(e: LedgerEntry): void {
    const key = `${e.run}\u0000${e.sessionId}`;
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

function row(e: LedgerEntry, outcome: AuditRow['outcome'], attempt?: LedgerEntry): AuditRow {
  return {
    seq: e.seq,
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

/** A test for a request's filters. */
function auditRowFilter(request: Omit<LedgerListRequest, 'limit' | 'offset'>): (row: AuditRow) => boolean {
  const text = request.text?.toLowerCase();
  const since = request.since ? Date.parse(request.since) : null;
  const until = request.until ? Date.parse(request.until) : null;
  return (r) => {
    if (request.operator !== undefined && r.operator !== request.operator) return false;
    if (request.reasonCode !== undefined && r.reasonCode !== request.reasonCode) return false;
    if (request.outcome !== undefined && r.outcome !== request.outcome) return false;
    const at = Date.parse(r.time);
    if (since !== null && at < since) return false;
    if (until !== null && at > until) return false;
    if (text !== undefined && ![r.operator, r.user, r.sessionId, r.ticket ?? '', r.note ?? ''].some((v) => v.toLowerCase().includes(text))) return false;
    return true;
  };
}

/** One page of the rows matching a request, and how many match in all; one pass, no copies. */
export function pageOfAuditRows(rows: Iterable<AuditRow>, request: LedgerListRequest): { rows: AuditRow[]; total: number } {
  const matches = auditRowFilter(request);
  const page: AuditRow[] = [];
  let total = 0;
  for (const r of rows) {
    if (!matches(r)) continue;
    if (total >= request.offset && page.length < request.limit) page.push(r);
    total += 1;
  }
  return { rows: page, total };
}
