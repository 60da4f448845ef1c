import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';

/** Global secondary indexes of the Sentinel table, by name. `gsi-device-id` is optional. */
export const SENTINEL_INDEXES = {
  user: { name: 'gsi-user', partitionKey: 'user', sortKey: 'created_at' },
  status: { name: 'gsi-status', partitionKey: 'status', sortKey: 'created_at' },
  profile: { name: 'gsi-profile', partitionKey: 'profile', sortKey: 'created_at' },
  serverInstance: { name: 'gsi-server-instance', partitionKey: 'server_instance_id', sortKey: 'status' },
} as const;

/**
 * The table exactly as Sentinel creates it: partition key `id`, the four GSIs projecting ALL.
 * Used by the demo store and by tests; we never create tables in a real account.
 */
export function sentinelTableDefinition(tableName: string): CreateTableCommandInput {
  const indexes = Object.values(SENTINEL_INDEXES);
  const attributes = new Set<string>(['id', ...indexes.flatMap((i) => [i.partitionKey, i.sortKey])]);
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    AttributeDefinitions: [...attributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    GlobalSecondaryIndexes: indexes.map((index) => ({
      IndexName: index.name,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })),
  };
}
