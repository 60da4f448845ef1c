import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, contract, type Channel } from '../../src-shared/contract';
import { createDispatch, type HandlerTable, type SenderInfo } from '../../src-main/ipc/dispatch';

const OURS: SenderInfo = { url: 'app://warden/index.html', isMainFrame: true };
const RUNS = 1000;

/** A handler table whose every handler is a spy that must never be reached by bad input. */
function spies() {
  const table = Object.fromEntries(CHANNELS.map((c) => [c, vi.fn(async () => { throw new Error(`${c} must not be called`); })]));
  return { table: table as unknown as HandlerTable, calls: () => Object.values(table).reduce((n, f) => n + f.mock.calls.length, 0) };
}

/** Malformed payloads: anything at all, huge strings, deep nesting, prototype-pollution keys. */
const hostile = fc.oneof(
  fc.anything({ maxDepth: 4, withObjectString: true, withNullPrototype: true, withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withSparseArray: true }),
  fc.string({ minLength: 10_000, maxLength: 20_000 }),
  fc.integer({ min: 1, max: 200 }).map((depth) => {
    let nested: unknown = 'leaf';
    for (let i = 0; i < depth; i += 1) nested = { nested };
    return nested;
  }),
  fc.constantFrom('__proto__', 'constructor', 'prototype').chain((key) =>
    fc.anything({ maxDepth: 2 }).map((value) => JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value ?? null) ?? 'null'}}`)),
  ),
  fc.record({ status: fc.anything(), limit: fc.anything(), cursor: fc.anything(), ids: fc.anything(), reasonCode: fc.anything(), users: fc.anything(), id: fc.anything(), run: fc.anything(), sessionId: fc.anything() }, { requiredKeys: [] }),
);

describe('every channel of the contract, fuzzed', () => {
  it.each(CHANNELS)(`%s answers ${RUNS} malformed payloads with a typed VALIDATION error and never reaches its handler`, async (channel: Channel) => {
    const { table, calls } = spies();
    const dispatch = createDispatch(table, { trustedOrigins: ['app://warden'] });
    const schema = contract[channel].request;
    let tried = 0;
    await fc.assert(
      fc.asyncProperty(hostile, async (payload) => {
        if (schema.safeParse(payload).success) return; // a valid request is not malformed
        tried += 1;
        const result = await dispatch(channel, payload, OURS);
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.error.code).toBe('VALIDATION');
          expect(result.error.message.length).toBeLessThanOrEqual(300);
        }
      }),
      { numRuns: RUNS },
    );
    expect(calls()).toBe(0);
    expect(tried).toBeGreaterThan(RUNS * 0.9);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each(CHANNELS)('%s refuses every sender that is not our main frame, with no handler call', async (channel: Channel) => {
    const { table, calls } = spies();
    const dispatch = createDispatch(table, { trustedOrigins: ['app://warden'] });
    for (const sender of [
      { url: null, isMainFrame: false },
      { url: 'https://evil.example/', isMainFrame: true },
      { url: 'file:///tmp/index.html', isMainFrame: true },
      { url: 'app://warden/index.html', isMainFrame: false },
    ]) {
      expect(await dispatch(channel, {}, sender)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    expect(calls()).toBe(0);
  });
});
