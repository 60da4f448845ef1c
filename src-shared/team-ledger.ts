import { z } from 'zod';

export { DEFAULT_LEDGER_STREAM, defaultLedgerTable } from './team-ledger-names';

/**
 * The team ledger of the active connection, as its delivery sees it: where it is, how many local
 * entries have not reached it yet, since when, and why not. `configured: false` when the
 * connection keeps no team ledger (the local ledger is then the only record).
 */
export const TeamLedgerStatusSchema = z.discriminatedUnion('configured', [
  z.strictObject({ configured: z.literal(false) }),
  z.strictObject({
    configured: z.literal(true),
    /** "DynamoDB table sessions-revocations", "Redis stream session-warden:revocations". */
    label: z.string(),
    /** Local entries meant for it that it does not hold yet. */
    pending: z.number().int().nonnegative(),
    /** When the oldest of them was written (ISO 8601), null when nothing is pending. */
    oldestPendingTime: z.string().nullable(),
    /** Entries on the team chain (its last position) when last read, null before the first read. */
    teamEntries: z.number().int().nonnegative().nullable(),
    lastDeliveredAtMs: z.number().nullable(),
    /** Why the last delivery did not finish, said for an operator; null when it did. */
    lastError: z.string().nullable(),
  }),
]);
export type TeamLedgerStatus = z.infer<typeof TeamLedgerStatusSchema>;

/** The team side of `ledger verify`. */
export const TeamVerifySchema = z.strictObject({
  label: z.string(),
  ok: z.boolean(),
  /** Entries on the team chain (verified when ok). */
  entries: z.number().int().nonnegative(),
  /** Entries read this time: only what is new since the last verification, unless `full`. */
  read: z.number().int().nonnegative(),
  full: z.boolean(),
  /** Local entries meant for the team chain that it does not hold yet (pending delivery). */
  pending: z.number().int().nonnegative(),
  /** Position on the team chain of the first entry that does not verify. */
  brokenAt: z.number().int().positive().optional(),
  reason: z.string().optional(),
});
export type TeamVerify = z.infer<typeof TeamVerifySchema>;
