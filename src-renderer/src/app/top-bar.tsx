import { useAppInfo } from '../api/use-app-info';

/** Which store, which environment, and whose name revocations will carry: always in view. */
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
        {info.isError ? (
          <span className="top-error" role="alert">Connection details unavailable: {info.error.message}</span>
        ) : null}
        {connection ? (
          <dl className="top-facts">
            <div>
              <dt>Connection</dt>
              <dd data-testid="connection-name">{connection.name}</dd>
            </div>
            <div>
              <dt>Environment</dt>
              <dd>
                <span className={`env-label env-${isDemo ? 'demo' : isProduction ? 'production' : 'other'}`}>{connection.environment.toUpperCase()}</span>
              </dd>
            </div>
            <div>
              <dt>{connection.kind === 'redis' ? 'Redis' : 'Table'}</dt>
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
              <dd className="mono" data-testid="operator">{info.data?.operator}</dd>
            </div>
          </dl>
        ) : null}
      </header>
    </>
  );
}
