import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { CHANNELS, contract, type Channel, type RequestOf } from '../../src-shared/contract';
import { createDispatch, type HandlerTable, type SenderInfo } from '../../src-main/ipc/dispatch';

const OURS: SenderInfo = { url: 'app://warden/index.html', isMainFrame: true };
const RUNS = 1000;

/** Object.prototype as this file found it: every key, and what each held. */
const PROTOTYPE = new Map(Reflect.ownKeys(Object.prototype).map((key) => [key, Object.getOwnPropertyDescriptor(Object.prototype, key)]));

/** Nothing was added to Object.prototype, and nothing on it was replaced. */
function expectPrototypeIntact(): void {
  expect(Reflect.ownKeys(Object.prototype).map(String)).toEqual([...PROTOTYPE.keys()].map(String));
  for (const [key, before] of PROTOTYPE) {
    const now = Object.getOwnPropertyDescriptor(Object.prototype, key);
    expect(now?.value === before?.value && now?.get === before?.get && now?.set === before?.set, `Object.prototype.${String(key)} was replaced`).toBe(true);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

/** `value` and every object in it: plain prototypes only, and no `polluted` key, own or inherited. */
function expectClean(value: unknown, path = 'request'): void {
  if (value === null || typeof value !== 'object') return;
  const prototype: unknown = Object.getPrototypeOf(value);
  expect(prototype === Object.prototype || prototype === Array.prototype || prototype === null, `${path} has a prototype of its own`).toBe(true);
  expect('polluted' in value, `${path} has a "polluted" key`).toBe(false);
  for (const [key, inner] of Object.entries(value)) expectClean(inner, `${path}.${key}`);
}

/** Valid requests with nested objects, for the channels whose handlers act on what they get. */
const VALID: { [C in Channel]?: RequestOf<C> } = {
  'sessions:revoke': { ids: ['abcdefabcdef0001'], reasonCode: 'offboarding', ticket: 'HR-1', connection: { id: 'demo', nonce: 'nonce-of-this-workspace-0001' } },
  'users:revoke': { users: ['alice'], reasonCode: 'security_incident', connection: { id: 'demo', nonce: 'nonce-of-this-workspace-0001' } },
  'sessions:query': { status: ['active', 'revoked'], user: 'alice', limit: 10 },
  'export:start': { exportId: '5d7a1c9e-2b3f-4c8d-9e0a-1b2c3d4e5f60', kind: 'sessions', format: 'csv', filter: { status: 'any', user: 'alice' } },
  'connections:save': {
    name: 'staging', environment: 'staging', colour: 'amber', readOnly: false,
    store: { kind: 'dynamodb', region: 'eu-west-1', table: 'sentinel-sessions', credentials: { source: 'profile', profile: 'ops' } },
  },
  'ledger:list': { text: 'alice', outcome: 'revoked' },
};

type Mutation = (node: Record<string, unknown>) => void;
const own = (key: string, value: unknown): Mutation => (node) => {
  // What JSON.parse (and so a structured clone of it) makes of `"__proto__": ...`: an own key.
  Object.defineProperty(node, key, { value, enumerable: true, configurable: true, writable: true });
};
/** Ways a payload tries to reach Object.prototype, or to hand the handler a key it never sent. */
const POLLUTERS: [string, Mutation][] = [
  ['an own "__proto__" key', own('__proto__', { polluted: 'yes' })],
  ['"constructor.prototype"', own('constructor', { prototype: { polluted: 'yes' } })],
  ['an own "prototype" key', own('prototype', { polluted: 'yes' })],
  ['a prototype holding "polluted"', (node) => Object.setPrototypeOf(node, { polluted: 'yes' })],
  ['a prototype holding one of its fields and "polluted" (not enumerable)', fieldOnPrototype({ hidePolluted: true })],
  ['a prototype holding one of its fields', fieldOnPrototype({ hidePolluted: false })],
];

/** Moves the object's first field onto its prototype (a schema reads inherited fields). */
function fieldOnPrototype({ hidePolluted }: { hidePolluted: boolean }): Mutation {
  return (node) => {
    const [key] = Object.keys(node);
    if (key === undefined) return;
    const inherited: Record<string, unknown> = { [key]: node[key] };
    if (hidePolluted) Object.defineProperty(inherited, 'polluted', { value: 'yes' });
    Reflect.deleteProperty(node, key);
    Object.setPrototypeOf(node, inherited);
  };
}

/** A fresh copy of `request` with `mutate` applied to the object at `path`. */
function variant(request: unknown, path: string[], mutate: Mutation): unknown {
  const copy: unknown = JSON.parse(JSON.stringify(request));
  const node = path.reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], copy);
  mutate(node as Record<string, unknown>);
  return copy;
}

/** Paths of every plain object in a request, the request itself first. */
function objectPaths(value: unknown, path: string[] = []): string[][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return [path, ...Object.entries(value).flatMap(([key, inner]) => objectPaths(inner, [...path, key]))];
}

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
    expectPrototypeIntact();
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

describe('prototype pollution through the real dispatcher', () => {
  const cases = Object.entries(VALID).flatMap(([channel, request]) =>
    objectPaths(request).flatMap((path) => POLLUTERS.map(([how, mutate]) => [channel as Channel, `${how} at ${['request', ...path].join('.')}`, variant(request, path, mutate)] as const)),
  );

  it.each(cases)('%s: %s changes no prototype and reaches no handler with a polluted request', async (channel, _how, payload) => {
    const received: unknown[] = [];
    const table = Object.fromEntries(CHANNELS.map((c) => [c, vi.fn(async (request: unknown) => void received.push(request))])) as unknown as HandlerTable;
    const result = await createDispatch(table, { trustedOrigins: ['app://warden'] })(channel, payload, OURS);
    expectPrototypeIntact();
    // Refused, or handed over as a plain copy: the handler never sees a key the payload hid.
    if (received.length === 0) expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    for (const request of received) expectClean(request);
  });

  it('hands over some of them (fields on a prototype), so the check of the parsed request runs', async () => {
    const table = Object.fromEntries(CHANNELS.map((c) => [c, vi.fn(async () => undefined)])) as unknown as HandlerTable;
    const dispatch = createDispatch(table, { trustedOrigins: ['app://warden'] });
    for (const [channel, , payload] of cases) await dispatch(channel, payload, OURS);
    expect(Object.values(table).reduce((n, f) => n + (f as ReturnType<typeof vi.fn>).mock.calls.length, 0)).toBeGreaterThan(0);
  });

  it('sanity: the checks fail on a polluted Object.prototype and on a request that hides a polluted key', () => {
    const prototype = Object.prototype as Record<string, unknown>;
    prototype.polluted = 'yes';
    let intact: unknown;
    let clean: unknown;
    try {
      intact = catching(() => expectPrototypeIntact());
      clean = catching(() => expectClean({ ids: ['abcdefabcdef0001'] }));
    } finally {
      delete prototype.polluted;
    }
    expect(intact).toBeInstanceOf(Error);
    expect(clean).toBeInstanceOf(Error);
    const original = Object.getOwnPropertyDescriptor(Object.prototype, 'toString') as PropertyDescriptor;
    Object.defineProperty(Object.prototype, 'toString', { ...original, value: () => 'replaced' });
    try {
      intact = catching(() => expectPrototypeIntact());
    } finally {
      Object.defineProperty(Object.prototype, 'toString', original);
    }
    expect(intact).toBeInstanceOf(Error);
    expectPrototypeIntact();
    expect(() => expectClean({ connection: Object.create({ polluted: 'yes' }) })).toThrow(/request.connection has/);
    expect(() => expectClean({ filter: JSON.parse('{"__proto__": {"polluted": "yes"}}') })).toThrow(/"polluted" key/);
    expect(() => expectClean(variant(VALID['sessions:revoke'], ['connection'], fieldOnPrototype({ hidePolluted: true })))).toThrow(/request.connection has/);
    expectClean(VALID['sessions:revoke']);
  });
});

/** What `work` threw, or undefined. */
function catching(work: () => void): unknown {
  try {
    work();
    return undefined;
  } catch (error) {
    return error;
  }
}
