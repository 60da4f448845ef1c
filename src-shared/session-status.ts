/**
 * Session statuses, as Sentinel stores them and as operators see them. Kept free of zod so the
 * renderer can use the list without bundling the schema library.
 */
export const SESSION_STATUSES = ['active', 'revoked', 'expired'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];
