import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  type IAMClientConfig,
} from '@aws-sdk/client-iam';
import { LOCAL_CREDENTIALS } from '../sentinel/dynamo-client-options';
import { isLocalEndpoint } from '../operator-identity';
import { DENY_POLICY_PREFIX, iamPolicySize, readDenyPolicy, type DenyPolicyReading } from './deny-policy';

/** IAM refused an action for want of permission: says which action, on which role, and what to ask for. */
export class IamPermissionError extends Error {
  override name = 'IamPermissionError';
}
/** IAM could not be reached (network, timeout): nothing was changed. */
export class IamUnreachableError extends Error {
  override name = 'IamUnreachableError';
}
/** Anything else IAM refused (no such role or policy, the size quota, a malformed document). */
export class IamRefusedError extends Error {
  override name = 'IamRefusedError';
}

export interface AttachedDenyPolicy extends DenyPolicyReading {
  name: string;
  /** The document as IAM holds it (compact JSON). */
  json: string;
}

/**
 * An IAM client for role policies. IAM is global: its endpoint lives in us-east-1 whatever the
 * store's region. `endpoint` points it elsewhere (a local stub in tests); a local one gets dummy
 * keys, as DynamoDB Local does, so no real credential is looked up or sent off this machine.
 */
export function iamClient(options: { profile?: string | undefined; endpoint?: string | undefined }): IAMClient {
  const config: IAMClientConfig = { region: 'us-east-1', maxAttempts: 2, requestHandler: { connectionTimeout: 5000, requestTimeout: 15000 } };
  if (options.endpoint) config.endpoint = options.endpoint;
  if (options.profile) config.profile = options.profile;
  else if (options.endpoint && isLocalEndpoint(options.endpoint)) config.credentials = LOCAL_CREDENTIALS;
  return new IAMClient(config);
}

/** The inline policies of one role, as `iam deny/list/remove` need them. Takes its client (tests hand it a mocked or stubbed one). */
export class RolePolicies {
  constructor(
    private readonly client: IAMClient,
    /** The account, when known (from the operator's identity), to name the role's ARN in a permission message. */
    private readonly accountId?: string,
  ) {}

  /** Releases the client's sockets. */
  close(): void {
    this.client.destroy();
  }

  async put(role: string, name: string, json: string): Promise<void> {
    await this.call('iam:PutRolePolicy', role, () => this.client.send(new PutRolePolicyCommand({ RoleName: role, PolicyName: name, PolicyDocument: json })));
  }

  async delete(role: string, name: string): Promise<void> {
    await this.call('iam:DeleteRolePolicy', role, () => this.client.send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: name })));
  }

  /** Every inline policy name of the role (all pages). */
  async names(role: string): Promise<string[]> {
    const names: string[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call('iam:ListRolePolicies', role, () => this.client.send(new ListRolePoliciesCommand({ RoleName: role, ...(marker ? { Marker: marker } : {}) })));
      names.push(...(page.PolicyNames ?? []));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return names;
  }

  /** One inline policy's document, as JSON text (IAM returns it URL-encoded). */
  async document(role: string, name: string): Promise<string> {
    const got = await this.call('iam:GetRolePolicy', role, () => this.client.send(new GetRolePolicyCommand({ RoleName: role, PolicyName: name })));
    return decodeURIComponent(got.PolicyDocument ?? '');
  }

  /** What the role's inline policies take of IAM's aggregate quota (white space not counted), leaving out `except`. */
  async inlineSize(role: string, except?: string): Promise<number> {
    return (await this.inline(role, except)).size;
  }

  /** The role's inline policy names (all of them) and the size of those but `except`, from one listing. */
  async inline(role: string, except?: string): Promise<{ names: string[]; size: number }> {
    const names = await this.names(role);
    let size = 0;
    for (const name of names) if (name !== except) size += iamPolicySize(await this.document(role, name));
    return { names, size };
  }

  /** Our deny policies (by name prefix) still attached to the role, with what each covers and when it may go. */
  async denyPolicies(role: string): Promise<AttachedDenyPolicy[]> {
    const ours = (await this.names(role)).filter((n) => n.startsWith(DENY_POLICY_PREFIX));
    const found: AttachedDenyPolicy[] = [];
    for (const name of ours) {
      const json = await this.document(role, name);
      let parsed: unknown = null;
      try {
        parsed = JSON.parse(json);
      } catch {
        // Not JSON: listed as unknown rather than hidden.
      }
      found.push({ name, json, ...readDenyPolicy(parsed) });
    }
    return found;
  }

  private async call<T>(action: string, role: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      throw this.explain(action, role, error);
    }
  }

  private explain(action: string, role: string, error: unknown): Error {
    const e = error as { name?: string; Code?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const code = e.name ?? e.Code ?? '';
    const message = e.message ?? String(error);
    if (code === 'AccessDenied' || code === 'AccessDeniedException' || code === 'UnauthorizedOperation') {
      // AWS's message usually names the resource ("... on resource: arn:aws:iam::123:role/X"); else build the ARN.
      const arn = /resource:? (arn:[^\s]+)/.exec(message)?.[1] ?? `arn:aws:iam::${this.accountId ?? '<account-id>'}:role/${role}`;
      return new IamPermissionError(`${action} denied on role ${role}: ask for ${action} on ${arn}`, { cause: error });
    }
    if (code === 'NoSuchEntity' || code === 'NoSuchEntityException') return new IamRefusedError(`${action} on role ${role}: ${message}`, { cause: error });
    if (code === 'LimitExceeded' || code === 'LimitExceededException') return new IamRefusedError(`${action} on role ${role}: IAM's quota refused it (${message}); the role's inline policies share 10,240 characters: use --form source-identity or whole-role`, { cause: error });
    if (e.$metadata?.httpStatusCode === undefined && /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|EAI_AGAIN|socket|timeout|TimeoutError|connect/i.test(`${code} ${message}`)) {
      return new IamUnreachableError(`IAM could not be reached for ${action} on role ${role}: ${message}`, { cause: error });
    }
    return new IamRefusedError(`${action} on role ${role}: ${code ? `${code}: ` : ''}${message}`, { cause: error });
  }
}
