import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AppInfo } from '../src-shared/contract';
import { ticketRequired } from '../src-shared/environment';
import { startDemoStore } from './demo/demo-store';
import { createHandlers } from './handlers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { dynamoClientFor, stsClientFor, type DynamoStore } from './connections/connection-clients';
import { localIdentity, resolveOperator, type OperatorIdentity } from './operator-identity';
import { BlacklistDelivery } from './revocation/blacklist-delivery';
import { openBlacklist, type OpenedBlacklist } from './revocation/blacklist-targets';
import type { HandlerTable } from './ipc/dispatch';
import { Ledger } from './ledger/ledger';
import type { ChooseSavePath } from './revocation/evidence';
import { SentinelRevoker } from './revocation/sentinel-revoker';
import { serviceClock } from './sentinel/dynamo-client-options';
import { CursorCodec } from './sentinel/cursor';
import { SentinelStore } from './sentinel/sentinel-store';
import { SENTINEL_CAPABILITIES } from './sentinel/capabilities';
import { WEB_SESSION_CAPABILITIES } from './web-sessions/capabilities';
import { RedisSessionStore } from './web-sessions/redis-session-store';
import { connectRedis, redactUrl, type RedisTarget } from './web-sessions/redis-target';
import { RedisRevoker } from './web-sessions/redis-writer';
import { deviceId } from './team-ledger/device-id';
import { DynamoTeamChain, dynamoChainWhere } from './team-ledger/dynamo-chain';
import { RedisTeamChain, redisChainWhere } from './team-ledger/redis-chain';
import type { TeamChain } from './team-ledger/team-chain';
import { TeamLedger } from './team-ledger/team-ledger';

export interface Workspace {
  readonly handlers: HandlerTable;
  readonly ledger: Ledger;
  /** The id of the team chain this workspace delivers to itself, if its connection keeps one. */
  readonly teamChain?: string | undefined;
  close(): Promise<void>;
}

/**
 * Everything the window talks to, wired together. With no connection configured (the only case
 * so far) that is the embedded demo store. Plain Node: the e2e harness builds the same thing.
 * `dataDir` holds the ledger (the app's data directory, or a test's temporary one).
 */
export interface DesktopServices {
  chooseSavePath: ChooseSavePath;
  notify: (notification: { title: string; body: string }) => void;
}

export interface WorkspaceOptions {
  /** Auditor mode: no revoker is built, so main refuses every revocation whatever is sent. */
  readOnly?: boolean;
}

/**
 * Drawn each time a workspace opens. A revoke request carries back the nonce it was confirmed
 * under, so one confirmed before a switch (even away and back to the same connection) is refused.
 */
function workspaceNonce(): string {
  return randomBytes(16).toString('hex');
}

export async function openDemoWorkspace(version: string, dataDir: string, desktop: DesktopServices, options: WorkspaceOptions = {}): Promise<Workspace> {
  const readOnly = options.readOnly === true;
  const demo = await startDemoStore();
  const store = new SentinelStore({ client: demo.client, tableName: demo.tableName, cursors: new CursorCodec(randomBytes(32)) });
  const ledger = new Ledger(join(dataDir, 'demo-ledger.jsonl'));
  const { name: operator, principal } = localIdentity();
  const info: AppInfo = {
    version,
    connection: { id: 'demo', nonce: workspaceNonce(), name: 'Demo store', kind: 'demo', environment: 'demo', table: demo.tableName, readOnly, capabilities: SENTINEL_CAPABILITIES },
    operator,
    principal,
  };
  const revoker = readOnly ? null : new SentinelRevoker({ client: demo.client, store, ledger, operator, principal, connection: 'demo' });
  return { handlers: createHandlers({ store, revoker, ledger, ledgerConnection: 'demo', info: () => info, ...desktop }), ledger, close: () => demo.close() };
}

/**
 * Web sessions in Redis: the same handlers, ledger and outcomes as for DynamoDB. The ledger is
 * the one the command line uses (`ledger.jsonl` in `dataDir`). Choosing this from the app's own
 * connection list is the connection manager's part; tests and the e2e harness open it directly.
 */
export async function openRedisWorkspace(
  version: string,
  dataDir: string,
  connection: { id: string; name: string; environment: string; target: RedisTarget; requireTicket?: boolean | undefined; teamLedger?: string | undefined },
  desktop: DesktopServices,
  options: WorkspaceOptions = {},
): Promise<Workspace> {
  const readOnly = options.readOnly === true;
  const client = await connectRedis(connection.target);
  const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)) });
  const ledger = new Ledger(join(dataDir, 'ledger.jsonl'));
  const { name: operator, principal } = localIdentity();
  const where = connection.target.urls.map(redactUrl).join(',');
  const team = connection.teamLedger ? await openTeamLedger(ledger, new RedisTeamChain(client, connection.teamLedger, redisChainWhere(connection.target.urls)), dataDir, readOnly) : undefined;
  const info: AppInfo = { version, connection: { id: connection.id, nonce: workspaceNonce(), name: connection.name, kind: 'redis', environment: connection.environment, table: where, readOnly, capabilities: WEB_SESSION_CAPABILITIES, requireTicket: ticketRequired(connection) }, operator, principal };
  const revoker = readOnly ? null : new RedisRevoker({ client, store, ledger: team ? team.stamping(ledger) : ledger, operator, principal, connection: connection.name });
  return {
    handlers: createHandlers({ store, revoker, ledger, ledgerConnection: connection.name, info: () => info, ...desktop, team }),
    ledger,
    teamChain: team?.chain.id,
    close: async () => {
      await team?.stop();
      client.disconnect();
    },
  };
}

/**
 * A Sentinel table over a saved connection: the operator is resolved in main (STS for AWS,
 * `local:<os user>` for a local endpoint), revocations are mirrored to the blacklist Redis if the
 * connection has one (with the outbox for when it is down), and the ledger is the shared one.
 */
export async function openSentinelWorkspace(
  version: string,
  dataDir: string,
  connection: { id: string; name: string; environment: string; store: DynamoStore; secret: string | null; blacklistSecret?: string | null; readOnly: boolean; requireTicket?: boolean | undefined },
  desktop: DesktopServices,
): Promise<Workspace> {
  const { store: config, readOnly } = connection;
  const base = dynamoClientFor(config, connection.secret);
  const client = DynamoDBDocumentClient.from(base);
  const store = new SentinelStore({ client, tableName: config.table, cursors: new CursorCodec(randomBytes(32)) });
  const ledger = new Ledger(join(dataDir, 'ledger.jsonl'));
  let identity: OperatorIdentity;
  try {
    identity = await resolveOperator({ endpoint: config.endpoint, sts: () => stsClientFor(config, connection.secret) });
  } catch (error) {
    client.destroy();
    throw error;
  }
  let blacklist: OpenedBlacklist | undefined;
  let delivery: BlacklistDelivery | undefined;
  if (config.blacklistRedis && !readOnly) {
    const target = { url: config.blacklistRedis.url, username: config.blacklistRedis.username, password: connection.blacklistSecret };
    blacklist = await openBlacklist(target, dataDir, { clock: serviceClock(base) });
    // What this connection's outbox holds, for a workspace used alone (the app's manager answers
    // for every outbox, whichever connection is active).
    delivery = new BlacklistDelivery({ dataDir, credentials: async () => [{ connection: connection.name, target }] });
    try {
      await blacklist.mirror.start();
    } catch (error) {
      await blacklist.close();
      client.destroy();
      throw error;
    }
  }
  const mirror = blacklist?.mirror;
  const team = config.teamLedger ? await openTeamLedger(ledger, new DynamoTeamChain(base, config.teamLedger, dynamoChainWhere(config.endpoint, config.region)), dataDir, readOnly) : undefined;
  const info: AppInfo = { version, connection: { id: connection.id, nonce: workspaceNonce(), name: connection.name, kind: 'dynamodb', environment: connection.environment, table: config.table, readOnly, capabilities: SENTINEL_CAPABILITIES, requireTicket: ticketRequired(connection) }, operator: identity.name, principal: identity.principal };
  const revoker = readOnly
    ? null
    : new SentinelRevoker({ client, store, ledger: team ? team.stamping(ledger) : ledger, operator: identity.name, principal: identity.principal, connection: connection.name, ...(mirror ? { blacklist: mirror } : {}) });
  return {
    handlers: createHandlers({ store, revoker, ledger, ledgerConnection: connection.name, info: () => info, ...desktop, blacklist: delivery, team }),
    ledger,
    teamChain: team?.chain.id,
    close: async () => {
      await team?.stop();
      await delivery?.stop();
      await blacklist?.close();
      client.destroy();
    },
  };
}

/**
 * The connection's team ledger over this desk's local ledger. A desk that may revoke delivers
 * from the moment the workspace opens (entries an earlier run or the command line left pending
 * too); a read-only desk only reads and verifies it.
 */
async function openTeamLedger(ledger: Ledger, chain: TeamChain, dataDir: string, readOnly: boolean): Promise<TeamLedger> {
  const team = new TeamLedger({ ledger, chain, dataDir, device: await deviceId(dataDir) });
  if (!readOnly) team.start();
  return team;
}
