import { SESSION_STATUSES, type SessionStatus } from '../../src-shared/session-status';
import { SENTINEL_INDEXES } from './table-schema';
import type { SessionFilter } from '../stores/session-filter';

export type { SessionFilter } from '../stores/session-filter';
export { statusesOf } from '../stores/session-filter';


/**
 * One DynamoDB read that feeds a query: a partition of an index (or the whole table), the
 * server-side filter that narrows it, and whether it comes back in `created_at` order.
 */
export interface ReadPlan {
  /** null: Scan of the base table. */
  index: string | null;
  /** Partition key attribute and value (absent for a scan). */
  partition?: { attribute: string; value: string };
  /** Sort key equality (the server-instance index is sorted by status). */
  sortKey?: { attribute: string; value: string };
  /** `created_at`-sorted index: read newest first and stop early; otherwise read everything. */
  ordered: boolean;
  /** Stored statuses this read may return (the exact derived status is checked in code). */
  storedStatuses?: SessionStatus[];
  /** Pre-filter on `ttl`: `live` keeps unexpired, `past` keeps expired (exact check in code). */
  ttl?: 'live' | 'past';
  /** Equality filters on other attributes. */
  equals: Record<string, string>;
}

export interface QueryPlan {
  reads: ReadPlan[];
  /** Stable text of the filter, which cursors are bound to. */
  key: string;
}

/**
 * Picks how to answer a filter, most selective index first: a user has few sessions, a profile
 * more, a server instance more again (and its index is sorted by status, not time), a status
 * most; with no filter at all, every gsi-status partition (never a scan). Every other filter becomes a server-side filter,
 * and every filter is also checked exactly in code (status is derived, times are exact).
 */
export function planQuery(filter: SessionFilter): QueryPlan {
  const key = JSON.stringify([
    filter.statuses,
    filter.user ?? null,
    filter.profile ?? null,
    filter.serverInstance ?? null,
    filter.since ?? null,
    filter.until ?? null,
    filter.revokedSince ?? null,
    filter.revokedUntil ?? null,
    filter.reasonCode ?? null,
  ]);
  const equals: Record<string, string> = {};
  if (filter.user !== undefined) equals.user = filter.user;
  if (filter.profile !== undefined) equals.profile = filter.profile;
  if (filter.serverInstance !== undefined) equals.server_instance_id = filter.serverInstance;

  const byStatus = statusReads(filter.statuses);
  const pick = (attribute: 'user' | 'profile' | 'server_instance_id', index: string, ordered: boolean): QueryPlan => {
    const { [attribute]: value, ...rest } = equals;
    return {
      key,
      reads: [{ index, partition: { attribute, value: value as string }, ordered, equals: rest, ...statusFilter(filter.statuses) }],
    };
  };
  if (filter.user !== undefined) return pick('user', SENTINEL_INDEXES.user.name, true);
  if (filter.profile !== undefined) return pick('profile', SENTINEL_INDEXES.profile.name, true);
  if (filter.serverInstance !== undefined) {
    // This index is sorted by status, so each stored status is a key condition, not a filter.
    const { server_instance_id: value, ...rest } = equals;
    const partition = { attribute: 'server_instance_id', value: value as string };
    const index = SENTINEL_INDEXES.serverInstance.name;
    return {
      key,
      reads: byStatus
        ? byStatus.map((read) => ({ index, partition, sortKey: { attribute: 'status', value: read.stored }, ordered: false, equals: rest, ...(read.ttl ? { ttl: read.ttl } : {}) }))
        : [{ index, partition, ordered: false, equals: rest }],
    };
  }
  // Every status: the three gsi-status partitions, merged newest first. A scan would have to read
  // the whole table for every page, since a scan is in no order. (An item without a status, or
  // with one Sentinel never writes, is not a session we can show either way.)
  const partitions = byStatus ?? [{ stored: 'active' as const }, { stored: 'revoked' as const }, { stored: 'expired' as const }];
  return {
    key,
    reads: partitions.map((read) => ({
      index: SENTINEL_INDEXES.status.name,
      partition: { attribute: 'status', value: read.stored },
      ordered: true,
      equals,
      ...(read.ttl ? { ttl: read.ttl } : {}),
    })),
  };
}

/**
 * The `gsi-status` partitions to read for a set of derived statuses. `expired` is derived:
 * stored `expired`, and stored `active` past its expiry. Null when every status is wanted.
 */
function statusReads(statuses: readonly SessionStatus[]): { stored: SessionStatus; ttl?: 'live' | 'past' }[] | null {
  const wanted = new Set(statuses);
  if (wanted.size === SESSION_STATUSES.length) return null;
  const reads: { stored: SessionStatus; ttl?: 'live' | 'past' }[] = [];
  if (wanted.has('active') && wanted.has('expired')) reads.push({ stored: 'active' });
  else if (wanted.has('active')) reads.push({ stored: 'active', ttl: 'live' });
  else if (wanted.has('expired')) reads.push({ stored: 'active', ttl: 'past' });
  if (wanted.has('revoked')) reads.push({ stored: 'revoked' });
  if (wanted.has('expired')) reads.push({ stored: 'expired' });
  return reads;
}

/**
 * Server-side status filter for reads of other indexes. The `ttl` pre-filter only applies when
 * stored `active` is all we read: it would wrongly drop revoked or gracefully expired sessions.
 */
function statusFilter(statuses: readonly SessionStatus[]): Pick<ReadPlan, 'storedStatuses' | 'ttl'> {
  const reads = statusReads(statuses);
  if (!reads) return {};
  const storedStatuses = [...new Set(reads.map((r) => r.stored))];
  const only = reads.length === 1 ? reads[0] : undefined;
  return { storedStatuses, ...(only?.ttl ? { ttl: only.ttl } : {}) };
}

