import type { ActivitySummary } from '../../src-shared/activity';
import type { SessionStatus } from '../../src-shared/session-status';
import type { Session } from '../../src-shared/session';
import type { LedgerEntry } from '../ledger/ledger-entry';
import type { Ledger } from '../ledger/ledger';
import type { TeamAudit } from '../team-ledger/team-audit';
import { sessionPages, type SessionsFilter, type SessionStore } from '../session-store';
import { mergeRevocations, summarize } from './activity';
import { LedgerRevocations } from './ledger-revocations';
import { CANARY_USER } from '../proof/canary-ground';

/** Counting sessions by status stops here; the view then says "at least". */
export const STATUS_COUNT_CAP = 100_000;

/**
 * The activity view's data for a range, read from the store and the ledger: the connection's team
 * ledger when it keeps one (every desk's revocations, read newest first down to the range's start),
 * else this desk's ledger file (its revocations on this connection).
 */
export async function activitySummary(
  store: SessionStore,
  ledger: Ledger | TeamAudit,
  connection: string,
  request: { since: string; until: string },
): Promise<ActivitySummary> {
  const sinceMs = Date.parse(request.since);
  const untilMs = Date.parse(request.until);
  const revoked: Session[] = [];
  await eachSession(store, { status: 'revoked', revokedSince: request.since, revokedUntil: request.until }, Number.POSITIVE_INFINITY, (s) => void revoked.push(s));
  const entries: LedgerEntry[] = [];
  if ('entriesSince' in ledger) {
    // Each desk names the connection its own way; every entry of the team ledger is of this store.
    for await (const entry of ledger.entriesSince(sinceMs)) if (entry.kind === 'outcome' && entry.outcome === 'revoked' && entry.user !== CANARY_USER) entries.push({ ...entry, connection });
  } else {
    // Read incrementally: each refresh reads only what was appended since the last (the
    // enforcement canary's revocations, self-tests, are left out there).
    entries.push(...(await revocationsOf(ledger).read()));
  }
  return summarize(mergeRevocations(revoked, entries, connection), { sinceMs, untilMs }, await statusCounts(store));
}

/** One incremental reader per ledger the handlers hold (see LedgerRevocations). */
const readers = new WeakMap<Ledger, LedgerRevocations>();

function revocationsOf(ledger: Ledger): LedgerRevocations {
  let reader = readers.get(ledger);
  if (!reader || reader.path !== ledger.path) {
    reader = new LedgerRevocations(ledger.path);
    readers.set(ledger, reader);
  }
  return reader;
}

/**
 * Sessions by status, exactly: counted by the store where it can (one count statement, an index's
 * count pages), else by paging each status up to STATUS_COUNT_CAP (the view then says "at least").
 */
async function statusCounts(store: SessionStore): Promise<ActivitySummary['byStatus']> {
  if (store.countByStatus) return { ...(await store.countByStatus()), capped: false };
  const counts = { active: 0, revoked: 0, expired: 0, capped: false };
  for (const status of ['active', 'revoked', 'expired'] as const satisfies readonly SessionStatus[]) {
    const counted = await eachSession(store, { status }, STATUS_COUNT_CAP, () => undefined);
    counts[status] = Math.min(counted, STATUS_COUNT_CAP);
    if (counted >= STATUS_COUNT_CAP) counts.capped = true;
  }
  return counts;
}

/** Calls `visit` for each session of a filter, up to `cap`; returns how many. */
async function eachSession(store: SessionStore, filter: SessionsFilter, cap: number, visit: (s: Session) => void): Promise<number> {
  let count = 0;
  for await (const page of sessionPages(store, filter)) {
    for (const session of page) {
      visit(session);
      count += 1;
      if (count >= cap) return count;
    }
  }
  return count;
}
