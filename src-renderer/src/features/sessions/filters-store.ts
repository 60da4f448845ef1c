import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { ACTIVITY_REASONS, REASON_LABELS, type ActivityReason } from '../../../../src-shared/reason-codes';
import { SESSION_STATUSES, type SessionStatus } from '../../../../src-shared/session-status';
import type { StoreFilter } from '../../../../src-shared/store-capabilities';

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
  range: RangePreset;
  /** `datetime-local` values (local time) for the custom range. */
  customSince: string;
  customUntil: string;
  /** Free text within the loaded rows. */
  search: string;
  /** Revoked within this window (ISO times), set from the activity chart; empty when unused. */
  revokedSince: string;
  revokedUntil: string;
  /** Revoked with this reason (main reads it from the stored reason, as the Activity chart does); empty when unused. */
  reasonCode: '' | ActivityReason;
}

/** The revoke dialog's labels, and a name for other tools' revocations that name no code. */
export const REASON_FILTER_LABELS: Record<ActivityReason, string> = { ...REASON_LABELS, unknown: 'Other tools (no code)' };
export const REASON_FILTER_CHOICES = ACTIVITY_REASONS;

interface FiltersState extends SessionFilters {
  set: (patch: Partial<SessionFilters>) => void;
  toggleStatus: (status: SessionStatus) => void;
  clearAll: () => void;
  /** Live refresh. */
  refreshMs: number;
  paused: boolean;
  setRefresh: (patch: { refreshMs?: number; paused?: boolean }) => void;
}

export const DEFAULT_FILTERS: SessionFilters = {
  statuses: ['active'],
  user: '',
  profile: '',
  serverInstance: '',
  range: 'all',
  customSince: '',
  customUntil: '',
  search: '',
  revokedSince: '',
  revokedUntil: '',
  reasonCode: '',
};

/** Filters and refresh settings of the sessions workspace; kept across window reloads. */
export const useFilters = create<FiltersState>()(
  persist(
    (set) => ({
      ...DEFAULT_FILTERS,
      refreshMs: 10_000,
      paused: false,
      set: (patch) => set(patch),
      toggleStatus: (status) =>
        set((state) => {
          const next = state.statuses.includes(status) ? state.statuses.filter((s) => s !== status) : [...state.statuses, status];
          // Never no status at all: that would be an empty table nobody asked for.
          return { statuses: next.length > 0 ? SESSION_STATUSES.filter((s) => next.includes(s)) : state.statuses };
        }),
      clearAll: () => set({ ...DEFAULT_FILTERS }),
      setRefresh: (patch) => set(patch),
    }),
    {
      name: 'warden.sessions.filters',
      storage: createJSONStorage(() => localStorage),
      version: 2,
      // Filters saved by an older version lack the newer fields: fill them with defaults.
      migrate: (saved) => ({ ...DEFAULT_FILTERS, ...(saved as Partial<SessionFilters>) }) as FiltersState,
    },
  ),
);

/**
 * The store query for the filters (the free-text search applies to loaded rows only). Of the
 * store filters (profile, server instance) only those the store serves (`capabilities.filters`)
 * are sent: a value kept from another connection's store must not empty this one's table.
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
    const value = filters[filter].trim();
    if (value) sent[filter] = value;
  }
  return sent;
}

function localToIso(value: string): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
