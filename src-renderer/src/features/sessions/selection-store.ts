import { create } from 'zustand';

interface SelectionState {
  /** Rows ticked for a bulk action, by session id. */
  selected: ReadonlySet<string>;
  /** The session shown in the detail panel. */
  focused: string | null;
  toggle: (id: string) => void;
  setMany: (ids: string[], on: boolean) => void;
  clear: () => void;
  focus: (id: string | null) => void;
}

/** What the operator has picked in the table; survives refreshes because ids do. */
export const useSelection = create<SelectionState>((set) => ({
  selected: new Set(),
  focused: null,
  toggle: (id) =>
    set((state) => {
      const next = new Set(state.selected);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return { selected: next };
    }),
  setMany: (ids, on) =>
    set((state) => {
      const next = new Set(state.selected);
      for (const id of ids) {
        if (on) next.add(id);
        else next.delete(id);
      }
      return { selected: next };
    }),
  clear: () => set({ selected: new Set() }),
  focus: (id) => set({ focused: id }),
}));
