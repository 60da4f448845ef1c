import { create } from 'zustand';

export type Screen = 'sessions' | 'people' | 'activity' | 'audit' | 'offboarding' | 'connections';

/** Every screen, in the rail's order, with its name (the rail and the palette list them). */
export const SCREENS: readonly { id: Screen; label: string }[] = [
  { id: 'sessions', label: 'Sessions' },
  { id: 'people', label: 'Find a person' },
  { id: 'activity', label: 'Activity' },
  { id: 'audit', label: 'Audit' },
  { id: 'offboarding', label: 'Offboarding' },
  { id: 'connections', label: 'Connections' },
];

/** Which screen the rail shows. */
export const useNavigation = create<{ screen: Screen; go: (screen: Screen) => void }>((set) => ({
  screen: 'sessions',
  go: (screen) => set({ screen }),
}));
