import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import { ACTIVITY_REASONS, REASON_LABELS, type ActivityReason } from '../../../../src-shared/reason-codes';
import { SESSION_STATUSES, type SessionStatus } from '../../../../src-shared/session-status';
import { DEFAULT_FILTERS, FILTERS_VERSION, migrateFilters, type SessionFilters } from './filter-query';

export { DEFAULT_FILTERS, queryOf, RANGE_LABELS, type RangePreset, type SessionFilters } from './filter-query';

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
      version: FILTERS_VERSION,
      migrate: (saved) => migrateFilters(saved) as FiltersState,
    },
  ),
);
