import { z } from 'zod';
import { BlacklistStateSchema, ConfirmedConnectionSchema } from './revocation';
import { SessionIdSchema } from './session';

/** A revoked session that enforcement points reading the blacklist would not refuse for its whole life. */
export const CoverageGapSchema = z.strictObject({
  id: z.string(),
  /** As the store holds it: untrusted text. */
  user: z.string(),
  /** When the session ends (ISO 8601). */
  expiresAt: z.string(),
  /** `missing`: no `revoked:<id>`; `short`: the key expires before the session does. */
  problem: z.enum(['missing', 'short']),
  /** Seconds the key has left (null when missing). */
  ttlSeconds: z.number().int().nullable(),
  /** Seconds the session has left: how long the key must last at least. */
  neededSeconds: z.number().int(),
});
export type CoverageGapView = z.infer<typeof CoverageGapSchema>;

/** `blacklist:coverage`: the revoked sessions still alive against the connection's blacklist Redis. */
export const BlacklistCoverageSchema = z.strictObject({
  /** Revoked sessions still alive whose keys were looked at. */
  checked: z.number().int().nonnegative(),
  gaps: z.array(CoverageGapSchema),
  /** When the check ran (ISO 8601). */
  checkedAt: z.string(),
  /** The blacklist Redis, without credentials. */
  target: z.string(),
});
export type BlacklistCoverage = z.infer<typeof BlacklistCoverageSchema>;

/**
 * Repair the gaps the operator confirmed (ids from a check). Main checks again and rewrites only
 * those that are still gaps; it never takes a TTL or a reason from the renderer.
 */
export const BlacklistRepairRequestSchema = z.strictObject({
  ids: z.array(SessionIdSchema).min(1).max(10_000),
  connection: ConfirmedConnectionSchema,
});

export const BlacklistRepairSchema = BlacklistCoverageSchema.extend({
  /** What became of each confirmed gap that was still one: `written`, or left `pending`/`failed` with why. */
  repaired: z.array(z.strictObject({ id: z.string(), blacklist: BlacklistStateSchema, error: z.string().optional() })),
  /** Confirmed ids that were no gap any more when main checked again (nothing written for them). */
  alreadyCovered: z.array(z.string()),
  /** The ledger run that records the repair (absent when nothing was repaired). */
  run: z.string().optional(),
});
export type BlacklistRepair = z.infer<typeof BlacklistRepairSchema>;
