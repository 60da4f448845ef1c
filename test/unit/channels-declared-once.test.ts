import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { APP_CHANNELS, CHANNELS, WORKSPACE_CHANNELS, type AppChannel, type Channel, type WorkspaceChannel } from '../../src-shared/contract';
import { createAppHandlers } from '../../src-main/app-handlers';
import type { ConnectionManager } from '../../src-main/connections/connection-manager';
import { createHandlers } from '../../src-main/handlers';
import type { HandlerContext, HandlerTable, WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { Ledger } from '../../src-main/ledger/ledger';
import type { SessionStore } from '../../src-main/session-store';
import type { Workspace } from '../../src-main/workspace';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const CONTEXT: HandlerContext = { emit: () => undefined };

describe('who answers each channel is declared once, beside the contract', () => {
  it('every channel is either a workspace channel or an app channel, never both, never neither', () => {
    // At compile time (tsc checks these): nothing left over, nothing in both.
    expectTypeOf<Exclude<Channel, WorkspaceChannel | AppChannel>>().toBeNever();
    expectTypeOf<Extract<WorkspaceChannel, AppChannel>>().toBeNever();
    // And at run time, the lists the tables are built from.
    expect(WORKSPACE_CHANNELS.filter((c) => (APP_CHANNELS as readonly string[]).includes(c))).toEqual([]);
    expect([...WORKSPACE_CHANNELS, ...APP_CHANNELS].sort()).toEqual([...CHANNELS].sort());
    expect(new Set(WORKSPACE_CHANNELS).size).toBe(WORKSPACE_CHANNELS.length);
    expect(new Set(APP_CHANNELS).size).toBe(APP_CHANNELS.length);
  });

  it("a workspace's table has exactly the workspace channels: no stubs for the app's", () => {
    const store = { query: vi.fn(), get: vi.fn() } as unknown as SessionStore;
    const info = { version: 't', connection: { id: 'demo', nonce: 'n', name: 'Demo store', kind: 'demo', environment: 'demo', table: 't', readOnly: true, capabilities: SENTINEL_CAPABILITIES }, operator: 'local:t' } as const;
    const table = createHandlers({ store, revoker: null, ledger: new Ledger('/nonexistent/ledger.jsonl'), ledgerConnection: 'demo', info: () => info, chooseSavePath: async () => null, notify: () => undefined });
    expect(Object.keys(table).sort()).toEqual([...WORKSPACE_CHANNELS].sort());
  });

  it("the app's table answers every channel: workspace channels on the active workspace, the others on the manager", async () => {
    // A workspace whose every handler says which channel it is and echoes what it was given.
    const workspaceCalls: [string, unknown, HandlerContext][] = [];
    const handlers = Object.fromEntries(
      WORKSPACE_CHANNELS.map((channel) => [channel, async (request: unknown, context: HandlerContext) => void workspaceCalls.push([channel, request, context])]),
    ) as unknown as WorkspaceHandlerTable;
    const workspace = { handlers } as unknown as Workspace;
    const run = vi.fn(<T>(call: (w: Workspace) => Promise<T>) => call(workspace));
    const manager = {
      run,
      list: vi.fn(async () => 'list'),
      save: vi.fn(async () => 'saved'),
      remove: vi.fn(async () => 'removed'),
      test: vi.fn(async () => 'tested'),
      switchTo: vi.fn(async () => 'switched'),
      profiles: vi.fn(async () => 'profiles'),
      initLedger: vi.fn(async () => 'initialised'),
      blacklist: { status: vi.fn(async () => 'pending'), deliver: vi.fn(async () => 'delivered') },
      people: { find: vi.fn(async () => 'found'), revoke: vi.fn(async () => 'revoked'), evidence: vi.fn(async () => 'evidence') },
      incidents: { pin: vi.fn(async () => 'pinned'), list: vi.fn(async () => 'listed'), get: vi.fn(async () => 'got'), export: vi.fn(async () => 'exported') },
    };
    const table: HandlerTable = createAppHandlers(manager as unknown as ConnectionManager);
    expect(Object.keys(table).sort()).toEqual([...CHANNELS].sort());

    const call = (channel: Channel, request: unknown) => (table[channel] as (r: unknown, c: HandlerContext) => Promise<unknown>)(request, CONTEXT);
    for (const channel of WORKSPACE_CHANNELS) await call(channel, { asked: channel });
    // Each went to the workspace's own handler for that channel, through the manager's counted run, with the caller's context.
    expect(workspaceCalls).toEqual(WORKSPACE_CHANNELS.map((channel) => [channel, { asked: channel }, CONTEXT]));
    expect(run).toHaveBeenCalledTimes(WORKSPACE_CHANNELS.length);

    const answers = Object.fromEntries(await Promise.all(APP_CHANNELS.map(async (channel) => [channel, await call(channel, { id: 'c1' })])));
    expect(answers).toEqual({
      'connections:list': 'list',
      'connections:save': { connection: 'saved' },
      'connections:delete': 'removed',
      'connections:test': 'tested',
      'connections:switch': 'switched',
      'connections:profiles': { profiles: 'profiles' },
      'connections:initLedger': 'initialised',
      'blacklist:pending': 'pending',
      'blacklist:retry': 'delivered',
      'people:find': 'found',
      'people:revoke': 'revoked',
      'people:evidence': 'evidence',
      'incidents:pin': 'pinned',
      'incidents:list': 'listed',
      'incidents:get': 'got',
      'incidents:export': 'exported',
    });
    // None of them reached a workspace.
    expect(run).toHaveBeenCalledTimes(WORKSPACE_CHANNELS.length);
  });
});
