import { SENTINEL_CREDENTIAL_LIFETIME_MS } from '../../../src-shared/credentials';
import { toMillis } from './format-time';

/** Sentinel's default lifetime of the AWS credentials it hands out. */
export const CREDENTIAL_LIFETIME_MS = SENTINEL_CREDENTIAL_LIFETIME_MS;

/**
 * Until when credentials Sentinel already handed out for a session can still be used: revoking
 * stops the next fetch, not credentials already issued. The last fetch is at most
 * `last_access_at`, and nothing outlives the session's `expires_at`. Null when nothing remains.
 */
export function residualExposureUntil(lastAccessAt: string | null, expiresAt: string | null, nowMs: number): number | null {
  if (lastAccessAt === null) return null;
  const credentialsEnd = toMillis(lastAccessAt) + CREDENTIAL_LIFETIME_MS;
  const end = expiresAt === null ? credentialsEnd : Math.min(credentialsEnd, toMillis(expiresAt));
  return end > nowMs ? end : null;
}

/** `12:04` (minutes and seconds) for a countdown. */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`;
}
