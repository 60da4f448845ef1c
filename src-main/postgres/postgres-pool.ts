import type { ConnectionOptions } from 'node:tls';
import { Client, Pool, types as pgTypes, type PoolClient, type PoolConfig } from 'pg';
import { WardenError } from '../errors';
import { postgresError } from './postgres-errors';

/** libpq's sslmode values we can honour (`prefer` and `allow` fall back to plain text silently: not offered). */
export const SSL_MODES = ['disable', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** What application_name says in pg_stat_activity and the server's log. */
export const APPLICATION_NAME = 'session-warden';

export interface PostgresConnectionConfig {
  /**
   * libpq's URL: `postgres://USER@HOST:PORT/DATABASE?sslmode=verify-full&connect_timeout=5`
   * (`postgresql://` too; `?host=/dir` for a Unix socket). A password in it is accepted, never
   * shown, and `password` below wins.
   */
  url: string;
  /** Kept apart from the URL (the vault, or PGPASSWORD/.pgpass read by the CLI); never logged. */
  password?: string | undefined;
  /**
   * Overrides the URL's sslmode. Without either: `disable` for this machine (localhost, 127.0.0.1,
   * ::1, a Unix socket), `verify-full` for anything else.
   */
  sslmode?: SslMode | undefined;
  /**
   * CA certificate(s) as PEM text, for verify-ca / verify-full (else Node's trusted roots). With
   * `require` it makes the chain checked, as libpq does when a root certificate is present.
   */
  caPem?: string | undefined;
  /** Auditor mode: every transaction is read-only (`default_transaction_read_only=on` at startup). */
  readOnly?: boolean | undefined;
  /** How long connecting may take; the URL's connect_timeout (seconds) otherwise; 5 s by default. */
  connectTimeoutMs?: number | undefined;
  /** The server cancels a statement running longer (`statement_timeout`); 15 s by default. */
  statementTimeoutMs?: number | undefined;
  /** Connections the pool holds at most (10 by default). */
  maxConnections?: number | undefined;
}

export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  sslmode: SslMode;
  /** `user@host:port/database`: for messages and the top bar; never a password. */
  where: string;
}

const URL_PARAMETERS = new Set(['sslmode', 'connect_timeout', 'application_name', 'host', 'port', 'user', 'dbname', 'password']);

/** Parses the URL as libpq would (one host); throws WardenError VALIDATION naming what is wrong, never echoing a password. */
export function parsePostgresUrl(text: string, sslmodeOverride?: SslMode): PostgresTarget & { password: string | null; connectTimeoutMs: number | null } {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new WardenError('VALIDATION', `not a URL: ${redactPostgresUrl(text)} (expected postgres://USER@HOST:PORT/DATABASE)`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new WardenError('VALIDATION', `a PostgreSQL URL starts with postgres:// or postgresql:// (got ${url.protocol}//)`);
  }
  for (const key of url.searchParams.keys()) {
    if (key === 'sslrootcert') throw new WardenError('VALIDATION', 'sslrootcert names a file: give the CA certificate itself (PEM) in the connection instead');
    if (!URL_PARAMETERS.has(key)) throw new WardenError('VALIDATION', `the URL parameter "${key}" is not supported (supported: ${[...URL_PARAMETERS].join(', ')})`);
  }
  const param = (key: string) => url.searchParams.get(key) ?? '';
  const host = param('host') || decodeURIComponent(url.hostname);
  if (host.includes(',')) throw new WardenError('VALIDATION', 'several hosts in one URL are not supported: name the primary');
  if (!host) throw new WardenError('VALIDATION', `no host in ${redactPostgresUrl(text)}`);
  const port = Number(param('port') || url.port || 5432);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new WardenError('VALIDATION', 'the port must be a number from 1 to 65535');
  const user = param('user') || decodeURIComponent(url.username);
  if (!user) throw new WardenError('VALIDATION', 'name the database user in the URL: postgres://USER@HOST/DATABASE');
  const database = param('dbname') || decodeURIComponent(url.pathname.replace(/^\//, '')) || user;
  const sslText = sslmodeOverride ?? (param('sslmode') || defaultSslMode(host));
  if (!(SSL_MODES as readonly string[]).includes(sslText)) {
    throw new WardenError('VALIDATION', `sslmode=${sslText} is not supported: use disable, require, verify-ca or verify-full (prefer and allow fall back to plain text without saying so)`);
  }
  const sslmode = sslText as SslMode;
  const timeout = param('connect_timeout');
  const seconds = timeout ? Number(timeout) : null;
  if (seconds !== null && (!Number.isFinite(seconds) || seconds < 0)) throw new WardenError('VALIDATION', 'connect_timeout is a number of seconds');
  const password = param('password') || (url.password ? decodeURIComponent(url.password) : '');
  const shownHost = host.startsWith('/') ? host : host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port,
    database,
    user,
    sslmode,
    where: `${user}@${shownHost}:${port}/${database}`,
    password: password || null,
    // 0 is libpq's "wait forever": we keep our own limit then.
    connectTimeoutMs: seconds ? Math.max(1, seconds) * 1000 : null,
  };
}

function defaultSslMode(host: string): SslMode {
  return host.startsWith('/') || ['localhost', '127.0.0.1', '::1', '[::1]'].includes(host) ? 'disable' : 'verify-full';
}

/** The URL without its password (in the userinfo or a `password=` parameter); text that is not a URL loses everything up to its last `@`. */
export function redactPostgresUrl(text: string): string {
  try {
    const url = new URL(text.trim());
    // `user:secret@host` parses too, as a URL of scheme "user:": only ours are read as URLs.
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error('not ours');
    if (url.password) url.password = '***';
    if (url.searchParams.has('password')) url.searchParams.set('password', '***');
    return url.toString();
  } catch {
    const at = text.lastIndexOf('@');
    return at === -1 ? text.replace(/password=[^&\s]*/gi, 'password=***') : `***${text.slice(at)}`;
  }
}

/** node-postgres' TLS options for a libpq sslmode. */
function tlsOptions(sslmode: SslMode, host: string, caPem: string | undefined): false | ConnectionOptions {
  if (caPem !== undefined && !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(caPem)) {
    throw new WardenError('VALIDATION', 'the CA certificate must be PEM text (-----BEGIN CERTIFICATE----- …)');
  }
  const ca = caPem ? { ca: caPem } : {};
  switch (sslmode) {
    case 'disable':
      return false;
    case 'require':
      // libpq: with a root certificate, require verifies the chain like verify-ca.
      return caPem ? { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined } : { rejectUnauthorized: false };
    case 'verify-ca':
      return { ...ca, rejectUnauthorized: true, checkServerIdentity: () => undefined };
    case 'verify-full':
      return { ...ca, rejectUnauthorized: true, ...(/^[\d.]+$|:/.test(host) ? {} : { servername: host }) };
  }
}

/** Times stay text: a JS Date would lose PostgreSQL's microseconds (see postgres-time.ts). */
const TIMESTAMP_OIDS = new Set([1114, 1184]);
const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    TIMESTAMP_OIDS.has(oid) ? (value: string) => value : pgTypes.getTypeParser(oid, format)) as typeof pgTypes.getTypeParser,
};

/**
 * A client that closes its socket when connecting fails on our side (the server asks for a
 * password and there is none): node-postgres and its pool leave that socket open, and the server
 * keeps the half-authenticated connection, holding a slot, until its authentication_timeout.
 */
class ClosingClient extends Client {
  override connect(): Promise<Client>;
  override connect(callback: ((err: Error) => void) | ((err: null, c: Client) => void)): void;
  override connect(callback?: ((err: Error) => void) | ((err: null, c: Client) => void)): Promise<Client> | void {
    const closeOnFailure = (error: Error | null | undefined) => {
      if (error) this.end().catch(() => undefined);
    };
    if (!callback) {
      return super.connect().catch((error: Error) => {
        closeOnFailure(error);
        throw error;
      });
    }
    super.connect((error: Error | null) => {
      closeOnFailure(error);
      (callback as (err: Error | null, c: Client) => void)(error, this);
    });
  }
}

/** The pool settings for a connection: exported for the tests, which look at them without connecting. */
export function postgresPoolConfig(config: PostgresConnectionConfig): { target: PostgresTarget; poolConfig: PoolConfig } {
  const parsed = parsePostgresUrl(config.url, config.sslmode);
  const password = config.password ?? parsed.password ?? '';
  const statementTimeoutMs = config.statementTimeoutMs ?? 15_000;
  // Times in UTC and ISO whatever the role or database sets; reads and writes refused in auditor mode.
  const options = ['-c TimeZone=UTC', '-c DateStyle=ISO', ...(config.readOnly ? ['-c default_transaction_read_only=on'] : [])].join(' ');
  const target: PostgresTarget = { host: parsed.host, port: parsed.port, database: parsed.database, user: parsed.user, sslmode: parsed.sslmode, where: parsed.where };
  return {
    target,
    poolConfig: {
      host: parsed.host,
      port: parsed.port,
      database: parsed.database,
      user: parsed.user,
      // A function, never a string or nothing: node-postgres would otherwise fall back to
      // PGPASSWORD and ~/.pgpass by itself (the CLI reads those explicitly). It is asked only
      // when the server wants a password: without one, that is said, and the attempt closed.
      password: () => {
        if (!password) throw new Error(`the server asks for a password and none is given for ${parsed.where}`);
        return password;
      },
      ssl: tlsOptions(parsed.sslmode, parsed.host, config.caPem),
      application_name: APPLICATION_NAME,
      options,
      connectionTimeoutMillis: config.connectTimeoutMs ?? parsed.connectTimeoutMs ?? 5000,
      statement_timeout: statementTimeoutMs,
      // The network itself gone silent (no reset): the client gives up a little after the server would have.
      query_timeout: statementTimeoutMs + 5000,
      // A transaction we left open (a crash between statements) does not hold row locks for long.
      idle_in_transaction_session_timeout: 60_000,
      keepAlive: true,
      max: config.maxConnections ?? 10,
      idleTimeoutMillis: 30_000,
      types: typeParsers,
      Client: ClosingClient,
    },
  };
}

/**
 * A pool to the web app's database, checked by connecting once: rejects with a WardenError
 * (STORE_UNAVAILABLE, or VALIDATION for a bad URL) that names the target without its password.
 * Connections dropped while idle are replaced on the next query, never an unhandled error.
 */
export async function openPostgresPool(config: PostgresConnectionConfig): Promise<Pool> {
  const { target, poolConfig } = postgresPoolConfig(config);
  const secrets = [config.password ?? '', parsePostgresUrl(config.url, config.sslmode).password ?? ''];
  const pool = new Pool(poolConfig);
  pool.on('error', () => undefined);
  described.set(pool, { where: target.where, secrets });
  try {
    const client = await pool.connect();
    try {
      await client.query('select 1');
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw postgresError(error, target.where, secrets);
  }
  return pool;
}

const described = new WeakMap<Pool, { where: string; secrets: string[] }>();

/** A failure on a pool as a WardenError naming its target (see postgresError); any pool, also one opened elsewhere. */
export function poolError(pool: Pool, error: unknown): WardenError {
  const known = described.get(pool);
  return postgresError(error, known?.where ?? '', known?.secrets ?? []);
}

/**
 * A pooled connection for a transaction. While it is checked out, a connection that drops emits
 * 'error' on it with nobody listening (the pool listens only to idle ones), which would crash the
 * process: the error is taken here, and the statement in flight, or the next one, fails with it.
 */
export async function checkout(pool: Pool): Promise<PoolClient> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    throw poolError(pool, error);
  }
  const ignore = (): void => undefined;
  client.on('error', ignore);
  const release = client.release.bind(client);
  client.release = (destroy?: Error | boolean) => {
    client.off('error', ignore);
    release(destroy);
  };
  return client;
}
