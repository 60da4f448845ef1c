import type { Principal } from './principal';

// Kept apart from the schema: the renderer imports this, and constructing a zod object schema
// probes for eval (`new Function`), which the renderer's CSP reports as a violation.

/** How a principal reads to an operator: a short phrase, and the whole of it for hover and screen readers. */
export interface PrincipalDescription {
  /** E.g. `assumed role SOCRole, session name chosen by the caller`. */
  kind: string;
  /** The kind, the caller-chosen name quoted, and the ARN: nothing left out. */
  full: string;
  /** True when the short name is one the caller chose (an assumed-role session or federated user). */
  callerChosen: boolean;
}

export function describePrincipal(name: string, principal: Principal): PrincipalDescription {
  switch (principal.type) {
    case 'user':
      return { kind: `IAM user in account ${principal.account}`, full: `${name}: IAM user ${principal.userName} in account ${principal.account} (${principal.arn})`, callerChosen: false };
    case 'assumed-role': {
      const role = principal.ssoPermissionSet ? `${principal.role} (IAM Identity Center permission set ${principal.ssoPermissionSet})` : principal.role;
      return {
        kind: principal.ssoPermissionSet
          ? `assumed role (SSO permission set ${principal.ssoPermissionSet}), session name chosen by the caller`
          : `assumed role ${principal.role}, session name chosen by the caller`,
        full: `${name}: assumed role ${role} in account ${principal.account}, session name "${principal.callerChosenSessionName}" chosen by the caller, not verified as a person (${principal.arn})`,
        callerChosen: true,
      };
    }
    case 'federated-user':
      return {
        kind: `federated user, name chosen by the caller`,
        full: `${name}: federated user "${principal.callerChosenSessionName}" in account ${principal.account}, a name chosen by the IAM user who requested the token, not verified as a person (${principal.arn})`,
        callerChosen: true,
      };
    case 'root':
      return { kind: `root user of account ${principal.account}`, full: `${name}: the root user of account ${principal.account} (${principal.arn})`, callerChosen: false };
    case 'other':
      return { kind: 'AWS principal', full: `${name}: ${principal.arn}`, callerChosen: false };
    case 'local':
      return { kind: 'local OS user', full: `${name}: OS user ${principal.osUser} on this machine (local store, no AWS identity)`, callerChosen: false };
  }
}
