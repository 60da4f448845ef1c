import { z } from 'zod';
import { StoreCapabilitiesSchema } from './store-capabilities';
import { TeamLedgerStatusSchema, TeamVerifySchema } from './team-ledger';
import {
  EvidenceSaveRequestSchema,
  EvidenceSaveResponseSchema,
  RevokeReportSchema,
  UserPreviewSchema,
  UsersPreviewRequestSchema,
  ConfirmedRevokeSessionsRequestSchema,
  ConfirmedRevokeUsersRequestSchema,
  ConfirmedConnectionSchema,
  MAX_REVOKE_IDS,
  noteForOther,
  reasonFields,
} from './revocation';
import { ActivityRequestSchema, ActivitySummarySchema } from './activity';
import { BlacklistPendingSchema } from './blacklist';
import { BlacklistCoverageSchema, BlacklistRepairRequestSchema, BlacklistRepairSchema } from './blacklist-coverage';
import { LedgerListRequestSchema, LedgerListResponseSchema } from './audit';
import { StoreAuditPageSchema, StoreAuditRequestSchema } from './store-audit';
import { PrincipalSchema } from './principal';
import { RevocationAlarmsSchema } from './proof';
import { CanaryHistoryRequestSchema, CanaryHistorySchema, CanaryReportSchema } from './canary';
import { AwsProfileSchema, ConnectionSaveCheckedSchema, ConnectionSaveRequestSchema, ConnectionSchema, ConnectionsListSchema, ConnectionTestResultSchema } from './connections';
import { ExportCancelRequestSchema, ExportProgressSchema, ExportResultSchema, exportStartRequestSchema } from './export';
import { SessionIdSchema, SessionSchema } from './session';
import { ACTIVITY_REASONS } from './reason-codes';
import { SESSION_STATUSES } from './session-status';
import { UserLookupSchema, UsersLookupRequestSchema } from './users';
import {
  IncidentExportRequestSchema,
  IncidentExportResponseSchema,
  IncidentPinRequestSchema,
  IncidentRefSchema,
  IncidentSummarySchema,
  IncidentViewSchema,
  PeopleEvidenceRequestSchema,
  PeopleFindRequestSchema,
  PeopleFindResponseSchema,
  PeopleRevokeRequestSchema,
  PeopleRevokeResponseSchema,
} from './people';
import { IamApplyRequestSchema, IamApplyResultSchema, IamListSchema, IamPlanRequestSchema, IamPlanSchema, IamRemoveRequestSchema, IamRemoveResultSchema } from './iam-deny';

/** Users one window may watch for new sessions (one store query each a tick). */
export const MAX_WATCHED_USERS = 100;
/** Largest page a renderer may ask for. */
export const MAX_PAGE_SIZE = 500;
/** Cursors are short signed tokens; anything longer is not one of ours. */
export const MAX_CURSOR_LENGTH = 1024;

/** An RFC 3339 time with a zone (`Z` or an offset), up to nanoseconds. */
const TimeBoundSchema = z.iso.datetime({ offset: true });
const FilterTextSchema = z.string().trim().min(1).max(256);
export const IP_FILTER_HINT = 'an IP address or network, such as 203.0.113.7, 10.1.0.0/16, 2001:db8::1 or 2001:db8::/32';
/** One address (matches itself) or a network in CIDR notation (matches every address in it), IPv4 or IPv6. */
export const IpFilterSchema = z
  .string()
  .trim()
  .min(1, `expected ${IP_FILTER_HINT}`)
  .max(64, `expected ${IP_FILTER_HINT}`)
  .refine((v) => [z.ipv4(), z.ipv6(), z.cidrv4(), z.cidrv6()].some((format) => format.safeParse(v).success), `expected ${IP_FILTER_HINT}`);

export const SessionsQueryRequestSchema = z.strictObject({
  /** Which sessions to list, by derived status: one, several, or `any`. */
  status: z
    .union([z.enum([...SESSION_STATUSES, 'any']), z.array(z.enum(SESSION_STATUSES)).min(1).max(SESSION_STATUSES.length)])
    .default('active'),
  user: FilterTextSchema.optional(),
  profile: FilterTextSchema.optional(),
  serverInstance: FilterTextSchema.optional(),
  /** Sessions whose device description contains this text, ignoring case (where the store serves `device`). */
  device: FilterTextSchema.optional(),
  /** Sessions from this address, or from any address in this network (where the store serves `ipAddress`). */
  ipAddress: IpFilterSchema.optional(),
  /** Free text within the store's searchable fields, ignoring case (where the store serves `text`). */
  text: FilterTextSchema.optional(),
  /** Created at or after this time. */
  since: TimeBoundSchema.optional(),
  /** Created at or before this time. */
  until: TimeBoundSchema.optional(),
  /** Revoked at or after this time (revoked sessions only; see `revocationTime`). */
  revokedSince: TimeBoundSchema.optional(),
  /** Revoked at or before this time. */
  revokedUntil: TimeBoundSchema.optional(),
  /**
   * Revoked sessions whose `revoked_reason` names this code (`code` or `code: note`, as we write
   * it); `unknown`: revoked with free text or no reason (other tools). The Activity chart's reasons.
   */
  reasonCode: z.enum(ACTIVITY_REASONS).optional(),
  /** Page size. */
  limit: z.number().int().min(1).max(MAX_PAGE_SIZE).default(50),
  /** The `nextCursor` of the previous page, exactly as received. */
  cursor: z.string().min(1).max(MAX_CURSOR_LENGTH).optional(),
});

/**
 * "Revoke all N matching": a filter as for sessions:query, without status or paging (only active
 * sessions are ever revoked), across every page of the store.
 */
export const MatchingFilterSchema = SessionsQueryRequestSchema.omit({ status: true, limit: true, cursor: true });
const NamedCountSchema = z.strictObject({ name: z.string(), count: z.number().int().positive() });
export const MatchingPreviewSchema = z.strictObject({
  /** Active sessions the filter matches now, counted by main from the store. */
  total: z.number().int().nonnegative(),
  byUser: z.array(NamedCountSchema),
  byProfile: z.array(NamedCountSchema),
  /** Above this many the confirmation asks for the count to be typed (always, in production). */
  confirmAbove: z.number().int().nonnegative(),
  /** sha256 of the sorted session ids counted: the revocation must name it back. */
  digest: z.string().regex(/^[0-9a-f]{64}$/),
});
export type MatchingPreview = z.infer<typeof MatchingPreviewSchema>;
/** The revocation of what a filter matches: the count the operator confirmed must still be the count, or nothing is revoked. */
export const ConfirmedRevokeMatchingRequestSchema = z
  .strictObject({
    filter: MatchingFilterSchema,
    expectedCount: z.number().int().positive().max(MAX_REVOKE_IDS),
    /** The `digest` of the count confirmed: the same sessions, not just as many (one ended and another began meanwhile). */
    expectedDigest: z.string().regex(/^[0-9a-f]{64}$/),
    ...reasonFields,
    connection: ConfirmedConnectionSchema,
    /**
     * Chosen by the caller so it can stop the run (`revoke:cancel`) while it is under way; one
     * run at a time per id. Not the ledger's run id (main draws that, in the report).
     */
    runId: z.uuid().optional(),
  })
  .superRefine(noteForOther);

/** A sessions filter without paging: what an export of "these sessions" is given. */
export const SessionsFilterSchema = SessionsQueryRequestSchema.omit({ limit: true, cursor: true });

export const SessionsPageSchema = z.strictObject({
  /** Newest first (by `created_at`, exact to the nanosecond). */
  sessions: z.array(SessionSchema),
  /** Opaque; pass back to get the next page. Absent on the last page. */
  nextCursor: z.string().optional(),
  /**
   * Entries the store holds for this filter that are not sessions we can read (a web user's set
   * with members that are not session ids): counted, with a few examples, never silently dropped.
   */
  unreadable: z.strictObject({ count: z.number().int().positive(), examples: z.array(z.string().max(200)).max(5) }).optional(),
});

/** demo: the embedded store; dynamodb: Sentinel sessions; redis: web sessions; postgres: the web app's sessions of record. */
export const ConnectionKindSchema = z.enum(['demo', 'dynamodb', 'redis', 'postgres']);

export const AppInfoSchema = z.strictObject({
  version: z.string(),
  connection: z.strictObject({
    /** The saved connection's id, or `demo`: what a revoke request names as confirmed. */
    id: z.string(),
    /** Drawn by main each time a workspace opens: a revoke request must carry it back. */
    nonce: z.string(),
    name: z.string(),
    kind: ConnectionKindSchema,
    /** Shown in the top bar; `demo` for the embedded store. */
    environment: z.string(),
    /** The Sentinel table, or for web sessions the Redis address (never with credentials). */
    table: z.string(),
    /** Auditor mode: main refuses every revocation on this connection. */
    readOnly: z.boolean(),
    /** What this kind of store offers: the filters, columns and detail fields the renderer draws. */
    capabilities: StoreCapabilitiesSchema,
    /**
     * Main refuses an offboarding run without a ticket (decided in main from the saved
     * connection: by default in production). Absent in hand-built infos: not required.
     */
    requireTicket: z.boolean().optional(),
    /**
     * The connection mirrors its revocations to a blacklist Redis (`revoked:<id>`), whose coverage
     * the Audit screen checks (on a read-only connection it is not opened). Absent: none.
     */
    blacklist: z.boolean().optional(),
  }),
  /** The identity revocations are recorded under, decided in main. */
  operator: z.string(),
  /**
   * Who `operator` really is (ARN, account, role, caller-chosen session name). Main always sends
   * it; optional so hand-built infos (tests, harnesses) need not, and the top bar then shows the name alone.
   */
  principal: PrincipalSchema.optional(),
});

export const SessionsGetRequestSchema = z.strictObject({ id: SessionIdSchema });
export const SessionsGetResponseSchema = z.strictObject({ session: SessionSchema.nullable() });
/** The rows in view, at most a page of them. */
export const SessionsGetManyRequestSchema = z.strictObject({ ids: z.array(SessionIdSchema).min(1).max(MAX_PAGE_SIZE) });

export const LedgerVerifyResponseSchema = z.strictObject({
  ok: z.boolean(),
  verifiedEntries: z.number().int().nonnegative(),
  brokenAt: z.number().int().positive().optional(),
  reason: z.string().optional(),
  /** The connection's team ledger, checked against this desk's (absent when it keeps none). */
  team: TeamVerifySchema.optional(),
});

const NoArguments = z.strictObject({}).optional();

/**
 * The IPC contract: every call between renderer and main, declared once. Channel names are
 * `domain:verb`; the preload API exposes each as `warden.<domain>.<verb>(request)`.
 */
export const contract = {
  /** Describe the active connection (name, environment, DEMO) and operator identity. */
  'app:info': { request: NoArguments, response: AppInfoSchema },
  /** One page of sessions, newest first. */
  'sessions:query': { request: SessionsQueryRequestSchema, response: SessionsPageSchema },
  /** One session by id (`session: null` when the store has no such item). */
  'sessions:get': { request: SessionsGetRequestSchema, response: SessionsGetResponseSchema },
  /**
   * Many sessions by id in as few store requests as the store allows (BatchGetItem, MGET, one
   * SELECT): the table re-reads the rows in view each refresh. Ids the store no longer holds are absent.
   */
  'sessions:getMany': { request: SessionsGetManyRequestSchema, response: z.strictObject({ sessions: z.array(SessionSchema) }) },
  /** Revoke sessions by id, with a reason code; one outcome per id. */
  'sessions:revoke': { request: ConfirmedRevokeSessionsRequestSchema, response: RevokeReportSchema },
  /** Revoke every active session of each user; one outcome per session. */
  'users:revoke': { request: ConfirmedRevokeUsersRequestSchema, response: RevokeReportSchema },
  /** Every active session a filter matches, counted per user and profile (the dry run of "Revoke all N matching…"). */
  'sessions:matching': { request: z.strictObject({ filter: MatchingFilterSchema }), response: MatchingPreviewSchema },
  /** Revokes exactly what `sessions:matching` counted, if the count is still the one confirmed. */
  'sessions:revokeMatching': { request: ConfirmedRevokeMatchingRequestSchema, response: RevokeReportSchema },
  /**
   * Stop a running sessions:revokeMatching (by the `runId` it was sent with): no further session
   * is started, those under way finish and are recorded, and the run answers `cancelled` with the
   * rest `not_attempted`. `cancelled: false` when no such run is under way (over already).
   */
  'revoke:cancel': { request: z.strictObject({ runId: z.uuid() }), response: z.strictObject({ cancelled: z.boolean() }) },
  /** Active sessions per user, and unknown names, before an offboarding run. */
  'users:preview': { request: UsersPreviewRequestSchema, response: z.strictObject({ users: z.array(UserPreviewSchema) }) },
  /**
   * What the store knows of a typed user name: the exact user, the one it means ignoring case or
   * by e-mail, or the closest names with live sessions (from a cached directory, never a table scan).
   */
  'users:lookup': { request: UsersLookupRequestSchema, response: UserLookupSchema },
  /** Write a run's ledger outcomes as CSV evidence to a file the operator picks in a save dialog. */
  'evidence:save': { request: EvidenceSaveRequestSchema, response: EvidenceSaveResponseSchema },
  /**
   * Whom to watch for new sessions and how often (`everyMs: null`: paused): main reads each
   * watched user's active sessions once a tick, and sends a new one as a `watch:new` event (and a
   * system notification). The list replaces the previous one; users still listed keep what was seen.
   */
  'watch:set': {
    request: z.strictObject({ users: z.array(FilterTextSchema).max(MAX_WATCHED_USERS), everyMs: z.number().int().min(1_000).max(3_600_000).nullable() }),
    response: z.strictObject({ watching: z.number().int().nonnegative() }),
  },
  /** Check the hash chain of the revocation ledger. */
  'ledger:verify': { request: NoArguments, response: LedgerVerifyResponseSchema },
  /**
   * Export sessions (a filter, every page) or the ledger as CSV, JSON or NDJSON to a file picked in
   * a save dialog, with a manifest (rows, SHA-256, filter, time, operator) beside it. Answers when
   * done or cancelled; progress comes as `export:progress` events.
   */
  'export:start': { request: exportStartRequestSchema(SessionsFilterSchema), response: ExportResultSchema },
  /**
   * Revocation activity over a range: the store's revoked sessions (other tools' revocations too)
   * merged with the ledger, each session once; plus sessions now by status.
   */
  'activity:summary': { request: ActivityRequestSchema, response: ActivitySummarySchema },
  /** The ledger as audit rows (attempt and outcome joined), filtered, newest first, a page at a time. */
  'ledger:list': { request: LedgerListRequestSchema, response: LedgerListResponseSchema },
  /**
   * The store's own audit log of revocations (the web app's `session_audit_log`), newest first, a
   * page at a time (`before`: the previous page's `nextBefore`). Rows Session Warden wrote are
   * marked (`bySessionWarden`): they are the ledger's revocations again. A store that keeps none
   * (capabilities' `storeAudit` is null) answers VALIDATION.
   */
  'audit:store': { request: StoreAuditRequestSchema, response: StoreAuditPageSchema },
  /** The saved connections (never a secret: `hasSecret` only), the active one, and the keyring state. */
  'connections:list': { request: NoArguments, response: ConnectionsListSchema },
  /** Create or edit a connection; a secret is write-only (encrypted at rest, or kept for this run). */
  'connections:save': { request: ConnectionSaveCheckedSchema, response: z.strictObject({ connection: ConnectionSchema }) },
  'connections:delete': { request: z.strictObject({ id: z.uuid() }), response: z.strictObject({ deleted: z.boolean() }) },
  /** Check a saved connection, or the editor's draft, and say what to fix. */
  'connections:test': {
    request: z.union([z.strictObject({ id: z.uuid() }), z.strictObject({ draft: ConnectionSaveRequestSchema })]),
    response: ConnectionTestResultSchema,
  },
  /** Make a connection (or `demo`) the active one; answers the new app info. */
  'connections:switch': { request: z.strictObject({ id: z.union([z.uuid(), z.literal('demo')]) }), response: AppInfoSchema },
  /**
   * Create a saved DynamoDB connection's team ledger table (on-demand billing, point-in-time
   * recovery) with that connection's own credentials; an existing table is left as it is. Refused
   * (READ_ONLY) on a read-only connection, which never writes.
   */
  'connections:initLedger': {
    request: z.strictObject({ id: z.uuid() }),
    response: z.strictObject({ created: z.boolean(), pointInTimeRecovery: z.enum(['enabled', 'failed']), detail: z.string().optional() }),
  },
  /** AWS profiles from ~/.aws/config and ~/.aws/credentials (names and kinds only). */
  'connections:profiles': { request: NoArguments, response: z.strictObject({ profiles: z.array(AwsProfileSchema) }) },
  /** Stop a running export; its partial file is removed. */
  'export:cancel': { request: ExportCancelRequestSchema, response: z.strictObject({ cancelled: z.boolean() }) },
  /**
   * Blacklist writes not yet acknowledged by their Redis, for every blacklist Redis (not only the
   * active connection's): how many, since when, and why delivery has not succeeded yet.
   */
  'blacklist:pending': { request: NoArguments, response: BlacklistPendingSchema },
  /** Try to deliver every pending blacklist write now; answers what is still pending. */
  'blacklist:retry': { request: NoArguments, response: BlacklistPendingSchema },
  /**
   * The active connection's revoked sessions still alive whose `revoked:<id>` is missing from its
   * blacklist Redis or expires first (as `session-warden blacklist check`). Refused (VALIDATION)
   * without a blacklist, READ_ONLY on a read-only connection (its blacklist is not opened).
   */
  'blacklist:coverage': { request: NoArguments, response: BlacklistCoverageSchema },
  /**
   * Rewrite the confirmed gaps that are still gaps when main checks again (the revocation's TTL
   * rule), recorded in the ledger as one run, as `blacklist check --repair`. Refused (READ_ONLY)
   * on a read-only connection, CONNECTION_CHANGED when confirmed on another opening.
   */
  'blacklist:repair': { request: BlacklistRepairRequestSchema, response: BlacklistRepairSchema },
  /**
   * The revocation watch of the active connection: how many revoked sessions it reads back, and
   * its alarms (activity after revocation, from the ledger's `alarm` entries), newest first.
   */
  'proof:alarms': { request: NoArguments, response: RevocationAlarmsSchema },
  /**
   * Run the enforcement canary on the active connection now (as `session-warden canary run` with
   * the connection's probe URL and threshold); answers the run, also kept in the history. Refused
   * READ_ONLY on a read-only connection, VALIDATION where the connection has not opted in.
   */
  'canary:run': { request: NoArguments, response: z.strictObject({ report: CanaryReportSchema }) },
  /** Whether the canary runs on the active connection, and its runs from `canary-history.jsonl`, newest first. */
  'canary:history': { request: CanaryHistoryRequestSchema, response: CanaryHistorySchema },
  /** The active connection's team ledger: where, and how many local entries have not reached it. */
  /**
   * Incident mode: one person across the selected saved connections (and `demo`), searched in
   * parallel, each with its own credentials in main; one group per connection, an unreachable one
   * saying why without hiding the others.
   */
  'people:find': { request: PeopleFindRequestSchema, response: PeopleFindResponseSchema },
  /** Revoke everywhere: per connection, with that connection's guards (read-only, changed since the search) and ledger. */
  'people:revoke': { request: PeopleRevokeRequestSchema, response: PeopleRevokeResponseSchema },
  /** Progressless evidence of a revoke-everywhere and its retries: one CSV over every connection's runs (save dialog in main). */
  'people:evidence': { request: PeopleEvidenceRequestSchema, response: EvidenceSaveResponseSchema },
  /** Pin a person to an incident reference (kept in the data directory). */
  'incidents:pin': { request: IncidentPinRequestSchema, response: IncidentSummarySchema },
  'incidents:list': { request: NoArguments, response: z.strictObject({ incidents: z.array(IncidentSummarySchema) }) },
  /** What was revoked where, what is still open, activity after revocation. */
  'incidents:get': { request: z.strictObject({ incident: IncidentRefSchema }), response: IncidentViewSchema },
  /** The incident as one bundle (CSV or JSON) with a manifest, through the save dialog in main. */
  'incidents:export': { request: IncidentExportRequestSchema, response: IncidentExportResponseSchema },
  /**
   * Deny credentials already issued to revoked Sentinel sessions: per role (from the connection's
   * profile → role mapping; unmapped sessions said), the exact inline policy and its blast radius.
   * Reads IAM only to count the role's other inline policies. Allowed on a read-only connection.
   */
  'iam:plan': { request: IamPlanRequestSchema, response: IamPlanSchema },
  /**
   * iam:PutRolePolicy of exactly the planned document (its sha256), ledgered; whole-role needs the
   * role's name typed, a policy widened to users' live sessions an explicit acceptance. Refused
   * READ_ONLY on a read-only connection, CONNECTION_CHANGED when confirmed on another opening.
   */
  'iam:apply': { request: IamApplyRequestSchema, response: IamApplyResultSchema },
  /** Our deny policies still attached to the mapped roles, with when each may be removed. */
  'iam:list': { request: NoArguments, response: IamListSchema },
  /** iam:DeleteRolePolicy of one of ours, ledgered; before its covered credentials expired only with `override`. */
  'iam:remove': { request: IamRemoveRequestSchema, response: IamRemoveResultSchema },
  'ledger:team': { request: NoArguments, response: TeamLedgerStatusSchema },
  /** Deliver pending entries to the team ledger now; answers what is still pending. */
  'ledger:deliver': { request: NoArguments, response: TeamLedgerStatusSchema },
} as const;

/**
 * Events main pushes to the renderer, declared once like the calls. The preload exposes them as
 * `warden.on(event, listener)`, which returns an unsubscribe function.
 */
export const events = {
  /** Progress of a revoke run (sessions:revoke, users:revoke): sessions settled so far. */
  'revoke:progress': z.strictObject({ done: z.number().int().nonnegative(), total: z.number().int().nonnegative() }),
  /** Rows written so far by a running export. */
  'export:progress': ExportProgressSchema,
  /** New sessions of watched users, found by main's watch (`watch:set`) since its last tick. */
  'watch:new': z.strictObject({ alerts: z.array(z.strictObject({ user: z.string().max(256), sessionId: SessionIdSchema })).max(10_000) }),
} as const;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;
export const EVENT_NAMES = Object.keys(events) as EventName[];

export type Contract = typeof contract;
export type Channel = keyof Contract;
export const CHANNELS = Object.keys(contract) as Channel[];

/**
 * Who answers each channel, declared once: `workspace` (the open connection's workspace; the app
 * hands the call to whichever one is active) or `app` (the connection manager itself, whichever
 * connection is open: the connections and every saved connection's blacklist outbox). A channel
 * added to the contract without an entry here, or with two, does not compile.
 */
const ANSWERED_BY = {
  'app:info': 'workspace',
  'sessions:query': 'workspace',
  'sessions:get': 'workspace',
  'sessions:getMany': 'workspace',
  'sessions:revoke': 'workspace',
  'users:revoke': 'workspace',
  'sessions:matching': 'workspace',
  'sessions:revokeMatching': 'workspace',
  'revoke:cancel': 'workspace',
  'users:preview': 'workspace',
  'users:lookup': 'workspace',
  'evidence:save': 'workspace',
  'watch:set': 'workspace',
  'ledger:verify': 'workspace',
  'ledger:list': 'workspace',
  'ledger:team': 'workspace',
  'ledger:deliver': 'workspace',
  'export:start': 'workspace',
  'export:cancel': 'workspace',
  'activity:summary': 'workspace',
  'proof:alarms': 'workspace',
  'audit:store': 'workspace',
  'canary:run': 'workspace',
  'canary:history': 'workspace',
  'iam:plan': 'workspace',
  'iam:apply': 'workspace',
  'iam:list': 'workspace',
  'iam:remove': 'workspace',
  'connections:list': 'app',
  'connections:save': 'app',
  'connections:delete': 'app',
  'connections:test': 'app',
  'connections:switch': 'app',
  'connections:initLedger': 'app',
  'connections:profiles': 'app',
  'blacklist:pending': 'app',
  'blacklist:retry': 'app',
  'blacklist:coverage': 'workspace',
  'blacklist:repair': 'workspace',
  'people:find': 'app',
  'people:revoke': 'app',
  'people:evidence': 'app',
  'incidents:pin': 'app',
  'incidents:list': 'app',
  'incidents:get': 'app',
  'incidents:export': 'app',
} as const satisfies Record<Channel, 'workspace' | 'app'>;

type AnsweredBy<Who extends 'workspace' | 'app'> = { [C in Channel]: (typeof ANSWERED_BY)[C] extends Who ? C : never }[Channel];
/** Channels a workspace answers: what `createHandlers` implements for one connection. */
export type WorkspaceChannel = AnsweredBy<'workspace'>;
/** Channels the app (the connection manager) answers itself. */
export type AppChannel = AnsweredBy<'app'>;
/** Every workspace channel, in contract order. */
export const WORKSPACE_CHANNELS: readonly WorkspaceChannel[] = CHANNELS.filter((c): c is WorkspaceChannel => ANSWERED_BY[c] === 'workspace');
/** Every app channel, in contract order. */
export const APP_CHANNELS: readonly AppChannel[] = CHANNELS.filter((c): c is AppChannel => ANSWERED_BY[c] === 'app');

/** What the caller passes (defaults may be omitted). */
export type RequestOf<C extends Channel> = z.input<Contract[C]['request']>;
/** What the handler receives after validation (defaults filled in). */
export type ParsedRequestOf<C extends Channel> = z.output<Contract[C]['request']>;
export type ResponseOf<C extends Channel> = z.output<Contract[C]['response']>;

export type SessionsQueryRequest = ParsedRequestOf<'sessions:query'>;
export type SessionsPage = ResponseOf<'sessions:query'>;
export type AppInfo = ResponseOf<'app:info'>;

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && Object.hasOwn(contract, name);
}
