import type { SessionsQueryRequest } from '../../src-shared/contract';
import type { ActivityReason } from '../../src-shared/reason-codes';
import { revocationTime, type Session } from '../../src-shared/session';
import { SESSION_STATUSES, type SessionStatus } from '../../src-shared/session-status';
import { STORE_FILTERS, type StoreCapabilities, type StoreFilter } from '../../src-shared/store-capabilities';
import { reasonOf } from '../activity/reason-of';
import { WardenError } from '../errors';
import type { SessionStore } from '../session-store';
import { parseExactTime } from './exact-time';

/*
 * The filters of `sessions:query`, made exact once and checked the same way on every store's
 * mapped sessions, whatever the store could narrow down itself (an index, a key set, SQL).
 */

/** The filters of a query, normalised (times in exact UTC form). */
export interface SessionFilter {
  /** Derived statuses wanted, sorted; every status (`any`) when all three are listed. */
  statuses: readonly SessionStatus[];
  user?: string;
  profile?: string;
  serverInstance?: string;
  /** Normalised UTC (`…nnnnnnnnnZ`), inclusive. */
  since?: string;
  until?: string;
  /** Revocation time bounds, normalised UTC, inclusive (checked in code). */
  revokedSince?: string;
  revokedUntil?: string;
  /** Revoked with this reason (see `reasonOf`); checked in code. */
  reasonCode?: ActivityReason;
}

/** The request's filters, with times made exact; throws on a time that does not parse. */
export function filterOf(request: SessionsQueryRequest): SessionFilter {
  const exact = (text: string | undefined, name: string): string | undefined => {
    if (text === undefined) return undefined;
    const parsed = parseExactTime(text);
    if (!parsed) throw new RangeError(`${name} is not an RFC 3339 time`);
    return parsed.utc;
  };
  const since = exact(request.since, 'since');
  const until = exact(request.until, 'until');
  const revokedSince = exact(request.revokedSince, 'revokedSince');
  const revokedUntil = exact(request.revokedUntil, 'revokedUntil');
  // A revocation time and reason only exist for revoked sessions.
  const revokedOnly = revokedSince !== undefined || revokedUntil !== undefined || request.reasonCode !== undefined;
  return {
    statuses: revokedOnly ? statusesOf(request.status).filter((s) => s === 'revoked') : statusesOf(request.status),
    ...(revokedSince !== undefined ? { revokedSince } : {}),
    ...(revokedUntil !== undefined ? { revokedUntil } : {}),
    ...(request.reasonCode !== undefined ? { reasonCode: request.reasonCode } : {}),
    ...(request.user !== undefined ? { user: request.user } : {}),
    ...(request.profile !== undefined ? { profile: request.profile } : {}),
    ...(request.serverInstance !== undefined ? { serverInstance: request.serverInstance } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}

/** `any`, one status, or a list, as a sorted list without repeats. */
export function statusesOf(status: SessionsQueryRequest['status']): SessionStatus[] {
  const list = status === 'any' ? SESSION_STATUSES : Array.isArray(status) ? status : [status];
  return SESSION_STATUSES.filter((s) => list.includes(s));
}

/** Every filter, checked exactly on the mapped session (status derived, times to the nanosecond). */
export function matches(session: Session, filter: SessionFilter): boolean {
  if (!filter.statuses.includes(session.status)) return false;
  if (filter.user !== undefined && session.user !== filter.user) return false;
  if (filter.profile !== undefined && session.profile !== filter.profile) return false;
  if (filter.serverInstance !== undefined && session.serverInstanceId !== filter.serverInstance) return false;
  if (filter.since !== undefined && (session.createdAt === null || session.createdAt < filter.since)) return false;
  if (filter.until !== undefined && (session.createdAt === null || session.createdAt > filter.until)) return false;
  if (filter.revokedSince !== undefined || filter.revokedUntil !== undefined) {
    const revoked = revocationTime(session);
    if (revoked === null) return false;
    if (filter.revokedSince !== undefined && revoked < filter.revokedSince) return false;
    if (filter.revokedUntil !== undefined && revoked > filter.revokedUntil) return false;
  }
  if (filter.reasonCode !== undefined && (session.status !== 'revoked' || reasonOf(session.revokedReason) !== filter.reasonCode)) return false;
  return true;
}

/** A store filter as an operator names it, in a refusal. */
const FILTER_NAMES: Record<StoreFilter, string> = {
  profile: 'profile',
  serverInstance: 'server instance',
  device: 'device',
  ipAddress: 'IP address',
  text: 'free text',
};

/**
 * Refuses (VALIDATION) a request with a filter the store's kind does not list in
 * `capabilities.filters`: ignoring it would list sessions the operator filtered out.
 */
export function refuseUnservedFilters(request: Pick<SessionsQueryRequest, StoreFilter>, capabilities: Pick<StoreCapabilities, 'sessions' | 'filters'>): void {
  const unserved = STORE_FILTERS.filter((f) => request[f] !== undefined && !capabilities.filters.includes(f));
  if (unserved.length === 0) return;
  const served = ['status', 'user', 'created time', ...capabilities.filters.map((f) => FILTER_NAMES[f])];
  throw new WardenError(
    'VALIDATION',
    `${capabilities.sessions} cannot be filtered by ${unserved.map((f) => FILTER_NAMES[f]).join(' or ')}: filter by ${served.slice(0, -1).join(', ')} or ${served.at(-1) as string}`,
  );
}

/**
 * The store, refusing every filter its kind does not serve before it reaches the adapter: one
 * check for the app, exports, Activity and the command line (the registry wraps every kind's
 * store). Everything but `query` is the adapter's own, whatever it offers (methods bound to it:
 * adapters keep private fields).
 */
export function servingOnly(store: SessionStore, capabilities: Pick<StoreCapabilities, 'sessions' | 'filters'>): SessionStore {
  const query: SessionStore['query'] = async (request) => {
    refuseUnservedFilters(request, capabilities);
    return store.query(request);
  };
  return new Proxy(store, {
    get(target, property) {
      if (property === 'query') return query;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
