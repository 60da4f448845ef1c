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
  const results = previous.results.map((r) => {
    const next = latest.get(r.id);
    return next ? { ...next, user: next.user || r.user } : r;
  });
  return { ...previous, runs: [...previous.runs, retry.run], results };
}

/** Sessions whose revocation failed (a store or network error): worth trying again, as they are. */
export function failedResults(outcome: RevokeReport): RevokeResult[] {
  return outcome.results.filter((r) => r.outcome === 'failed');
}
