import { z } from 'zod';
import { LedgerFilterSchema } from './audit';
import { StoreAuditWindowSchema } from './store-audit';
import { EXPORT_FORMATS } from './reason-codes';

export { EXPORT_FORMATS, type ExportFormat } from './reason-codes';
export const ExportFormatSchema = z.enum(EXPORT_FORMATS);

/**
 * What to export, streamed by main to a file the operator picks in a save dialog: the sessions of
 * a filter (every page, not only what the table has loaded), or the ledger entries of the audit
 * rows a filter matches (the audit table's filter; none: the whole ledger). Main applies either
 * filter itself. `exportId` is chosen by the caller so it can cancel the export and match its
 * progress events.
 */
export function exportStartRequestSchema<F extends z.ZodType>(sessionsFilter: F) {
  return z.discriminatedUnion('kind', [
    z.strictObject({ exportId: z.uuid(), kind: z.literal('sessions'), format: ExportFormatSchema, filter: sessionsFilter }),
    z.strictObject({ exportId: z.uuid(), kind: z.literal('ledger'), format: ExportFormatSchema, filter: LedgerFilterSchema.optional() }),
    // The store's own audit log (`audit:store`) over a time window, every page: where capabilities offer one.
    z.strictObject({ exportId: z.uuid(), kind: z.literal('store-audit'), format: ExportFormatSchema, window: StoreAuditWindowSchema }),
  ]);
}

export const ExportResultSchema = z.strictObject({
  /** False when the operator closed the save dialog or cancelled: nothing was left on disk. */
  saved: z.boolean(),
  cancelled: z.boolean(),
  /** Rows written: sessions, or ledger entries. */
  rows: z.number().int().nonnegative(),
  /** A ledger export: the revocations (audit rows) those entries make up, as the audit table counts them. */
  revocations: z.number().int().nonnegative().optional(),
  /** File names only, never the full path of the operator's disk. */
  fileName: z.string().optional(),
  manifestFileName: z.string().optional(),
  /** SHA-256 of the data file, as written in the manifest. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
});
export type ExportResult = z.infer<typeof ExportResultSchema>;

export const ExportCancelRequestSchema = z.strictObject({ exportId: z.uuid() });

/** Rows written so far by one export (the total is not known until the store runs out). */
export const ExportProgressSchema = z.strictObject({ exportId: z.uuid(), rows: z.number().int().nonnegative() });
