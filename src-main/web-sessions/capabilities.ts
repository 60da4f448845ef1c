import type { StoreCapabilities } from '../../src-shared/store-capabilities';

/** The web app's sessions in Redis: no profiles, server instances or credentials; e-mail, address and browser instead. */
export const WEB_SESSION_CAPABILITIES: StoreCapabilities = {
  sessions: 'Web sessions',
  where: 'Redis',
  filters: [],
  columns: ['user', 'email', 'startedAt', 'lastAccessAt', 'expiresAt', 'ipAddress', 'deviceId'],
  detail: ['user', 'email', 'deviceId', 'ipAddress', 'userAgent', 'createdAt', 'lastAccessAt', 'expiresAt'],
  labels: { startedAt: 'Created', lastAccessAt: 'Last active', userAgent: 'Browser' },
  search: 'id, user, e-mail, device, IP address',
  // Pages follow Redis's SCAN cursor, each sorted newest first: the whole list is ordered only by sorting a column.
  order: 'newest first per page (sort by a column to order them all)',
  gone: 'This session is no longer in Redis (its key expired or was deleted).',
  takesEffect: 'The web app checks revoked:<id> on every request: each session is refused from its next request.',
  residual: 'next-request',
  blacklistMirror: false,
  storeAudit: null,
};
