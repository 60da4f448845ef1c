import { create } from 'zustand';
import { createJSONStorage, persist } from 'zustand/middleware';

export interface WatchAlert {
  user: string;
  sessionId: string;
  /** When the new session was noticed (ms). */
  at: number;
}

interface WatchState {
  /** Users whose new sessions raise an alert (a compromised account re-authenticating). */
  watched: string[];
  /** New sessions of watched users not yet looked at. */
  alerts: WatchAlert[];
  watch: (user: string) => void;
  unwatch: (user: string) => void;
  addAlerts: (alerts: WatchAlert[]) => void;
  dismiss: (user?: string) => void;
}

export const useWatch = create<WatchState>()(
  persist(
    (set) => ({
      watched: [],
      alerts: [],
      watch: (user) => set((s) => ({ watched: s.watched.includes(user) ? s.watched : [...s.watched, user] })),
      unwatch: (user) => set((s) => ({ watched: s.watched.filter((u) => u !== user), alerts: s.alerts.filter((a) => a.user !== user) })),
      addAlerts: (alerts) => set((s) => ({ alerts: [...s.alerts, ...alerts.filter((a) => !s.alerts.some((b) => b.sessionId === a.sessionId))] })),
      dismiss: (user) => set((s) => ({ alerts: user === undefined ? [] : s.alerts.filter((a) => a.user !== user) })),
    }),
    { name: 'warden.watch', storage: createJSONStorage(() => localStorage), version: 1, partialize: (s) => ({ watched: s.watched }) },
  ),
);
