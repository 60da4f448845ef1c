import { z } from 'zod';
import { ACTIVITY_REASONS } from './reason-codes';

export { ACTIVITY_REASONS, type ActivityReason } from './reason-codes';

/** At most a little over a year per request: buckets stay few, the reads bounded. */
export const MAX_ACTIVITY_SPAN_MS = 400 * 86_400_000;

export const ActivityRequestSchema = z
  .strictObject({ since: z.iso.datetime({ offset: true }), until: z.iso.datetime({ offset: true }) })
  .refine((r) => Date.parse(r.since) < Date.parse(r.until), { message: 'since must be before until', path: ['until'] })
  .refine((r) => Date.parse(r.until) - Date.parse(r.since) <= MAX_ACTIVITY_SPAN_MS, { message: 'a range is at most 400 days', path: ['since'] });

const CountSchema = z.number().int().nonnegative();
const NamedCountSchema = z.strictObject({ name: z.string(), count: CountSchema });

export const ActivitySummarySchema = z.strictObject({
  since: z.string(),
  until: z.string(),
  /** Hour buckets up to two days, days up to ~two months, weeks beyond. */
  bucket: z.enum(['hour', 'day', 'week']),
  /** Every bucket of the range in order, empty ones included. */
  series: z.array(z.strictObject({ start: z.string(), end: z.string(), total: CountSchema, counts: z.record(z.enum(ACTIVITY_REASONS), CountSchema) })),
  /** Revocations in the range, each session once. */
  total: CountSchema,
  /** Of those, recorded in our ledger; the rest were made by other tools (seen only in the store). */
  fromLedger: CountSchema,
  fromStoreOnly: CountSchema,
  /** Sessions in the store now, by derived status; `capped` when counting stopped at the cap. */
  byStatus: z.strictObject({ active: CountSchema, revoked: CountSchema, expired: CountSchema, capped: z.boolean() }),
  topUsers: z.array(NamedCountSchema),
  topProfiles: z.array(NamedCountSchema),
  byOperator: z.array(NamedCountSchema),
});
export type ActivitySummary = z.infer<typeof ActivitySummarySchema>;
