import type { AppInfo } from '../src-shared/contract';
import type { HandlerTable } from './ipc/dispatch';
import type { Ledger } from './ledger/ledger';
import type { SentinelRevoker } from './revocation/sentinel-revoker';
import type { SentinelStore } from './sentinel/sentinel-store';

export interface HandlerDependencies {
  store: SentinelStore;
  revoker: SentinelRevoker;
  ledger: Ledger;
  /** The active connection and operator, decided in main. */
  info: () => AppInfo;
}

/** Every channel of the contract, implemented on the services; no Electron in sight. */
export function createHandlers(deps: HandlerDependencies): HandlerTable {
  return {
    'app:info': async () => deps.info(),
    'sessions:query': (request) => deps.store.query(request),
    'sessions:get': async ({ id }) => ({ session: await deps.store.get(id) }),
    'sessions:revoke': (request) => deps.revoker.revokeSessions(request),
    'users:revoke': (request) => deps.revoker.revokeUsers(request),
    'ledger:verify': () => deps.ledger.verify(),
  };
}
