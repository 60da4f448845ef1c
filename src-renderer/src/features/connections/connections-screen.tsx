import { useId, useState } from 'react';
import type { Connection } from '../../../../src-shared/connections';
import { useConnections, useDeleteConnection, useSwitchConnection, useTestConnection } from '../../api/use-connections';
import { useToasts } from '../../ui/toast-store';
import { ConnectionEditor } from './connection-editor';
import type { EditorSubject } from './connection-form';
import { TestResults } from './test-results';

/** Saved connections: create, edit, duplicate, delete, test, switch; the demo store one click away. */
export function ConnectionsScreen() {
  const id = useId();
  const list = useConnections();
  const switcher = useSwitchConnection();
  const remove = useDeleteConnection();
  const test = useTestConnection();
  const show = useToasts((s) => s.show);
  const [editing, setEditing] = useState<EditorSubject | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<string | null>(null);
  const [tested, setTested] = useState<string | null>(null);
  const active = list.data?.active ?? 'demo';
  const switchTo = (target: string, name: string) =>
    switcher.mutate(target, {
      onSuccess: () => show(`Switched to ${name}.`),
      onError: (error) => show(`Still on the previous connection: ${error.message}`, 'warning'),
    });

  return (
    <section className="screen connections" aria-labelledby={`${id}-title`}>
      <header className="screen-header">
        <h1 id={`${id}-title`}>Connections</h1>
        <button type="button" className="primary-button push-right" onClick={() => setEditing({ mode: 'new' })}>
          New connection…
        </button>
      </header>
      {list.data ? (
        <p className={`verify-banner ${list.data.secretStorage.available ? 'ok' : 'warn'}`} role="note" data-testid="secret-storage">
          {list.data.secretStorage.explanation}
        </p>
      ) : null}
      <div className="screen-body" data-testid="connections" data-state={list.isPending ? 'loading' : list.isError ? 'error' : 'ready'}>
        {list.isError ? <p className="placeholder error" role="alert">Connections could not be read: {list.error.message}</p> : null}
        {list.data ? (
          <ul className="connection-list" aria-label="Connections">
            <li className={`connection-card ${active === 'demo' ? 'active' : ''}`} data-testid="connection-demo">
              <div className="connection-head">
                <span className="env-label env-demo">DEMO</span>
                <strong>Demo store</strong>
                {active === 'demo' ? <span className="active-badge">Active</span> : null}
              </div>
              <p className="muted">Embedded store with generated Sentinel sessions; nothing here touches a real system.</p>
              <div className="row">
                {active !== 'demo' ? (
                  <button type="button" className="secondary-button" onClick={() => switchTo('demo', 'the demo store')} disabled={switcher.isPending}>
                    Switch to the demo store
                  </button>
                ) : null}
              </div>
            </li>
            {list.data.connections.map((c) => (
              <li key={c.id} className={`connection-card ${active === c.id ? 'active' : ''}`} data-testid="connection-card">
                <div className="connection-head">
                  <span className={`env-label env-colour-${/^prod/i.test(c.environment) ? 'red' : c.colour}`}>{c.environment.toUpperCase()}</span>
                  <strong>{c.name}</strong>
                  {c.readOnly ? <span className="read-only-badge">READ-ONLY</span> : null}
                  {active === c.id ? <span className="active-badge">Active</span> : null}
                </div>
                <p className="mono small">{describeStore(c)}</p>
                <p className="small">{describeCredentials(c)}</p>
                <div className="row wrap">
                  {active !== c.id ? (
                    <button type="button" className="secondary-button" onClick={() => switchTo(c.id, c.name)} disabled={switcher.isPending}>
                      Switch to {c.name}
                    </button>
                  ) : null}
                  <button
                    type="button"
                    className="secondary-button"
                    disabled={test.isPending}
                    onClick={() => {
                      setTested(c.id);
                      test.mutate({ id: c.id });
                    }}
                  >
                    Test
                  </button>
                  <button type="button" className="secondary-button" onClick={() => setEditing({ mode: 'edit', connection: c })}>
                    Edit…
                  </button>
                  <button type="button" className="secondary-button" onClick={() => setEditing({ mode: 'duplicate', connection: c })}>
                    Duplicate…
                  </button>
                  {confirmDelete === c.id ? (
                    <>
                      <button
                        type="button"
                        className="danger-button"
                        onClick={() => remove.mutate(c.id, { onSuccess: () => show(`Deleted ${c.name}.`), onSettled: () => setConfirmDelete(null) })}
                      >
                        Delete {c.name}
                      </button>
                      <button type="button" className="link-button" onClick={() => setConfirmDelete(null)}>
                        Keep it
                      </button>
                    </>
                  ) : (
                    <button type="button" className="link-button" onClick={() => setConfirmDelete(c.id)}>
                      Delete…
                    </button>
                  )}
                </div>
                {tested === c.id ? <TestResults test={test} /> : null}
              </li>
            ))}
          </ul>
        ) : null}
        {list.data && list.data.connections.length === 0 ? <p className="muted">No saved connections yet: add one with "New connection…". The demo store stays available.</p> : null}
      </div>
      {editing && list.data ? <ConnectionEditor subject={editing} secretStorage={list.data.secretStorage} onClose={() => setEditing(null)} /> : null}
    </section>
  );
}

function describeStore(c: Connection): string {
  if (c.store.kind === 'postgres') {
    // The saved URL never holds a password (the schema refuses one): it is the database's address.
    return `PostgreSQL ${c.store.url}; SSL ${c.store.sslmode ?? 'default (verify-full, disable for this machine)'}${c.store.tlsCa ? ' with a private CA' : ''}${c.store.blacklistRedis ? `; blacklist ${c.store.blacklistRedis.url}` : ''}`;
  }
  const ledger = c.store.teamLedger ? `; team ledger ${c.store.teamLedger}` : '';
  if (c.store.kind === 'dynamodb') return `DynamoDB table ${c.store.table} in ${c.store.region}${c.store.endpoint ? ` at ${c.store.endpoint}` : ''}${c.store.blacklistRedis ? `; blacklist ${c.store.blacklistRedis.url}` : ''}${ledger}`;
  return `Redis ${c.store.cluster ? 'cluster ' : ''}${c.store.urls.join(', ')}${c.store.db ? ` db ${c.store.db}` : ''}${ledger}`;
}

function describeCredentials(c: Connection): string {
  const secret = c.secretKept === 'encrypted' ? 'secret kept encrypted' : c.secretKept === 'memory' ? 'secret kept for this run only' : 'no secret kept';
  if (c.store.kind === 'postgres') return `${c.hasSecret ? secret.replace('secret', 'password') : 'no password kept'}${c.store.operatorEmail ? `; revocations recorded as ${c.store.operatorEmail}` : ''}`;
  if (c.store.kind === 'redis') return `${c.store.username ? `ACL user ${c.store.username}; ` : ''}${c.hasSecret ? secret : 'no password'}`;
  const creds = c.store.credentials;
  if (creds.source === 'profile') return `AWS profile ${creds.profile} (no stored secret)`;
  if (creds.source === 'default') return 'AWS default credential chain (no stored secret)';
  return `Static keys ${creds.accessKeyId}; ${c.hasSecret ? secret : 'secret key missing: edit to enter it'}`;
}
