import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AppInfo } from '../src-shared/contract';
import { startDemoStore } from './demo/demo-store';
import { createHandlers } from './handlers';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Redis } from 'ioredis';
import { dynamoClientFor, stsClientFor, type DynamoStore } from './connections/connection-clients';
import { localOperator, resolveOperator } from './operator-identity';
import { BlacklistMirror, blacklistRedisClient } from './revocation/blacklist';
import { DurableOutbox, outboxPathFor } from './revocation/outbox';
import type { HandlerTable } from './ipc/dispatch';
import { Ledger } from './ledger/ledger';
import type { ChooseSavePath } from './revocation/evidence';
import { SentinelRevoker } from './revocation/sentinel-revoker';
import { CursorCodec } from './sentinel/cursor';
import { SentinelStore } from './sentinel/sentinel-store';
import { RedisSessionStore } from './web-sessions/redis-session-store';
import { connectRedis, redactUrl, type RedisTarget } from './web-sessions/redis-target';
import { RedisRevoker } from './web-sessions/redis-writer';

export interface Workspace {
  readonly handlers: HandlerTable;
  readonly ledger: Ledger;
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

export async function openDemoWorkspace(version: string, dataDir: string, desktop: DesktopServices, options: WorkspaceOptions = {}): Promise<Workspace> {
  const readOnly = options.readOnly === true;
  const demo = await startDemoStore();
  const store = new SentinelStore({ client: demo.client, tableName: demo.tableName, cursors: new CursorCodec(randomBytes(32)) });
  const ledger = new Ledger(join(dataDir, 'demo-ledger.jsonl'));
  const operator = localOperator();
  const info: AppInfo = {
    version,
    connection: { name: 'Demo store', kind: 'demo', environment: 'demo', table: demo.tableName, readOnly },
    operator,
  };
  const revoker = readOnly ? null : new SentinelRevoker({ client: demo.client, store, ledger, operator, connection: 'demo' });
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
  connection: { name: string; environment: string; target: RedisTarget },
  desktop: DesktopServices,
  options: WorkspaceOptions = {},
): Promise<Workspace> {
  const readOnly = options.readOnly === true;
  const client = await connectRedis(connection.target);
  const store = new RedisSessionStore({ client, cursors: new CursorCodec(randomBytes(32)) });
  const ledger = new Ledger(join(dataDir, 'ledger.jsonl'));
  const operator = localOperator();
  const where = connection.target.urls.map(redactUrl).join(',');
  const info: AppInfo = { version, connection: { name: connection.name, kind: 'redis', environment: connection.environment, table: where, readOnly }, operator };
  const revoker = readOnly ? null : new RedisRevoker({ client, store, ledger, operator, connection: connection.name });
  return {
    handlers: createHandlers({ store, revoker, ledger, ledgerConnection: connection.name, info: () => info, ...desktop }),
    ledger,
    close: async () => {
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
  connection: { name: string; environment: string; store: DynamoStore; secret: string | null; blacklistSecret?: string | null; readOnly: boolean },
  desktop: DesktopServices,
): Promise<Workspace> {
  const { store: config, readOnly } = connection;
  const base = dynamoClientFor(config, connection.secret);
  const client = DynamoDBDocumentClient.from(base);
  const store = new SentinelStore({ client, tableName: config.table, cursors: new CursorCodec(randomBytes(32)) });
  const ledger = new Ledger(join(dataDir, 'ledger.jsonl'));
  let operator: string;
  try {
    operator = await resolveOperator({ endpoint: config.endpoint, sts: () => stsClientFor(config, connection.secret) });
  } catch (error) {
    client.destroy();
    throw error;
  }
  let redis: Redis | undefined;
  let mirror: BlacklistMirror | undefined;
  if (config.blacklistRedis && !readOnly) {
    redis = blacklistRedisClient(config.blacklistRedis.url, { username: config.blacklistRedis.username, password: connection.blacklistSecret });
    mirror = new BlacklistMirror({ redis, outbox: new DurableOutbox(outboxPathFor(dataDir, config.blacklistRedis.url)) });
    try {
      await mirror.start();
    } catch (error) {
      redis.disconnect();
      client.destroy();
      throw error;
    }
  }
  const info: AppInfo = { version, connection: { name: connection.name, kind: 'dynamodb', environment: connection.environment, table: config.table, readOnly }, operator };
  const revoker = readOnly ? null : new SentinelRevoker({ client, store, ledger, operator, connection: connection.name, ...(mirror ? { blacklist: mirror } : {}) });
  return {
    handlers: createHandlers({ store, revoker, ledger, ledgerConnection: connection.name, info: () => info, ...desktop }),
    ledger,
    close: async () => {
      await mirror?.stop();
      redis?.disconnect();
      client.destroy();
    },
  };
}
