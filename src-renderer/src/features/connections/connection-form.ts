import type { Connection, ConnectionSaveRequest, PostgresStore } from '../../../../src-shared/connections';
import type { ENVIRONMENT_COLOURS } from '../../../../src-shared/reason-codes';
import { defaultLedgerTable, DEFAULT_LEDGER_STREAM } from '../../../../src-shared/team-ledger-names';
import { canaryFormOf, canaryRequestOf, type CanaryForm } from './canary-form';
import { identityFormOf, identityRequestOf, type IdentityForm } from './identity-form';
import { iamFormOf, iamRequestOf, type IamRoleForm } from '../iam/iam-role-form';

type PostgresSslMode = NonNullable<PostgresStore['sslmode']>;
export const POSTGRES_SSL_MODES: readonly PostgresSslMode[] = ['disable', 'require', 'verify-ca', 'verify-full'];

export type EditorSubject = { mode: 'new' } | { mode: 'edit' | 'duplicate'; connection: Connection };

export interface Form extends CanaryForm, IdentityForm, IamRoleForm {
  name: string;
  environment: string;
  colour: (typeof ENVIRONMENT_COLOURS)[number];
  readOnly: boolean;
  /** Offboarding runs need a ticket: by the environment (production), always, or never. */
  ticket: 'default' | 'required' | 'optional';
  kind: 'dynamodb' | 'redis' | 'postgres';
  region: string;
  table: string;
  endpoint: string;
  credentialSource: 'profile' | 'default' | 'static';
  profile: string;
  accessKeyId: string;
  blacklistUrl: string;
  urls: string;
  cluster: boolean;
  username: string;
  db: string;
  /** Write-only: empty keeps what is stored. */
  secret: string;
  blacklistUsername: string;
  blacklistSecret: string;
  tlsCa: string;
  /** PostgreSQL: a libpq URL without its password (that goes in `secret`). */
  postgresUrl: string;
  /** libpq's sslmode; '' leaves main's default (verify-full, disable for this machine). */
  sslmode: '' | PostgresSslMode;
  /** The app user revocations are recorded as (`revoked_by`); empty: NULL. */
  operatorEmail: string;
  /** Keep a team ledger: a table (DynamoDB) or a stream (Redis). */
  teamLedger: boolean;
  /** The ledger table; null while untouched: `<table>-revocations`, following the session table. */
  ledgerTable: string | null;
  ledgerStream: string;
}

export function formOf(subject: EditorSubject): Form {
  const blank: Form = {
    name: '', environment: 'staging', colour: 'amber', readOnly: false, ticket: 'default', kind: 'dynamodb', region: 'eu-west-1', table: 'sentinel-sessions', endpoint: '',
    credentialSource: 'profile', profile: '', accessKeyId: '', blacklistUrl: '', urls: '', cluster: false, username: '', db: '', secret: '',
    blacklistUsername: '', blacklistSecret: '', tlsCa: '', postgresUrl: '', sslmode: '', operatorEmail: '', teamLedger: false, ledgerTable: null, ledgerStream: DEFAULT_LEDGER_STREAM,
    ...canaryFormOf(undefined),
    ...identityFormOf(undefined),
    ...iamFormOf(undefined),
  };
  if (subject.mode === 'new') return blank;
  const c = subject.connection;
  const base = { ...blank, name: subject.mode === 'duplicate' ? `${c.name} (copy)` : c.name, environment: c.environment, colour: c.colour, readOnly: c.readOnly, ticket: ticketRule(c.requireTicket), ...canaryFormOf(c.canary), ...identityFormOf(c.identity) };
  if (c.store.kind === 'redis') {
    return {
      ...base,
      kind: 'redis',
      urls: c.store.urls.join('\n'),
      cluster: c.store.cluster,
      username: c.store.username ?? '',
      db: c.store.db === undefined ? '' : String(c.store.db),
      tlsCa: c.store.tlsCa ?? '',
      teamLedger: c.store.teamLedger !== undefined,
      ledgerStream: c.store.teamLedger ?? DEFAULT_LEDGER_STREAM,
    };
  }
  if (c.store.kind === 'postgres') {
    return {
      ...base,
      kind: 'postgres',
      postgresUrl: c.store.url,
      sslmode: c.store.sslmode ?? '',
      tlsCa: c.store.tlsCa ?? '',
      operatorEmail: c.store.operatorEmail ?? '',
      blacklistUrl: c.store.blacklistRedis?.url ?? '',
      blacklistUsername: c.store.blacklistRedis?.username ?? '',
    };
  }
  const creds = c.store.credentials;
  return {
    ...base,
    kind: 'dynamodb',
    region: c.store.region,
    table: c.store.table,
    endpoint: c.store.endpoint ?? '',
    credentialSource: creds.source,
    profile: creds.source === 'profile' ? creds.profile : '',
    accessKeyId: creds.source === 'static' ? creds.accessKeyId : '',
    blacklistUrl: c.store.blacklistRedis?.url ?? '',
    blacklistUsername: c.store.blacklistRedis?.username ?? '',
    teamLedger: c.store.teamLedger !== undefined,
    ledgerTable: c.store.teamLedger ?? null,
    ...iamFormOf(c.store.iam),
  };
}

export function ledgerTableOf(form: Form): string {
  return form.ledgerTable ?? defaultLedgerTable(form.table.trim());
}

/** The CA certificate only matters where the server's certificate is verified. */
export function postgresVerifies(form: Form): boolean {
  return form.sslmode === '' || form.sslmode === 'verify-ca' || form.sslmode === 'verify-full';
}

/**
 * Why the PostgreSQL URL would be refused for holding a password (main refuses it too): said at
 * the field, before the password is sent anywhere.
 */
export function postgresUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return null;
  }
  const password = parsed.password !== '' || [...parsed.searchParams.keys()].some((k) => k.toLowerCase() === 'password');
  return password ? 'holds a password: put it in the password field, not in the URL' : null;
}

function blacklistOf(form: Form): { blacklistRedis?: { url: string; username?: string } } {
  return form.blacklistUrl.trim() ? { blacklistRedis: { url: form.blacklistUrl.trim(), ...(form.blacklistUsername.trim() ? { username: form.blacklistUsername.trim() } : {}) } } : {};
}

export function requestOf(form: Form, subject: EditorSubject): ConnectionSaveRequest {
  const store: ConnectionSaveRequest['store'] =
    form.kind === 'postgres'
      ? {
          kind: 'postgres',
          url: form.postgresUrl.trim(),
          ...(form.sslmode ? { sslmode: form.sslmode } : {}),
          ...(postgresVerifies(form) && form.tlsCa.trim() ? { tlsCa: form.tlsCa.trim() } : {}),
          ...(form.operatorEmail.trim() ? { operatorEmail: form.operatorEmail.trim() } : {}),
          ...blacklistOf(form),
        }
      : form.kind === 'redis'
      ? {
          kind: 'redis',
          urls: form.urls.split(/\s+/).filter(Boolean),
          cluster: form.cluster,
          ...(form.username.trim() ? { username: form.username.trim() } : {}),
          ...(form.db.trim() ? { db: Number(form.db) } : {}),
          ...(form.tlsCa.trim() ? { tlsCa: form.tlsCa.trim() } : {}),
          ...(form.teamLedger ? { teamLedger: form.ledgerStream.trim() } : {}),
        }
      : {
          kind: 'dynamodb',
          ...iamRequestOf(form),
          region: form.region.trim(),
          table: form.table.trim(),
          ...(form.endpoint.trim() ? { endpoint: form.endpoint.trim() } : {}),
          credentials:
            form.credentialSource === 'profile'
              ? { source: 'profile', profile: form.profile }
              : form.credentialSource === 'static'
                ? { source: 'static', accessKeyId: form.accessKeyId.trim() }
                : { source: 'default' },
          ...blacklistOf(form),
          ...(form.teamLedger ? { teamLedger: ledgerTableOf(form).trim() } : {}),
        };
  const usesSecret = form.kind !== 'dynamodb' || form.credentialSource === 'static';
  return {
    ...(subject.mode === 'edit' ? { id: subject.connection.id } : {}),
    name: form.name.trim(),
    environment: form.environment.trim(),
    colour: form.colour,
    readOnly: form.readOnly,
    ...(form.ticket !== 'default' ? { requireTicket: form.ticket === 'required' } : {}),
    store,
    ...canaryRequestOf(form),
    ...identityRequestOf(form),
    // Empty keeps the stored secret (when editing); a credential without a secret drops it.
    ...(!usesSecret ? { secret: null } : form.secret ? { secret: form.secret } : {}),
    ...(form.kind !== 'redis' && form.blacklistUrl.trim() && form.blacklistSecret ? { blacklistSecret: form.blacklistSecret } : {}),
  };
}

/**
 * The editor holds changes to the store (or a new secret) that the saved connection does not have
 * yet: what main would act on for this connection is still the saved one.
 */
export function unsavedStore(form: Form, subject: EditorSubject): boolean {
  return subject.mode === 'edit' && (form.secret !== '' || !sameJson(requestOf(form, subject).store, subject.connection.store));
}

/** Equal as data, whatever the order of their keys. */
function sameJson(a: unknown, b: unknown): boolean {
  const canonical = (value: unknown): unknown =>
    Array.isArray(value) ? value.map(canonical) : value && typeof value === 'object' ? Object.fromEntries(Object.entries(value).sort(([x], [y]) => x.localeCompare(y)).map(([k, v]) => [k, canonical(v)])) : value;
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function ticketRule(requireTicket: boolean | undefined): Form['ticket'] {
  return requireTicket === undefined ? 'default' : requireTicket ? 'required' : 'optional';
}
