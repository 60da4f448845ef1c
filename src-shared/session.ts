import { z } from 'zod';

import { SESSION_STATUSES } from './session-status';

/**
 * Status as operators see it. Equal to the stored status, except that a session that still says
 * `active` after its `expires_at` is shown (and filtered) as `expired`: Sentinel only writes
 * `expired` on a graceful stop.
 */
export const SessionStatusSchema = z.enum(SESSION_STATUSES);
export type { SessionStatus } from './session-status';

/**
 * A session id: Sentinel's are 16 lowercase hex characters, web sessions' are tokens (UUIDs,
 * base64url). Letters, digits, `_` and `-` only, so an id can never smuggle a key separator or a
 * SCAN pattern into a Redis key.
 */
export const SessionIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,128}$/, 'a session id is 1 to 128 letters, digits, "_" or "-"');

/** Sentinel's ids exactly: the table's partition key `id` is 16 lowercase hex characters. */
export const SentinelSessionIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'a Sentinel session id is 16 lowercase hex characters');

/**
 * A time from the store, normalised to UTC with exactly nine fraction digits
 * (`2026-11-22T08:00:00.123456789Z`), so that it sorts chronologically as a string and keeps
 * every nanosecond Sentinel wrote. `null` when the store held something that is not an RFC 3339
 * time (shown as such, never guessed).
 */
export const ExactTimeSchema = z.string().nullable();

/** One session in the shape every store adapter returns. Every string came from a store: untrusted. */
export const SessionSchema = z.strictObject({
  id: z.string(),
  user: z.string(),
  /** Sentinel only: the AWS profile the credentials are for. Absent where the store has no such notion. */
  profile: z.string().optional(),
  /** Sentinel only: the server instance that issued the session. */
  serverInstanceId: z.string().optional(),
  /** Derived status (see SessionStatusSchema). */
  status: SessionStatusSchema,
  /** What the store says, which may differ from `status` for sessions past expiry. */
  storedStatus: z.string(),
  createdAt: ExactTimeSchema,
  startedAt: ExactTimeSchema,
  lastAccessAt: ExactTimeSchema,
  expiresAt: ExactTimeSchema,
  updatedAt: ExactTimeSchema,
  /** Sentinel only: credential fetches so far. */
  requestCount: z.number().int().nonnegative().optional(),
  /** Sentinel only: the source identity stamped on the credentials. */
  sourceIdentity: z.string().optional(),
  deviceId: z.string(),
  revokedBy: z.string().nullable(),
  /** When it was revoked (our `revoked_at`; null for revocations by other tools). */
  revokedAt: ExactTimeSchema,
  revokedReason: z.string().nullable(),
  /** The ticket the revocation was recorded with (Sentinel's `revoked_ticket`, which we write). */
  revokedTicket: z.string().optional(),
  /** Web sessions (Redis) only: the user's e-mail, client address and browser. */
  email: z.string().optional(),
  ipAddress: z.string().optional(),
  userAgent: z.string().optional(),
});
export type Session = z.infer<typeof SessionSchema>;

/**
 * When a session was revoked: our `revoked_at`, or for a revocation by another tool (which
 * writes no such time) the last update of the item. Null for sessions that are not revoked.
 */
export function revocationTime(session: Pick<Session, 'status' | 'revokedAt' | 'updatedAt'>): string | null {
  if (session.status !== 'revoked') return null;
  return session.revokedAt ?? session.updatedAt;
}
