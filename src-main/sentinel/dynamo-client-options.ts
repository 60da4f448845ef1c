import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/**
 * What every DynamoDB client of ours shares: retries pinned, so a throttled write is retried a
 * known number of times and then reported failed; and timeouts, so an unreachable endpoint
 * answers with an error instead of hanging.
 */
export function dynamoClientOptions(connectionTimeoutMs: number): Pick<DynamoDBClientConfig, 'maxAttempts' | 'retryMode' | 'requestHandler'> {
  return { maxAttempts: 3, retryMode: 'standard', requestHandler: { connectionTimeout: connectionTimeoutMs, requestTimeout: 10000 } };
}

/** Keys DynamoDB Local and the demo store accept; never real credentials. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
