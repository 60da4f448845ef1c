import { create } from 'zustand';
import type { SessionStatus } from '../../../../src-shared/session-status';

interface SessionsUiState {
  status: SessionStatus;
  setStatus: (status: SessionStatus) => void;
}

/** UI state of the sessions workspace (server data lives in react-query, not here). */
export const useSessionsUi = create<SessionsUiState>((set) => ({
  status: 'active',
  setStatus: (status) => set({ status }),
}));
