import { InfiniteQueryObserver, MutationObserver, QueryObserver } from '@tanstack/react-query';
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, type SessionsPage } from '../../src-shared/contract';
import type { IpcResult } from '../../src-shared/result';
import { createWardenApi } from '../../src-shared/warden-api';
import { createQueryClient, shouldRetry } from '../../src-renderer/src/api/query-client';
import { APP_INFO_KEY } from '../../src-renderer/src/api/use-app-info';
import { wardenClient, WardenRequestError } from '../../src-renderer/src/api/warden-client';

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

/** The renderer's client over a preload API whose transport answers `answer(channel, request)`. */
async function withBridge<T>(answer: (channel: string, request: unknown) => IpcResult<unknown>, run: (calls: unknown[][], emit: (event: string, payload: unknown) => void) => Promise<T>): Promise<T> {
  const calls: unknown[][] = [];
  const listeners = new Map<string, (payload: unknown) => void>();
  const api = createWardenApi(
    async (channel, request) => {
      calls.push([channel, request]);
      return answer(channel, request);
    },
    (event, listener) => {
      listeners.set(event, listener);
      return () => listeners.delete(event);
    },
  );
  const holder = globalThis as { warden?: unknown };
  holder.warden = api;
  try {
    return await run(calls, (event, payload) => listeners.get(event)?.(payload));
  } finally {
    delete holder.warden;
  }
}

describe('the renderer client derived from the contract', () => {
  it('offers every contract channel as wardenClient.<domain>.<verb>, answering the value', async () => {
    await withBridge(
      (channel, request) => ({ ok: true, value: { channel, request } }),
      async (calls) => {
        for (const channel of CHANNELS) {
          const [domain, verb] = channel.split(':') as [string, string];
          const method = (wardenClient as unknown as Record<string, Record<string, (request?: unknown) => Promise<unknown>>>)[domain]?.[verb];
          expect(typeof method, channel).toBe('function');
          await expect(method?.({ probe: channel })).resolves.toEqual({ channel, request: { probe: channel } });
        }
        expect(calls.map(([channel]) => channel)).toEqual([...CHANNELS]);
        // Typed from the contract: the request and the answer are the channel's own.
        const page: SessionsPage = await wardenClient.sessions.query({ status: 'revoked', limit: 5 });
        expect(page).toEqual({ channel: 'sessions:query', request: { status: 'revoked', limit: 5 } });
        await wardenClient.app.info();
        expect(calls.at(-1)).toEqual(['app:info', undefined]);
      },
    );
  });

  it("throws main's error as a WardenRequestError with its code and message", async () => {
    await withBridge(
      () => ({ ok: false, error: { code: 'STORE_UNAVAILABLE', message: 'Redis at 127.0.0.1:6380 does not answer (connection refused).' } }),
      async () => {
        const failure = await wardenClient.sessions.query({}).catch((error: unknown) => error);
        expect(failure).toBeInstanceOf(WardenRequestError);
        expect(failure).toMatchObject({ code: 'STORE_UNAVAILABLE', message: 'Redis at 127.0.0.1:6380 does not answer (connection refused).' });
      },
    );
  });

  it('passes events through `on` and returns the unsubscribe', async () => {
    await withBridge(
      () => ({ ok: true, value: null }),
      async (_, emit) => {
        const seen: unknown[] = [];
        const stop = wardenClient.on('revoke:progress', (p) => seen.push(p));
        emit('revoke:progress', { done: 1, total: 3 });
        stop();
        emit('revoke:progress', { done: 2, total: 3 });
        expect(seen).toEqual([{ done: 1, total: 3 }]);
      },
    );
  });

  it('rejects every call with NO_BRIDGE when the preload is missing, without failing to load', async () => {
    const failure = await wardenClient.ledger.verify().catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'NO_BRIDGE', message: expect.stringContaining('must be opened as the desktop app') });
  });
});

describe("the renderer's query client acts on main's error codes", () => {
  const fail = (code: WardenRequestError['code']) => new WardenRequestError(code, `${code} from main`);

  it('retries once, never a request whose answer cannot change', () => {
    expect(shouldRetry(0, fail('STORE_UNAVAILABLE'))).toBe(true);
    expect(shouldRetry(0, new Error('network'))).toBe(true);
    expect(shouldRetry(1, fail('STORE_UNAVAILABLE'))).toBe(false);
    for (const code of ['VALIDATION', 'READ_ONLY', 'FORBIDDEN', 'CONNECTION_CHANGED', 'INVALID_CURSOR'] as const) {
      expect(shouldRetry(0, fail(code)), code).toBe(false);
    }
  });

  it('starts a paged list again from its first page when a cursor is refused (INVALID_CURSOR)', async () => {
    const client = createQueryClient();
    const requests: (string | undefined)[] = [];
    let refuse = true;
    const observer = new InfiniteQueryObserver(client, {
      queryKey: ['sessions', 'list', {}],
      queryFn: async ({ pageParam }: { pageParam: string | undefined }) => {
        requests.push(pageParam);
        if (pageParam !== undefined && refuse) {
          refuse = false;
          throw fail('INVALID_CURSOR');
        }
        return { page: pageParam ?? 'first', next: 'cursor-1' };
      },
      initialPageParam: undefined as string | undefined,
      getNextPageParam: (page: { page: string; next: string }) => page.next,
    });
    const stop = observer.subscribe(() => undefined);
    try {
      await vi.waitFor(() => expect(observer.getCurrentResult().data?.pages).toHaveLength(1));
      await observer.fetchNextPage();
      await vi.waitFor(() => expect(requests).toEqual([undefined, 'cursor-1', undefined]));
      await vi.waitFor(() => expect(observer.getCurrentResult().status).toBe('success'));
      expect(observer.getCurrentResult().data?.pages).toEqual([{ page: 'first', next: 'cursor-1' }]);
      // The list goes on from there as usual.
      await observer.fetchNextPage();
      expect(observer.getCurrentResult().data?.pages.map((p) => p.page)).toEqual(['first', 'cursor-1']);
    } finally {
      stop();
      client.clear();
    }
  });

  it('does not loop when even the first page is refused with INVALID_CURSOR', async () => {
    const client = createQueryClient();
    let calls = 0;
    await client
      .fetchQuery({
        queryKey: ['sessions', 'list', { broken: true }],
        queryFn: async () => {
          calls += 1;
          throw fail('INVALID_CURSOR');
        },
      })
      .catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(calls).toBe(1);
    client.clear();
  });

  it('reads app info again when main refuses a write as READ_ONLY', async () => {
    const client = createQueryClient();
    let readOnly = false;
    const infoObserver = new QueryObserver(client, { queryKey: APP_INFO_KEY, queryFn: async () => ({ readOnly }), staleTime: Infinity });
    const stop = infoObserver.subscribe(() => undefined);
    try {
      await vi.waitFor(() => expect(infoObserver.getCurrentResult().data).toEqual({ readOnly: false }));
      readOnly = true;
      const revoke = new MutationObserver(client, {
        mutationFn: async () => {
          throw fail('READ_ONLY');
        },
      });
      await revoke.mutate().catch(() => undefined);
      await vi.waitFor(() => expect(infoObserver.getCurrentResult().data).toEqual({ readOnly: true }));
    } finally {
      stop();
      client.clear();
    }
  });
});
