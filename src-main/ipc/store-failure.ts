import { WardenError } from '../errors';

/**
 * Why a store client's error means the store could not be used right now (down, unreachable,
 * too slow, refusing our credentials), in words for an operator; null for any other error.
 * Adapters that know their client say this themselves (a WardenError); this is for what still
 * comes through raw: ioredis reports an outage only as a plain Error with a fixed message, and
 * Node's sockets by an errno code. Never the error's other properties: an ioredis reply to AUTH
 * keeps the password among them.
 */
export function storeFailureReason(error: unknown): string | null {
  if (!(error instanceof Error)) return null;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && Object.hasOwn(SOCKET_CODES, code)) return SOCKET_CODES[code] ?? null;
  for (const [pattern, reason] of MESSAGES) if (pattern.test(error.message)) return reason;
  if (error.name === 'MaxRetriesPerRequestError') return 'the connection to it is down and being retried';
  if (error.name === 'ClusterAllFailedError') return 'no node of the cluster answered';
  return null;
}

/**
 * A store outage as an operator reads it: `STORE_UNAVAILABLE`, saying which connection and store
 * and what to do; null when `error` is not an outage (then it is not ours to explain).
 */
export function storeUnavailable(error: unknown, store: { connection: string; where: string }, consequence = ''): WardenError | null {
  const reason = storeFailureReason(error);
  if (reason === null) return null;
  return new WardenError(
    'STORE_UNAVAILABLE',
    `The store of "${store.connection}" (${store.where}) could not be used: ${reason}.${consequence ? ` ${consequence}` : ''} Check that it is running and reachable from this machine, then try again.`,
  );
}

const SOCKET_CODES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'it refused the connection (is it running, on this address and port?)',
  ECONNRESET: 'it dropped the connection',
  ETIMEDOUT: 'it did not answer in time',
  EHOSTUNREACH: 'its host cannot be reached from this machine',
  ENETUNREACH: 'its network cannot be reached from this machine',
  ENOTFOUND: 'its host name does not resolve',
  EAI_AGAIN: 'its host name could not be resolved just now',
  EPIPE: 'the connection to it broke',
};

const MESSAGES: readonly (readonly [RegExp, string])[] = [
  // ioredis with no offline queue (DESIGN: fail fast), while it reconnects.
  [/^Stream isn't writeable and enableOfflineQueue options is false$/, 'the connection to it is down (reconnecting in the background)'],
  [/^Cluster isn't ready and enableOfflineQueue options is false$/, 'the connection to its cluster is down (reconnecting in the background)'],
  [/^Connection is closed\.$/, 'the connection to it closed during the request'],
  [/^Command timed out$/, 'it did not answer in time'],
  [/^(None of startup nodes is available|Cluster is disconnected\.|Node is disconnected)$/, 'no node of the cluster answered'],
  // Redis's own refusals: its reply's first word is the reason, and never holds our password.
  [/^(NOAUTH|WRONGPASS)\b/, 'it refused the connection\'s credentials (update the password in the connection)'],
  [/^NOPERM\b/, 'the connection\'s user may not run a command Session Warden needs (check its ACL)'],
  [/^LOADING\b/, 'it is still loading its data after a restart'],
  [/^(MASTERDOWN|CLUSTERDOWN|TRYAGAIN)\b/, 'it is not serving requests right now'],
];
