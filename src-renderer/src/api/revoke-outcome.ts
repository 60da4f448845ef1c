import type { RevokeReport, RevokeResult } from '../../../src-shared/revocation';

/**
 * A revocation and its retries, seen as one: each session's latest result, and every run, so the
 * evidence saved covers the failed attempts as well as the retries that completed them.
 */
export interface RevokeOutcome extends RevokeReport {
  runs: string[];
}

export function firstOutcome(report: RevokeReport): RevokeOutcome {
  return { ...report, runs: [report.run] };
}

/**
 * The outcome after a retry of some of its sessions: their new results replace the old ones. A
 * retry goes by session id, so a result that could not read the session has no user: it keeps
 * the user the first run knew.
 */
export function withRetry(previous: RevokeOutcome, retry: RevokeReport): RevokeOutcome {
  const latest = new Map(retry.results.map((r) => [r.id, r]));
  const results = previous.results.map((r): RevokeResult => {
    const next = latest.get(r.id);
    if (!next) return r;
    // Retrying a session revoked earlier whose blacklist write failed: the store now says "already
    // revoked" (by us, in the earlier run) and the retry was for its blacklist entry.
    const outcome = r.outcome === 'revoked' && next.outcome === 'already_revoked' ? 'revoked' : next.outcome;
    return { ...next, outcome, user: next.user || r.user };
  });
  return { ...previous, runs: [...previous.runs, retry.run], results };
}

/** Sessions whose revocation failed (a store or network error): worth trying again, as they are. */
export function failedResults(outcome: RevokeReport): RevokeResult[] {
  return outcome.results.filter((r) => r.outcome === 'failed');
}

/** Revoked in the store (now or before) but not in the blacklist: services may still accept them. */
export function blacklistGaps(outcome: RevokeReport): { pending: RevokeResult[]; failed: RevokeResult[] } {
  const inStore = outcome.results.filter((r) => r.outcome === 'revoked' || r.outcome === 'already_revoked');
  return { pending: inStore.filter((r) => r.blacklist === 'pending'), failed: inStore.filter((r) => r.blacklist === 'failed') };
}

/**
 * What "Retry" sends again: the failed revocations, and the sessions whose blacklist write failed
 * (refused): revoking those again answers "already revoked" and writes the entry then, once the
 * Redis takes our credentials. Pending blacklist writes are not among them: main delivers them.
 */
export function retryableResults(outcome: RevokeReport): RevokeResult[] {
  return outcome.results.filter((r) => r.outcome === 'failed' || ((r.outcome === 'revoked' || r.outcome === 'already_revoked') && r.blacklist === 'failed'));
}

/**
 * The toast after a run: plain success only when every session is revoked and blacklisted. A
 * session revoked in the store but not in the blacklist is not a success yet: said first.
 */
export function revokeToast(report: RevokeReport): { text: string; tone: 'success' | 'warning' } {
  const revoked = report.results.filter((r) => r.outcome === 'revoked').length;
  const problems = report.results.filter((r) => r.outcome === 'failed' || r.outcome === 'not_found').length;
  const gaps = blacklistGaps(report);
  const notBlacklisted = gaps.pending.length + gaps.failed.length;
  const unlisted = report.unlistedUsers.length;
  // Revoked before (a retry for a failed blacklist write, say), and now in the blacklist.
  const repaired = report.results.filter((r) => r.outcome === 'already_revoked' && r.blacklist === 'written').length;
  const lead = notBlacklisted
    ? `Revoked in the store — ${plural(notBlacklisted, 'session')} not yet blacklisted`
    : repaired && !revoked
      ? `${plural(repaired, 'already revoked session')} now blacklisted`
      : `${plural(revoked, 'session')} revoked`;
  const unknown = report.unknownUsers?.length ?? 0;
  const rest = [
    problems ? `${problems} not revoked` : null,
    unlisted ? `${plural(unlisted, 'user')} could not be listed` : null,
    unknown ? `${plural(unknown, 'unknown name')} (nothing revoked for ${unknown === 1 ? 'it' : 'them'})` : null,
  ].filter(Boolean);
  return { text: `${[lead, ...rest].join(', ')}.`, tone: notBlacklisted || problems || unlisted || unknown ? 'warning' : 'success' };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
