import { describe, expect, it } from 'vitest';
import { CHANNELS } from '../../src-shared/contract';
import { createWardenApi } from '../../src-shared/warden-api';

describe('the preload API factory', () => {
  it('exposes every contract channel as warden.<domain>.<verb>, and nothing else', async () => {
    const calls: unknown[][] = [];
    const api = createWardenApi(async (channel, request) => {
      calls.push([channel, request]);
      return { ok: true, value: null };
    });
    const exposed = Object.entries(api).flatMap(([domain, verbs]) => Object.keys(verbs).map((verb) => `${domain}:${verb}`));
    expect(exposed.sort()).toEqual([...CHANNELS].sort());
    await api.sessions.query({ status: 'revoked' });
    await api.app.info();
    expect(calls).toEqual([
      ['sessions:query', { status: 'revoked' }],
      ['app:info', undefined],
    ]);
  });

  it('is frozen, so page scripts cannot swap a method for their own', () => {
    const api = createWardenApi(async () => ({ ok: true, value: null }));
    expect(Object.isFrozen(api)).toBe(true);
    expect(Object.isFrozen(api.sessions)).toBe(true);
  });
});
