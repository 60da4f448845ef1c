import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { userInfo } from 'node:os';
import type { Principal } from '../src-shared/principal';

/**
 * Who revocations are recorded under. `name` is `revoked_by`, the short name Sentinel's tools
 * read (unchanged: the AWS user or session name, or `local:<os user>`); `principal` is the full
 * identity the ledger and the top bar carry beside it.
 */
export interface OperatorIdentity {
  name: string;
  principal: Principal;
}

function osUser(): string {
  try {
    return userInfo().username || 'unknown';
  } catch {
    return 'unknown';
  }
}

/** `local:<os user>`: the operator name for local endpoints and the demo store. */
export function localOperator(): string {
  return `local:${osUser()}`;
}

/** The identity for local endpoints, the demo store and Redis: this desk's OS user. */
export function localIdentity(): OperatorIdentity {
  const user = osUser();
  return { name: `local:${user}`, principal: { type: 'local', osUser: user } };
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

/** `arn:<partition>:<iam|sts>::<account>:<resource>`, the only forms GetCallerIdentity returns. */
const CALLER_ARN = /^arn:(aws[a-z-]*):(iam|sts)::(\d{12}):(.+)$/;
/** IAM Identity Center's roles: `AWSReservedSSO_<permission set>_<16 hex>`. */
const SSO_ROLE = /^AWSReservedSSO_(.+)_[0-9a-f]{16}$/;

/**
 * What an ARN from GetCallerIdentity says about the caller. Role and federated session names are
 * whatever the caller passed (`RoleSessionName`, `GetFederationToken`'s `Name`): they are kept as
 * `callerChosenSessionName` so nobody reads one as a verified person.
 */
export function principalFromArn(arn: string): Principal {
  const m = CALLER_ARN.exec(arn);
  if (!m) return { type: 'other', arn };
  const [, partition = '', service, account = '', resource = ''] = m;
  const base = { arn, partition, account };
  if (service === 'iam' && resource === 'root') return { type: 'root', ...base };
  const slash = resource.indexOf('/');
  const head = slash < 0 ? resource : resource.slice(0, slash);
  const rest = slash < 0 ? '' : resource.slice(slash + 1);
  if (service === 'iam' && head === 'user' && rest) {
    // A user path (`user/engineering/alice`) precedes the name.
    const userName = rest.slice(rest.lastIndexOf('/') + 1);
    if (userName) return { type: 'user', ...base, userName };
  }
  if (service === 'sts' && head === 'assumed-role') {
    // Role names cannot contain `/`, session names cannot either: exactly role/session.
    const [role, sessionName, ...more] = rest.split('/');
    if (role && sessionName && more.length === 0) {
      const sso = SSO_ROLE.exec(role)?.[1];
      return { type: 'assumed-role', ...base, role, callerChosenSessionName: sessionName, ...(sso ? { ssoPermissionSet: sso } : {}) };
    }
  }
  if (service === 'sts' && head === 'federated-user' && rest && !rest.includes('/')) {
    return { type: 'federated-user', ...base, callerChosenSessionName: rest };
  }
  return { type: 'other', arn };
}

/**
 * Who revocations are recorded under: the AWS caller for AWS endpoints, this desk's OS user for
 * local ones. Decided here, never taken from a caller.
 */
export async function resolveOperator(options: { endpoint?: string | undefined; sts: () => STSClient }): Promise<OperatorIdentity> {
  if (isLocalEndpoint(options.endpoint)) return localIdentity();
  const client = options.sts();
  try {
    const identity = await client.send(new GetCallerIdentityCommand({}));
    if (!identity.Arn) throw new Error('STS returned no ARN');
    return { name: userNameFromArn(identity.Arn), principal: principalFromArn(identity.Arn) };
  } finally {
    client.destroy();
  }
}
