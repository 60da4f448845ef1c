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
  /** The desk (device id on the team ledger) that wrote the row's entries; absent for a desk's own ledger file. */
  device: z.string().optional(),
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
  /** Exactly this desk (its device id on the team ledger); matches nothing in a desk's own ledger file. */
  device: z.string().regex(/^[0-9a-f-]{36}$/).optional(),
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
 * `entries = 2 × withOutcome + interrupted + outcomeOnly + perName + alarms`, `revocations` = the sum of the four row counts.
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
  /** Alarm entries (activity after revocation): ledger entries that are no revocation. Absent when there are none. */
  alarms: Count.optional(),
});
export type LedgerComposition = z.infer<typeof LedgerCompositionSchema>;

/**
 * What a page of the team ledger was read from. The team chain is paged newest first and never read
 * whole for a page, so `total`, `ledger` and `facets` count the rows of the entries read (from the
 * chain's end back to the page, and at least a recent window), not of the whole chain.
 */
export const LedgerCoverageSchema = z.strictObject({
  /** "DynamoDB table sessions-revocations". */
  label: z.string(),
  /** Entries on the team chain when it was read (its last position). */
  chainEntries: Count,
  /** Entries read for this answer: the newest ones, from the chain's end. */
  read: Count,
  /**
   * True when no older entry can match the filter (the whole chain was read, or the filter's
   * `since` was passed): `total` is then every matching row. False: `total` is "at least".
   */
  complete: z.boolean(),
  /** This desk's device id, so rows it wrote can be told from other desks'. */
  thisDevice: z.string(),
});
export type LedgerCoverage = z.infer<typeof LedgerCoverageSchema>;

export const LedgerListResponseSchema = z.strictObject({
  /** Newest first. */
  rows: z.array(AuditRowSchema),
  /** Rows matching the filter in all (for paging); with `coverage`, in the entries read (at least, unless complete). */
  total: z.number().int().nonnegative(),
  ledger: LedgerCompositionSchema,
  /** Every operator and connection (and desk, on a team ledger) in the rows counted, with its rows, most first: what the filters offer. */
  facets: z.strictObject({ operators: z.array(NamedCount), connections: z.array(NamedCount), devices: z.array(NamedCount).optional() }),
  /** Present when the rows come from the connection's team ledger: how much of it was read. */
  coverage: LedgerCoverageSchema.optional(),
});
export type LedgerListResponse = z.infer<typeof LedgerListResponseSchema>;

export { explainComposition } from './audit-words';
