import { basename } from 'node:path';
import type { Ledger } from '../ledger/ledger';
import { writeFileAtomic } from '../atomic-file';
import { toCsv } from '../export/csv';

const COLUMNS = ['time', 'operator', 'connection', 'requested_name', 'user', 'session_id', 'reason_code', 'note', 'ticket', 'outcome', 'blacklist', 'error', 'revoked_at', 'ledger_seq', 'ledger_hash', 'fully_closed_at'];

/** Picks where to save (Electron's save dialog in the app; a fixed path in tests). Null: cancelled. */
export type ChooseSavePath = (suggestedName: string) => Promise<string | null>;

/**
 * The evidence for a ticket: every outcome of a revoke run and of its retries, read back from the
 * ledger (not from what the renderer holds), in ledger order, with each entry's ledger position
 * and hash so it can be checked against the ledger later. A session retried after a failure shows
 * both outcomes. An offboarding run also has a row for each requested name with nothing revoked
 * (`no_active_sessions`, `unknown_user`), and `requested_name` says which name of the list each
 * row answers (another case, an e-mail). `fully_closed_at` is when a revoked session's last
 * already-issued credential stops working (Sentinel), or its revocation where the app checks every
 * request; empty for outcomes that revoked nothing and for ledgers written before it. Written atomically: a temp file, fsynced, then renamed.
 */
export async function saveRunEvidence(ledger: Ledger, runs: readonly string[], choose: ChooseSavePath): Promise<{ saved: boolean; fileName?: string; rows: number }> {
  const wanted = new Set(runs);
  const rows: (string | number | undefined)[][] = [];
  for await (const e of ledger.entries()) {
    if (!wanted.has(e.run) || e.kind !== 'outcome') continue;
    rows.push([e.time, e.operator, e.connection, e.requested ?? e.user, e.user, e.sessionId, e.reasonCode, e.note, e.ticket, e.outcome, e.blacklist, e.error, e.revokedAt, e.seq, e.hash, e.closedAt]);
  }
  const path = await choose(`revocation-evidence-${(runs[0] ?? '').slice(0, 8)}.csv`);
  if (path === null) return { saved: false, rows: rows.length };
  await writeFileAtomic(path, toCsv(COLUMNS, rows));
  return { saved: true, fileName: basename(path), rows: rows.length };
}
