import { CHANNELS, type Channel, type Contract, type RequestOf, type ResponseOf } from './contract';
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
};

/** How a call reaches main: `ipcRenderer.invoke` in Electron, a test bridge in Chromium. */
export type Invoke = (channel: Channel, request: unknown) => Promise<unknown>;

/**
 * Builds the API object the preload exposes as `window.warden`, from the contract alone, so
 * that no channel name is written by hand anywhere and the renderer never sees the transport.
 */
export function createWardenApi(invoke: Invoke): WardenApi {
  const api: Record<string, Record<string, (request?: unknown) => Promise<unknown>>> = {};
  for (const channel of CHANNELS) {
    const [domain, verb] = channel.split(':') as [string, string];
    api[domain] ??= {};
    api[domain][verb] = (request?: unknown) => invoke(channel, request);
  }
  for (const methods of Object.values(api)) Object.freeze(methods);
  return Object.freeze(api) as unknown as WardenApi;
}

export type { Contract };
