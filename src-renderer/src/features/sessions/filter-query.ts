import type { ActivityReason } from '../../../../src-shared/reason-codes';
import { SESSION_STATUSES, type SessionStatus } from '../../../../src-shared/session-status';
import type { StoreFilter } from '../../../../src-shared/store-capabilities';

/*
 * The sessions filters as plain data and the store query they make: no storage, no React, so
 * they are tested in Node (filters-store.ts keeps them, persisted).
 */

export type RangePreset = 'all' | '1h' | '24h' | '7d' | '30d' | 'custom';

export const RANGE_LABELS: Record<RangePreset, string> = {
  all: 'Any time',
  '1h': 'Last hour',
  '24h': 'Last 24 h',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  custom: 'Custom…',
};

export interface SessionFilters {
  statuses: SessionStatus[];
  user: string;
  profile: string;
  serverInstance: string;
  /** Part of the device description (stores that serve `device`). */
  device: string;
  /** An address or a network, `10.1.0.0/16` (stores that serve `ipAddress`). */
  ipAddress: string;
  range: RangePreset;
  /** `datetime-local` values (local time) for the custom range. */
  customSince: string;
  customUntil: string;
  /**
   * The search box: free text within the loaded rows, or, where the store serves `text`, sent to
   * the store as its search (then the loaded rows are the store's answer, not searched again).
   */
  search: string;
  /** Revoked within this window (ISO times), set from the activity chart; empty when unused. */
  revokedSince: string;
  revokedUntil: string;
  /** Revoked with this reason (main reads it from the stored reason, as the Activity chart does); empty when unused. */
  reasonCode: '' | ActivityReason;
}

export const DEFAULT_FILTERS: SessionFilters = {
  statuses: ['active'],
  user: '',
  profile: '',
  serverInstance: '',
  device: '',
  ipAddress: '',
  range: 'all',
  customSince: '',
  customUntil: '',
  search: '',
  revokedSince: '',
  revokedUntil: '',
  reasonCode: '',
};

/** The version of the filters kept in localStorage; 3 added device and ipAddress (PostgreSQL's filters). */
export const FILTERS_VERSION = 3;

/** Filters saved by an older version lack the newer fields: they are filled with defaults. */
export function migrateFilters(saved: unknown): SessionFilters {
  return { ...DEFAULT_FILTERS, ...(saved as Partial<SessionFilters>) };
}

/**
 * The store query for the filters. Of the store filters (profile, server instance, device, IP
 * address, free text) only those the store serves (`capabilities.filters`) are sent: a value kept
 * from another connection's store must not empty this one's table. The search box is sent as
 * `text` where the store serves it; elsewhere it searches the loaded rows only (see searchedLocally).
 */
export function queryOf(filters: SessionFilters, nowMs: number, served: readonly StoreFilter[]) {
  const ago = { '1h': 3600e3, '24h': 86400e3, '7d': 7 * 86400e3, '30d': 30 * 86400e3 } as const;
  const since =
    filters.range === 'custom' ? localToIso(filters.customSince) : filters.range === 'all' ? undefined : new Date(nowMs - ago[filters.range]).toISOString();
  const until = filters.range === 'custom' ? localToIso(filters.customUntil) : undefined;
  return {
    status: filters.statuses.length === SESSION_STATUSES.length ? ('any' as const) : filters.statuses,
    ...(filters.user.trim() ? { user: filters.user.trim() } : {}),
    ...storeFilters(filters, served),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(filters.revokedSince ? { revokedSince: filters.revokedSince } : {}),
    ...(filters.revokedUntil ? { revokedUntil: filters.revokedUntil } : {}),
    ...(filters.reasonCode ? { reasonCode: filters.reasonCode } : {}),
  };
}

function storeFilters(filters: SessionFilters, served: readonly StoreFilter[]): Partial<Record<StoreFilter, string>> {
  const sent: Partial<Record<StoreFilter, string>> = {};
  for (const filter of served) {
    const value = (filter === 'text' ? filters.search : filters[filter]).trim();
    if (value) sent[filter] = value;
  }
  return sent;
}

function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
