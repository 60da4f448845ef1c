import { z } from 'zod';
import { IAM_ROLE_NAME } from './iam-roles';
import { ConfirmedConnectionSchema } from './revocation';
import { SessionIdSchema } from './session';

/**
 * The app's offer to deny AWS credentials already issued to revoked Sentinel sessions (issue 19):
 * `iam:plan` (what would be put, per role), `iam:apply` (iam:PutRolePolicy after a confirmation
 * proportional to the blast radius), `iam:list` and `iam:remove` (our deny policies still attached,
 * removed once every covered credential has expired). The documents are the CLI's
 * (src-main/iam/deny-policy.ts); the IAM client is made in main from the connection's own credentials.
 */

/** The largest selection a plan covers (IAM's 10,240 characters hold about 500 ids). */
export const MAX_DENY_IDS = 1000;
/** The prefix of every deny policy we create. */
export const DENY_POLICY_PREFIX = 'session-warden-deny-';

/**
 * `precise`: only the revoked sessions' credentials (their SentinelSessionID tag, or their source
 * identities when the ids do not fit); `whole-role`: every credential for the role issued before
 * the plan (AWS's own "revoke active sessions").
 */
export const BlastRadiusSchema = z.enum(['precise', 'whole-role']);
export type BlastRadius = z.infer<typeof BlastRadiusSchema>;
/** The document's form: `precise` (session tag), `source-identity`, `whole-role` (token issue time). */
export const DenyFormSchema = z.enum(['precise', 'source-identity', 'whole-role']);
export type DenyFormName = z.infer<typeof DenyFormSchema>;

const RoleNameSchema = z.string().regex(IAM_ROLE_NAME, 'an IAM role name');
const IncidentSchema = z.string().trim().min(1).max(100);
const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);
const IsoSchema = z.iso.datetime({ offset: true });

export const IamPlanRequestSchema = z.strictObject({
  /** The revoked Sentinel sessions whose credentials to deny. */
  ids: z.array(SessionIdSchema).min(1).max(MAX_DENY_IDS),
  blast: BlastRadiusSchema.default('precise'),
  /** Names the policy (`session-warden-deny-<incident>`); else the plan's UTC time does. */
  incident: IncidentSchema.optional(),
});

export const DenyPolicyViewSchema = z.strictObject({
  name: z.string(),
  form: DenyFormSchema,
  /** The document exactly as it would be sent to IAM (compact JSON). */
  json: z.string(),
  /** Characters as IAM counts them, and what the role had left for it. */
  size: z.number().int().nonnegative(),
  budget: z.number().int(),
  sha256: Sha256Schema,
  covers: z.array(z.string()),
  /** Every covered credential has expired by then: the policy may be removed after it. */
  removableAfter: IsoSchema,
  /** Users whose every Sentinel credential it denies (`sentinel:<user>:*`, live sessions too): applying takes an extra consent. */
  widenedToUsers: z.array(z.string()),
});
export type DenyPolicyView = z.infer<typeof DenyPolicyViewSchema>;

export const RolePlanSchema = z.strictObject({
  role: z.string(),
  /** The Sentinel profiles of the covered sessions vended for this role. */
  profiles: z.array(z.string()),
  /** The covered sessions' ids. */
  sessions: z.array(z.string()),
  /** Null when no policy can be made (then `problem` says why and what to do). */
  policy: DenyPolicyViewSchema.nullable(),
  problem: z.string().optional(),
  /** Fallbacks and what they widen; what could not be checked with IAM. */
  notes: z.array(z.string()),
});
export type RolePlan = z.infer<typeof RolePlanSchema>;

export const IamPlanSchema = z.strictObject({
  /** The instant the documents were made for: an apply names it back and gets exactly these. */
  plannedAt: IsoSchema,
  blast: BlastRadiusSchema,
  roles: z.array(RolePlanSchema),
  /** Revoked sessions whose profile the connection maps to no role: their credentials are not covered. */
  unmapped: z.array(z.strictObject({ id: z.string(), profile: z.string().nullable() })),
  /** Sessions left out, and why (not revoked, not found, credentials expired already). */
  skipped: z.array(z.strictObject({ id: z.string(), why: z.string() })),
  /** The connection says which role each profile's credentials are for (Connections → IAM roles). */
  mappingConfigured: z.boolean(),
  /** Read-only: the plan may be read, never applied. */
  readOnly: z.boolean(),
});
export type IamPlan = z.infer<typeof IamPlanSchema>;

export const IamApplyRequestSchema = z.strictObject({
  ids: z.array(SessionIdSchema).min(1).max(MAX_DENY_IDS),
  blast: BlastRadiusSchema,
  incident: IncidentSchema.optional(),
  /** The plan's `plannedAt`: main makes the document again for that instant. */
  plannedAt: IsoSchema,
  role: RoleNameSchema,
  /** The sha256 of the document the operator was shown: anything else is refused. */
  sha256: Sha256Schema,
  /** Whole-role: the role's name as typed by the operator. */
  typedRole: z.string().max(64).optional(),
  /** The operator accepted a policy widened to its users' live sessions (`widenedToUsers`). */
  acceptWidened: z.boolean().optional(),
  connection: ConfirmedConnectionSchema,
});

/** What happened to one put: IAM's refusal (a missing permission explained) is an answer, also in the ledger. */
export const IamApplyResultSchema = z.strictObject({
  role: z.string(),
  name: z.string(),
  sha256: Sha256Schema,
  form: DenyFormSchema,
  removableAfter: IsoSchema,
  covers: z.array(z.string()),
  applied: z.boolean(),
  /** Why it was not applied; `permission`: IAM refused for want of a permission. */
  problem: z.string().optional(),
  permission: z.boolean().optional(),
  /** The ledger run holding it. */
  run: z.string(),
});
export type IamApplyResult = z.infer<typeof IamApplyResultSchema>;

export const AttachedDenySchema = z.strictObject({
  name: z.string(),
  form: z.enum(['precise', 'source-identity', 'whole-role', 'unknown']),
  covers: z.array(z.string()),
  /** Null when the policy does not say (then only an override removes it). */
  removableAfter: IsoSchema.nullable(),
  removableNow: z.boolean(),
});
export type AttachedDeny = z.infer<typeof AttachedDenySchema>;

export const IamListSchema = z.strictObject({
  checkedAt: IsoSchema,
  roles: z.array(z.strictObject({ role: z.string(), policies: z.array(AttachedDenySchema), problem: z.string().optional() })),
  mappingConfigured: z.boolean(),
  readOnly: z.boolean(),
});
export type IamList = z.infer<typeof IamListSchema>;

export const IamRemoveRequestSchema = z.strictObject({
  role: RoleNameSchema,
  name: z
    .string()
    .regex(/^[A-Za-z0-9+=,.@_-]{1,128}$/)
    .refine((n) => n.startsWith(DENY_POLICY_PREFIX), `one of ours: a name beginning "${DENY_POLICY_PREFIX}"`),
  /** Remove it although covered credentials may still be valid. */
  override: z.boolean().default(false),
  connection: ConfirmedConnectionSchema,
});

export const IamRemoveResultSchema = z.strictObject({
  role: z.string(),
  name: z.string(),
  removed: z.boolean(),
  /** Removed before every covered credential expired (with the override). */
  forced: z.boolean(),
  problem: z.string().optional(),
  permission: z.boolean().optional(),
  run: z.string(),
});
export type IamRemoveResult = z.infer<typeof IamRemoveResultSchema>;
