import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { dynamoClientOptions, LOCAL_CREDENTIALS } from '../sentinel/dynamo-client-options';
import { sentinelTableDefinition } from '../sentinel/table-schema';
import { demoSessions } from './demo-seed';

export const DEMO_TABLE = 'sentinel-sessions-demo';

export interface DemoStore {
  /** `http://127.0.0.1:<port>`: an in-process DynamoDB that only this machine can reach. */
  readonly endpoint: string;
  readonly tableName: string;
  readonly client: DynamoDBDocumentClient;
  close(): Promise<void>;
}

/**
 * The embedded demo store: an in-memory DynamoDB (dynalite) in this process on 127.0.0.1, with the
 * Sentinel table and its GSIs created and ~500 realistic sessions written in Sentinel's format.
 * Used when no connection is configured, so the app is useful (and safe) out of the box.
 */
export async function startDemoStore(options: { nowMs?: number; count?: number } = {}): Promise<DemoStore> {
  const server: Server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = DynamoDBDocumentClient.from(localDynamoClient(endpoint));
  const close = async (): Promise<void> => {
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  try {
    await client.send(new CreateTableCommand(sentinelTableDefinition(DEMO_TABLE)));
    await putAll(client, DEMO_TABLE, demoSessions(options.nowMs ?? Date.now(), options.count));
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, tableName: DEMO_TABLE, client, close };
}

/** A client for a DynamoDB on this machine (demo store, DynamoDB Local): no real credentials. */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: LOCAL_CREDENTIALS,
    ...dynamoClientOptions(2000),
  });
}

/** Writes items 25 at a time, re-sending whatever DynamoDB hands back as unprocessed. */
export async function putAll(client: DynamoDBDocumentClient, table: string, items: readonly object[]): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item: { ...Item } } }));
    for (let attempt = 0; requests.length > 0; attempt += 1) {
      if (attempt > 5) throw new Error(`DynamoDB kept ${requests.length} items unprocessed`);
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
}
