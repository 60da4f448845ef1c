import { z } from 'zod';
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
  operator: z.string(),
  connection: z.string(),
  /** Groups the entries of one revoke request. */
  run: z.string(),
  sessionId: z.string(),
  user: z.string(),
  reasonCode: ReasonCodeSchema,
  note: z.string().optional(),
  ticket: z.string().optional(),
  /** The `revoked_at` written (or about to be written) to the store. */
  revokedAt: z.string().optional(),
  outcome: OutcomeSchema.optional(),
  blacklist: BlacklistStateSchema.optional(),
  error: z.string().optional(),
});
