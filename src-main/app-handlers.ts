import { WORKSPACE_CHANNELS } from '../src-shared/contract';
import { handlerTable, type AppOwnHandlerTable, type HandlerTable, type WorkspaceHandlerTable } from './ipc/dispatch';
import type { ConnectionManager } from './connections/connection-manager';

/**
 * The handler table the window talks to: every workspace channel goes to the active connection's
 * workspace, the app channels to the manager. Registered once; switching swaps what is behind it.
 */
export function createAppHandlers(manager: ConnectionManager): HandlerTable {
  return { ...toActiveWorkspace(manager), ...answeredByManager(manager) };
}

/** Each workspace channel, run on whichever workspace is active when the call arrives. */
function toActiveWorkspace(manager: ConnectionManager): WorkspaceHandlerTable {
  return handlerTable(WORKSPACE_CHANNELS, (channel) => (request, context) => manager.run((workspace) => workspace.handlers[channel](request, context)));
}

function answeredByManager(manager: ConnectionManager): AppOwnHandlerTable {
  return {
    'connections:list': () => manager.list(),
    'connections:save': async (request) => ({ connection: await manager.save(request) }),
    'connections:delete': ({ id }) => manager.remove(id),
    'connections:test': (request) => manager.test(request),
    'connections:switch': ({ id }) => manager.switchTo(id),
    'connections:profiles': async () => ({ profiles: await manager.profiles() }),
    'connections:initLedger': ({ id }) => manager.initLedger(id),
    // Every saved connection's outbox, whichever connection is open.
    'blacklist:pending': () => manager.blacklist.status(),
    'blacklist:retry': () => manager.blacklist.deliver(),
    // Incident mode (issue 18): every selected saved connection, each with its own credentials.
    'people:find': (request) => manager.people.find(request),
    'people:revoke': (request) => manager.people.revoke(request),
    'people:evidence': (request) => manager.people.evidence(request),
    'incidents:pin': (request) => manager.incidents.pin(request),
    'incidents:list': () => manager.incidents.list(),
    'incidents:get': ({ incident }) => manager.incidents.get(incident),
    'incidents:export': (request) => manager.incidents.export(request),
  };
}
