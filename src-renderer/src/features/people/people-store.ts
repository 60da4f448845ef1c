import { create } from 'zustand';
import type { PeopleFindResponse } from '../../../../src-shared/people';

/**
 * The Person screen's state that outlives a visit to another screen: what was typed (also from
 * the command palette), the last search's answer, and the incident open in the incident view.
 */
interface PeopleState {
  person: string;
  /** Set by the palette: search for `person` as soon as the screen shows. */
  searchNow: boolean;
  found: PeopleFindResponse | null;
  incident: string | null;
  setPerson: (person: string) => void;
  ask: (person: string) => void;
  searched: (found: PeopleFindResponse | null) => void;
  openIncident: (incident: string | null) => void;
}

export const usePeople = create<PeopleState>((set) => ({
  person: '',
  searchNow: false,
  found: null,
  incident: null,
  setPerson: (person) => set({ person }),
  ask: (person) => set({ person, searchNow: true, incident: null }),
  searched: (found) => set({ found, searchNow: false }),
  openIncident: (incident) => set({ incident }),
}));
