import { describe, expect, it, vi, type Mock } from 'vitest';
import { CHANNELS, WORKSPACE_CHANNELS, type AppInfo, type Channel, type SessionsPage } from '../../src-shared/contract';
import { WardenError } from '../../src-main/errors';
import { createDispatch, type HandlerTable, type SenderInfo, type WorkspaceHandlerTable } from '../../src-main/ipc/dispatch';
import { SENTINEL_CAPABILITIES } from '../../src-main/sentinel/capabilities';

const OURS: SenderInfo = { url: 'app://warden/index.html', isMainFrame: true };
const INFO: AppInfo = {
  version: '0.1.0',
  connection: { id: 'test', nonce: 'nonce-of-this-workspace-0001', name: 'Demo store', kind: 'demo', environment: 'demo', table: 't', readOnly: false, capabilities: SENTINEL_CAPABILITIES },
  operator: 'local:tester',
};

function setup(query: HandlerTable['sessions:query'] = async () => ({ sessions: [] }) as SessionsPage) {
  const unused = async (): Promise<never> => {
    throw new Error('not called in these tests');
  };
  // Every channel of the contract, from the contract: a spy each, two of them answering.
  const handlers = Object.fromEntries(CHANNELS.map((channel) => [channel, vi.fn(unused)])) as unknown as { [C in Channel]: Mock<HandlerTable[C]> };
  handlers['app:info'].mockImplementation(async () => INFO);
  handlers['sessions:query'].mockImplementation(query);
  const onInternalError = vi.fn();
  const dispatch = createDispatch(handlers, { trustedOrigins: ['app://warden'], onInternalError });
  return { dispatch, handlers, onInternalError };
}

describe('handle(): sender checks', () => {
  it.each<[string, SenderInfo]>([
    ['no frame', { url: null, isMainFrame: false }],
    ['a foreign origin', { url: 'https://evil.example/', isMainFrame: true }],
    ['a file:// page', { url: 'file:///tmp/x.html', isMainFrame: true }],
    ['a sub-frame of our own origin', { url: 'app://warden/index.html', isMainFrame: false }],
    ['another app:// host', { url: 'app://evil/index.html', isMainFrame: true }],
    ['an unparsable URL', { url: 'not a url', isMainFrame: true }],
  ])('refuses %s with FORBIDDEN and calls no handler', async (_label, sender) => {
    const { dispatch, handlers } = setup();
    const result = await dispatch('sessions:query', {}, sender);
    expect(result).toEqual({ ok: false, error: expect.objectContaining({ code: 'FORBIDDEN' }) });
    expect(handlers['sessions:query']).not.toHaveBeenCalled();
  });

  it('answers our own main frame', async () => {
    const { dispatch } = setup();
    expect(await dispatch('app:info', undefined, OURS)).toEqual({ ok: true, value: INFO });
  });
});

describe('handle(): payload validation', () => {
  it('fills defaults: active, 50 per page', async () => {
    const { dispatch, handlers } = setup();
    await dispatch('sessions:query', {}, OURS);
    expect(handlers['sessions:query']).toHaveBeenCalledWith({ status: 'active', limit: 50 }, { emit: expect.any(Function) });
  });

  it.each<[string, unknown, string]>([
    ['an unknown status', { status: 'deleted' }, 'status'],
    ['a negative page size', { limit: -1 }, 'limit'],
    ['a zero page size', { limit: 0 }, 'limit'],
    ['a fractional page size', { limit: 2.5 }, 'limit'],
    ['a page size over the maximum', { limit: 501 }, 'limit'],
    ['a page size as a string', { limit: '50' }, 'limit'],
    ['an extra field', { status: 'active', admin: true }, ''],
    ['a prototype-pollution key', JSON.parse('{"__proto__": {"polluted": 1}}'), ''],
    ['a 10 MB cursor', { cursor: 'x'.repeat(10 * 1024 * 1024) }, 'cursor'],
    ['an empty cursor', { cursor: '' }, 'cursor'],
    ['an array', [], ''],
    ['a string', 'status=active', ''],
    ['null', null, ''],
  ])('refuses %s with a typed VALIDATION error and calls no handler', async (_label, payload, path) => {
    const { dispatch, handlers } = setup();
    const result = await dispatch('sessions:query', payload, OURS);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('VALIDATION');
    expect(result.error.message.length).toBeLessThanOrEqual(300);
    if (path) expect(result.error.path).toEqual([path]);
    expect(handlers['sessions:query']).not.toHaveBeenCalled();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses a 10 MB extra key name without echoing it', async () => {
    const { dispatch } = setup();
    const result = await dispatch('sessions:query', { ['k'.repeat(10 * 1024 * 1024)]: 1 }, OURS);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message.length).toBeLessThanOrEqual(300);
  });

  it('refuses arguments to a call that takes none', async () => {
    const { dispatch } = setup();
    expect(await dispatch('app:info', { x: 1 }, OURS)).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it.each([undefined, null, 42, 'sessions:delete', '__proto__', 'constructor', 'toString'])(
    'answers the unknown channel %j with UNKNOWN_CHANNEL',
    async (channel) => {
      const { dispatch } = setup();
      expect(await dispatch(channel, {}, OURS)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    },
  );

  it("answers, over a workspace's table alone, the app's channels as unknown (the app's table answers them)", async () => {
    const { handlers } = setup();
    const workspaceOnly = Object.fromEntries(WORKSPACE_CHANNELS.map((c) => [c, handlers[c]])) as unknown as WorkspaceHandlerTable;
    const dispatch = createDispatch(workspaceOnly, { trustedOrigins: ['app://warden'] });
    expect(await dispatch('connections:list', undefined, OURS)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    expect(handlers['connections:list']).not.toHaveBeenCalled();
    expect(await dispatch('app:info', undefined, OURS)).toEqual({ ok: true, value: INFO });
  });
});

describe('handle(): failures', () => {
  it('passes an operator-readable WardenError through', async () => {
    const { dispatch } = setup(async () => {
      throw new WardenError('STORE_UNAVAILABLE', 'DynamoDB could not be reached');
    });
    expect(await dispatch('sessions:query', {}, OURS)).toEqual({
      ok: false,
      error: { code: 'STORE_UNAVAILABLE', message: 'DynamoDB could not be reached' },
    });
  });

  it('hides unexpected errors behind INTERNAL and reports them to main only', async () => {
    const { dispatch, onInternalError } = setup(async () => {
      throw new Error('secret-bearing internal detail');
    });
    const result = await dispatch('sessions:query', {}, OURS);
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    expect(JSON.stringify(result)).not.toContain('secret-bearing');
    expect(onInternalError).toHaveBeenCalledOnce();
  });

  it('refuses to send a response that breaks the contract', async () => {
    const { dispatch } = setup(async () => ({ sessions: [{ id: 1 }] }) as unknown as SessionsPage);
    expect(await dispatch('sessions:query', {}, OURS)).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
  });
});
