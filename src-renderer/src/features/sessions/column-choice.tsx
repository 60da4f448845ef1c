import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';
import './user-views.css';

/** Optional identity columns of the sessions table, kept across reloads. */
export const useColumnChoice = create<{ device: boolean; source: boolean; set: (patch: Partial<{ device: boolean; source: boolean }>) => void }>()(
  persist((set) => ({ device: false, source: false, set: (patch) => set(patch) }), {
    name: 'session-warden:columns',
    storage: createJSONStorage(() => localStorage),
    partialize: ({ device, source }) => ({ device, source }),
  }),
);

/** Two checkboxes: the Device column, and (Sentinel) the Source identity column. */
export function ColumnChoice({ web }: { web: boolean }) {
  const { device, source, set } = useColumnChoice();
  return (
    <fieldset className="column-choice">
      <legend className="visually-hidden">Optional columns</legend>
      <label>
        <input type="checkbox" checked={device} onChange={(e) => set({ device: e.target.checked })} /> Device column
      </label>
      {web ? null : (
        <label>
          <input type="checkbox" checked={source} onChange={(e) => set({ source: e.target.checked })} /> Source identity column
        </label>
      )}
    </fieldset>
  );
}
