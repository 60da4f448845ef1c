import type { ErrorCode, IpcResult } from '../../../src-shared/result';
import type { WardenApi } from '../../../src-shared/warden-api';

declare global {
  interface Window {
    /** Installed by the preload (or the e2e bridge); use `wardenClient`, never this directly. */
    readonly warden?: WardenApi;
  }
}

/** An error answered by main, with the contract's code and an operator-readable message. */
export class WardenRequestError extends Error {
  constructor(
    readonly code: ErrorCode | 'NO_BRIDGE',
    message: string,
  ) {
    super(message);
    this.name = 'WardenRequestError';
  }
}

/** True when `error` is main's answer with one of these codes. */
export function hasCode(error: unknown, ...codes: WardenRequestError['code'][]): error is WardenRequestError {
  return error instanceof WardenRequestError && codes.includes(error.code);
}

type Domain = Exclude<keyof WardenApi, 'on'>;

/** A preload method with its `IpcResult` unwrapped: resolves to the value, rejects with a WardenRequestError. */
type Unwrapped<F> = F extends (...args: infer A) => Promise<IpcResult<infer T>> ? (...args: A) => Promise<T> : never;

/**
 * `wardenClient.<domain>.<verb>(request)` for every channel of the contract, exactly as the
 * preload's `window.warden` (which src-shared/warden-api.ts builds from the contract), but
 * answering the value or throwing: no channel is named here, so a new channel needs no line.
 */
export type WardenClient = {
  readonly [D in Domain]: { readonly [V in keyof WardenApi[D]]: Unwrapped<WardenApi[D][V]> };
} & {
  /** Listens to an event from main; returns the function that stops listening. */
  readonly on: WardenApi['on'];
};

const NO_BRIDGE_MESSAGE = 'Session Warden must be opened as the desktop app: the connection to its main process is missing.';

function bridge(): WardenApi {
  // globalThis is the window in the renderer (and a stand-in in unit tests, which have no DOM).
  const api = (globalThis as { warden?: WardenApi }).warden;
  if (!api) throw new WardenRequestError('NO_BRIDGE', NO_BRIDGE_MESSAGE);
  return api;
}

async function call(domain: string, verb: string, request: unknown): Promise<unknown> {
  const methods = (bridge() as unknown as Record<string, Record<string, ((request?: unknown) => Promise<IpcResult<unknown>>) | undefined> | undefined>)[domain];
  const method = methods?.[verb];
  if (typeof method !== 'function') throw new WardenRequestError('UNKNOWN_CHANNEL', `Session Warden's main process does not offer ${domain}:${verb}.`);
  const result = await method(request);
  if (result.ok) return result.value;
  throw new WardenRequestError(result.error.code, result.error.message);
}

/**
 * The bridge is looked up at each call, not when this module loads: the preload may install it
 * after the bundle is parsed (the e2e bridge does), and without it every call rejects with
 * NO_BRIDGE (which the screens show) instead of the module failing to load.
 */
function domainClient(domain: string): Record<string, (request?: unknown) => Promise<unknown>> {
  const methods = new Map<string, (request?: unknown) => Promise<unknown>>();
  return new Proxy(Object.freeze({}), {
    get: (_, verb) => {
      // Not a thenable: `await wardenClient.sessions` must not look like a call.
      if (typeof verb !== 'string' || verb === 'then') return undefined;
      let method = methods.get(verb);
      if (!method) {
        method = (request?: unknown) => call(domain, verb, request);
        methods.set(verb, method);
      }
      return method;
    },
  }) as Record<string, (request?: unknown) => Promise<unknown>>;
}

function createWardenClient(): WardenClient {
  const domains = new Map<string, ReturnType<typeof domainClient>>();
  const on: WardenApi['on'] = (event, listener) => bridge().on(event, listener);
  return new Proxy(Object.freeze({}), {
    get: (_, domain) => {
      if (domain === 'on') return on;
      if (typeof domain !== 'string' || domain === 'then') return undefined;
      let methods = domains.get(domain);
      if (!methods) {
        methods = domainClient(domain);
        domains.set(domain, methods);
      }
      return methods;
    },
  }) as WardenClient;
}

/** The one place the renderer talks to main. Feature hooks call it; components never do. */
export const wardenClient: WardenClient = createWardenClient();
