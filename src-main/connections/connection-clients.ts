import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { IAMClient } from '@aws-sdk/client-iam';
import { STSClient } from '@aws-sdk/client-sts';
import type { z } from 'zod';
import type { DynamoStoreSchema, RedisStoreSchema } from '../../src-shared/connections';
import { isLocalEndpoint } from '../operator-identity';
import { dynamoClientOptions, LOCAL_CREDENTIALS } from '../sentinel/dynamo-client-options';
import type { RedisTarget } from '../web-sessions/redis-target';

export type DynamoStore = z.infer<typeof DynamoStoreSchema>;
export type RedisStore = z.infer<typeof RedisStoreSchema>;

/** Credentials for the SDK from a connection: a profile, the default chain, or static keys. */
function awsCredentials(store: DynamoStore, secret: string | null): Pick<DynamoDBClientConfig, 'profile' | 'credentials'> {
  const { credentials } = store;
  if (credentials.source === 'profile') return { profile: credentials.profile };
  if (credentials.source === 'static') {
    if (!secret) throw new MissingSecretError('The secret access key of this connection is not available (it was kept for one run only, or the keyring changed): enter it again.');
    return { credentials: { accessKeyId: credentials.accessKeyId, secretAccessKey: secret } };
  }
  return isLocalEndpoint(store.endpoint) ? localEndpointCredentials(process.env) : {};
}

/**
 * For a local endpoint (DynamoDB Local) without an explicit profile or keys: DynamoDB Local keeps
 * one database per access key and region, so keys configured in the environment (or a profile
 * named there) are used as they are, and a table created with them is found. Fixed keys only when
 * nothing is configured, so that talking to a local endpoint never goes looking for real
 * credentials (an instance-metadata lookup would leave this machine).
 */
export function localEndpointCredentials(env: NodeJS.ProcessEnv): Pick<DynamoDBClientConfig, 'credentials'> {
  if ((env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) || env.AWS_PROFILE) return {};
  return { credentials: LOCAL_CREDENTIALS };
}

export class MissingSecretError extends Error {
  override name = 'MissingSecretError';
}

export function dynamoClientFor(store: DynamoStore, secret: string | null): DynamoDBClient {
  return new DynamoDBClient({
    // `local` is a region name DynamoDB Local accepts as it is (it keeps one database per region).
    region: store.region,
    ...dynamoClientOptions(3000),
    ...(store.endpoint ? { endpoint: store.endpoint } : {}),
    ...awsCredentials(store, secret),
  });
}

export function stsClientFor(store: DynamoStore, secret: string | null): STSClient {
  return new STSClient({ region: store.region === 'local' ? 'us-east-1' : store.region, maxAttempts: 2, ...awsCredentials(store, secret) });
}

/**
 * IAM (global: us-east-1 whatever the table's region) with the connection's own credentials, at
 * `store.iam.endpoint` when set. A local stand-in without a profile or keys gets dummy keys, so
 * that no real credential is looked up for it.
 */
export function iamClientFor(store: DynamoStore, secret: string | null): IAMClient {
  const endpoint = store.iam?.endpoint;
  const credentials = store.credentials.source === 'default' ? (endpoint && isLocalEndpoint(endpoint) ? { credentials: LOCAL_CREDENTIALS } : {}) : awsCredentials(store, secret);
  return new IAMClient({ region: 'us-east-1', maxAttempts: 2, requestHandler: { connectionTimeout: 5000, requestTimeout: 15000 }, ...(endpoint ? { endpoint } : {}), ...credentials });
}

export function redisTargetFor(store: RedisStore, secret: string | null, tlsCa: Buffer | undefined = store.tlsCa ? Buffer.from(store.tlsCa) : undefined): RedisTarget {
  return {
    urls: store.urls,
    cluster: store.cluster,
    ...(store.username ? { username: store.username } : {}),
    ...(secret ? { password: secret } : {}),
    ...(store.db !== undefined ? { db: store.db } : {}),
    ...(tlsCa ? { tlsCa } : {}),
  };
}
