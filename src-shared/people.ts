import { z } from 'zod';
import { ENVIRONMENT_COLOURS } from './reason-codes';
import { IDENTITY_KEYS, PersonTextSchema } from './identity';
import { noteForOther, reasonFields, RevokeResultSchema, MAX_REVOKE_IDS } from './revocation';
import { SessionIdSchema, SessionSchema } from './session';
import { RevocationAlarmSchema } from './proof';

/**
 * Incident mode (issue 18): one person across every saved connection. `people:find` searches the
 * connections the analyst selects, in parallel, each with its own credentials in main, and answers
 * one group per connection; `people:revoke` revokes in each with that connection's guards and
 * ledger; an incident pins the person to a reference and gathers what was revoked where.
 */

/** A saved connection's id, or `demo` for the embedded demo store. */
export const ConnectionRefSchema = z.union([z.uuid(), z.literal('demo')]);
export const MAX_PEOPLE_CONNECTIONS = 20;
/** Sessions listed per group; a group with more says so (`more`) and counts them all. */
export const MAX_PERSON_SESSIONS = 500;

/** An incident reference as teams write them: INC-1234, SEC-2026-0042, a ticket key. */
export const IncidentRefSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:#/-]*$/, 'an incident reference such as INC-1234: letters, digits and . _ : # / -');

export const PeopleFindRequestSchema = z.strictObject({
  person: PersonTextSchema,
  /** Which connections to search; each is searched once. */
  connections: z
    .array(ConnectionRefSchema)
    .min(1, 'select at least one connection to search')
    .max(MAX_PEOPLE_CONNECTIONS)
    .refine((ids) => new Set(ids).size === ids.length, 'each connection is searched once'),
});
export type PeopleFindRequest = z.infer<typeof PeopleFindRequestSchema>;

/** A connection as a group heading shows it: environment colour and label, read-only marked. */
export const GroupConnectionSchema = z.strictObject({
  id: ConnectionRefSchema,
  name: z.string(),
  environment: z.string(),
  colour: z.enum(ENVIRONMENT_COLOURS),
  /** Production (`prod…` environments): red in every confirmation. */
  production: z.boolean(),
  readOnly: z.boolean(),
  kind: z.enum(['dynamodb', 'redis', 'postgres', 'demo']),
  /**
   * What the connection was when searched (a hash of its saved definition): a revocation confirmed
   * against a group is refused CONNECTION_CHANGED if the connection was edited since.
   */
  fingerprint: z.string().min(8).max(128),
});
export type GroupConnection = z.infer<typeof GroupConnectionSchema>;

export const PERSON_GROUP_STATES = ['found', 'none', 'cannot-derive', 'unreachable', 'incomplete'] as const;

export const PersonGroupSchema = z.strictObject({
  connection: GroupConnectionSchema,
  /**
   * `found`: sessions listed; `none`: the store holds no session of this name; `cannot-derive`: the
   * identity rule needs what was not typed; `unreachable`: the store could not be read (`problem`
   * says why); `incomplete`: the store was read only in part within the search's budget (a web
   * Redis searched by e-mail reads every user index): what was found is listed and counted, and
   * `problem` says how far the search got; it never means "none".
   */
  state: z.enum(PERSON_GROUP_STATES),
  /** How the person is named here (from the connection's identity map), when it could be derived. */
  identity: z.strictObject({ key: z.enum(IDENTITY_KEYS), name: z.string(), rule: z.string() }).nullable(),
  /** For `cannot-derive` and `unreachable`: why, for the analyst. */
  problem: z.string().optional(),
  counts: z.strictObject({ active: z.number().int().nonnegative(), revoked: z.number().int().nonnegative(), expired: z.number().int().nonnegative() }),
  /** The latest access of any of the person's sessions here, ISO UTC. */
  lastActivityAt: z.iso.datetime().nullable(),
  /**
   * Residual exposure: the latest moment anything already issued here still works: live sessions
   * until revoked (`live: true`), else revoked Sentinel sessions' credentials until they expire.
   */
  exposure: z.strictObject({ live: z.boolean(), until: z.iso.datetime().nullable() }),
  sessions: z.array(SessionSchema).max(MAX_PERSON_SESSIONS),
  /** More sessions than listed (the counts are still exact). */
  more: z.boolean(),
  /** How long this connection's search took, ms. */
  tookMs: z.number().nonnegative(),
});
export type PersonGroup = z.infer<typeof PersonGroupSchema>;

export const PeopleFindResponseSchema = z.strictObject({
  person: z.string(),
  searchedAt: z.iso.datetime(),
  /** In the order the connections were asked for. */
  groups: z.array(PersonGroupSchema),
});
export type PeopleFindResponse = z.infer<typeof PeopleFindResponseSchema>;

/** One connection's part of a "revoke everywhere": the live sessions confirmed there. */
export const PeopleRevokeTargetSchema = z.strictObject({
  connection: ConnectionRefSchema,
  /** The group's fingerprint at confirmation. */
  fingerprint: z.string().min(8).max(128),
  /** The listed live sessions confirmed (a retry: only those that failed). */
  ids: z.array(SessionIdSchema).min(1).max(MAX_REVOKE_IDS),
  /**
   * Also every other live session of the person there, read by main from the store at revocation
   * time (every page, not only the listed ones): what "Revoke everywhere" confirms. Ids found that
   * are not the person's are left alone; `ids` that are someone else's still refuse the group.
   */
  everyLive: z.boolean().optional(),
  /** With `everyLive`: the live count the operator confirmed there (sessions revoked beyond it are said, `beyondConfirmed`). */
  confirmedCount: z.number().int().nonnegative().optional(),
});

export const PeopleRevokeRequestSchema = z
  .strictObject({
    person: PersonTextSchema,
    targets: z
      .array(PeopleRevokeTargetSchema)
      .min(1)
      .max(MAX_PEOPLE_CONNECTIONS)
      .refine((t) => new Set(t.map((x) => x.connection)).size === t.length, 'each connection once'),
    /** The incident this revocation belongs to; with it, the runs are pinned to the incident. */
    incident: IncidentRefSchema.optional(),
    ...reasonFields,
  })
  .superRefine(noteForOther);
export type PeopleRevokeRequest = z.infer<typeof PeopleRevokeRequestSchema>;

export const PeopleRevokeGroupSchema = z.strictObject({
  connection: GroupConnectionSchema,
  /** `done`: every session settled (see results); `refused`: nothing tried (read-only, changed connection: `problem`); `failed`: the store could not be reached or the run broke off (`problem`; results so far kept). */
  state: z.enum(['done', 'refused', 'failed']),
  problem: z.string().optional(),
  /** That connection's run in its own ledger (evidence and retries are by it). */
  run: z.uuid().optional(),
  /**
   * Each result's `user` is the person as this connection names them (its identity map): the
   * session's e-mail where the map names people by e-mail, else the store's user field.
   */
  results: z.array(RevokeResultSchema),
  /** With `everyLive`: how many more live sessions were revoked than the count confirmed (begun since the search). */
  beyondConfirmed: z.number().int().positive().optional(),
});
export type PeopleRevokeGroup = z.infer<typeof PeopleRevokeGroupSchema>;

export const PeopleRevokeResponseSchema = z.strictObject({
  person: z.string(),
  incident: z.string().optional(),
  /** The revocations went through but could not be noted on the incident (say it; the ledgers hold them). */
  incidentProblem: z.string().optional(),
  operator: z.string(),
  groups: z.array(PeopleRevokeGroupSchema),
});
export type PeopleRevokeResponse = z.infer<typeof PeopleRevokeResponseSchema>;

/** The runs of a revoke-everywhere and its retries, per connection: saved as one evidence CSV. */
export const PeopleEvidenceRequestSchema = z.strictObject({
  runs: z.array(z.strictObject({ connection: ConnectionRefSchema, run: z.uuid() })).min(1).max(200),
});

export const IncidentPinRequestSchema = z.strictObject({
  incident: IncidentRefSchema,
  person: PersonTextSchema,
  connections: z.array(ConnectionRefSchema).min(1).max(MAX_PEOPLE_CONNECTIONS),
  note: z.string().trim().max(2000).optional(),
});

export const IncidentSummarySchema = z.strictObject({
  incident: z.string(),
  person: z.string(),
  connections: z.array(z.string()),
  pinnedAt: z.iso.datetime(),
  pinnedBy: z.string(),
  note: z.string().optional(),
  /** Revocation runs recorded for it, per connection. */
  runs: z.array(z.strictObject({ connection: z.string(), run: z.uuid(), at: z.iso.datetime() })),
});
export type IncidentSummary = z.infer<typeof IncidentSummarySchema>;

/**
 * Activity after revocation, checked on one of the incident's connections each time the view is
 * read: the sessions revoked there under the incident, read back in one batch (the revocation
 * watch's rule; new activity becomes an `alarm` in that connection's ledger, once).
 */
export const IncidentActivityCheckSchema = z.strictObject({
  /** The connection's id (or `demo`). */
  connection: z.string(),
  name: z.string(),
  /** `checked`: read (`sessions` of them, `newAlarms` recorded now); `unreachable`: not read, so nothing is known there (`problem`); `not-checked`: not watched there (`problem` says why). */
  state: z.enum(['checked', 'unreachable', 'not-checked']),
  sessions: z.number().int().nonnegative(),
  newAlarms: z.number().int().nonnegative(),
  problem: z.string().optional(),
  checkedAt: z.iso.datetime(),
});
export type IncidentActivityCheck = z.infer<typeof IncidentActivityCheckSchema>;

/** The incident view: what was revoked where (from each ledger), what is still open now, activity after revocation. */
export const IncidentViewSchema = z.strictObject({
  summary: IncidentSummarySchema,
  /** A fresh search of the pinned connections. */
  now: PeopleFindResponseSchema,
  revoked: z.array(z.strictObject({ connection: z.string(), run: z.uuid(), id: z.string(), user: z.string(), outcome: z.string(), at: z.iso.datetime(), closedAt: z.iso.datetime().optional() })),
  alarms: z.array(RevocationAlarmSchema.extend({ connection: z.string() })),
  /** Per connection, whether activity after revocation could be checked just now. */
  activity: z.array(IncidentActivityCheckSchema),
});
export type IncidentView = z.infer<typeof IncidentViewSchema>;

export const IncidentExportRequestSchema = z.strictObject({ incident: IncidentRefSchema, format: z.enum(['csv', 'json']) });
export const IncidentExportResponseSchema = z.strictObject({
  saved: z.boolean(),
  /** File names only (the bundle and its manifest). */
  files: z.array(z.string()),
  rows: z.number().int().nonnegative(),
});
