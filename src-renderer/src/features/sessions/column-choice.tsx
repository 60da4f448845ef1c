import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import type { SessionField, StoreCapabilities } from '../../../../src-shared/store-capabilities';
import { fieldLabel, OPTIONAL_COLUMNS } from './session-fields';
import './user-views.css';

interface ColumnChoiceState {
  /** Optional columns the operator asked for (shown where the store has them). */
  shown: SessionField[];
  show: (field: SessionField, on: boolean) => void;
}

/** Optional identity columns of the sessions table, kept across reloads and connections. */
export const useColumnChoice = create<ColumnChoiceState>()(
  persist(
    (set) => ({
      shown: [],
      show: (field, on) => set((state) => ({ shown: on ? [...new Set([...state.shown, field])] : state.shown.filter((f) => f !== field) })),
    }),
    {
      name: 'session-warden:columns',
      storage: createJSONStorage(() => localStorage),
      version: 1,
      partialize: ({ shown }) => ({ shown }),
      // Version 0 kept two booleans: the Device and the Source identity column.
      migrate: (saved, version) => {
        if (version >= 1) return saved as ColumnChoiceState;
        const old = (saved ?? {}) as { device?: unknown; source?: unknown };
        const shown: SessionField[] = [];
        if (old.device === true) shown.push('deviceId');
        if (old.source === true) shown.push('sourceIdentity');
        return { shown } as unknown as ColumnChoiceState;
      },
    },
  ),
);

/** A checkbox for each optional column this store has (Device; Source identity on Sentinel). */
export function ColumnChoice({ capabilities }: { capabilities: StoreCapabilities }) {
  const { shown, show } = useColumnChoice();
  const optional = capabilities.columns.filter((field) => OPTIONAL_COLUMNS.has(field));
  if (optional.length === 0) return null;
  return (
    <fieldset className="column-choice">
      <legend className="visually-hidden">Optional columns</legend>
      {optional.map((field) => (
        <label key={field}>
          <input type="checkbox" checked={shown.includes(field)} onChange={(e) => show(field, e.target.checked)} /> {fieldLabel(capabilities, field)} column
        </label>
      ))}
    </fieldset>
  );
}
