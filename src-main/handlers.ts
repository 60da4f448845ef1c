import type { AppInfo } from '../src-shared/contract';
import type { HandlerTable } from './ipc/dispatch';
import type { SessionStore } from './session-store';

export interface HandlerDependencies {
  store: SessionStore;
  /** The active connection and operator, decided in main. */
  info: () => AppInfo;
}

/** Every channel of the contract, implemented on the services; no Electron in sight. */
export function createHandlers(deps: HandlerDependencies): HandlerTable {
  return {
    'app:info': async () => deps.info(),
    'sessions:query': (request) => deps.store.query(request),
  };
}
