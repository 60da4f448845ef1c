import { z } from 'zod';

/**
 * Blacklist writes (`revoked:<id>` for DynamoDB revocations) that Redis has not acknowledged yet,
 * per blacklist Redis: kept in the outbox and retried in the background until they land.
 */
export const BlacklistTargetStatusSchema = z.strictObject({
  /** The blacklist Redis, without credentials; null when the outbox does not say (an older file). */
  target: z.string().nullable(),
  /** The saved connection whose credentials deliver these writes; null when none matches. */
  connection: z.string().nullable(),
  pending: z.number().int().nonnegative(),
  /** When the oldest pending write was queued (ms since epoch); null when unknown. */
  oldestQueuedAtMs: z.number().nullable(),
  /** Why the last delivery attempt stopped, in words (Redis away, refusing us, no credentials). */
  error: z.string().optional(),
  /** When delivery was last tried (ms since epoch); null before the first try. */
  lastAttemptMs: z.number().nullable(),
});
export type BlacklistTargetStatus = z.infer<typeof BlacklistTargetStatusSchema>;

export const BlacklistPendingSchema = z.strictObject({
  /** Pending writes across every blacklist Redis. */
  total: z.number().int().nonnegative(),
  oldestQueuedAtMs: z.number().nullable(),
  /** Only targets with something pending. */
  targets: z.array(BlacklistTargetStatusSchema),
});
export type BlacklistPending = z.infer<typeof BlacklistPendingSchema>;

/** Sums per-target statuses into the whole picture. */
export function summarisePending(targets: BlacklistTargetStatus[]): BlacklistPending {
  const withPending = targets.filter((t) => t.pending > 0);
  const times = withPending.map((t) => t.oldestQueuedAtMs).filter((t): t is number => t !== null);
  return {
    total: withPending.reduce((sum, t) => sum + t.pending, 0),
    oldestQueuedAtMs: times.length > 0 ? Math.min(...times) : null,
    targets: withPending,
  };
}
