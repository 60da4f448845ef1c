import { CHANNELS, EVENT_NAMES, type Channel, type Contract, type EventName, type EventPayload, type RequestOf, type ResponseOf } from './contract';
import type { IpcResult } from './result';

type DomainOf<C extends string> = C extends `${infer D}:${string}` ? D : never;
type VerbOf<C extends string, D extends string> = C extends `${D}:${infer V}` ? V : never;

/** `warden.<domain>.<verb>(request)` for every channel of the contract. */
export type WardenApi = {
  readonly [D in DomainOf<Channel>]: {
    readonly [V in VerbOf<Channel, D>]: `${D}:${V}` extends infer C extends Channel
      ? undefined extends RequestOf<C>
        ? (request?: RequestOf<C>) => Promise<IpcResult<ResponseOf<C>>>
        : (request: RequestOf<C>) => Promise<IpcResult<ResponseOf<C>>>
      : never;
  };
} & {
  /** Listens to an event from main; returns the function that stops listening. */
  readonly on: <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) => () => void;
};

/** How a call reaches main: `ipcRenderer.invoke` in Electron, a test bridge in Chromium. */
export type Invoke = (channel: Channel, request: unknown) => Promise<unknown>;

/** How events arrive: `ipcRenderer.on` without the Electron event; returns an unsubscribe. */
export type Subscribe = (event: EventName, listener: (payload: unknown) => void) => () => void;

/**
 * Builds the API object the preload exposes as `window.warden`, from the contract alone, so
 * that no channel name is written by hand anywhere and the renderer never sees the transport.
 */
export function createWardenApi(invoke: Invoke, subscribe: Subscribe): WardenApi {
  const api: Record<string, unknown> = {};
  for (const channel of CHANNELS) {
    const [domain, verb] = channel.split(':') as [string, string];
    const methods = (api[domain] ??= {}) as Record<string, (request?: unknown) => Promise<unknown>>;
    methods[verb] = (request?: unknown) => invoke(channel, request);
  }
  for (const methods of Object.values(api)) Object.freeze(methods);
  api.on = (event: unknown, listener: unknown) => {
    if (!EVENT_NAMES.includes(event as EventName)) throw new TypeError(`unknown event ${String(event)}`);
    if (typeof listener !== 'function') throw new TypeError('listener must be a function');
    return subscribe(event as EventName, listener as (payload: unknown) => void);
  };
  return Object.freeze(api) as unknown as WardenApi;
}

export type { Contract };
