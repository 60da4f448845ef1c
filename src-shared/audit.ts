import { z } from 'zod';
import { LedgerRecordSchema } from './ledger-record';
import { OutcomeSchema, ReasonCodeSchema } from './revocation';

/** What an audit row says happened: an outcome, or `interrupted` (an attempt with no outcome). */
export const AuditOutcomeSchema = z.union([OutcomeSchema, z.literal('interrupted')]);

/**
 * One revocation attempt of one session, as the ledger records it (attempt and outcome joined):
 * the ledger record's fields, with its position and an outcome that may be `interrupted`.
 */
export const AuditRowSchema = LedgerRecordSchema.omit({ kind: true, revokedAt: true, outcome: true }).extend({
  /** Ledger position of the outcome entry (of the attempt, when interrupted). */
  seq: z.number().int().positive(),
  outcome: AuditOutcomeSchema,
});
export type AuditRow = z.infer<typeof AuditRowSchema>;

const Text = z.string().trim().min(1).max(256);

export const LedgerListRequestSchema = z.strictObject({
  /** Matches operator, user, session id, ticket and note (case-insensitive, anywhere). */
  text: Text.optional(),
  operator: Text.optional(),
  reasonCode: ReasonCodeSchema.optional(),
  outcome: AuditOutcomeSchema.optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(500).default(200),
  offset: z.number().int().min(0).max(10_000_000).default(0),
});
export type LedgerListRequest = z.output<typeof LedgerListRequestSchema>;

export const LedgerListResponseSchema = z.strictObject({
  /** Newest first. */
  rows: z.array(AuditRowSchema),
  /** Rows matching the filter in all (for paging). */
  total: z.number().int().nonnegative(),
});
