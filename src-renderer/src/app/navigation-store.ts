import { create } from 'zustand';

export type Screen = 'sessions' | 'activity' | 'audit' | 'offboarding' | 'connections';

/** Which screen the rail shows. */
export const useNavigation = create<{ screen: Screen; go: (screen: Screen) => void }>((set) => ({
  screen: 'sessions',
  go: (screen) => set({ screen }),
}));
