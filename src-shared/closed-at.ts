/*
 * When a revocation is really over: the moment the last credential already issued for a session
 * stops working. Main decides it per session when it revokes (`closedAt` in a revoke result and
 * the ledger's outcome entry); this reads it per user, for the revoke result, the offboarding
 * evidence and the command line. No zod here: the renderer imports it at runtime.
 */

/** What a per-user reading needs of one session's result. */
export interface ClosingResult {
  user: string;
  outcome: string;
  /** ISO UTC; absent when main could not tell. */
  closedAt?: string | undefined;
}

/** One user's sessions revoked (now or before), and when the last of them is fully closed. */
export interface UserClosing {
  user: string;
  sessions: number;
  /** Epoch ms; null when one of the sessions has no time (never report an end that may be early). */
  closedAtMs: number | null;
}

/** Outcomes after which a session is revoked in the store. */
const REVOKED = new Set(['revoked', 'already_revoked']);

/** Per user, in the order users first appear: when their last revoked session is fully closed. */
export function closingByUser(results: readonly ClosingResult[]): UserClosing[] {
  const byUser = new Map<string, { sessions: number; latest: number; unknown: boolean }>();
  for (const r of results) {
    if (!REVOKED.has(r.outcome)) continue;
    const at = r.closedAt === undefined ? Number.NaN : Date.parse(r.closedAt);
    const seen = byUser.get(r.user) ?? { sessions: 0, latest: Number.NEGATIVE_INFINITY, unknown: false };
    seen.sessions += 1;
    if (Number.isFinite(at)) seen.latest = Math.max(seen.latest, at);
    else seen.unknown = true;
    byUser.set(r.user, seen);
  }
  return [...byUser].map(([user, s]) => ({ user, sessions: s.sessions, closedAtMs: s.unknown ? null : s.latest }));
}

/** `alice: fully closed at 2026-11-30 06:12:04 UTC`, or still open until then, as of `nowMs`. */
export function closingLine(closing: UserClosing, nowMs: number): string {
  const who = closing.user || '(unknown user)';
  if (closing.closedAtMs === null) return `${who}: closing time unknown (the store did not say when credentials were last issued)`;
  const at = `${new Date(closing.closedAtMs).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return closing.closedAtMs <= nowMs ? `${who}: fully closed at ${at}` : `${who}: open until ${at}, fully closed then`;
}
