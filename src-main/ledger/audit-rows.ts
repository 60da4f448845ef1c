import type { AuditRow, LedgerListRequest } from '../../src-shared/audit';
import type { LedgerEntry } from './ledger-entry';

/**
 * The ledger as audit rows, newest first: each attempt joined to its outcome; an attempt that
 * never got one (the process died in between) stays visible as `interrupted`.
 */
export function auditRows(entries: Iterable<LedgerEntry>): AuditRow[] {
  const rows: AuditRow[] = [];
  const open = new Map<string, LedgerEntry>();
  for (const e of entries) {
    const key = `${e.run}\u0000${e.sessionId}`;
    if (e.kind === 'attempt') {
      open.set(key, e);
      continue;
    }
    const attempt = open.get(key);
    open.delete(key);
    rows.push(row(e, e.outcome ?? 'interrupted', attempt));
  }
  for (const attempt of open.values()) rows.push(row(attempt, 'interrupted'));
  return rows.sort((a, b) => b.seq - a.seq);
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

/** Rows matching a request's filters (before paging). */
export function filterAuditRows(rows: readonly AuditRow[], request: LedgerListRequest): AuditRow[] {
  const text = request.text?.toLowerCase();
  const since = request.since ? Date.parse(request.since) : null;
  const until = request.until ? Date.parse(request.until) : null;
  return rows.filter((r) => {
    if (request.operator !== undefined && r.operator !== request.operator) return false;
    if (request.reasonCode !== undefined && r.reasonCode !== request.reasonCode) return false;
    if (request.outcome !== undefined && r.outcome !== request.outcome) return false;
    const at = Date.parse(r.time);
    if (since !== null && at < since) return false;
    if (until !== null && at > until) return false;
    if (text !== undefined && ![r.operator, r.user, r.sessionId, r.ticket ?? '', r.note ?? ''].some((v) => v.toLowerCase().includes(text))) return false;
    return true;
  });
}
