import type { Principal } from '../../../src-shared/principal';
import { describePrincipal } from '../../../src-shared/principal-description';
import { useAppInfo } from '../api/use-app-info';
import { useConnections, useSwitchConnection } from '../api/use-connections';
import { BlacklistPendingChip } from '../features/blacklist/blacklist-pending-chip';
import { useToasts } from '../ui/toast-store';

/**
 * Which store, which environment, and whose name revocations will carry: always in view; and
 * blacklist writes still pending, from any connection.
 */
export function TopBar() {
  const info = useAppInfo();
  const connection = info.data?.connection;
  const isDemo = connection?.kind === 'demo';
  const isProduction = connection !== undefined && /^prod/i.test(connection.environment);
  return (
    <>
      {isDemo ? (
        <div className="env-band env-demo" role="note" data-testid="env-band">
          <strong>DEMO</strong> — embedded store with generated sessions. Nothing here touches a real system.
        </div>
      ) : null}
      {isProduction ? (
        <div className="env-band env-production" role="note" data-testid="env-band">
          PRODUCTION — every revocation here cuts off live users.
        </div>
      ) : null}
      <header className="top-bar">
        <span className="brand">Session Warden</span>
        <BlacklistPendingChip />
        {info.isError ? (
          <span className="top-error" role="alert">Connection details unavailable: {info.error.message}</span>
        ) : null}
        {connection ? (
          <dl className="top-facts">
            <div>
              <dt>Connection</dt>
              <dd>
                <span data-testid="connection-name">{connection.name}</span> <ConnectionSwitcher />
              </dd>
            </div>
            <div>
              <dt>Environment</dt>
              <dd>
                <span className={`env-label env-${isDemo ? 'demo' : isProduction ? 'production' : 'other'}`}>{connection.environment.toUpperCase()}</span>
              </dd>
            </div>
            <div>
              <dt>{connection.capabilities.where}</dt>
              <dd className="mono">{connection.table}</dd>
            </div>
            {connection.readOnly ? (
              <div>
                <dt>Mode</dt>
                <dd>
                  <span className="read-only-badge" data-testid="read-only-badge" title="Revocations are refused on this connection">
                    READ-ONLY
                  </span>
                </dd>
              </div>
            ) : null}
            <div>
              <dt>Recorded as</dt>
              <dd>{info.data ? <RecordedAs operator={info.data.operator} principal={info.data.principal} /> : null}</dd>
            </div>
          </dl>
        ) : null}
      </header>
    </>
  );
}

/**
 * The name written as `revoked_by`, and beside it what that name really is: for an assumed role
 * the role, and that the name is a session name the caller chose (so it cannot pass as a person).
 * The whole identity with its ARN is the hover title and what a screen reader hears.
 */
function RecordedAs({ operator, principal }: { operator: string; principal: Principal | undefined }) {
  if (!principal) return <span className="mono" data-testid="operator">{operator}</span>;
  const description = describePrincipal(operator, principal);
  return (
    <>
      <span className="recorded-as" title={description.full} aria-hidden="true" data-testid="operator-identity" data-principal-type={principal.type}>
        <span className="mono" data-testid="operator">{operator}</span>
        <span className={description.callerChosen ? 'principal-kind caller-chosen' : 'principal-kind'} data-testid="operator-principal">
          ({description.kind})
        </span>
      </span>
      <span className="visually-hidden">{description.full}</span>
    </>
  );
}

/** Switch the active connection from any screen; the demo store is always in the list. */
function ConnectionSwitcher() {
  const list = useConnections();
  const switcher = useSwitchConnection();
  const show = useToasts((s) => s.show);
  if (!list.data || list.data.connections.length === 0) return null;
  return (
    <select
      aria-label="Switch connection"
      className="switcher"
      value={list.data.active}
      disabled={switcher.isPending}
      onChange={(e) => switcher.mutate(e.target.value, { onError: (error) => show(`Still on the previous connection: ${error.message}`, 'warning') })}
    >
      <option value="demo">Demo store</option>
      {list.data.connections.map((c) => (
        <option key={c.id} value={c.id}>
          {c.name} ({c.environment})
        </option>
      ))}
    </select>
  );
}
