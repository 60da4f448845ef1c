import type { StoreCapabilities } from '../../src-shared/store-capabilities';

/**
 * The web app's sessions of record in PostgreSQL: the same sessions as in its Redis, with the
 * table's columns. Listed by expiry, not creation: the migration indexes `expires_at` but not
 * `created_at`, and a listing must be served by an index (for sessions of one lifetime the two
 * orders are the same).
 */
export const POSTGRES_CAPABILITIES: StoreCapabilities = {
  sessions: 'Web sessions (PostgreSQL)',
  where: 'Database',
  // Served by SQL over the rows the index walk reads (see PostgresSessionStore.query).
  filters: ['device', 'ipAddress', 'text'],
  columns: ['user', 'email', 'startedAt', 'lastAccessAt', 'expiresAt', 'ipAddress', 'deviceId'],
  detail: ['user', 'email', 'deviceId', 'ipAddress', 'userAgent', 'createdAt', 'lastAccessAt', 'expiresAt'],
  labels: { startedAt: 'Created', lastAccessAt: 'Last active', userAgent: 'Browser' },
  search: 'id, user, e-mail, device, browser, IP address',
  order: 'latest expiry first (newest first for sessions of one lifetime)',
  gone: 'This session is no longer in the sessions table (deleted, or its user was deleted).',
  takesEffect: 'The web app checks revoked = false on every request: each session is refused from its next request.',
  residual: 'next-request',
  blacklistMirror: true,
  // The app's own audit table: revocations by the app, its users and other tools (Audit screen).
  storeAudit: 'session_audit_log',
};
