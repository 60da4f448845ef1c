import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { userInfo } from 'node:os';

/** `local:<os user>`: the operator identity for local endpoints and the demo store. */
export function localOperator(): string {
  try {
    return `local:${userInfo().username}`;
  } catch {
    return 'local:unknown';
  }
}

/** True for endpoints on this machine (DynamoDB Local, the demo store). */
export function isLocalEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname;
    return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  } catch {
    return false;
  }
}

/** The user name in an AWS ARN: the part after the last `/` (`arn:aws:iam::1:user/alice` → `alice`). */
export function userNameFromArn(arn: string): string {
  const name = arn.slice(arn.lastIndexOf('/') + 1);
  return name || arn;
}

/**
 * Who revocations are recorded under (`revoked_by`): the AWS caller's user name for AWS
 * endpoints, `local:<os user>` for local ones. Decided here, never taken from a caller.
 */
export async function resolveOperator(options: { endpoint?: string | undefined; sts: () => STSClient }): Promise<string> {
  if (isLocalEndpoint(options.endpoint)) return localOperator();
  const client = options.sts();
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    if (!identity.Arn) throw new Error('STS returned no ARN');
    return userNameFromArn(identity.Arn);
  } finally {
    client.destroy();
  }
}
