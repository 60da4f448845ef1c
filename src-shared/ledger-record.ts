import { z } from 'zod';
import { PrincipalSchema } from './principal';
import { BlacklistStateSchema, OutcomeSchema, ReasonCodeSchema } from './revocation';

/**
 * Use of a session after Session Warden revoked it, as the revocation watch saw it in the store
 * (src-main/proof/revocation-watch.ts). Every string but `summary` came from the store: untrusted.
 */
export const ActivityAfterRevocationSchema = z.strictObject({
  /** Ledger position of the `outcome` entry that recorded the revocation. */
  revocationSeq: z.number().int().positive(),
  /** The session's last use as the store said it then (exact time; null if unreadable). */
  lastAccessAt: z.string().nullable(),
  /** Sentinel only: the store's request count then. */
  requestCount: z.number().int().nonnegative().optional(),
  /** Requests since the revocation (or since the previous alarm), when the store counts them and the watch saw the count before. */
  newRequests: z.number().int().positive().optional(),
  /** Sentinel only: the server instance that served the session. */
  server: z.string().max(200).optional(),
  /** Web sessions and PostgreSQL: the client (address, browser) the store recorded. */
  client: z.string().max(400).optional(),
  /** In words: "activity after revocation on server srv-3, 2 requests". */
  summary: z.string().max(800),
});

/**
 * What a revocation records. Each session gets an `attempt` entry before its store write and an
 * `outcome` entry after it, so a process killed in between leaves evidence of the attempt (and
 * the `revokedAt` it was about to write) rather than a store change the ledger never saw.
 * An `alarm` entry records use of a session after we revoked it (`activity`), with the
 * revocation's run, session, user, reason and `revokedAt`; it is not a revocation (no audit row).
 */
export const LedgerRecordSchema = z.strictObject({
  kind: z.enum(['attempt', 'outcome', 'alarm']),
  /** When this entry was written (ISO 8601, ms, UTC). */
  time: z.string(),
  /** `revoked_by` as written to the store: the short name Sentinel's tools read. */
  operator: z.string(),
  /**
   * Who that name really is (ARN, account, role and the caller-chosen session name). Optional so
   * that ledgers written before it still parse; each line's hash covers whatever fields it has.
   */
  principal: PrincipalSchema.optional(),
  connection: z.string(),
  /** Groups the entries of one revoke request. */
  run: z.string(),
  sessionId: z.string(),
  user: z.string(),
  /**
   * The name as the operator's list gave it, when that differs from `user` (another case, an
   * e-mail): the record says which requested name each outcome answers.
   */
  requested: z.string().optional(),
  reasonCode: ReasonCodeSchema,
  note: z.string().optional(),
  ticket: z.string().optional(),
  /** The `revoked_at` written (or about to be written) to the store. */
  revokedAt: z.string().optional(),
  outcome: OutcomeSchema.optional(),
  /** Outcome entries of revoked sessions: when the session is fully closed (see RevokeResult.closedAt). */
  closedAt: z.string().optional(),
  blacklist: BlacklistStateSchema.optional(),
  error: z.string().optional(),
  /** `alarm` entries only: what was seen. */
  activity: ActivityAfterRevocationSchema.optional(),
  /**
   * The team ledger this entry is to reach (its id: kind, where, name; no secret), stamped when the
   * connection keeps one. The local ledger is its write-ahead copy; delivery carries it there.
   */
  team: z.string().max(600).optional(),
});
