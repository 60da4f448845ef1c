import { z } from 'zod';
import { ENVIRONMENT_COLOURS } from './reason-codes';
import { CANARY_READ_ONLY_MESSAGE, CanarySettingsSchema, canaryAllowed } from './canary';
import { IdentityMapSchema } from './identity';
import { IamSettingsSchema } from './iam-roles';
import { AwsEndpointSchema } from './aws-endpoint';

export { ENVIRONMENT_COLOURS } from './reason-codes';

/** No control or bidirectional-override characters: names are printed back, also in terminals. */
const printable = (text: string) => !/[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u.test(text);
const Name = z.string().trim().min(1).max(100).refine(printable, 'no control or direction-override characters');
/** A URL with no password in it, neither as its user-info nor as a `password` query parameter (ioredis and libpq read both). */
function holdsNoPassword(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.password === '' && ![...parsed.searchParams.keys()].some((k) => k.toLowerCase() === 'password');
  } catch {
    return false;
  }
}

const RedisUrl = z
  .string()
  .trim()
  .max(2000)
  .regex(/^rediss?:\/\/[^\s]+$/, 'a redis:// or rediss:// URL')
  .refine(holdsNoPassword, 'holds a password: put it in the password field, not in the URL');

/** Where AWS credentials come from: a profile (incl. SSO), the default chain, or static keys. */
export const AwsCredentialsSchema = z.discriminatedUnion('source', [
  z.strictObject({ source: z.literal('profile'), profile: Name }),
  z.strictObject({ source: z.literal('default') }),
  z.strictObject({ source: z.literal('static'), accessKeyId: z.string().trim().regex(/^[A-Z0-9]{16,128}$/, 'an access key id (AKIA…/ASIA…)') }),
]);

export const DynamoStoreSchema = z.strictObject({
  kind: z.literal('dynamodb'),
  region: z.string().trim().regex(/^[a-z]{2}(-[a-z]+)+-\d$|^local$/, 'an AWS region such as eu-west-1 (or "local")'),
  table: z.string().trim().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name'),
  /** https, or http only to this machine (DynamoDB Local); never credentials in the URL. */
  endpoint: AwsEndpointSchema.optional(),
  credentials: AwsCredentialsSchema,
  /** Optional Redis mirror of revocations (`revoked:<id>`); its password is a secret too. */
  blacklistRedis: z.strictObject({ url: RedisUrl, username: Name.optional() }).optional(),
  /**
   * The team ledger table every desk's revocations are chained into (usually `<table>-revocations`,
   * see `defaultLedgerTable`); absent: this desk keeps only its local ledger.
   */
  teamLedger: z.string().trim().regex(/^[A-Za-z0-9_.-]{3,255}$/, 'a DynamoDB table name').optional(),
  /** Which IAM role each Sentinel profile's credentials are vended for (src-shared/iam-roles.ts); absent: unknown. */
  iam: IamSettingsSchema.optional(),
});

export const RedisStoreSchema = z.strictObject({
  kind: z.literal('redis'),
  /** One URL, or several seed nodes of a cluster. */
  urls: z.array(RedisUrl).min(1).max(12),
  cluster: z.boolean(),
  username: Name.optional(),
  db: z.number().int().min(0).max(15).optional(),
  /** For `rediss://` with a private CA: its certificate (PEM). Public, not a secret. */
  tlsCa: z
    .string()
    .max(20_000)
    .regex(/^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/, 'a PEM certificate (-----BEGIN CERTIFICATE----- …)')
    .optional(),
  /**
   * The stream every desk's revocations are chained into (usually `session-warden:revocations`);
   * absent: this desk keeps only its local ledger.
   */
  teamLedger: z.string().trim().min(1).max(200).refine(printable, 'no control or direction-override characters').optional(),
});

/** A libpq URL without a password (that goes in the password field, kept in the vault). */
const PostgresUrl = z
  .string()
  .trim()
  .max(2000)
  .regex(/^postgres(ql)?:\/\/[^\s]+$/, 'a postgres:// or postgresql:// URL')
  .refine(holdsNoPassword, 'holds a password: put it in the password field, not in the URL');

/** The web app's sessions of record in PostgreSQL (its `sessions` and `session_audit_log` tables). */
export const PostgresStoreSchema = z.strictObject({
  kind: z.literal('postgres'),
  url: PostgresUrl,
  /** libpq's sslmode; absent: `disable` for this machine, `verify-full` for any other host. */
  sslmode: z.enum(['disable', 'require', 'verify-ca', 'verify-full']).optional(),
  /** For verify-ca / verify-full with a private CA: its certificate (PEM). Public, not a secret. */
  tlsCa: z
    .string()
    .max(20_000)
    .regex(/^\s*-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/, 'a PEM certificate (-----BEGIN CERTIFICATE----- …)')
    .optional(),
  /** The app user (`users.email`) revocations are recorded as in `revoked_by`; absent: NULL, with the operator named in the audit row. */
  operatorEmail: z.email().max(255).optional(),
  /** Optional Redis mirror of revocations (`revoked:<id>`), the hybrid deployment's blacklist; its password is a secret too. */
  blacklistRedis: z.strictObject({ url: RedisUrl, username: Name.optional() }).optional(),
});

/** Where a connection's sessions are, by kind of store. */
export const StoreSchema = z.discriminatedUnion('kind', [DynamoStoreSchema, RedisStoreSchema, PostgresStoreSchema]);
export type PostgresStore = z.infer<typeof PostgresStoreSchema>;
export type StoredStore = z.infer<typeof StoreSchema>;

/** A connection as the renderer sees and edits it: never a secret, only whether one is kept. */
export const ConnectionSchema = z.strictObject({
  id: z.uuid(),
  name: Name,
  /** Shown on every screen (`prod…` is the red production band). */
  environment: z.string().trim().min(1).max(40),
  colour: z.enum(ENVIRONMENT_COLOURS),
  readOnly: z.boolean(),
  /** Offboarding runs must carry a ticket; absent: in production environments only. */
  requireTicket: z.boolean().optional(),
  store: StoreSchema,
  /** A secret is kept for this connection (static secret key, or a Redis password). */
  hasSecret: z.boolean(),
  /** A password is kept for the blacklist Redis of a DynamoDB connection. */
  hasBlacklistSecret: z.boolean(),
  /** Where it is kept: encrypted on disk, or in memory for this run only (see SecretStorageInfo). */
  secretKept: z.enum(['encrypted', 'memory', 'none']),
  /** The enforcement canary, opted into for this connection (src-shared/canary.ts); absent: off. */
  canary: CanarySettingsSchema.optional(),
  /** How a person is named in this store (src-shared/identity.ts); absent: the kind's default. */
  identity: IdentityMapSchema.optional(),
});
export type Connection = z.infer<typeof ConnectionSchema>;

/**
 * Create or edit. `secret` is write-only: omitted keeps the stored one (only while the connection
 * points where it did), `null` removes it. Without OS encryption it is kept for this run only.
 */
export const ConnectionSaveRequestSchema = z.strictObject({
  id: z.uuid().optional(),
  name: Name,
  environment: z.string().trim().min(1).max(40).refine(printable, 'no control or direction-override characters'),
  colour: z.enum(ENVIRONMENT_COLOURS),
  readOnly: z.boolean(),
  /** Offboarding runs must carry a ticket; absent: in production environments only. */
  requireTicket: z.boolean().optional(),
  store: StoreSchema,
  secret: z.string().min(1).max(4096).nullable().optional(),
  /** The blacklist Redis password of a DynamoDB connection: write-only, like `secret`. */
  blacklistSecret: z.string().min(1).max(4096).nullable().optional(),
  /** The enforcement canary (opt-in); never enabled on a read-only connection (`ConnectionSaveCheckedSchema`). */
  canary: CanarySettingsSchema.optional(),
  /** How a person is named in this store (incident mode); absent: the kind's default. */
  identity: IdentityMapSchema.optional(),
});
export type ConnectionSaveRequest = z.infer<typeof ConnectionSaveRequestSchema>;

/** What `connections:save` accepts: the request, with the rules across its fields (a separate schema: `omit` refuses refined ones). */
export const ConnectionSaveCheckedSchema = ConnectionSaveRequestSchema.refine(canaryAllowed, { message: CANARY_READ_ONLY_MESSAGE, path: ['canary'] });

export const ConnectionsListSchema = z.strictObject({
  connections: z.array(ConnectionSchema),
  /** Id of the active connection; `demo` for the embedded demo store. */
  active: z.string(),
  /** Whether secrets can be encrypted at rest on this machine, and with what. */
  secretStorage: z.strictObject({ available: z.boolean(), backend: z.string(), explanation: z.string() }),
});

/** One check of a connection test, said so an operator knows what to fix. */
export const ConnectionCheckSchema = z.strictObject({
  name: z.string(),
  state: z.enum(['ok', 'warning', 'failed']),
  detail: z.string(),
});
export const ConnectionTestResultSchema = z.strictObject({
  ok: z.boolean(),
  checks: z.array(ConnectionCheckSchema),
});
export type ConnectionTestResult = z.infer<typeof ConnectionTestResultSchema>;

export const AwsProfileSchema = z.strictObject({
  name: z.string(),
  /** sso, static keys in the credentials file, an assumed role, a credential process, or other. */
  kind: z.enum(['sso', 'static', 'role', 'process', 'other']),
  region: z.string().optional(),
});
