import { z } from 'zod';
import { PrincipalSchema } from './principal';
import { BlacklistStateSchema, OutcomeSchema, ReasonCodeSchema } from './revocation';

/**
 * What a revocation records. Each session gets an `attempt` entry before its store write and an
 * `outcome` entry after it, so a process killed in between leaves evidence of the attempt (and
 * the `revokedAt` it was about to write) rather than a store change the ledger never saw.
 */
export const LedgerRecordSchema = z.strictObject({
  kind: z.enum(['attempt', 'outcome']),
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
  blacklist: BlacklistStateSchema.optional(),
  error: z.string().optional(),
  /**
   * The team ledger this entry is to reach (its id: kind, where, name; no secret), stamped when the
   * connection keeps one. The local ledger is its write-ahead copy; delivery carries it there.
   */
  team: z.string().max(600).optional(),
});
