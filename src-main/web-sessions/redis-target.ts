import { Cluster, Redis, type RedisOptions } from 'ioredis';

/** How to reach the Redis that holds web sessions: one server, or a cluster's seed nodes. */
export interface RedisTarget {
  /** `redis://` or `rediss://` (TLS) URLs; one for a single server, one or more seeds for a cluster. */
  urls: string[];
  cluster?: boolean;
  /** ACL user and password; they may also be in the URL. Never logged. */
  username?: string;
  password?: string;
  /** Database number (single server only; a cluster has only database 0). */
  db?: number;
  /** Extra CA certificates for `rediss://` (a private CA). */
  tlsCa?: string | Buffer;
}

export type RedisClient = Redis | Cluster;

/**
 * Commands fail fast: no offline queue (a command while disconnected fails at once instead of
 * waiting), a command timeout, no per-command retries. Reconnection goes on in the background.
 */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  commandTimeout: 5000,
  connectTimeout: 3000,
  // How long disconnect() waits for the socket to close before destroying it (ioredis: 2 s).
  disconnectTimeout: 200,
  lazyConnect: true,
  enableAutoPipelining: true,
};

export class RedisTargetError extends Error {
  override name = 'RedisTargetError';
}

/** Parses and checks the URLs; throws RedisTargetError with a message for the operator. */
export function parseRedisUrls(target: RedisTarget): URL[] {
  if (target.urls.length === 0) throw new RedisTargetError('no Redis URL given');
  if (target.urls.length > 1 && target.cluster === false) throw new RedisTargetError('several Redis URLs are cluster seed nodes: use cluster mode');
  const urls = target.urls.map((text) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new RedisTargetError(`not a URL: ${redactUrl(text)}`);
    }
    if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new RedisTargetError(`a Redis URL starts with redis:// or rediss:// (got ${url.protocol}//)`);
    if (!url.hostname) throw new RedisTargetError(`no host in ${redactUrl(text)}`);
    return url;
  });
  if (new Set(urls.map((u) => u.protocol)).size > 1) throw new RedisTargetError('mix of redis:// and rediss:// seeds: use TLS for all or none');
  return urls;
}

/**
 * How long a command or a connection may take, by what the client is for. Every Redis client of
 * the app and the command line is made by `redisClient` with one of these.
 */
export const REDIS_PROFILES = {
  /** Web sessions, team ledger streams, connection tests: connected first, a page may take a moment. */
  sessions: { commandTimeout: 5000, connectTimeout: 3000, lazyConnect: true, enableReadyCheck: true },
  /**
   * The blacklist mirror: a write that does not land quickly goes to the outbox instead of holding
   * a revocation up; it connects by itself in the background, and a least-privilege blacklist user
   * may SET revoked:* and nothing else, so there is no INFO-based ready check.
   */
  blacklist: { commandTimeout: 1500, connectTimeout: 1500, lazyConnect: false, enableReadyCheck: false },
} as const satisfies Record<string, RedisOptions>;
export type RedisProfile = keyof typeof REDIS_PROFILES;

/**
 * An ioredis client for `target` with a timeout profile (a `Cluster` for cluster mode or several
 * seeds), not yet connected unless the profile connects by itself. Credentials may be in the
 * target or the URL; the target's win.
 */
export function redisClient(target: RedisTarget, profile: RedisProfile): RedisClient {
  const urls = parseRedisUrls(target);
  const first = urls[0] as URL;
  const tls = first.protocol === 'rediss:' ? { ...(target.tlsCa ? { ca: target.tlsCa } : {}) } : undefined;
  const username = target.username ?? (first.username ? decodeURIComponent(first.username) : undefined);
  const password = target.password ?? (first.password ? decodeURIComponent(first.password) : undefined);
  const auth = { ...(username ? { username } : {}), ...(password ? { password } : {}) };
  const options: RedisOptions = { ...FAIL_FAST, ...REDIS_PROFILES[profile], ...auth, ...(tls ? { tls } : {}) };
  if (target.cluster === true || urls.length > 1) {
    return new Cluster(
      urls.map((u) => ({ host: u.hostname, port: Number(u.port || 6379) })),
      {
        enableOfflineQueue: false,
        lazyConnect: options.lazyConnect ?? true,
        enableAutoPipelining: true,
        slotsRefreshTimeout: 3000,
        clusterRetryStrategy: (attempt) => (attempt > 3 ? null : attempt * 250),
        redisOptions: options,
      },
    );
  }
  const db = target.db ?? (first.pathname.length > 1 ? Number(first.pathname.slice(1)) : 0);
  if (!Number.isInteger(db) || db < 0) throw new RedisTargetError('the database number must be a whole number');
  return new Redis({ ...options, host: first.hostname, port: Number(first.port || 6379), db, retryStrategy: (attempt) => Math.min(attempt * 250, 5000) });
}

/**
 * A connected ioredis client (the `sessions` profile unless said). Rejects with the connection
 * error when the server cannot be reached or refuses the credentials.
 */
export async function connectRedis(target: RedisTarget, profile: RedisProfile = 'sessions'): Promise<RedisClient> {
  const client = redisClient(target, profile);
  const cluster = client instanceof Cluster;
  // Connection errors surface on the commands (and on connect below); the event is expected
  // while Redis is away and must not become an unhandled 'error'.
  let lastError: Error | undefined;
  client.on('error', (error: Error) => {
    lastError = error;
  });
  try {
    await client.connect();
    if (!cluster && /cluster_enabled:1/.test(await client.info('cluster'))) {
      throw new RedisTargetError('this Redis is a node of a cluster: connect in cluster mode (--redis-cluster, or several seed URLs)');
    }
  } catch (error) {
    client.disconnect();
    if (error instanceof RedisTargetError) throw error;
    // connect() often says only "Connection is closed"; the error event says why.
    const cause = lastError && lastError !== error ? lastError : (error as Error);
    const nodeError = (cause as { lastNodeError?: Error }).lastNodeError;
    // The message only: ioredis errors keep the command they answered (AUTH and its password).
    throw new RedisTargetError(nodeError ? `${cause.message} (${nodeError.message})` : cause.message);
  }
  return client;
}

/** The URL without its password, for messages; text that is not a URL loses everything up to its last `@`. */
export function redactUrl(text: string): string {
  try {
    const url = new URL(text);
    if (url.password) url.password = '***';
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.toString().replace(/\/$/, '');
  } catch {
    const at = text.lastIndexOf('@');
    return at === -1 ? text : `***${text.slice(at)}`;
  }
}

/** The servers whose keys a SCAN must visit: the cluster's masters in a stable order, or the one server. */
export function scanNodes(client: RedisClient): { address: string; node: Redis }[] {
  if (client instanceof Cluster) {
    return client
      .nodes('master')
      .map((node) => ({ address: `${node.options.host}:${node.options.port}`, node }))
      .sort((a, b) => a.address.localeCompare(b.address));
  }
  return [{ address: `${client.options.host}:${client.options.port}`, node: client }];
}
