import { describe, expect, it, vi } from 'vitest';
import type { AppInfo, SessionsPage } from '../../src-shared/contract';
import { WardenError } from '../../src-main/errors';
import { createDispatch, type HandlerTable, type SenderInfo } from '../../src-main/ipc/dispatch';
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
  const handlers = {
    'app:info': vi.fn(async () => INFO),
    'sessions:query': vi.fn(query),
    'sessions:get': vi.fn(unused),
    'sessions:revoke': vi.fn(unused),
    'users:revoke': vi.fn(unused),
    'ledger:verify': vi.fn(unused),
    'users:preview': vi.fn(unused),
    'users:lookup': vi.fn(unused),
    'evidence:save': vi.fn(unused),
    'watch:notify': vi.fn(unused),
    'export:start': vi.fn(unused),
    'export:cancel': vi.fn(unused),
    'activity:summary': vi.fn(unused),
    'ledger:list': vi.fn(unused),
    'connections:list': vi.fn(unused),
    'connections:save': vi.fn(unused),
    'connections:delete': vi.fn(unused),
    'connections:test': vi.fn(unused),
    'connections:switch': vi.fn(unused),
    'connections:profiles': vi.fn(unused),
    'connections:initLedger': vi.fn(unused),
    'blacklist:pending': vi.fn(unused),
    'blacklist:retry': vi.fn(unused),
    'ledger:team': vi.fn(unused),
    'ledger:deliver': vi.fn(unused),
  };
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
