import { dirname, join } from 'node:path';
import { readFile } from 'node:fs/promises';
import type { PostgresStore, StoredStore } from '../../src-shared/connections';
import pgpass from 'pgpass';
import { parsePostgresUrl } from '../postgres/postgres-pool';
import type { Principal } from '../../src-shared/principal';
import { defaultDataDir } from '../app-paths';
import { MissingSecretError, type DynamoStore, type RedisStore } from '../connections/connection-clients';
import { ConnectionStore, type StoredConnection } from '../connections/connection-store';
import { SecretVault } from '../connections/secret-vault';
import { Ledger } from '../ledger/ledger';
import { isLocalEndpoint } from '../operator-identity';
import type { CanaryGround } from '../proof/canary-ground';
import type { CanarySettings } from '../../src-shared/canary';
import { openBlacklist, type OpenedBlacklist } from '../revocation/blacklist-targets';
import type { Revoker } from '../revocation/revoker';
import type { SessionStore } from '../session-store';
import { storeKind } from '../stores/registry';
import type { OpenedStore, StoreSecrets, TeamLedgerInit } from '../stores/store-kind';
import { deviceId } from '../team-ledger/device-id';
import type { TeamChain } from '../team-ledger/team-chain';
import { TeamLedger } from '../team-ledger/team-ledger';
import { parseRedisUrls, RedisTargetError } from '../web-sessions/redis-target';
import { StoreUnreachableError, UsageError } from './cli-errors';

export type { TeamLedgerInit } from '../stores/store-kind';

export interface ConnectionFlags {
  /** Which kind of store: Sentinel sessions in DynamoDB (default) or web sessions in Redis. */
  store?: string | undefined;
  /** Web-session Redis: one URL, or cluster seed nodes. */
  redis?: string[] | undefined;
  redisCluster?: boolean | undefined;
  /** PEM file of a private CA for `rediss://`. */
  redisCa?: string | undefined;
  /** With --store postgres: the libpq URL (its password from PGPASSWORD or ~/.pgpass). */
  postgres?: string | undefined;
  /** PEM file of a private CA for PostgreSQL's verify-ca / verify-full. */
  postgresCa?: string | undefined;
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

export interface CliConnection {
  /** The connection's name as the ledger records it. */
  name: string;
  store: SessionStore;
  /** Where the enforcement canary is written, when the store's kind has one. */
  canary: CanaryGround | null;
  /**
   * A saved connection's canary opt-in (its settings, or null when it never opted in); undefined
   * for a connection given by flags, where running `canary run` is itself the operator's consent.
   */
  canarySettings?: CanarySettings | null;
  /** A saved connection's environment (`production`…); undefined for a connection given by flags. */
  environment?: string;
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

/**
 * Builds the store, ledger and revoker: from a connection the app saved (`--connection NAME`, read
 * through the app's own connection store), or from flags. Either way the store is opened by its
 * kind's module, as the app opens it.
 */
export async function connect(flags: ConnectionFlags, env: NodeJS.ProcessEnv = process.env, dataDir = defaultDataDir(env)): Promise<CliConnection> {
  if (flags.store !== undefined && !['dynamodb', 'redis', 'postgres'].includes(flags.store)) throw new UsageError('--store must be dynamodb, redis or postgres');
  if (flags.connection !== undefined) return connectSaved(flags, env, dataDir);
  if (flags.store !== 'postgres' && (flags.postgres !== undefined || flags.postgresCa !== undefined)) throw new UsageError('--postgres and --postgres-ca are for --store postgres');
  const store = flags.store === 'redis' ? await webSessionsFromFlags(flags) : flags.store === 'postgres' ? await postgresFromFlags(flags) : sentinelFromFlags(flags, env);
  const secrets: StoreSecrets = {
    secret: store.kind === 'redis' ? env.SESSION_WARDEN_REDIS_PASSWORD || null : store.kind === 'postgres' ? await postgresPassword(store, env) : null,
    blacklistSecret: env.SESSION_WARDEN_BLACKLIST_PASSWORD || null,
  };
  return openConnection({ store, secrets, readOnly: false, name: storeKind(store).unnamed(store) }, flags, dataDir);
}

/** A connection saved by the app. Secrets its keyring sealed cannot be opened here: they come from the environment, or the command is refused. */
async function connectSaved(flags: ConnectionFlags, env: NodeJS.ProcessEnv, dataDir: string): Promise<CliConnection> {
  if (flags.table || flags.region || flags.endpoint || flags.awsProfile || flags.blacklistRedis || flags.redis?.length || flags.redisCluster || flags.redisCa) {
    throw new UsageError('use either --connection or --table/--region/--endpoint/--aws-profile/--blacklist-redis/--redis, not both');
  }
  let found;
  try {
    // No keyring here: the vault reads nothing sealed.
    found = await new ConnectionStore(dataDir, new SecretVault(null)).find(flags.connection ?? '');
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  if ('problem' in found) throw new UsageError(found.problem);
  const saved = found.connection;
  if (flags.store !== undefined && flags.store !== saved.store.kind) throw new UsageError(`saved connection "${saved.name}" is a ${saved.store.kind} store, not --store ${flags.store}`);
  const secrets = savedSecrets(saved, env);
  const store = flags.teamLedger ? { ...saved.store, teamLedger: flags.teamLedger } : saved.store;
  const opened = await openConnection({ store, secrets, readOnly: saved.readOnly, name: saved.name }, flags, dataDir);
  return { ...opened, canarySettings: saved.canary?.enabled === true ? saved.canary : null, environment: saved.environment };
}

/**
 * The secrets a saved connection needs, from the environment: the command line cannot open what
 * the app sealed with its OS keyring, and one the app holds only in memory is not in the file at
 * all. Refused, with what to do, rather than connecting without them (writes would be refused, or
 * land as someone else). A read-only connection never opens its blacklist.
 */
export function savedSecrets(saved: StoredConnection, env: NodeJS.ProcessEnv): StoreSecrets {
  const { store } = saved;
  let secret: string | null = null;
  if (store.kind === 'dynamodb' && store.credentials.source === 'static') {
    throw new UsageError(`saved connection "${saved.name}" holds a secret the app keeps encrypted: the command line uses AWS profiles or the default credential chain`);
  }
  if (store.kind === 'redis' && (saved.secret !== undefined || store.username !== undefined)) {
    secret = env.SESSION_WARDEN_REDIS_PASSWORD || null;
    if (secret === null) throw new UsageError(`saved connection "${saved.name}" keeps its Redis password ${saved.secret ? "sealed with the app's OS keyring, which the command line cannot open" : 'in the app only'}: set SESSION_WARDEN_REDIS_PASSWORD to that password (nothing was read or written)`);
  }
  if (store.kind === 'postgres') {
    // libpq's convention: PGPASSWORD; a password the app keeps must come from it.
    secret = env.PGPASSWORD || null;
    if (secret === null && saved.secret !== undefined) throw new UsageError(`saved connection "${saved.name}" keeps its PostgreSQL password sealed with the app's OS keyring, which the command line cannot open: set PGPASSWORD to that password (nothing was read or written)`);
  }
  let blacklistSecret: string | null = null;
  const blacklist = storeKind(store).blacklist(store, { secret, blacklistSecret: null });
  if (blacklist && !saved.readOnly && (saved.blacklistSecret !== undefined || blacklist.username !== undefined)) {
    blacklistSecret = env.SESSION_WARDEN_BLACKLIST_PASSWORD || null;
    if (blacklistSecret === null) {
      throw new UsageError(
        `saved connection "${saved.name}" keeps its blacklist Redis password ${saved.blacklistSecret ? "sealed with the app's OS keyring, which the command line cannot open" : 'in the app only'}: set SESSION_WARDEN_BLACKLIST_PASSWORD to that password (nothing was read or written)`,
      );
    }
  }
  return { secret, blacklistSecret };
}

function sentinelFromFlags(flags: ConnectionFlags, env: NodeJS.ProcessEnv): DynamoStore {
  if (flags.redis?.length || flags.redisCluster || flags.redisCa) throw new UsageError('--redis, --redis-cluster and --redis-ca are for --store redis (for a DynamoDB blacklist use --blacklist-redis)');
  if (!flags.table) throw new UsageError('--table is required');
  if (flags.endpoint !== undefined && !/^https?:\/\//.test(flags.endpoint)) throw new UsageError('--endpoint must be an http:// or https:// URL');
  if (flags.blacklistRedis !== undefined && !/^rediss?:\/\//.test(flags.blacklistRedis)) throw new UsageError('--blacklist-redis must be a redis:// or rediss:// URL');
  const local = isLocalEndpoint(flags.endpoint);
  const region = flags.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? (local ? 'local' : undefined);
  if (!region) throw new UsageError('--region is required (or set AWS_REGION)');
  return {
    kind: 'dynamodb',
    region,
    table: flags.table,
    ...(flags.endpoint ? { endpoint: flags.endpoint } : {}),
    credentials: flags.awsProfile ? { source: 'profile', profile: flags.awsProfile } : { source: 'default' },
    ...(flags.blacklistRedis ? { blacklistRedis: { url: flags.blacklistRedis } } : {}),
    ...(flags.teamLedger ? { teamLedger: flags.teamLedger } : {}),
  };
}

/** Web sessions in Redis (`--store redis --redis URL`); the password may come from the environment. */
async function webSessionsFromFlags(flags: ConnectionFlags): Promise<RedisStore> {
  if (flags.table || flags.region || flags.endpoint || flags.awsProfile || flags.blacklistRedis) {
    throw new UsageError('--store redis takes --redis (and --redis-cluster, --redis-ca, --ledger), not DynamoDB options');
  }
  if (!flags.redis?.length) throw new UsageError('--redis URL is required with --store redis');
  const cluster = flags.redisCluster === true || flags.redis.length > 1;
  try {
    parseRedisUrls({ urls: flags.redis, cluster });
  } catch (error) {
    if (error instanceof RedisTargetError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  let tlsCa: string | undefined;
  if (flags.redisCa) {
    try {
      tlsCa = await readFile(flags.redisCa, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --redis-ca ${flags.redisCa}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
    }
  }
  return { kind: 'redis', urls: flags.redis, cluster, ...(tlsCa ? { tlsCa } : {}), ...(flags.teamLedger ? { teamLedger: flags.teamLedger } : {}) };
}

/** The web app's PostgreSQL sessions table (`--store postgres --postgres URL`). */
async function postgresFromFlags(flags: ConnectionFlags): Promise<PostgresStore> {
  if (flags.table || flags.region || flags.endpoint || flags.awsProfile || flags.redis?.length || flags.redisCluster || flags.redisCa) {
    throw new UsageError('--store postgres takes --postgres (and --postgres-ca, --blacklist-redis, --ledger), not DynamoDB or Redis options');
  }
  if (!flags.postgres) throw new UsageError('--postgres URL is required with --store postgres');
  if (flags.blacklistRedis !== undefined && !/^rediss?:\/\//.test(flags.blacklistRedis)) throw new UsageError('--blacklist-redis must be a redis:// or rediss:// URL');
  let sslmode: PostgresStore['sslmode'];
  try {
    sslmode = parsePostgresUrl(flags.postgres).sslmode;
  } catch (error) {
    throw new UsageError(`--postgres: ${(error as Error).message}`, { cause: error });
  }
  let tlsCa: string | undefined;
  if (flags.postgresCa) {
    try {
      tlsCa = await readFile(flags.postgresCa, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --postgres-ca ${flags.postgresCa}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
    }
  }
  return { kind: 'postgres', url: flags.postgres, sslmode, ...(tlsCa ? { tlsCa } : {}), ...(flags.blacklistRedis ? { blacklistRedis: { url: flags.blacklistRedis } } : {}) };
}

/** libpq's places for a password: PGPASSWORD, else the matching line of ~/.pgpass (PGPASSFILE; ignored unless only its owner can read it). */
async function postgresPassword(store: PostgresStore, env: NodeJS.ProcessEnv): Promise<string | null> {
  if (env.PGPASSWORD) return env.PGPASSWORD;
  const { host, port, database, user } = parsePostgresUrl(store.url, store.sslmode);
  return new Promise((resolve) => {
    pgpass({ host, port: String(port), database, user }, (password) => resolve(password ?? null));
  });
}

/** Opens any store through its kind's module, with this desk's ledger, team ledger and blacklist. */
async function openConnection(connection: { store: StoredStore | PostgresStore; secrets: StoreSecrets; readOnly: boolean; name: string }, flags: ConnectionFlags, dataDir: string): Promise<CliConnection> {
  const { secrets, readOnly, name } = connection;
  const kind = storeKind(connection.store);
  const teamName = ('teamLedger' in connection.store ? connection.store.teamLedger : undefined) ?? (flags.defaultTeamLedger ? kind.defaultTeamLedger(connection.store) : undefined);
  const invalid = teamName === undefined ? null : kind.invalidTeamLedger(teamName);
  if (invalid) throw new UsageError(`--team-ledger: ${invalid}`);
  let opened: OpenedStore;
  try {
    opened = await kind.open(connection.store, secrets);
  } catch (error) {
    if (error instanceof MissingSecretError) throw new UsageError(error.message, { cause: error });
    throw new StoreUnreachableError((error as Error).message, { cause: error });
  }
  try {
    await opened.check();
  } catch (error) {
    await opened.close();
    throw new StoreUnreachableError((error as Error).message, { cause: error });
  }
  const ledger = ledgerFrom(flags, dataDir);
  const team = teamName ? await teamLedgerOver(ledger, opened.teamChain(teamName)) : null;
  let blacklist: OpenedBlacklist | undefined;
  const target = readOnly ? null : kind.blacklist(connection.store, secrets);
  if (target) {
    blacklist = await openBlacklist(target, dirname(ledger.path), opened.clock ? { clock: opened.clock } : {});
    // Whatever this run is for, writes an earlier run (or the app) left pending go first.
    await blacklist.mirror.flush().catch(() => undefined);
  }
  const mirror = blacklist?.mirror;
  const recording = team ? team.stamping(ledger) : ledger;
  return {
    name,
    store: opened.store,
    canary: opened.canary ?? null,
    ledger,
    team,
    initTeamLedger: async () => {
      if (!teamName) throw new UsageError('--team-ledger NAME is required');
      return opened.initTeamLedger(teamName);
    },
    blacklist: blacklist ?? null,
    recorder: async () => {
      const { name: operator, principal } = await opened.identity();
      return { operator, principal, connection: name, ledger: recording };
    },
    revoker: async () => {
      if (readOnly) throw new UsageError(`connection "${name}" is read-only: revocations are refused, nothing was written`);
      const { name: operator, principal } = await opened.identity();
      // Writes left pending by an earlier run are retried first.
      await mirror?.start();
      return opened.revoker({ ledger: recording, operator, principal, connection: name, blacklist: mirror });
    },
    close: async () => {
      await mirror?.flush().catch(() => undefined);
      await blacklist?.close();
      await opened.close();
    },
  };
}

/** The team ledger over the local one; this desk is the ledger's folder (shared with the app by default). */
async function teamLedgerOver(ledger: Ledger, chain: TeamChain): Promise<TeamLedger> {
  const dataDir = dirname(ledger.path);
  return new TeamLedger({ ledger, chain, dataDir, device: await deviceId(dataDir) });
}
