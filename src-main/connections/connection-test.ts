import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import type { ConnectionTestResult } from '../../src-shared/connections';
import { isLocalEndpoint, localOperator, userNameFromArn } from '../operator-identity';
import { SENTINEL_INDEXES } from '../sentinel/table-schema';
import { describeLedgerTable } from '../team-ledger/dynamo-chain';
import { persistenceOf } from '../team-ledger/redis-chain';
import { connectRedis, redactUrl, scanNodes, type RedisClient } from '../web-sessions/redis-target';
import { dynamoClientFor, MissingSecretError, redisTargetFor, stsClientFor, type DynamoStore, type RedisStore } from './connection-clients';

type Check = ConnectionTestResult['checks'][number];

/** What stops working without each Sentinel index. */
const WITHOUT_INDEX: Record<string, string> = {
  [SENTINEL_INDEXES.user.name]: "a user's sessions (offboarding, revoke all of a user) would need a scan of the whole table",
  [SENTINEL_INDEXES.status.name]: 'listing active, revoked or expired sessions would need a scan of the whole table for every page',
  [SENTINEL_INDEXES.profile.name]: 'filtering by profile would need a scan of the whole table',
  [SENTINEL_INDEXES.serverInstance.name]: 'filtering by server instance would need a scan of the whole table',
};

/**
 * Checks a DynamoDB connection: the table (DescribeTable), Sentinel's indexes (each missing one
 * named, with what stops working), and the identity revocations will be recorded under.
 */
export async function testDynamoConnection(store: DynamoStore, secret: string | null, blacklistSecret: string | null = null): Promise<ConnectionTestResult> {
  const checks: Check[] = [];
  let client;
  try {
    client = dynamoClientFor(store, secret);
  } catch (error) {
    return { ok: false, checks: [{ name: 'Credentials', state: 'failed', detail: (error as Error).message }] };
  }
  try {
    const { Table: table } = await client.send(new DescribeTableCommand({ TableName: store.table }));
    checks.push({ name: 'Table', state: 'ok', detail: `Table "${store.table}" found in ${store.region} (${table?.TableStatus ?? 'status unknown'}).` });
    const present = new Set((table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
    const missing = Object.keys(WITHOUT_INDEX).filter((name) => !present.has(name));
    if (missing.length === 0) checks.push({ name: 'Indexes', state: 'ok', detail: `All Sentinel indexes are there (${Object.keys(WITHOUT_INDEX).join(', ')}).` });
    for (const name of missing) checks.push({ name: `Index ${name}`, state: 'failed', detail: `Index "${name}" is missing: ${WITHOUT_INDEX[name]}. Is this a Sentinel session table?` });
  } catch (error) {
    checks.push({ name: 'Table', state: 'failed', detail: explainAwsError(error, store, 'dynamodb:DescribeTable') });
  }
  try {
    if (store.teamLedger) checks.push(await ledgerTableCheck(client, store.teamLedger));
  } finally {
    client.destroy();
  }
  checks.push(await identityCheck(store, secret));
  if (store.blacklistRedis) {
    // The mirror of revocations: reachable with its credentials, and durable (a lost entry re-opens a session).
    const blacklist = await testRedisConnection({ kind: 'redis', urls: [store.blacklistRedis.url], cluster: false, ...(store.blacklistRedis.username ? { username: store.blacklistRedis.username } : {}) }, blacklistSecret, undefined, { layout: false });
    checks.push(...blacklist.checks.map((c) => ({ ...c, name: `Blacklist Redis: ${c.name}` })));
  }
  return { ok: checks.every((c) => c.state !== 'failed'), checks };
}

/** The team ledger table: there (ok), not yet created (a warning: revocations wait locally), or refused. */
async function ledgerTableCheck(client: DynamoDBClient, table: string): Promise<Check> {
  try {
    if ((await describeLedgerTable(client, table)) === 'ok') return { name: 'Team ledger', state: 'ok', detail: `Team ledger table "${table}" found: every operator's revocations are chained into it.` };
    return {
      name: 'Team ledger',
      state: 'warning',
      detail: `Team ledger table "${table}" does not exist: Create ledger table, or \`session-warden ledger init\`. Until then revocations are kept in this desk's ledger and wait to be delivered.`,
    };
  } catch (error) {
    return { name: 'Team ledger', state: 'failed', detail: `${capitalised((error as Error).message.replace(/\.$/, ''))}.` };
  }
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

async function identityCheck(store: DynamoStore, secret: string | null): Promise<Check> {
  if (isLocalEndpoint(store.endpoint)) return { name: 'Recorded as', state: 'ok', detail: `A local endpoint: revocations are recorded as ${localOperator()}.` };
  let sts;
  try {
    sts = stsClientFor(store, secret);
  } catch (error) {
    return { name: 'Recorded as', state: 'failed', detail: (error as Error).message };
  }
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    const arn = identity.Arn ?? '';
    return { name: 'Recorded as', state: 'ok', detail: `Revocations will be recorded as "${userNameFromArn(arn)}" (${arn}).` };
  } catch (error) {
    return { name: 'Recorded as', state: 'failed', detail: explainAwsError(error, store, 'sts:GetCallerIdentity') };
  } finally {
    sts.destroy();
  }
}

/** An AWS SDK error as what to fix. */
export function explainAwsError(error: unknown, store: DynamoStore, action: string): string {
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const profile = store.credentials.source === 'profile' ? store.credentials.profile : null;
  if (error instanceof MissingSecretError) return message;
  if (/sso/i.test(message) && /(expired|refresh|token|login)/i.test(message)) {
    return `The SSO session has expired or was never started: run \`aws sso login${profile ? ` --profile ${profile}` : ''}\`, then test again.`;
  }
  if (name === 'ExpiredTokenException' || name === 'ExpiredToken') return `The credentials have expired${profile ? ` (profile ${profile})` : ''}: renew them (for SSO: \`aws sso login${profile ? ` --profile ${profile}` : ''}\`).`;
  if (name === 'CredentialsProviderError') {
    return profile ? `No usable credentials for profile "${profile}" (${message}). Check ~/.aws/config and ~/.aws/credentials.` : `No AWS credentials were found (${message}). Choose a profile, or set up the default credential chain.`;
  }
  if (name === 'ResourceNotFoundException') return `No table "${store.table}" in ${store.region}${store.endpoint ? ` at ${store.endpoint}` : ''}. Check the table name and region.`;
  if (name === 'AccessDeniedException' || name === 'AccessDenied' || /not authorized to perform/i.test(message)) {
    const detail = /not authorized to perform: (\S+) on resource: (\S+)/.exec(message);
    return detail ? `Access denied: these credentials may not call ${detail[1]} on ${detail[2]}. Ask for that permission.` : `Access denied for ${action} on "${store.table}": ${message}`;
  }
  if (name === 'UnrecognizedClientException' || name === 'InvalidSignatureException' || name === 'InvalidClientTokenId') return `AWS does not accept these credentials (${name}). Check the access key and secret, or the profile.`;
  const code = (error as { code?: string }).code ?? '';
  if (['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN'].includes(code) || name === 'TimeoutError' || /ECONNREFUSED|ENOTFOUND|timed? ?out/i.test(message)) {
    return `Cannot reach ${store.endpoint ?? `DynamoDB in ${store.region}`} (${code || name || 'network error'}). Check the endpoint URL, the region and the network.`;
  }
  return `${name || 'Error'}: ${message}`;
}

/**
 * Checks a Redis connection: reachable and accepted (PING), the server version, whether the
 * web-session layout is there, and whether the server would lose blacklist entries on a crash.
 */
export async function testRedisConnection(store: RedisStore, secret: string | null, tlsCa?: Buffer, options: { layout?: boolean } = {}): Promise<ConnectionTestResult> {
  const where = store.urls.map(redactUrl).join(', ');
  let client: RedisClient;
  try {
    client = await connectRedis(redisTargetFor(store, secret, tlsCa));
    await client.ping();
  } catch (error) {
    return { ok: false, checks: [{ name: 'Connect', state: 'failed', detail: explainRedisError(error, where) }] };
  }
  const checks: Check[] = [{ name: 'Connect', state: 'ok', detail: `Connected to ${where}${store.cluster ? ' (cluster)' : ''}; PING answered.` }];
  try {
    const info = await client.info('server');
    checks.push({ name: 'Version', state: 'ok', detail: `Redis ${/redis_version:(\S+)/.exec(info)?.[1] ?? 'of unknown version'}.` });
    if (options.layout !== false) checks.push(await layoutCheck(client));
    checks.push(await durabilityCheck(client));
    if (store.teamLedger) checks.push(await ledgerStreamCheck(client, store.teamLedger));
  } catch (error) {
    checks.push({ name: 'Server', state: 'failed', detail: explainRedisError(error, where) });
  } finally {
    client.disconnect();
  }
  return { ok: checks.every((c) => c.state !== 'failed'), checks };
}

async function layoutCheck(client: RedisClient): Promise<Check> {
  let sessions = 0;
  let sets = 0;
  for (const { node } of scanNodes(client)) {
    let cursor = '0';
    for (let batch = 0; batch < 10; batch += 1) {
      const [next, keys] = await node.scan(cursor, 'COUNT', 1000);
      sessions += keys.filter((k) => k.startsWith('session:')).length;
      sets += keys.filter((k) => k.startsWith('user_sessions:')).length;
      cursor = next;
      if (cursor === '0') break;
    }
  }
  if (sessions > 0) return { name: 'Layout', state: 'ok', detail: `Web-session layout found (${sessions} session:<id> and ${sets} user_sessions:<userId> keys in the first keys scanned).` };
  return { name: 'Layout', state: 'warning', detail: 'No session:<id> keys found in the first keys scanned: check the database number, or that this is the web application\'s session store.' };
}

async function durabilityCheck(client: RedisClient): Promise<Check> {
  try {
    const node = scanNodes(client)[0]?.node ?? client;
    const reply = (await node.call('CONFIG', 'GET', 'appendonly')) as string[];
    if (reply[1] === 'yes') return { name: 'Durability', state: 'ok', detail: 'appendonly is on: blacklist entries survive a crash.' };
    return {
      name: 'Durability',
      state: 'warning',
      detail: 'appendonly is off: a crash can lose recent revoked:<id> entries, and a lost entry re-opens its session. Ask for AOF (appendonly yes) on this server.',
    };
  } catch {
    return { name: 'Durability', state: 'warning', detail: 'Could not read the persistence settings (CONFIG is not allowed for this user): make sure appendonly is on.' };
  }
}

/**
 * The team ledger stream: a key of another type cannot hold it; otherwise whether the server
 * keeps it across a restart (a stream on a server that neither appends nor snapshots dies with it).
 */
async function ledgerStreamCheck(client: RedisClient, key: string): Promise<Check> {
  const name = 'Team ledger';
  let held: string;
  try {
    const type = await client.type(key);
    if (type !== 'none' && type !== 'stream') return { name, state: 'failed', detail: `"${key}" on this server is a ${type}, not a stream: it cannot hold the team ledger. Name another stream key.` };
    const length = type === 'stream' ? await client.xlen(key) : 0;
    held = type === 'stream' ? `Stream "${key}" holds ${length} ${length === 1 ? 'entry' : 'entries'}` : `Stream "${key}" is created by the first revocation written to it`;
  } catch (error) {
    return { name, state: 'failed', detail: `The team ledger stream "${key}" could not be read (${(error as Error).message}): check what this user's ACL allows on that key.` };
  }
  const persistence = await persistenceOf(client);
  if (persistence === null) return { name, state: 'warning', detail: `${held}; could not check (CONFIG refused) whether the server persists it: make sure appendonly is on.` };
  if (persistence.appendonly) return { name, state: 'ok', detail: `${held}; appendonly is on: the team ledger survives a restart.` };
  if (persistence.snapshots) {
    return { name, state: 'warning', detail: `${held}; appendonly is off and only snapshots (save) are taken: a crash can lose the last minutes of revocations in the stream. Ask for appendonly yes.` };
  }
  return { name, state: 'warning', detail: `${held}; the server does not persist (appendonly no, no save snapshots): revocations in the stream would be lost with the server. Ask for appendonly yes.` };
}

/** A Redis connection error as what to fix. */
export function explainRedisError(error: unknown, where: string): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/WRONGPASS|invalid username-password/i.test(message)) return `Redis at ${where} refused the user name or password (WRONGPASS). Check the ACL user and password.`;
  if (/NOAUTH/i.test(message)) return `Redis at ${where} requires a password: enter it (and the ACL user, if any).`;
  if (/certificate|self[- ]signed|SSL|TLS|wrong version number|EPROTO|ECONNRESET|socket hang up|Connection is closed/i.test(message) && where.includes('rediss://')) {
    return `The TLS handshake with ${where} failed (${message}). Check that the server speaks TLS on this port and that its certificate is trusted.`;
  }
  if (/Connection is closed|ECONNRESET|wrong version number/i.test(message)) {
    return `${where} closed the connection (${message}). If the server expects TLS, use rediss:// instead of redis://.`;
  }
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EHOSTUNREACH|connect/i.test(message)) return `Nothing answers at ${where} (${message}). Check the host, the port and the network.`;
  if (/node of a cluster/i.test(message)) return message;
  return `Redis at ${where}: ${message}`;
}
