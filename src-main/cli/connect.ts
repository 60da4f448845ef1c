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
import type { Principal } from '../../src-shared/principal';
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
import { deviceId } from '../team-ledger/device-id';
import { createLedgerTable, defaultLedgerTable, dynamoChainWhere, DynamoTeamChain } from '../team-ledger/dynamo-chain';
import { DEFAULT_LEDGER_STREAM, persistenceOf, redisChainWhere, RedisTeamChain } from '../team-ledger/redis-chain';
import type { TeamChain } from '../team-ledger/team-chain';
import { TeamLedger } from '../team-ledger/team-ledger';

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
  /** The team ledger: a DynamoDB table, or with --store redis a stream key (from a saved connection too). */
  teamLedger?: string | undefined;
  /** Name the default team ledger when none is named (`ledger init`): `<table>-revocations`, `session-warden:revocations`. */
  defaultTeamLedger?: boolean | undefined;
}

/** What `ledger init` did. */
export interface TeamLedgerInit {
  kind: 'dynamodb' | 'redis';
  name: string;
  /** DynamoDB: the table was created now (false: it was there already). Redis: a stream needs no creating. */
  created: boolean;
  /** DynamoDB: point-in-time recovery; Redis: whether the server persists what is written. */
  durability: 'point-in-time recovery enabled' | 'point-in-time recovery NOT enabled' | 'appendonly yes' | 'snapshots only' | 'NOT persisted' | 'unknown';
  detail?: string;
}

export interface CliConnection {
  store: SessionStore;
  ledger: Ledger;
  /** The connection's team ledger, when one is named. */
  team: TeamLedger | null;
  /** Creates the team ledger (`ledger init`). */
  initTeamLedger(): Promise<TeamLedgerInit>;
  /** The blacklist Redis of a Sentinel connection that has one (and may write). */
  blacklist: OpenedBlacklist | null;
  /** Who records, and where, for writes that are not revocations (a blacklist repair). */
  recorder(): Promise<{ operator: string; principal: Principal; connection: string; ledger: Pick<Ledger, 'append'> }>;
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
    const { teamLedger: savedTeamLedger, ...rest } = fields;
    const teamLedger = flags.teamLedger ?? savedTeamLedger;
    const connected = await connect(
      { ...rest, ...blacklist, ledger: flags.ledger, connection: undefined, ledgerName: saved.name, defaultTeamLedger: flags.defaultTeamLedger, ...(teamLedger ? { teamLedger } : {}) },
      env,
      dataDir,
    );
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
  const teamTable = flags.teamLedger ?? (flags.defaultTeamLedger ? defaultLedgerTable(flags.table) : undefined);
  if (teamTable !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(teamTable)) throw new UsageError('--team-ledger must be a DynamoDB table name');
  const team = teamTable ? await teamLedgerOver(ledger, new DynamoTeamChain(base, teamTable, dynamoChainWhere(flags.endpoint, region))) : null;
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
  const connection = flags.ledgerName ?? (flags.endpoint ? `${flags.table}@${flags.endpoint}` : `${flags.table}@${region}`);
  const identity = () =>
    resolveOperator({
      endpoint: flags.endpoint,
      sts: () => new STSClient({ region: region === 'local' ? 'us-east-1' : region, maxAttempts: 3, ...(flags.awsProfile ? { profile: flags.awsProfile } : {}) }),
    });

  return {
    store,
    ledger,
    team,
    initTeamLedger: async () => {
      if (!teamTable) throw new UsageError('--team-ledger NAME is required');
      const made = await createLedgerTable(base, teamTable);
      return {
        kind: 'dynamodb',
        name: teamTable,
        created: made.created,
        durability: made.pointInTimeRecovery === 'enabled' ? 'point-in-time recovery enabled' : 'point-in-time recovery NOT enabled',
        ...(made.detail ? { detail: made.detail } : {}),
      };
    },
    blacklist: blacklist ?? null,
    recorder: async () => {
      const { name: operator, principal } = await identity();
      return { operator, principal, connection, ledger: team ? team.stamping(ledger) : ledger };
    },
    revoker: async () => {
      const { name: operator, principal } = await identity();
      // Writes left pending by an earlier run are retried first.
      await mirror?.start();
      return new SentinelRevoker({ client, store, ledger: team ? team.stamping(ledger) : ledger, operator, principal, connection, ...(mirror ? { blacklist: mirror } : {}) });
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
  const stream = flags.teamLedger ?? (flags.defaultTeamLedger ? DEFAULT_LEDGER_STREAM : undefined);
  const team = stream ? await teamLedgerOver(ledger, new RedisTeamChain(client, stream, redisChainWhere(flags.redis))) : null;
  return {
    store,
    ledger,
    team,
    initTeamLedger: async () => {
      if (!stream) throw new UsageError('--team-ledger NAME is required');
      const persisted = await persistenceOf(client);
      const durability: TeamLedgerInit['durability'] = persisted === null ? 'unknown' : persisted.appendonly ? 'appendonly yes' : persisted.snapshots ? 'snapshots only' : 'NOT persisted';
      return { kind: 'redis', name: stream, created: false, durability, ...(persisted === null ? { detail: 'the server refused CONFIG GET: check that it runs with appendonly yes' } : {}) };
    },
    blacklist: null,
    recorder: async () => ({ operator: localIdentity().name, principal: localIdentity().principal, connection: `redis:${where}`, ledger: team ? team.stamping(ledger) : ledger }),
    revoker: async () => new RedisRevoker({ client, store, ledger: team ? team.stamping(ledger) : ledger, operator: localIdentity().name, principal: localIdentity().principal, connection: `redis:${where}` }),
    close: async () => {
      client.disconnect();
    },
  };
}

/** The team ledger over the local one; this desk is the ledger's folder (shared with the app by default). */
async function teamLedgerOver(ledger: Ledger, chain: TeamChain): Promise<TeamLedger> {
  const dataDir = dirname(ledger.path);
  return new TeamLedger({ ledger, chain, dataDir, device: await deviceId(dataDir) });
}
