import { z } from 'zod';
import { MAX_EVIDENCE_RUNS, OUTCOMES, REASON_CODES, RESULT_OUTCOMES } from './reason-codes';
import { SessionIdSchema } from './session';
import { MAX_USER_SUGGESTIONS, UserNameSchema, UserSuggestionSchema } from './users';

export { OUTCOMES, REASON_CODES };
export const ReasonCodeSchema = z.enum(REASON_CODES);
export type ReasonCode = z.infer<typeof ReasonCodeSchema>;

/** What happened to one session in one revocation attempt. */
export const OutcomeSchema = z.enum(OUTCOMES);
export type Outcome = z.infer<typeof OutcomeSchema>;

/**
 * State of the `revoked:<id>` blacklist entry in Redis, when the connection mirrors to one:
 * written; pending (kept in the outbox, retried); failed (not written and not kept: see error).
 */
export const BlacklistStateSchema = z.enum(['written', 'pending', 'failed']);
export type BlacklistState = z.infer<typeof BlacklistStateSchema>;

export { UserNameSchema };

/** Reason code, note and ticket: every revoke request carries them. */
export const reasonFields = {
  reasonCode: ReasonCodeSchema,
  note: z.string().trim().max(2000).optional(),
  ticket: z.string().trim().max(200).optional(),
};

/**
 * Which opening of which connection the operator confirmed against: AppInfo's connection `id` and
 * the `nonce` main drew when it opened that workspace. A name is not enough (a saved connection
 * may be called "Demo store"), nor is the id alone: switching away and back opens the connection
 * again with a new nonce, and a confirmation from before then no longer holds.
 */
export const ConfirmedConnectionSchema = z.strictObject({
  id: z.string().min(1).max(200),
  nonce: z.string().min(16).max(128),
});
export type ConfirmedConnection = z.infer<typeof ConfirmedConnectionSchema>;

/** `other` says nothing by itself: it needs a note. */
export function noteForOther(value: { reasonCode: ReasonCode; note?: string | undefined }, ctx: z.RefinementCtx): void {
  if (value.reasonCode === 'other' && !value.note) {
    ctx.addIssue({ code: 'custom', path: ['note'], message: 'reason code "other" needs a note saying why' });
  }
}

export const MAX_REVOKE_IDS = 5000;
export const MAX_REVOKE_USERS = 1000;

const revokeIds = z.array(SessionIdSchema).min(1).max(MAX_REVOKE_IDS);
const revokeUsers = z.array(UserNameSchema).max(MAX_REVOKE_USERS);

/**
 * An offboarding list as the operator gave it: each requested name and the store's user it was
 * matched to (null: unknown to the store). Every name is recorded, even with nothing to revoke.
 */
export const RequestedNameSchema = z.strictObject({ name: UserNameSchema, user: UserNameSchema.nullable() });
export type RequestedName = z.infer<typeof RequestedNameSchema>;
const requestedNames = z.array(RequestedNameSchema).max(MAX_REVOKE_USERS).optional();

/** Users to revoke, or at least a list of requested names to record. */
function someone(value: { users: string[]; requested?: RequestedName[] | undefined }, ctx: z.RefinementCtx): void {
  if (value.users.length === 0 && (value.requested?.length ?? 0) === 0) ctx.addIssue({ code: 'custom', path: ['users'], message: 'name at least one user' });
  const users = new Set(value.users);
  for (const r of value.requested ?? []) {
    if (r.user !== null && !users.has(r.user)) ctx.addIssue({ code: 'custom', path: ['requested'], message: `"${r.name}" is matched to a user that is not in users` });
  }
}

/** What a revoker is given: by the command line, and by main once the connection is checked. */
export const RevokeSessionsRequestSchema = z.strictObject({ ids: revokeIds, ...reasonFields }).superRefine(noteForOther);
export type RevokeSessionsRequest = z.infer<typeof RevokeSessionsRequestSchema>;

export const RevokeUsersRequestSchema = z
  .strictObject({ users: revokeUsers, requested: requestedNames, ...reasonFields })
  .superRefine(noteForOther)
  .superRefine(someone);
export type RevokeUsersRequest = z.infer<typeof RevokeUsersRequestSchema>;

/**
 * A revocation over IPC names the connection it was confirmed for (required): main refuses it
 * unless that is still the active workspace, so it never lands in another environment.
 */
export const ConfirmedRevokeSessionsRequestSchema = z
  .strictObject({ ids: revokeIds, ...reasonFields, connection: ConfirmedConnectionSchema })
  .superRefine(noteForOther);
export type ConfirmedRevokeSessionsRequest = z.infer<typeof ConfirmedRevokeSessionsRequestSchema>;

export const ConfirmedRevokeUsersRequestSchema = z
  .strictObject({ users: revokeUsers, requested: requestedNames, ...reasonFields, connection: ConfirmedConnectionSchema })
  .superRefine(noteForOther)
  .superRefine(someone);
export type ConfirmedRevokeUsersRequest = z.infer<typeof ConfirmedRevokeUsersRequestSchema>;

export const RevokeResultSchema = z.strictObject({
  id: z.string(),
  /** Empty when the session was not found. */
  user: z.string(),
  /** `not_attempted`: the run was cancelled before this session's turn; nothing was written for it, in the store or the ledger. */
  outcome: z.enum(RESULT_OUTCOMES),
  /** Absent when the connection has no blacklist Redis, or nothing was revoked. */
  blacklist: BlacklistStateSchema.optional(),
  /**
   * Sentinel sessions revoked (now or before): the latest moment AWS credentials already issued
   * can still be used (last fetch plus their lifetime, capped by expiry), ISO UTC.
   */
  credentialsUntil: z.iso.datetime().optional(),
  /**
   * Sessions revoked (now or before): when the session is fully closed, the moment the last
   * credential already issued stops working: `credentialsUntil` for Sentinel, the revocation itself
   * where the app checks the store on every request (web sessions, PostgreSQL). ISO UTC.
   */
  closedAt: z.iso.datetime().optional(),
  /** For `failed`: what went wrong, for the operator. */
  error: z.string().optional(),
});
export type RevokeResult = z.infer<typeof RevokeResultSchema>;

export const RevokeReportSchema = z.strictObject({
  /** Id of this run in the ledger (evidence is exported by it). */
  run: z.uuid(),
  results: z.array(RevokeResultSchema),
  /**
   * The operator cancelled the run: writes in flight then finished (and are in `results` and the
   * ledger as usual), and every session not yet started is `not_attempted`. Absent: not cancelled.
   */
  cancelled: z.boolean().optional(),
  /** The identity recorded as `revoked_by`, decided in main. */
  operator: z.string(),
  /** Users asked for that have no active session (users:revoke only). */
  usersWithoutActiveSessions: z.array(z.string()),
  /**
   * Users whose sessions could not be (fully) listed, and why: a listing error, or entries of their
   * session list that are not session ids. Never folded into "no active session" (users:revoke only).
   */
  unlistedUsers: z.array(z.strictObject({ user: z.string(), error: z.string() })).default([]),
  /** Requested names the store does not hold (users:revoke with `requested` only): recorded, nothing revoked. */
  unknownUsers: z.array(z.string()).optional(),
});
export type RevokeReport = z.infer<typeof RevokeReportSchema>;

export const UsersPreviewRequestSchema = z.strictObject({ users: z.array(UserNameSchema).min(1).max(MAX_REVOKE_USERS) });

/**
 * Live sessions per requested name before an offboarding run. `user` is the store's name for it
 * (matched ignoring case or by e-mail when `how` says so); `known: false` for a name the store does
 * not hold, with the closest names it does.
 */
export const UserPreviewSchema = z.strictObject({
  /** The name as the list gave it. */
  requested: z.string(),
  user: z.string(),
  how: z.enum(['case', 'email']).optional(),
  suggestions: z.array(UserSuggestionSchema).max(MAX_USER_SUGGESTIONS).default([]),
  activeSessions: z.number().int().nonnegative(),
  /** More active sessions than were counted (the count is a lower bound). */
  more: z.boolean(),
  known: z.boolean(),
});
export type UserPreview = z.infer<typeof UserPreviewSchema>;

/** The runs of one revocation: the first, then its retries (their outcomes go in one file). */
export const EvidenceSaveRequestSchema = z.strictObject({ runs: z.array(z.uuid()).min(1).max(MAX_EVIDENCE_RUNS) });
export const EvidenceSaveResponseSchema = z.strictObject({
  /** False when the operator cancelled the save dialog. */
  saved: z.boolean(),
  /** File name only (never the full path of the operator's disk). */
  fileName: z.string().optional(),
  rows: z.number().int().nonnegative(),
});
