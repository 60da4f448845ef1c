import { z } from 'zod';

/** Every field a session of some store may carry (see SessionSchema); which ones a store has is its capabilities'. */
export const SESSION_FIELDS = [
  'user',
  'email',
  'profile',
  'serverInstanceId',
  'status',
  'createdAt',
  'startedAt',
  'lastAccessAt',
  'expiresAt',
  'requestCount',
  'deviceId',
  'ipAddress',
  'userAgent',
  'sourceIdentity',
] as const;
export type SessionField = (typeof SESSION_FIELDS)[number];

/**
 * Filters of `sessions:query` a store may serve beyond status, user and created range (which all
 * serve). `device`: part of the device description; `ipAddress`: an address or a network (CIDR);
 * `text`: free text over the session's id, user, e-mail, device, browser and address.
 */
export const STORE_FILTERS = ['profile', 'serverInstance', 'device', 'ipAddress', 'text'] as const;
export type StoreFilter = (typeof STORE_FILTERS)[number];

/**
 * What a kind of store offers, sent by main in `app:info` so the renderer draws filters, columns
 * and the detail panel from it rather than from the kind's name.
 */
export const StoreCapabilitiesSchema = z.strictObject({
  /** What its sessions are called: "Sentinel sessions", "Web sessions". */
  sessions: z.string(),
  /** What the connection's address is, in the top bar: "Table", "Redis", "Database". */
  where: z.string(),
  /** Filters it serves beyond status, user and created range. */
  filters: z.array(z.enum(STORE_FILTERS)),
  /** Table columns, in order (the id and status are always there). */
  columns: z.array(z.enum(SESSION_FIELDS)),
  /** Detail panel fields, in order. */
  detail: z.array(z.enum(SESSION_FIELDS)),
  /** Headings where this store names a field otherwise ("Last active" for lastAccessAt). */
  labels: z.partialRecord(z.enum(SESSION_FIELDS), z.string()),
  /** What free-text search looks in, for its placeholder. */
  search: z.string(),
  /** How a listing is ordered, said for an operator. */
  order: z.string(),
  /** Said when a session shown a moment ago is no longer in the store. */
  gone: z.string(),
  /** When a revocation actually stops the holder. */
  takesEffect: z.string(),
  /**
   * What is left open after a revocation: credentials already issued, valid until they expire
   * (Sentinel), or nothing, as the app checks every request (web sessions).
   */
  residual: z.enum(['credential-lifetime', 'next-request']),
  /** Whether revocations are mirrored to a Redis blacklist (`revoked:<id>`) configured on the connection. */
  blacklistMirror: z.boolean(),
  /**
   * The store's own audit log of revocations Session Warden reads (`audit:store`), named as the
   * store names it (`session_audit_log`); null: the store keeps none (Sentinel, Redis web sessions).
   */
  storeAudit: z.string().nullable(),
});
export type StoreCapabilities = z.infer<typeof StoreCapabilitiesSchema>;
