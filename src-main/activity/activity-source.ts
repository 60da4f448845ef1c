import type { ActivitySummary } from '../../src-shared/activity';
import type { Session } from '../../src-shared/session';
import type { LedgerEntry } from '../ledger/ledger-entry';
import type { Ledger } from '../ledger/ledger';
import type { TeamAudit } from '../team-ledger/team-audit';
import { sessionPages, type SessionsFilter, type SessionStore } from '../session-store';
import { mergeRevocations, summarize } from './activity';
import { LedgerRevocations } from './ledger-revocations';
import { CANARY_USER } from '../proof/canary-ground';
import { filterOf, matches } from '../stores/session-filter';

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
  const revokedInRange = { status: 'revoked' as const, revokedSince: request.since, revokedUntil: request.until };
  const { revoked, byStatus } = store.countByStatus ? { revoked: await allSessions(store, revokedInRange), byStatus: { ...(await store.countByStatus()), capped: false } } : await readOnce(store, revokedInRange);
  const entries: LedgerEntry[] = [];
  if ('entriesSince' in ledger) {
    // Each desk names the connection its own way; every entry of the team ledger is of this store.
    for await (const entry of ledger.entriesSince(sinceMs)) if (entry.kind === 'outcome' && entry.outcome === 'revoked' && entry.user !== CANARY_USER) entries.push({ ...entry, connection });
  } else {
    // Read incrementally: each refresh reads only what was appended since the last (the
    // enforcement canary's revocations, self-tests, are left out there).
    entries.push(...(await revocationsOf(ledger).read()));
  }
  return summarize(mergeRevocations(revoked, entries, connection), { sinceMs, untilMs }, byStatus);
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

/** Every session of a filter. */
async function allSessions(store: SessionStore, filter: SessionsFilter): Promise<Session[]> {
  const sessions: Session[] = [];
  for await (const page of sessionPages(store, filter)) sessions.push(...page);
  return sessions;
}

/**
 * For a store that cannot count (web sessions in Redis: nothing in the web app's layout counts
 * sessions by status, see README), one pass over every session: each counted by the status it
 * reads as, exactly, and the revoked ones in the range kept (tested as the store tests a filter).
 * The store can only find revoked sessions by reading them all anyway; this was one pass for
 * them and one a status for the counts (every session read four times, the counts capped).
 */
async function readOnce(store: SessionStore, revokedInRange: SessionsFilter): Promise<{ revoked: Session[]; byStatus: ActivitySummary['byStatus'] }> {
  const inRange = filterOf({ ...revokedInRange, limit: 1 });
  const revoked: Session[] = [];
  const byStatus = { active: 0, revoked: 0, expired: 0, capped: false };
  for await (const page of sessionPages(store, { status: 'any' })) {
    for (const session of page) {
      byStatus[session.status] += 1;
      if (matches(session, inRange)) revoked.push(session);
    }
  }
  return { revoked, byStatus };
}
