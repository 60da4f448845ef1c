import type { HandlerTable } from './ipc/dispatch';
import type { ConnectionManager } from './connections/connection-manager';

/**
 * The handler table the window talks to: every workspace channel goes to the active connection's
 * workspace, the connection channels to the manager. Registered once; switching swaps what is
 * behind it.
 */
export function createAppHandlers(manager: ConnectionManager): HandlerTable {
  const delegate = <C extends keyof HandlerTable>(channel: C): HandlerTable[C] =>
    ((request: never, context: never) =>
      manager.run(async (workspace) => (workspace.handlers[channel] as (r: never, c: never) => Promise<unknown>)(request, context))) as HandlerTable[C];
  return {
    'app:info': delegate('app:info'),
    'sessions:query': delegate('sessions:query'),
    'sessions:get': delegate('sessions:get'),
    'sessions:revoke': delegate('sessions:revoke'),
    'users:revoke': delegate('users:revoke'),
    'users:preview': delegate('users:preview'),
    'users:lookup': delegate('users:lookup'),
    'evidence:save': delegate('evidence:save'),
    'watch:notify': delegate('watch:notify'),
    'ledger:verify': delegate('ledger:verify'),
    'ledger:list': delegate('ledger:list'),
    'ledger:team': delegate('ledger:team'),
    'ledger:deliver': delegate('ledger:deliver'),
    'export:start': delegate('export:start'),
    'export:cancel': delegate('export:cancel'),
    'activity:summary': delegate('activity:summary'),
    'connections:list': () => manager.list(),
    'connections:save': async (request) => ({ connection: await manager.save(request) }),
    'connections:delete': ({ id }) => manager.remove(id),
    'connections:test': (request) => manager.test(request),
    'connections:switch': ({ id }) => manager.switchTo(id),
    'connections:profiles': async () => ({ profiles: await manager.profiles() }),
    'connections:initLedger': ({ id }) => manager.initLedger(id),
    'blacklist:pending': () => manager.blacklist.status(),
    'blacklist:retry': () => manager.blacklist.deliver(),
  };
}
