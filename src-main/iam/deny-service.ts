import { SENTINEL_CREDENTIAL_LIFETIME_MS } from '../../src-shared/credentials';
import type { AppInfo, ParsedRequestOf } from '../../src-shared/contract';
import type { IamApplyResult, IamList, IamPlan, IamRemoveResult, RolePlan } from '../../src-shared/iam-deny';
import { roleOfProfile, type IamSettings } from '../../src-shared/iam-roles';
import { revocationTime, type Session } from '../../src-shared/session';
import { WardenError } from '../errors';
import type { SessionStore } from '../session-store';
import { planDenyPolicy, readDenyPolicy, ROLE_INLINE_POLICY_CHARS, type DenyPolicy, type RevokedSession } from './deny-policy';
import { denyNote, ledgeredIamCall, reasonCodeOf, removeNote, type IamRecorder } from './iam-ledger';
import { IamPermissionError, type RolePolicies } from './role-policies';

/**
 * The app's deny of credentials already issued to revoked Sentinel sessions (issue 19): the
 * `iam:*` channels of one connection's workspace. The documents are the CLI's (deny-policy.ts),
 * the IAM calls role-policies.ts, the ledgering iam-ledger.ts: the app and `session-warden iam`
 * cannot drift apart.
 */
export interface IamDenyDependencies {
  store: Pick<SessionStore, 'get'>;
  /** The connection's profile → role mapping; absent: the roles are unknown. */
  settings: IamSettings | undefined;
  /** The connection's IAM, made from its own credentials when first needed; null where it has none (the demo). */
  policies: (() => RolePolicies) | null;
  /** Null on a read-only connection: nothing is ever put or removed. */
  recorder: IamRecorder | null;
  info: () => AppInfo;
  clock?: (() => number) | undefined;
  /** Releases the IAM client, if one was made (its keep-alive sockets), when the workspace closes. */
  close?: (() => void) | undefined;
}

/** How long a shown plan may be applied: past this, plan again (the policy would name a stale cutoff). */
export const PLAN_VALID_MS = 10 * 60_000;

type PlanRequest = ParsedRequestOf<'iam:plan'>;

export class IamDenyService {
  private readonly now: () => number;

  constructor(private readonly deps: IamDenyDependencies) {
    this.now = deps.clock ?? Date.now;
  }

  /** When the workspace closes: the IAM client made for it is released. */
  close(): void {
    this.deps.close?.();
  }

  /** The documents that would be put, per role, as of now. */
  async plan(request: PlanRequest): Promise<IamPlan> {
    return this.planAt(request, this.now());
  }

  /** iam:PutRolePolicy of exactly the document the operator saw, after the consent its blast radius needs. */
  async apply(request: ParsedRequestOf<'iam:apply'>): Promise<IamApplyResult> {
    const recorder = this.writable(request.connection, 'nothing was put on any role');
    const plannedAt = Date.parse(request.plannedAt);
    const now = this.now();
    if (plannedAt > now + 60_000 || now - plannedAt > PLAN_VALID_MS) {
      throw new WardenError('VALIDATION', 'This deny plan is older than 10 minutes (or from the future): nothing was put. Look at the plan again and confirm.');
    }
    const plan = await this.planAt(request, plannedAt, request.role);
    const role = plan.roles.find((r) => r.role === request.role);
    if (!role) throw new WardenError('VALIDATION', `None of these sessions is vended for role ${request.role} on this connection: nothing was put.`);
    if (!role.policy) throw new WardenError('VALIDATION', `No policy can be put on role ${request.role}: ${role.problem ?? 'unknown'}. Nothing was put.`);
    const policy = role.policy;
    if (policy.sha256 !== request.sha256) {
      throw new WardenError('VALIDATION', `The policy for role ${request.role} is not the one you confirmed any more (the sessions or the role's other inline policies changed): nothing was put. Look at it again and confirm.`);
    }
    if (policy.form === 'whole-role' && request.typedRole !== request.role) {
      throw new WardenError('VALIDATION', `Denying the whole role needs its name typed exactly ("${request.role}"): nothing was put.`);
    }
    if (policy.widenedToUsers.length > 0 && request.acceptWidened !== true) {
      throw new WardenError('VALIDATION', `This policy denies every Sentinel credential of ${policy.widenedToUsers.join(', ')}, their live sessions too: that needs your explicit acceptance. Nothing was put.`);
    }
    const sessions = await this.revokedOf(role.sessions);
    const note = denyNote(request.role, policy);
    const covered = sessions.map((s) => ({ sessionId: s.id, user: s.user, reasonCode: reasonCodeOf(s.revokedReason), note }));
    const policies = this.iam();
    const { run, error } = await ledgeredIamCall(recorder, covered, this.now, () => policies.put(request.role, policy.name, policy.json));
    const result: IamApplyResult = { role: request.role, name: policy.name, sha256: policy.sha256, form: policy.form, removableAfter: policy.removableAfter, covers: policy.covers, applied: error === null, run };
    return error ? { ...result, problem: error.message, permission: error instanceof IamPermissionError } : result;
  }

  /** Our deny policies still attached to each mapped role, with when each may go. */
  async list(): Promise<IamList> {
    const now = this.now();
    const roles = this.mappedRoles();
    const found: IamList['roles'] = [];
    for (const role of roles) {
      try {
        const attached = await this.iam().denyPolicies(role);
        found.push({
          role,
          policies: attached.map((p) => ({ name: p.name, form: p.form, covers: p.covers, removableAfter: p.removableAfter, removableNow: removableNow(p.removableAfter, now) })),
        });
      } catch (error) {
        found.push({ role, policies: [], problem: (error as Error).message });
      }
    }
    return { checkedAt: new Date(now).toISOString(), roles: found, mappingConfigured: roles.length > 0, readOnly: this.deps.info().connection.readOnly };
  }

  /** iam:DeleteRolePolicy of one of ours; before every covered credential has expired only with the override. */
  async remove(request: ParsedRequestOf<'iam:remove'>): Promise<IamRemoveResult> {
    const recorder = this.writable(request.connection, 'nothing was removed');
    if (!this.mappedRoles().includes(request.role)) throw new WardenError('VALIDATION', `Role ${request.role} is not mapped on this connection: nothing was removed.`);
    const policies = this.iam();
    let json: string;
    try {
      json = await policies.document(request.role, request.name);
    } catch (error) {
      throw new WardenError('VALIDATION', `${(error as Error).message}. Nothing was removed.`);
    }
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(json);
    } catch {
      // An unreadable document has no removal time: only the override removes it.
    }
    const reading = readDenyPolicy(parsed);
    const now = this.now();
    const early = !removableNow(reading.removableAfter, now);
    if (early && !request.override) {
      throw new WardenError(
        'VALIDATION',
        reading.removableAfter === null
          ? `${request.name} does not say when it may be removed: check it, then remove it with the override. Nothing was removed.`
          : `${request.name} covers credentials that may be valid until ${reading.removableAfter}: removing it now lets them work again. Wait, or remove it with the override. Nothing was removed.`,
      );
    }
    const keys = reading.form === 'precise' ? reading.covers : [request.name];
    const users = new Map<string, string>();
    if (reading.form === 'precise') for (const id of keys) users.set(id, (await this.deps.store.get(id).catch(() => null))?.user ?? '-');
    const note = removeNote(request.role, request.name, early);
    const covered = keys.map((key) => ({ sessionId: key, user: users.get(key) ?? '-', reasonCode: 'other' as const, note }));
    const { run, error } = await ledgeredIamCall(recorder, covered, this.now, () => policies.delete(request.role, request.name));
    const result: IamRemoveResult = { role: request.role, name: request.name, removed: error === null, forced: early, run };
    return error ? { ...result, problem: error.message, permission: error instanceof IamPermissionError } : result;
  }

  /** The plan for `nowMs`; with `onlyRole`, IAM is asked about that role alone. */
  private async planAt(request: Pick<PlanRequest, 'ids' | 'blast' | 'incident'>, nowMs: number, onlyRole?: string): Promise<IamPlan> {
    const { settings } = this.deps;
    const skipped: IamPlan['skipped'] = [];
    const unmapped: IamPlan['unmapped'] = [];
    const byRole = new Map<string, Session[]>();
    for (const id of [...new Set(request.ids)].sort()) {
      const session = await this.deps.store.get(id);
      const why = session ? skipReason(session, nowMs) : 'not in the store';
      if (!session || why !== null) {
        skipped.push({ id, why: why ?? 'not in the store' });
        continue;
      }
      const role = roleOfProfile(settings, session.profile ?? '');
      if (role === undefined) {
        unmapped.push({ id, profile: session.profile ?? null });
        continue;
      }
      byRole.set(role, [...(byRole.get(role) ?? []), session]);
    }
    const roles: RolePlan[] = [];
    for (const [role, sessions] of [...byRole].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (onlyRole !== undefined && role !== onlyRole) continue;
      roles.push(await this.rolePlan(role, sessions, request, nowMs));
    }
    return {
      plannedAt: new Date(nowMs).toISOString(),
      blast: request.blast,
      roles,
      unmapped,
      skipped,
      mappingConfigured: (settings?.roles.length ?? 0) > 0,
      readOnly: this.deps.info().connection.readOnly,
    };
  }

  private async rolePlan(role: string, sessions: Session[], request: Pick<PlanRequest, 'blast' | 'incident'>, nowMs: number): Promise<RolePlan> {
    const notes: string[] = [];
    let budget = ROLE_INLINE_POLICY_CHARS;
    let attachedNames: string[] = [];
    if (this.deps.policies) {
      try {
        const inline = await this.iam().inline(role);
        budget = ROLE_INLINE_POLICY_CHARS - inline.size;
        attachedNames = inline.names;
      } catch (error) {
        // Without the listing a policy of the same name cannot be ruled out, and PutRolePolicy would
        // silently replace it (its sessions' credentials working again): refused, as the command line does.
        const base = { role, profiles: [...new Set(sessions.map((s) => s.profile ?? ''))].sort(), sessions: sessions.map((s) => s.id) };
        return {
          ...base,
          policy: null,
          problem: `role ${role}'s inline policies could not be listed (${(error as Error).message}): without iam:ListRolePolicies and iam:GetRolePolicy on it, a deny policy of the same name could be replaced unseen, so nothing will be put. Ask for those two permissions on role ${role}.`,
          notes,
        };
      }
    } else {
      notes.push('this connection has no IAM: the policy can be read and copied, not applied from here');
    }
    const base = { role, profiles: [...new Set(sessions.map((s) => s.profile ?? ''))].sort(), sessions: sessions.map((s) => s.id) };
    const revoked = sessions.map(asRevoked);
    const plan = planDenyPolicy({ sessions: revoked, form: request.blast === 'whole-role' ? 'whole-role' : 'precise', nowMs, incident: request.incident, budgetChars: budget });
    notes.push(...plan.notes);
    if (!plan.ok) return { ...base, policy: null, problem: plan.problem.replace(/--form /g, ''), notes };
    // PutRolePolicy replaces a policy of the same name: the first one's sessions would be dropped while their credentials still work.
    if (attachedNames.includes(plan.policy.name)) {
      return { ...base, policy: null, problem: `a deny policy named ${plan.policy.name} is already attached to role ${role}: putting it again would drop the sessions it covers. Give another incident reference.`, notes };
    }
    return { ...base, policy: view(plan.policy, budget), notes };
  }

  private async revokedOf(ids: readonly string[]): Promise<Session[]> {
    const found: Session[] = [];
    for (const id of ids) {
      const session = await this.deps.store.get(id);
      if (session) found.push(session);
    }
    return found;
  }

  /** The recorder, after the guards every write passes: a read-only connection, and a confirmation from another opening. */
  private writable(confirmed: { id: string; nonce: string }, nothing: string): IamRecorder {
    const active = this.deps.info().connection;
    if (this.deps.recorder === null || active.readOnly) throw new WardenError('READ_ONLY', `This connection is read-only (auditor mode): it may generate a deny policy but never changes a role: ${nothing}.`);
    if (confirmed.id !== active.id || confirmed.nonce !== active.nonce) {
      throw new WardenError('CONNECTION_CHANGED', `The active connection changed (now "${active.name}") since this was confirmed: ${nothing}. Check the environment and confirm again.`);
    }
    if (!this.deps.policies) throw new WardenError('VALIDATION', `This connection has no IAM to change: ${nothing}.`);
    return this.deps.recorder;
  }

  private iam(): RolePolicies {
    if (!this.deps.policies) throw new WardenError('VALIDATION', 'This connection has no IAM (no AWS credentials of its own).');
    return this.deps.policies();
  }

  /** Each role once, in the mapping's order. */
  private mappedRoles(): string[] {
    return [...new Set((this.deps.settings?.roles ?? []).map((r) => r.role))];
  }
}

/** Why a session's credentials are not for a deny: not revoked, or revoked so long ago that all of them have expired. */
function skipReason(session: Session, nowMs: number): string | null {
  if (session.status !== 'revoked') return `${session.status}, not revoked: revoke it first`;
  const at = revocationTime(session);
  if (at === null || !Number.isFinite(Date.parse(at))) return 'the store does not say when it was revoked';
  const expired = Date.parse(at) + SENTINEL_CREDENTIAL_LIFETIME_MS;
  if (expired <= nowMs) return `its credentials expired at ${new Date(expired).toISOString()}: nothing left to deny`;
  return null;
}

function asRevoked(session: Session): RevokedSession {
  return { id: session.id, user: session.user, revokedAt: revocationTime(session) ?? '', sourceIdentity: session.sourceIdentity };
}

function view(policy: DenyPolicy, budget: number) {
  return { name: policy.name, form: policy.form, json: policy.json, size: policy.size, budget, sha256: policy.sha256, covers: policy.covers, removableAfter: policy.removableAfter, widenedToUsers: policy.widenedToUsers };
}

function removableNow(removableAfter: string | null, now: number): boolean {
  return removableAfter !== null && Date.parse(removableAfter) <= now;
}
