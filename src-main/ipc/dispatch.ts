import type { z } from 'zod';
import {
  contract,
  events,
  isChannel,
  type AppChannel,
  type Channel,
  type EventName,
  type EventPayload,
  type ParsedRequestOf,
  type ResponseOf,
  type WorkspaceChannel,
} from '../../src-shared/contract';
import type { IpcError, IpcResult } from '../../src-shared/result';
import { WardenError } from '../errors';

/** Who sent an IPC message, as far as main can tell (Electron's `event.senderFrame`). */
export interface SenderInfo {
  /** URL of the sending frame; null when the frame is gone or unknown. */
  readonly url: string | null;
  /** True only for the top-level frame of our window. */
  readonly isMainFrame: boolean;
}

/** Sends an event to the window that made the call. */
export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

/** What a handler gets besides its request. */
export interface HandlerContext {
  emit: Emit;
}

/** The implementation of one channel, given an already-validated request. */
export type Handler<C extends Channel> = (request: ParsedRequestOf<C>, context: HandlerContext) => Promise<ResponseOf<C>>;

/** Implementations of exactly the channels `Cs`. */
export type HandlerTableOf<Cs extends Channel> = { [C in Cs]: Handler<C> };

/** What one connection's workspace answers (`createHandlers`): the contract's workspace channels. */
export type WorkspaceHandlerTable = HandlerTableOf<WorkspaceChannel>;

/** What the app answers itself, whichever workspace is open: the contract's app channels. */
export type AppOwnHandlerTable = HandlerTableOf<AppChannel>;

/** Every channel of the contract: what the window talks to (`createAppHandlers`). */
export type HandlerTable = HandlerTableOf<Channel>;

/**
 * A table of `channels` with one handler made per channel, each typed for its own channel. The
 * loop cannot show the compiler that every key got its own handler type; `make` being generic
 * over the channel is what guarantees it.
 */
export function handlerTable<Cs extends Channel>(channels: readonly Cs[], make: <C extends Cs>(channel: C) => Handler<C>): HandlerTableOf<Cs> {
  return Object.fromEntries(channels.map((channel) => [channel, make(channel)])) as HandlerTableOf<Cs>;
}

/** Delivers a validated event payload to the calling window (Electron: `webContents.send`). */
export type EventSink = (event: EventName, payload: unknown) => void;

export type Dispatch = (channel: unknown, payload: unknown, sender: SenderInfo, sink?: EventSink) => Promise<IpcResult<unknown>>;

export interface DispatchOptions {
  /** Origins (`scheme://host`) whose main frame may call us. */
  trustedOrigins: readonly string[];
  /** Told of unexpected failures; must not receive request payloads (they may hold secrets). */
  onInternalError?: (channel: Channel, error: unknown) => void;
}

const MAX_MESSAGE = 300;

/**
 * The one `handle()` every channel goes through: checks that the sender is our own main frame,
 * validates the payload with the contract, runs the handler, and answers `{ok, value}` or
 * `{ok: false, error}`. It never throws and never lets a malformed payload reach a handler.
 * The app passes the whole table (`createAppHandlers`); a workspace's table alone (a test's)
 * answers its own channels, and the others as unknown here.
 */
export function createDispatch(handlers: HandlerTable | WorkspaceHandlerTable, options: DispatchOptions): Dispatch {
  const trusted = new Set(options.trustedOrigins);
  return async (channel, payload, sender, sink) => {
    if (!isTrustedSender(sender, trusted)) {
      return failure({ code: 'FORBIDDEN', message: 'This request did not come from the Session Warden window.' });
    }
    const handler = isChannel(channel) ? (handlers as Partial<Record<Channel, (request: unknown, context: HandlerContext) => Promise<unknown>>>)[channel] : undefined;
    if (!isChannel(channel) || handler === undefined) {
      return failure({ code: 'UNKNOWN_CHANNEL', message: 'Unknown request.' });
    }
    const definition = contract[channel];
    const parsed = definition.request.safeParse(payload);
    if (!parsed.success) return failure(validationError(parsed.error));
    try {
      const emit: Emit = (event, eventPayload) => {
        // Events are checked against the contract like answers are.
        sink?.(event, events[event].parse(eventPayload));
      };
      const value: unknown = await handler(parsed.data, { emit });
      const checked = (definition.response as z.ZodType).safeParse(value);
      if (!checked.success) throw new Error(`response of ${channel} does not match the contract`);
      return { ok: true, value: checked.data };
    } catch (error) {
      if (error instanceof WardenError) return failure({ code: error.code, message: clip(error.message) });
      options.onInternalError?.(channel, error);
      return failure({ code: 'INTERNAL', message: 'Something went wrong in Session Warden. The details are in the application log.' });
    }
  };
}

/** `scheme://host` of a URL; Node gives non-special schemes (our `app:`) the origin "null". */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}

function isTrustedSender(sender: SenderInfo, trusted: ReadonlySet<string>): boolean {
  if (!sender.isMainFrame || sender.url === null) return false;
  const origin = originOf(sender.url);
  return origin !== null && trusted.has(origin);
}

function validationError(error: z.ZodError): IpcError {
  const issue = error.issues[0];
  const path = (issue?.path ?? []).map(String).map((p) => clip(p, 60));
  const where = path.length > 0 ? `${path.join('.')}: ` : '';
  return { code: 'VALIDATION', message: clip(`Invalid request. ${where}${issue?.message ?? 'malformed'}`), path };
}

function failure(error: IpcError): IpcResult<never> {
  return { ok: false, error };
}

function clip(text: string, max = MAX_MESSAGE): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
