import { z } from 'zod';

/**
 * One alarm of the revocation watch: a session Session Warden revoked was used afterwards, as its
 * store says. Derived from the ledger's `alarm` entry (`seq`); every string but `summary` came
 * from the store: untrusted, rendered as text.
 */
export const RevocationAlarmSchema = z.strictObject({
  /** Ledger position of the alarm entry. */
  seq: z.number().int().positive(),
  /** Ledger position of the `outcome` entry that recorded the revocation. */
  revocationSeq: z.number().int().positive(),
  /** When the watch saw the activity (ISO 8601, UTC). */
  time: z.string(),
  sessionId: z.string(),
  user: z.string(),
  /** When the session was revoked (the ledger's `revokedAt`). */
  revokedAt: z.string().nullable(),
  /** The session's last use as the store said it then. */
  lastAccessAt: z.string().nullable(),
  requestCount: z.number().int().nonnegative().optional(),
  newRequests: z.number().int().positive().optional(),
  /** Sentinel: the server instance. */
  server: z.string().optional(),
  /** Web sessions, PostgreSQL: the client address and browser. */
  client: z.string().optional(),
  /** "activity after revocation on server srv-3, 2 requests". */
  summary: z.string(),
});
export type RevocationAlarm = z.infer<typeof RevocationAlarmSchema>;

/** What `proof:alarms` answers: the watch's state and its alarms, newest first. */
export const RevocationAlarmsSchema = z.strictObject({
  /** Revoked sessions watched now (revoked here, within their lifetime plus the margin). */
  watching: z.number().int().nonnegative(),
  /** When the last watch tick finished (ISO 8601), absent before the first. */
  lastTick: z.string().optional(),
  /** Watched sessions whose record the store holds but that does not read as a session (kept watched). */
  unreadable: z.number().int().positive().optional(),
  /** Why the last tick could not read the store, if it could not. */
  error: z.string().optional(),
  /** The watch does not run on this store (it cannot read sessions in batches). */
  unsupported: z.boolean().optional(),
  /** Newest first, at most the 500 newest. */
  alarms: z.array(RevocationAlarmSchema),
});
export type RevocationAlarms = z.infer<typeof RevocationAlarmsSchema>;
