import { z } from 'zod';

/**
 * The store's own audit log of revocations, where the store keeps one Session Warden can read
 * (the web app's `session_audit_log` in PostgreSQL): revocations by the app, by users themselves
 * ("log out everywhere"), by other tools, and by Session Warden. Capabilities say whether a
 * connection offers it (`storeAudit`: the table's name, or null).
 */

/** Largest page of `audit:store`. */
export const MAX_STORE_AUDIT_PAGE = 500;

const TimeBoundSchema = z.iso.datetime({ offset: true });

/** A time window of the store's audit log: what the Audit screen shows, and an export of it holds. */
export const StoreAuditWindowSchema = z.strictObject({
  /** Written at or after (RFC 3339). */
  since: TimeBoundSchema.optional(),
  /** Written at or before (RFC 3339). */
  until: TimeBoundSchema.optional(),
});
export type StoreAuditWindow = z.output<typeof StoreAuditWindowSchema>;

export const StoreAuditRequestSchema = z.strictObject({
  /** Written at or after (RFC 3339). */
  since: TimeBoundSchema.optional(),
  /** Written at or before (RFC 3339). */
  until: TimeBoundSchema.optional(),
  /** The `nextBefore` of the previous page, exactly as received. */
  before: z.string().regex(/^\d{1,19}$/, 'before is the nextBefore of a previous page').optional(),
  limit: z.number().int().min(1).max(MAX_STORE_AUDIT_PAGE).default(50),
  /** Actions to read; the revocation actions (SESSION_REVOKED, REVOKE_ALL) by default. */
  actions: z
    .array(z.string().regex(/^[A-Z][A-Z0-9_]{0,49}$/, 'an action is written as the app writes it, e.g. SESSION_REVOKED'))
    .min(1)
    .max(16)
    .optional(),
});
export type StoreAuditRequest = z.output<typeof StoreAuditRequestSchema>;

/** One row of the store's audit log; every string came from the store (untrusted: render as text). */
export const StoreAuditRowSchema = z.strictObject({
  /** The row's id in the store (a bigserial, as text). */
  id: z.string(),
  action: z.string(),
  /** The session (SESSION_REVOKED); null for REVOKE_ALL, which covers all of the user's live sessions. */
  sessionId: z.string().nullable(),
  userId: z.string(),
  /** The user's e-mail, when the store's users have one. */
  email: z.string().nullable(),
  /** When the row was written (UTC, nine fraction digits). */
  createdAt: z.string().nullable(),
  reason: z.string().nullable(),
  /** The app user who revoked (an id), when the row names one. */
  revokedBy: z.string().nullable(),
  /** Who revoked when they are no user of the app (Session Warden writes the operator). */
  operator: z.string().nullable(),
  /** REVOKE_ALL: how many sessions it revoked. */
  count: z.number().int().nullable(),
  /**
   * Written by Session Warden: the same revocation as a ledger entry (shown on the Audit screen
   * and counted there), so it must not be counted a second time from this log.
   */
  bySessionWarden: z.boolean(),
  ipAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
});
export type StoreAuditRow = z.infer<typeof StoreAuditRowSchema>;

export const StoreAuditPageSchema = z.strictObject({
  /** The table read, e.g. `session_audit_log`. */
  table: z.string(),
  /** Newest first (the order the store wrote them). */
  rows: z.array(StoreAuditRowSchema),
  /** Pass as `before` for the next (older) page; absent on the last page. */
  nextBefore: z.string().optional(),
});
export type StoreAuditPage = z.infer<typeof StoreAuditPageSchema>;
