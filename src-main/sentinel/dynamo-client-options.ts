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

/**
 * Below this, an offset the SDK measured is noise, not skew: it comes from the HTTP `Date` header,
 * which has whole seconds, plus the round trip, so even a perfect clock measures up to about a
 * second behind. Applying that would only blur the exact times we record.
 */
const OFFSET_NOISE_MS = 2000;

/**
 * The service's time: our clock plus the offset the AWS SDK measured from the service. The SDK
 * keeps it in the resolved client config as `systemClockOffset` (milliseconds, service minus
 * local), updates it from the `Date` header of responses and corrects it on clock-skew errors,
 * to sign requests; a `DynamoDBDocumentClient` shares its base client's config object, so either
 * answers. Read at each call, so a correction made by any request is used at once.
 */
export function serviceClock(client: { config: { systemClockOffset?: number | undefined } }, clock: () => number = Date.now): () => number {
  return () => {
    const offset = client.config.systemClockOffset ?? 0;
    return clock() + (Number.isFinite(offset) && Math.abs(offset) >= OFFSET_NOISE_MS ? offset : 0);
  };
}
