import type { Session, SessionStatus } from '../../src-shared/session';
import { SessionIdSchema } from '../../src-shared/session';
import { epochMillis, normaliseTime } from '../stores/exact-time';

/**
 * The web application's Redis layout (DESIGN.md), exactly:
 * `session:<id>` JSON with a TTL, `user_sessions:<userId>` a set of live ids, `revoked:<id>` the
 * blacklist entry whose value is the reason.
 */
export const keys = {
  session: (id: string) => `session:${id}`,
  userSessions: (userId: string) => `user_sessions:${userId}`,
  revoked: (id: string) => `revoked:${id}`,
  sessionPattern: 'session:*',
} as const;

/** The id in a `session:<id>` key, or null when it is not an id we can act on. */
export function idOfSessionKey(key: string): string | null {
  const id = key.startsWith('session:') ? key.slice('session:'.length) : '';
  return SessionIdSchema.safeParse(id).success ? id : null;
}

/** `session:<id>` as stored: every field may be missing or of another type, nothing is trusted. */
export type WebSessionRecord = Record<string, unknown>;

/** The parsed JSON object, or null when the value is not a JSON object. */
export function parseRecord(raw: string): WebSessionRecord | null {
  try {
    const value: unknown = JSON.parse(raw);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as WebSessionRecord) : null;
  } catch {
    return null;
  }
}

/**
 * Status as the web application decides it: revoked flag or a blacklist entry → revoked; past
 * `expiresAt` → expired; otherwise active.
 */
export function deriveWebStatus(record: WebSessionRecord, blacklisted: boolean, nowMs: number): SessionStatus {
  if (record.revoked === true || blacklisted) return 'revoked';
  const expires = epochMillis(record.expiresAt);
  return expires !== null && expires <= nowMs ? 'expired' : 'active';
}

/** Maps a stored record onto the common session shape (user = `userId`, device = `deviceInfo`). */
export function toWebSession(id: string, record: WebSessionRecord, blacklistReason: string | null, nowMs: number): Session {
  const revokedReason = text(record.revokedReason) || blacklistReason;
  return {
    id,
    user: text(record.userId),
    status: deriveWebStatus(record, blacklistReason !== null, nowMs),
    storedStatus: record.revoked === true ? 'revoked' : blacklistReason !== null ? 'blacklisted' : 'active',
    createdAt: normaliseTime(record.createdAt),
    startedAt: normaliseTime(record.createdAt),
    lastAccessAt: normaliseTime(record.lastActiveAt),
    expiresAt: normaliseTime(record.expiresAt),
    updatedAt: null,
    deviceId: text(record.deviceInfo),
    revokedBy: null,
    revokedAt: normaliseTime(record.revokedAt),
    revokedReason: revokedReason || null,
    email: text(record.email),
    ipAddress: text(record.ipAddress),
    userAgent: text(record.userAgent),
  };
}

/** Strings as they are; numbers and booleans spelled out; objects (a structured deviceInfo) as JSON. */
function text(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return '';
}
