import type { Connection, ConnectionSaveRequest } from '../../../../src-shared/connections';
import type { IdentityKey } from '../../../../src-shared/identity-rule';

/** The editor's identity-map fields (incident mode): how a person is named in this store. */
export interface IdentityForm {
  /** False: the kind's default rule (nothing saved), so a kind change follows it. */
  identityCustom: boolean;
  identityKey: IdentityKey;
  identityTemplate: string;
  identityLowercase: boolean;
}

export function identityFormOf(identity: Connection['identity']): IdentityForm {
  return identity
    ? { identityCustom: true, identityKey: identity.key, identityTemplate: identity.template, identityLowercase: identity.lowercase === true }
    : { identityCustom: false, identityKey: 'user', identityTemplate: '{local}', identityLowercase: false };
}

/** The saved map: absent while the default is kept (main and the CLI then use the kind's default). */
export function identityRequestOf(form: IdentityForm): Pick<ConnectionSaveRequest, 'identity'> {
  if (!form.identityCustom) return {};
  return { identity: { key: form.identityKey, template: form.identityTemplate.trim(), ...(form.identityLowercase ? { lowercase: true } : {}) } };
}

