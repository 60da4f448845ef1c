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

/** The outcome after a retry of some of its sessions: their new results replace the old ones. */
export function withRetry(previous: RevokeOutcome, retry: RevokeReport): RevokeOutcome {
  const latest = new Map(retry.results.map((r) => [r.id, r]));
  return { ...previous, runs: [...previous.runs, retry.run], results: previous.results.map((r) => latest.get(r.id) ?? r) };
}

/** Sessions whose revocation failed (a store or network error): worth trying again, as they are. */
export function failedResults(outcome: RevokeReport): RevokeResult[] {
  return outcome.results.filter((r) => r.outcome === 'failed');
}
