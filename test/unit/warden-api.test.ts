import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src-shared/contract';
import { createWardenApi } from '../../src-shared/warden-api';

describe('the preload API factory', () => {
  it('exposes every contract channel as warden.<domain>.<verb>, and nothing else', async () => {
    const calls: unknown[][] = [];
    const api = createWardenApi(
      async (channel, request) => {
        calls.push([channel, request]);
        return { ok: true, value: null };
      },
      () => () => undefined,
    );
    const exposed = Object.entries(api)
      .filter(([key]) => key !== 'on')
      .flatMap(([domain, verbs]) => Object.keys(verbs).map((verb) => `${domain}:${verb}`));
    expect(exposed.sort()).toEqual([...CHANNELS].sort());
    await api.sessions.query({ status: 'revoked' });
    await api.app.info();
    expect(calls).toEqual([
      ['sessions:query', { status: 'revoked' }],
      ['app:info', undefined],
    ]);
  });

  it('is frozen, so page scripts cannot swap a method for their own', () => {
    const api = createWardenApi(async () => ({ ok: true, value: null }), () => () => undefined);
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.isFrozen(api.sessions)).toBe(true);
  });

  it('subscribes to contract events only, and returns the unsubscribe', () => {
    const listeners = new Map<string, (payload: unknown) => void>();
    const api = createWardenApi(
      async () => ({ ok: true, value: null }),
      (event, listener) => {
        listeners.set(event, listener);
        return () => listeners.delete(event);
      },
    );
    const seen: unknown[] = [];
    const stop = api.on('revoke:progress', (p) => seen.push(p));
    listeners.get('revoke:progress')?.({ done: 1, total: 2 });
    expect(seen).toEqual([{ done: 1, total: 2 }]);
    stop();
    expect(listeners.size).toBe(0);
    expect(() => api.on('evil:event' as 'revoke:progress', () => undefined)).toThrow(TypeError);
  });
});
