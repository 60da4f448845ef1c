import type { AppInfo } from '../src-shared/contract';
import type { Emit, HandlerTable } from './ipc/dispatch';
import { saveRunEvidence, type ChooseSavePath } from './revocation/evidence';
import type { ProgressListener } from './revocation/sentinel-revoker';
import type { Ledger } from './ledger/ledger';
import type { SentinelRevoker } from './revocation/sentinel-revoker';
import type { SentinelStore } from './sentinel/sentinel-store';

export interface HandlerDependencies {
  store: SentinelStore;
  revoker: SentinelRevoker;
  ledger: Ledger;
  /** The active connection and operator, decided in main. */
  info: () => AppInfo;
  /** Where evidence files go: the save dialog in the app. */
  chooseSavePath: ChooseSavePath;
}

/** Every channel of the contract, implemented on the services; no Electron in sight. */
export function createHandlers(deps: HandlerDependencies): HandlerTable {
  return {
    'app:info': async () => deps.info(),
    'sessions:query': (request) => deps.store.query(request),
    'sessions:get': async ({ id }) => ({ session: await deps.store.get(id) }),
    'sessions:revoke': (request, { emit }) => deps.revoker.revokeSessions(request, throttled(emit)),
    'users:revoke': (request, { emit }) => deps.revoker.revokeUsers(request, throttled(emit)),
    'users:preview': async ({ users }) => ({ users: await deps.revoker.previewUsers(users) }),
    'evidence:save': ({ run }) => saveRunEvidence(deps.ledger, run, deps.chooseSavePath),
    'ledger:verify': () => deps.ledger.verify(),
  };
}

/** Progress for long runs, at most every 100 ms, and always the first and the last. */
function throttled(emit: Emit, intervalMs = 100): ProgressListener {
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (progress.done === 0 || progress.done === progress.total || now - last >= intervalMs) {
      last = now;
      emit('revoke:progress', progress);
    }
  };
}
