import type { AppInfo } from '../../src-shared/contract';
import { iamClientFor } from '../connections/connection-clients';
import type { SessionStore } from '../session-store';
import type { AnyStore } from '../stores/registry';
import type { StoreSecrets } from '../stores/store-kind';
import { IamDenyService } from './deny-service';
import type { IamRecorder } from './iam-ledger';
import { RolePolicies } from './role-policies';

/**
 * The deny service of one workspace whose revocations leave issued credentials valid (Sentinel:
 * capabilities' `residual` is `credential-lifetime`). A Sentinel table reached with AWS
 * credentials has an IAM (the same credentials, `store.iam.endpoint` for a local stand-in) and
 * may have a profile → role mapping; the demo has neither: its plans say the roles are unknown.
 */
export function workspaceIamDeny(options: { store: AnyStore; secrets: StoreSecrets; sessions: SessionStore; recorder: IamRecorder | null; info: () => AppInfo; clock?: () => number }): IamDenyService {
  const { store } = options;
  const aws = store.kind === 'dynamodb' ? store : null;
  let policies: RolePolicies | undefined;
  const account = () => {
    const principal = options.info().principal;
    return principal && 'account' in principal ? principal.account : undefined;
  };
  return new IamDenyService({
    store: options.sessions,
    settings: aws?.iam,
    // Made when first needed: opening a connection never contacts IAM.
    policies: aws ? () => (policies ??= new RolePolicies(iamClientFor(aws, options.secrets.secret), account())) : null,
    recorder: options.recorder,
    info: options.info,
    clock: options.clock,
    close: () => policies?.close(),
  });
}
