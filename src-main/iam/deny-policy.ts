import { createHash } from 'node:crypto';
import { SENTINEL_CREDENTIAL_LIFETIME_MS } from '../../src-shared/credentials';
import { DENY_POLICY_PREFIX } from '../../src-shared/iam-deny';

/**
 * Inline IAM role policies that deny AWS credentials already issued to revoked Sentinel sessions
 * (issue 19). Pure: no I/O; the clock is an argument. Revoking a Sentinel session stops its next
 * credential fetch, but what it fetched stays valid for up to the credential lifetime; these
 * documents close that window.
 *
 * - `precise`: `aws:PrincipalTag/SentinelSessionID` (Sentinel stamps the session id as a session
 *   tag on AssumeRole) in the revoked ids: nobody else's credentials are touched.
 * - `source-identity`: `aws:SourceIdentity` equal to the revoked sessions' source identities
 *   (`sentinel:<user>:…`), or, when those do not fit, like `sentinel:<user>:*`, which also denies
 *   the named users' live Sentinel sessions (said in `notes`).
 * - `whole-role`: `aws:TokenIssueTime` before now, AWS's own "revoke active sessions" method:
 *   everyone's credentials for the role issued before now.
 */
export type DenyForm = 'precise' | 'source-identity' | 'whole-role';
export const DENY_FORMS: readonly DenyForm[] = ['precise', 'source-identity', 'whole-role'];

/** The prefix of every policy we create: `iam list` finds ours by it. */
export { DENY_POLICY_PREFIX };

/**
 * IAM's quota on the aggregate of all inline policies of one role, in characters, white space not
 * counted: "Role policy size cannot exceed 10,240 characters" (IAM and AWS STS quotas,
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html). Aggregate per role,
 * so splitting ids over several inline policies of the same role buys no room: the fallback is the
 * shorter source-identity form, never a split.
 */
export const ROLE_INLINE_POLICY_CHARS = 10_240;

/** IAM names: letters, digits and + = , . @ _ -, at most 128 (same page, "IAM name requirements"). */
const NAME_MAX = 128;

export interface RevokedSession {
  id: string;
  /** Sentinel's `user`. */
  user: string;
  /** When it was revoked (ISO); credentials fetched before it live at most a lifetime longer. */
  revokedAt: string;
  /** The source identity stamped on its credentials, when the store knows it. */
  sourceIdentity?: string | undefined;
}

export interface DenyInput {
  sessions: readonly RevokedSession[];
  form: DenyForm;
  nowMs: number;
  /** An incident reference for the policy name; else the UTC time names it. */
  incident?: string | undefined;
  /** Characters left for inline policies on the role (the quota minus what its other inline policies use). */
  budgetChars?: number | undefined;
  credentialLifetimeMs?: number | undefined;
}

export interface PolicyStatement {
  Sid: string;
  Effect: 'Deny';
  Action: '*';
  Resource: '*';
  Condition: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export interface DenyPolicy {
  name: string;
  /** The form actually used (a precise request may have fallen back). */
  form: DenyForm;
  document: PolicyDocument;
  /** The document as sent to IAM (compact JSON). */
  json: string;
  /** Characters as IAM counts them (white space not counted). */
  size: number;
  /** sha256 of the canonical JSON (keys sorted, no white space): what the ledger records. */
  sha256: string;
  /** The session ids whose credentials it denies (whole-role: every credential issued before `cutoff`). */
  covers: string[];
  /** The latest possible expiry of any credential it exists to deny: it may be removed after this. */
  removableAfter: string;
  /**
   * The users whose every Sentinel credential it denies (`sentinel:<user>:*`), when ids and exact
   * source identities did not fit: their live sessions too. Empty otherwise. Applying such a
   * policy takes an explicit extra consent (`--force`, the app's second confirmation).
   */
  widenedToUsers: string[];
}

export type DenyPlan =
  | { ok: true; policy: DenyPolicy; notes: string[] }
  | { ok: false; problem: string; notes: string[] };

/** `session-warden-deny-<incident or UTC time>`, in IAM's alphabet, at most 128 characters. */
export function denyPolicyName(nowMs: number, incident?: string): string {
  const cleaned = (incident ?? '')
    .replace(/[^A-Za-z0-9+=,.@_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '');
  const ref = cleaned || compactTime(nowMs);
  return (DENY_POLICY_PREFIX + ref).slice(0, NAME_MAX);
}

/** IAM's size of a policy: its characters, white space not counted. */
export function iamPolicySize(json: string): number {
  return json.replace(/\s/g, '').length;
}

/** JSON with object keys sorted at every level and no white space: the same document always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function policyHash(document: unknown): string {
  return createHash('sha256').update(canonicalJson(document)).digest('hex');
}

/**
 * The latest instant any credential of these sessions can still be valid: each was fetched at or
 * before its revocation, so it expires at most a lifetime after it.
 */
export function latestCoveredExpiry(sessions: readonly Pick<RevokedSession, 'revokedAt'>[], lifetimeMs = SENTINEL_CREDENTIAL_LIFETIME_MS): string {
  const latest = Math.max(...sessions.map((s) => Date.parse(s.revokedAt)));
  return new Date(latest + lifetimeMs).toISOString();
}

/** A Sid (letters and digits only) that carries when the policy may be removed, for `iam list` to read back. */
function sid(form: DenyForm, removableAfterMs: number): string {
  const name = { precise: 'RevokedSentinelSessions', 'source-identity': 'RevokedSentinelSourceIdentities', 'whole-role': 'TokensIssuedBeforeCutoff' }[form];
  return `SessionWardenDeny${name}RemovableAfter${compactTime(removableAfterMs)}`;
}

/** Reads `removableAfter` back from one of our Sids (null for any other). */
export function removableAfterOf(statementSid: string): string | null {
  const m = /RemovableAfter(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(statementSid);
  return m ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.000Z` : null;
}

/** 20261130T192600Z; rounded up to the second so a removal time is never early. */
function compactTime(ms: number): string {
  return new Date(Math.ceil(ms / 1000) * 1000).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

// AWS: a source identity is 2 to 64 of letters, digits and + = , . @ - (and, in practice, ":" as Sentinel writes it).
const SOURCE_IDENTITY = /^[A-Za-z0-9_+=,.@:-]{2,64}$/;
const SENTINEL_ID = /^[0-9a-f]{16}$/;

/**
 * The deny policy for these revoked sessions, or why there is none. A precise request falls back
 * to source identities, then to a per-user pattern, when the ids do not fit the role's budget;
 * `notes` says which, and how the blast radius grew.
 */
export function planDenyPolicy(input: DenyInput): DenyPlan {
  const notes: string[] = [];
  const budget = input.budgetChars ?? ROLE_INLINE_POLICY_CHARS;
  const lifetime = input.credentialLifetimeMs ?? SENTINEL_CREDENTIAL_LIFETIME_MS;
  const name = denyPolicyName(input.nowMs, input.incident);
  const sessions = [...input.sessions].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ids = sessions.map((s) => s.id);

  if (input.form === 'whole-role') {
    // Every Sentinel credential issued before now expires within a lifetime; other credentials of the role may last longer (up to its MaxSessionDuration).
    const cutoff = new Date(input.nowMs).toISOString();
    const removable = input.nowMs + lifetime;
    notes.push(`denies every credential for the role issued before ${cutoff}, whoever holds it; Sentinel's expire by ${new Date(removable).toISOString()}, credentials issued another way may live longer`);
    const policy = build(name, 'whole-role', { DateLessThan: { 'aws:TokenIssueTime': cutoff } }, removable, ids);
    return fits(policy, budget, notes);
  }

  if (sessions.length === 0) return { ok: false, problem: 'no revoked session to cover', notes };
  const bad = sessions.find((s) => !Number.isFinite(Date.parse(s.revokedAt)));
  if (bad) return { ok: false, problem: `session ${bad.id} has no revocation time: cannot tell when its credentials expire`, notes };
  const removable = Date.parse(latestCoveredExpiry(sessions, lifetime));

  if (input.form === 'precise') {
    const badId = ids.find((id) => !SENTINEL_ID.test(id));
    if (badId !== undefined) return { ok: false, problem: `"${badId}" is not a Sentinel session id (16 lowercase hex characters)`, notes };
    const precise = build(name, 'precise', { StringEquals: { 'aws:PrincipalTag/SentinelSessionID': ids } }, removable, ids);
    if (precise.size <= budget) return { ok: true, policy: precise, notes };
    notes.push(`${ids.length} session ids take ${precise.size} characters, more than the ${budget} the role has left for inline policies (IAM counts all of a role's inline policies together, so splitting does not help): falling back to source identities`);
  }

  const missing = sessions.filter((s) => s.sourceIdentity === undefined);
  if (missing.length > 0) {
    return { ok: false, problem: `the store has no source identity for ${missing.map((s) => s.id).join(', ')}: use --form precise${input.form === 'precise' ? ' with fewer sessions' : ''}, or whole-role`, notes };
  }
  const identities = [...new Set(sessions.map((s) => s.sourceIdentity ?? ''))].sort();
  const odd = identities.find((i) => !SOURCE_IDENTITY.test(i));
  if (odd !== undefined) return { ok: false, problem: `source identity "${odd}" is not one AWS accepts: use --form precise or whole-role`, notes };
  const exact = build(name, 'source-identity', { StringEquals: { 'aws:SourceIdentity': identities } }, removable, ids);
  if (exact.size <= budget) return { ok: true, policy: exact, notes };

  // `sentinel:<user>:*`: all of the named users' Sentinel credentials, live sessions too. The user
  // comes from the source identity, so it must be the session's own: a widening never reaches a
  // user the revoked sessions do not belong to.
  for (const s of sessions) {
    const named = userOf(s.sourceIdentity ?? '');
    if (named === null) return { ok: false, problem: `the source identity of session ${s.id} does not read as sentinel:<user>:…, so it cannot be widened to its user: use whole-role`, notes };
    if (named !== s.user) {
      return { ok: false, problem: `the source identity of session ${s.id} names user "${named}", but the session is "${s.user}"'s: refusing to deny by a user the session does not belong to; use whole-role`, notes };
    }
  }
  const users = [...new Set(sessions.map((s) => s.user))].sort();
  const patterns = users.map((u) => `sentinel:${u}:*`);
  notes.push(`${identities.length} source identities take ${exact.size} characters, more than ${budget}: denying by user instead (${users.join(', ')}), which also denies those users' live Sentinel sessions`);
  const byUser = build(name, 'source-identity', { StringLike: { 'aws:SourceIdentity': patterns } }, removable, ids, users);
  return fits(byUser, budget, notes);
}

/** `sentinel:alice:abc` → `alice`; null when it is not that shape (or the user has a wildcard in it). */
function userOf(identity: string): string | null {
  return /^sentinel:([^:*?$]+):/.exec(identity)?.[1] ?? null;
}

function build(name: string, form: DenyForm, condition: PolicyStatement['Condition'], removableAfterMs: number, covers: string[], widenedToUsers: string[] = []): DenyPolicy {
  const document: PolicyDocument = {
    Version: '2012-10-17',
    Statement: [{ Sid: sid(form, removableAfterMs), Effect: 'Deny', Action: '*', Resource: '*', Condition: condition }],
  };
  const json = JSON.stringify(document);
  return { name, form, document, json, size: iamPolicySize(json), sha256: policyHash(document), covers, removableAfter: new Date(Math.ceil(removableAfterMs / 1000) * 1000).toISOString(), widenedToUsers };
}

function fits(policy: DenyPolicy, budget: number, notes: string[]): DenyPlan {
  if (policy.size <= budget) return { ok: true, policy, notes };
  return { ok: false, problem: `the policy takes ${policy.size} characters, more than the ${budget} the role has left for inline policies: use --form whole-role`, notes };
}

/** What one of our attached policies says: its form, the ids or identities it covers, when it may go. */
export interface DenyPolicyReading {
  form: DenyForm | 'unknown';
  /** Session ids (precise), source identities or patterns (source-identity), or the cutoff (whole-role). */
  covers: string[];
  removableAfter: string | null;
}

/** Reads back a deny policy we wrote (from GetRolePolicy's document). */
export function readDenyPolicy(document: unknown): DenyPolicyReading {
  const statement = (document as { Statement?: unknown } | null)?.Statement;
  const first = (Array.isArray(statement) ? statement[0] : statement) as { Sid?: unknown; Condition?: Record<string, Record<string, unknown>> } | undefined;
  const removableAfter = typeof first?.Sid === 'string' ? removableAfterOf(first.Sid) : null;
  const condition = first?.Condition ?? {};
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
  const tag = condition.StringEquals?.['aws:PrincipalTag/SentinelSessionID'];
  if (tag !== undefined) return { form: 'precise', covers: list(tag), removableAfter };
  const source = condition.StringEquals?.['aws:SourceIdentity'] ?? condition.StringLike?.['aws:SourceIdentity'];
  if (source !== undefined) return { form: 'source-identity', covers: list(source), removableAfter };
  const cutoff = condition.DateLessThan?.['aws:TokenIssueTime'];
  if (cutoff !== undefined) return { form: 'whole-role', covers: list(cutoff).map((c) => `issued before ${c}`), removableAfter };
  return { form: 'unknown', covers: [], removableAfter };
}
