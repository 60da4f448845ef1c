import { z } from 'zod';
import { MAX_EVIDENCE_RUNS } from './reason-codes';
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
  /**
   * Ledger position of the attempt entry: equal to `seq` for an interrupted attempt (no outcome
   * entry), absent for an outcome written without an attempt (a user whose sessions could not
   * be listed). So a row stands for two ledger entries, or one.
   */
  attemptSeq: z.number().int().positive().optional(),
  outcome: AuditOutcomeSchema,
});
export type AuditRow = z.infer<typeof AuditRowSchema>;

const Text = z.string().trim().min(1).max(256);

/**
 * Which audit rows to show, and so which to export: the audit table and the ledger export take
 * the same filter, and main applies it to both.
 */
export const LedgerFilterSchema = z.strictObject({
  /** Matches operator, user, session id, ticket and note (case-insensitive, anywhere). */
  text: Text.optional(),
  /** Exactly this operator (`revoked_by`). */
  operator: Text.optional(),
  /** Exactly this connection, as the ledger names it. */
  connection: Text.optional(),
  reasonCode: ReasonCodeSchema.optional(),
  outcome: AuditOutcomeSchema.optional(),
  /** The attempt was made at or after this time. */
  since: z.iso.datetime({ offset: true }).optional(),
  /** The attempt was made at or before this time. */
  until: z.iso.datetime({ offset: true }).optional(),
  /** Only these revoke runs: a revocation and its retries, opened from their result. */
  runs: z.array(z.uuid()).min(1).max(MAX_EVIDENCE_RUNS).optional(),
});
export type LedgerFilter = z.output<typeof LedgerFilterSchema>;

export const LedgerListRequestSchema = LedgerFilterSchema.extend({
  limit: z.number().int().min(1).max(500).default(200),
  offset: z.number().int().min(0).max(10_000_000).default(0),
});
export type LedgerListRequest = z.output<typeof LedgerListRequestSchema>;

const Count = z.number().int().nonnegative();
const NamedCount = z.strictObject({ name: z.string(), count: Count });

/**
 * How the ledger's entries make up its rows (whatever the filter), so that the verification's
 * entry count and the table's row count can be told in the same units:
 * `entries = 2 × withOutcome + interrupted + outcomeOnly + perName`, `revocations` = the sum of the four row counts.
 */
export const LedgerCompositionSchema = z.strictObject({
  /** Ledger entries the rows were built from. */
  entries: Count,
  /** Rows in all: one per revocation attempt of one session. */
  revocations: Count,
  /** Rows with an attempt entry and its outcome entry. */
  withOutcome: Count,
  /** Attempts with no outcome entry: the process stopped between the two. */
  interrupted: Count,
  /** Outcome entries alone: a user whose sessions could not be listed. */
  outcomeOnly: Count,
  /** Outcome entries alone for a requested name with nothing revoked: no live sessions, or unknown. */
  perName: Count,
});
export type LedgerComposition = z.infer<typeof LedgerCompositionSchema>;

export const LedgerListResponseSchema = z.strictObject({
  /** Newest first. */
  rows: z.array(AuditRowSchema),
  /** Rows matching the filter in all (for paging). */
  total: z.number().int().nonnegative(),
  ledger: LedgerCompositionSchema,
  /** Every operator and connection in the ledger, with its rows, most first: what the filters offer. */
  facets: z.strictObject({ operators: z.array(NamedCount), connections: z.array(NamedCount) }),
});
export type LedgerListResponse = z.infer<typeof LedgerListResponseSchema>;

export { explainComposition } from './audit-words';
