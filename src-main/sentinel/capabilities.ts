import type { StoreCapabilities } from '../../src-shared/store-capabilities';

/** Sentinel's credential sessions in DynamoDB (and the embedded demo store, which is one). */
export const SENTINEL_CAPABILITIES: StoreCapabilities = {
  sessions: 'Sentinel sessions',
  where: 'Table',
  filters: ['profile', 'serverInstance'],
  columns: ['user', 'profile', 'startedAt', 'lastAccessAt', 'expiresAt', 'requestCount', 'deviceId', 'sourceIdentity'],
  detail: ['user', 'profile', 'requestCount', 'sourceIdentity', 'deviceId', 'serverInstanceId', 'createdAt', 'startedAt', 'lastAccessAt', 'expiresAt'],
  labels: {},
  search: 'id, user, device, source identity',
  // Said after the count of loaded rows: "130 loaded, newest first" (by created_at, exact to the nanosecond).
  order: 'newest first',
  gone: 'This session is no longer in the store (DynamoDB removes sessions some time after expiry).',
  takesEffect: 'Credentials already issued stay valid until they expire (up to 15 minutes); revoking stops the next fetch.',
  residual: 'credential-lifetime',
  blacklistMirror: true,
  storeAudit: null,
};
