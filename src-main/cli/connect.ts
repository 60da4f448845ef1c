import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { DescribeTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { STSClient } from '@aws-sdk/client-sts';
import { readFile } from 'node:fs/promises';
import { defaultDataDir } from '../app-paths';
import { loadSavedConnection, SavedConnectionError, type SavedConnection } from '../connections/saved-connections';
import { Ledger } from '../ledger/ledger';
import { isLocalEndpoint, localIdentity, resolveOperator } from '../operator-identity';
import { openBlacklist, type OpenedBlacklist } from '../revocation/blacklist-targets';
import type { Revoker } from '../revocation/revoker';
import { SentinelRevoker } from '../revocation/sentinel-revoker';
import type { SessionStore } from '../session-store';
import { RedisSessionStore } from '../web-sessions/redis-session-store';
import { connectRedis, parseRedisUrls, redactUrl, RedisTargetError, type RedisTarget } from '../web-sessions/redis-target';
import { RedisRevoker } from '../web-sessions/redis-writer';
import { CursorCodec } from '../sentinel/cursor';
import { dynamoClientOptions, serviceClock } from '../sentinel/dynamo-client-options';
import { localEndpointCredentials } from '../connections/connection-clients';
import { SentinelStore } from '../sentinel/sentinel-store';
import { StoreUnreachableError, UsageError } from './cli-errors';

export interface ConnectionFlags {
  /** Which kind of store: Sentinel sessions in DynamoDB (default) or web sessions in Redis. */
  store?: string | undefined;
  /** Web-session Redis: one URL, or cluster seed nodes. */
  redis?: string[] | undefined;
  redisCluster?: boolean | undefined;
  /** PEM file of a private CA for `rediss://`. */
  redisCa?: string | undefined;
  table?: string | undefined;
  region?: string | undefined;
  endpoint?: string | undefined;
  awsProfile?: string | undefined;
  blacklistRedis?: string | undefined;
  /** From a saved connection: the blacklist Redis ACL user (its password comes from the environment). */
  blacklistUsername?: string | undefined;
  ledger?: string | undefined;
  connection?: string | undefined;
  /** From a saved connection: refuse revocations. */
  readOnly?: boolean | undefined;
  /** From a saved connection: its name, which the ledger records (as the app does). */
  ledgerName?: string | undefined;
}

export interface CliConnection {
  store: SessionStore;
  ledger: Ledger;
  /** Resolves the operator identity (STS for AWS) and builds the revoker. */
  revoker(): Promise<Revoker>;
  close(): Promise<void>;
}

/** The ledger: `--ledger`, or the one in the app's data directory (shared with the app). */
export function ledgerFrom(flags: ConnectionFlags, dataDir = defaultDataDir()): Ledger {
  return new Ledger(flags.ledger ?? join(dataDir, 'ledger.jsonl'));
}

/** Builds the store, ledger and revoker from flags: DynamoDB (with an optional blacklist) or Redis. */
export async function connect(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env, dataDir = defaultDataDir(env)): Promise<CliConnection> {
  const kind = flags.store ?? 'dynamodb';
  if (kind !== 'dynamodb' && kind !== 'redis') throw new UsageError('--store must be dynamodb or redis');
  const redisFlags = flags.redis?.length || flags.redisCluster || flags.redisCa;
  if (kind === 'redis') return connectWebSessions(flags, env, dataDir);
  if (redisFlags) throw new UsageError('--redis, --redis-cluster and --redis-ca are for --store redis (for a DynamoDB blacklist use --blacklist-redis)');
  if (flags.connection !== undefined) {
    if (flags.table || flags.region || flags.endpoint || flags.awsProfile || flags.blacklistRedis) {
      throw new UsageError('use either --connection or --table/--region/--endpoint/--aws-profile/--blacklist-redis, not both');
    }
    let saved: SavedConnection;
    try {
      saved = await loadSavedConnection(dataDir, flags.connection);
    } catch (error) {
      if (error instanceof SavedConnectionError) throw new UsageError(error.message, { cause: error });
      throw error;
    }
    const { blacklistPasswordSealed, blacklistRedis, blacklistUsername, ...fields } = saved;
    // Never connect to the blacklist without the password the connection was saved with: the
    // writes would be refused, or land as someone else. A password the app keeps only in memory
    // (no keyring) is not in the file at all, but an ACL user says one is needed.
    const needsPassword = blacklistPasswordSealed === true || blacklistUsername !== undefined;
    if (blacklistRedis && !saved.readOnly && needsPassword && !env.SESSION_WARDEN_BLACKLIST_PASSWORD) {
      throw new UsageError(
        `saved connection "${saved.name}" keeps its blacklist Redis password ${blacklistPasswordSealed ? "sealed with the app's OS keyring, which the command line cannot open" : 'in the app only'}: set SESSION_WARDEN_BLACKLIST_PASSWORD to that password (nothing was read or written)`,
      );
    }
    // A read-only connection writes nothing, the blacklist included.
    const blacklist = blacklistRedis && !saved.readOnly ? { blacklistRedis, ...(blacklistUsername ? { blacklistUsername } : {}) } : {};
    const connected = await connect({ ...fields, ...blacklist, ledger: flags.ledger, connection: undefined, ledgerName: saved.name }, env, dataDir);
    if (!saved.readOnly) return connected;
    return {
      ...connected,
      revoker: () => Promise.reject(new UsageError(`connection "${saved.name}" is read-only: revocations are refused, nothing was written`)),
    };
  }
  if (!flags.table) throw new UsageError('--table is required');
  if (flags.endpoint !== undefined && !/^https?:\/\//.test(flags.endpoint)) throw new UsageError('--endpoint must be an http:// or https:// URL');
  if (flags.blacklistRedis !== undefined && !/^rediss?:\/\//.test(flags.blacklistRedis)) throw new UsageError('--blacklist-redis must be a redis:// or rediss:// URL');
  const local = isLocalEndpoint(flags.endpoint);
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (local ? 'local' : undefined);
  if (!region) throw new UsageError('--region is required (or set AWS_REGION)');

  const common: DynamoDBClientConfig = {
    region,
    ...dynamoClientOptions(3000),
    ...(flags.awsProfile ? { profile: flags.awsProfile } : {}),
    // DynamoDB Local keeps one database per access key and region: the configured keys find the
    // tables made with them; fixed keys only when none are configured.
    ...(local && !flags.awsProfile ? localEndpointCredentials(env) : {}),
  };
  const base = new DynamoDBClient({ ...common, ...(flags.endpoint ? { endpoint: flags.endpoint } : {}) });
  const client = DynamoDBDocumentClient.from(base);

  try {
    await client.send(new DescribeTableCommand({ TableName: flags.table }));
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'AccessDeniedException') {
      client.destroy();
      const what = name === 'ResourceNotFoundException' ? `table "${flags.table}" does not exist in ${region}` : `${name}: ${(error as Error).message}`;
      throw new StoreUnreachableError(`cannot reach the Sentinel table: ${what}`, { cause: error });
    }
  }

  const store = new SentinelStore({ client, tableName: flags.table, cursors: new CursorCodec(randomBytes(32)) });
  const ledger = ledgerFrom(flags, dataDir);
  let blacklist: OpenedBlacklist | undefined;
  if (flags.blacklistRedis) {
    blacklist = await openBlacklist(
      { url: flags.blacklistRedis, username: flags.blacklistUsername, password: env.SESSION_WARDEN_BLACKLIST_PASSWORD || undefined },
      dirname(ledger.path),
      { clock: serviceClock(base) },
    );
    // Whatever this run is for, writes an earlier run (or the app) left pending go first.
    await blacklist.mirror.flush().catch(() => undefined);
  }
  const mirror = blacklist?.mirror;

  return {
    store,
    ledger,
    revoker: async () => {
      const { name: operator, principal } = await resolveOperator({
        endpoint: flags.endpoint,
        sts: () => new STSClient({ region: region === 'local' ? 'us-east-1' : region, maxAttempts: 3, ...(flags.awsProfile ? { profile: flags.awsProfile } : {}) }),
      });
      // Writes left pending by an earlier run are retried first.
      await mirror?.start();
      return new SentinelRevoker({ client, store, ledger, operator, principal, connection: flags.ledgerName ?? (flags.endpoint ? `${flags.table}@${flags.endpoint}` : `${flags.table}@${region}`), ...(mirror ? { blacklist: mirror } : {}) });
    },
    close: async () => {
      await mirror?.flush().catch(() => undefined);
      await blacklist?.close();
      client.destroy();
    },
  };
}

/** Web sessions in Redis (`--store redis --redis URL`); the password may come from the environment. */
async function connectWebSessions(flags: ConnectionFlags, env: NodeJS.ProcessEnv, dataDir: string): Promise<CliConnection> {
  if (flags.connection !== undefined || flags.table || flags.region || flags.endpoint || flags.awsProfile || flags.blacklistRedis) {
    throw new UsageError('--store redis takes --redis (and --redis-cluster, --redis-ca, --ledger), not DynamoDB options');
  }
  if (!flags.redis?.length) throw new UsageError('--redis URL is required with --store redis');
  const target: RedisTarget = {
    urls: flags.redis,
    cluster: flags.redisCluster === true || flags.redis.length > 1,
    ...(env.SESSION_WARDEN_REDIS_PASSWORD ? { password: env.SESSION_WARDEN_REDIS_PASSWORD } : {}),
  };
  try {
    parseRedisUrls(target);
  } catch (error) {
    if (error instanceof RedisTargetError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  if (flags.redisCa) {
    try {
      target.tlsCa = await readFile(flags.redisCa);
    } catch (error) {
      throw new UsageError(`cannot read --redis-ca ${flags.redisCa}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
    }
  }
  const where = flags.redis.map(redactUrl).join(',');
  let client: Awaited<ReturnType<typeof connectRedis>>;
  try {
    client = await connectRedis(target);
  } catch (error) {
    throw new StoreUnreachableError(`cannot reach Redis at ${where}: ${redactUrl((error as Error).message)}`);
  }
  const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)) });
  const ledger = ledgerFrom(flags, dataDir);
  return {
    store,
    ledger,
    revoker: async () => new RedisRevoker({ client, store, ledger, operator: localIdentity().name, principal: localIdentity().principal, connection: `redis:${where}` }),
    close: async () => {
      client.disconnect();
    },
  };
}
