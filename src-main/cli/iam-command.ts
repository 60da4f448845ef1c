import { SENTINEL_CREDENTIAL_LIFETIME_MS } from '../../src-shared/credentials';
import { revocationTime, type Session } from '../../src-shared/session';
import { defaultDataDir } from '../app-paths';
import { ConnectionStore } from '../connections/connection-store';
import { SecretVault } from '../connections/secret-vault';
import { denyNote, ledgeredIamCall as ledgeredCall, reasonCodeOf, removeNote, type CoveredSession } from '../iam/iam-ledger';
import { DENY_FORMS, DENY_POLICY_PREFIX, denyPolicyName, planDenyPolicy, readDenyPolicy, ROLE_INLINE_POLICY_CHARS, type DenyForm, type DenyPolicy } from '../iam/deny-policy';
import { iamClient, IamPermissionError, IamRefusedError, IamUnreachableError, RolePolicies, type AttachedDenyPolicy } from '../iam/role-policies';
import { roleOfProfile, type IamSettings } from '../../src-shared/iam-roles';
import { EXIT, StoreUnreachableError, UsageError } from './cli-errors';
import { connect, type CliConnection, type ConnectionFlags } from './connect';
import { table, terminalSafe } from './output';

/**
 * `session-warden iam deny|list|remove` (issue 19): an inline role policy that denies AWS
 * credentials already issued to revoked Sentinel sessions, listed while attached, removed once
 * every covered credential has expired. Policy generation is pure (src-main/iam/deny-policy.ts);
 * the IAM calls are src-main/iam/role-policies.ts.
 */
export interface IamArguments {
  role: string;
  sessions: string[];
  user?: string | undefined;
  form: DenyForm;
  incident?: string | undefined;
  policy?: string | undefined;
  dryRun: boolean;
  force: boolean;
  iamEndpoint?: string | undefined;
  awsProfile?: string | undefined;
}

interface Io {
  out(text: string): void;
  err(text: string): void;
  now(): number;
}

const ROLE_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;
const POLICY_NAME = /^[A-Za-z0-9+=,.@_-]{1,128}$/;

/** Checks the iam flags before anything connects. */
export function iamArguments(command: string, values: Record<string, unknown>): IamArguments {
  const text = (key: string) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  const role = text('role');
  // iam deny on a saved connection may take the role from its profile → role mapping (resolved once the sessions are read).
  if (role === undefined && !(command === 'iam deny' && typeof values.connection === 'string')) {
    throw new UsageError('--role NAME is required (the IAM role Sentinel vends credentials for), unless --connection names a saved connection that maps its profiles to roles');
  }
  if (role !== undefined && !ROLE_NAME.test(role)) throw new UsageError('--role must be an IAM role name: 1 to 64 letters, digits or + = , . @ _ -');
  const form = text('form') ?? 'precise';
  if (!(DENY_FORMS as readonly string[]).includes(form)) throw new UsageError(`--form must be one of ${DENY_FORMS.join(', ')}`);
  const sessions = Array.isArray(values.session) ? (values.session as string[]) : [];
  const user = text('user');
  const odd = sessions.find((id) => !/^[0-9a-f]{16}$/.test(id));
  if (odd !== undefined) throw new UsageError(`invalid session id "${odd}": a Sentinel session id is 16 lowercase hex characters`);
  if (command === 'iam deny') {
    if (sessions.length === 0 && user === undefined) throw new UsageError('name the revoked sessions: --session ID (repeatable) or --user USER');
    if (sessions.length > 0 && user !== undefined) throw new UsageError('use either --session or --user, not both');
  }
  const policy = text('policy');
  if (command === 'iam remove') {
    if (policy === undefined) throw new UsageError('--policy NAME is required (see "iam list")');
    if (!POLICY_NAME.test(policy) || !policy.startsWith(DENY_POLICY_PREFIX)) throw new UsageError(`--policy must be one of ours: a name beginning "${DENY_POLICY_PREFIX}" (see "iam list")`);
  }
  const endpoint = text('iam-endpoint');
  if (endpoint !== undefined && !/^https?:\/\//.test(endpoint)) throw new UsageError('--iam-endpoint must be an http:// or https:// URL');
  return { role: role ?? '', sessions, user, form: form as DenyForm, incident: text('incident'), policy, dryRun: values['dry-run'] === true, force: values.force === true, iamEndpoint: endpoint, awsProfile: text('aws-profile') };
}

/** A saved connection's kind and read-only flag, as the app saved them; flags name a writable Sentinel (or another kind by --store). */
async function connectionTraits(flags: ConnectionFlags): Promise<{ kind: string; readOnly: boolean; iam?: IamSettings | undefined }> {
  if (flags.connection === undefined) return { kind: flags.store ?? 'dynamodb', readOnly: false };
  const found = await new ConnectionStore(defaultDataDir(), new SecretVault(null)).find(flags.connection).catch((error: unknown) => {
    throw new UsageError((error as Error).message, { cause: error });
  });
  if ('problem' in found) throw new UsageError(found.problem);
  const { store } = found.connection;
  return { kind: store.kind, readOnly: found.connection.readOnly, iam: store.kind === 'dynamodb' ? store.iam : undefined };
}

function policiesFor(args: IamArguments, accountId?: string): RolePolicies {
  return new RolePolicies(iamClient({ profile: args.awsProfile, endpoint: args.iamEndpoint }), accountId);
}

/** IAM's failures as the CLI's exit codes: unreachable 3, a refusal (permission, quota, no such role) 1. */
async function iamCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof IamUnreachableError) throw new StoreUnreachableError(error.message, { cause: error });
    throw error;
  }
}

/**
 * `iam deny`: the revoked sessions named (by id, or a user's sessions revoked within the credential
 * lifetime) from the connection's Sentinel store; a live one is refused. `--dry-run` prints the
 * document and contacts nothing else; otherwise the role's other inline policies are counted
 * against IAM's quota, the policy is put and the run ledgered (an `attempt` entry per covered
 * session before PutRolePolicy, an `already_revoked` outcome after, with the error if it failed).
 */
export async function iamDeny(args: IamArguments, flags: ConnectionFlags, output: string, io: Io): Promise<number> {
  const traits = await connectionTraits(flags);
  if (traits.kind !== 'dynamodb') throw new UsageError(`"iam deny" covers Sentinel sessions (DynamoDB); this connection is ${traits.kind}`);
  if (traits.readOnly && !args.dryRun) throw new UsageError(`connection "${flags.connection ?? ''}" is read-only: it may generate the policy (--dry-run) but never apply it; nothing was written`);
  const conn = await connect(flags);
  try {
    // In id order, as the policy lists them, so the ledger reads the same way.
    const sessions = (await revokedSessions(conn, args, io)).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    if (!args.role) args = { ...args, role: mappedRole(sessions, traits.iam, flags.connection ?? ''), iamEndpoint: args.iamEndpoint ?? traits.iam?.endpoint };
    const nowMs = io.now();
    const policies = args.dryRun ? null : policiesFor(args, await accountOf(conn));
    let budget = ROLE_INLINE_POLICY_CHARS;
    if (policies) {
      // PutRolePolicy replaces a policy of the same name: a second deny for the same incident would
      // silently drop the first one's sessions while their credentials still work. Refused instead.
      const name = denyPolicyName(nowMs, args.incident);
      const attached = await iamCall(() => policies.inline(args.role));
      if (attached.names.includes(name)) {
        throw new UsageError(`a deny policy named ${name} is already attached to role ${args.role}: putting it again would drop the sessions it covers; name this one apart (--incident ${args.incident ? `${args.incident}-2` : 'REF'}) or see "iam list"; nothing was written`);
      }
      budget = ROLE_INLINE_POLICY_CHARS - attached.size;
    }
    const plan = planDenyPolicy({ sessions: sessions.map(asRevoked), form: args.form, nowMs, incident: args.incident, budgetChars: budget });
    for (const note of plan.notes) io.err(`session-warden: ${terminalSafe(note)}`);
    if (!plan.ok) throw new UsageError(`${plan.problem}; nothing was written`);
    const { policy } = plan;
    // Denying by user reaches their live sessions too: a wider blast radius than was asked for.
    if (policy.widenedToUsers.length > 0 && !args.dryRun && !args.force) {
      throw new UsageError(`the revoked sessions did not fit as ids or exact source identities: the policy denies every Sentinel credential of ${policy.widenedToUsers.join(', ')} (sentinel:<user>:*), their live sessions too; add --force to accept that, or use --form whole-role; nothing was written`);
    }
    if (!policies) {
      io.err(`session-warden: dry run: nothing was written${traits.readOnly ? ' (read-only connection)' : ''}; the role's other inline policies were not counted against IAM's ${ROLE_INLINE_POLICY_CHARS}-character quota`);
      io.out(output === 'json' ? JSON.stringify(described(args.role, policy, plan.notes, 'dry-run'), null, 2) : formatDeny(args.role, policy, 'dry run: not applied'));
      return EXIT.ok;
    }
    const note = denyNote(args.role, policy);
    const covered = sessions.map((s) => ({ sessionId: s.id, user: s.user, reasonCode: reasonCodeOf(s.revokedReason), note }));
    // The sessions stay revoked either way; the outcome says whether the deny itself landed.
    const error = await ledgeredIamCall(await conn.recorder(), covered, io, () => policies.put(args.role, policy.name, policy.json));
    await deliver(conn, io);
    if (error) throw error;
    io.out(output === 'json' ? JSON.stringify(described(args.role, policy, plan.notes, 'applied'), null, 2) : formatDeny(args.role, policy, 'applied'));
    return EXIT.ok;
  } finally {
    await conn.close();
  }
}

/** The one role the connection maps these sessions' profiles to; refused when unknown or several (one policy per role: run once per role). */
function mappedRole(sessions: readonly Session[], iam: IamSettings | undefined, connection: string): string {
  if (!iam || iam.roles.length === 0) throw new UsageError(`connection "${connection}" maps no Sentinel profile to an IAM role: give --role NAME, or map the profiles (Connections → IAM roles); nothing was written`);
  const byRole = new Map<string, string[]>();
  const unknown: string[] = [];
  for (const s of sessions) {
    const role = roleOfProfile(iam, s.profile ?? '');
    if (role === undefined) unknown.push(`${s.id} (profile ${s.profile ?? 'none'})`);
    else byRole.set(role, [...(byRole.get(role) ?? []), s.id]);
  }
  if (unknown.length > 0) throw new UsageError(`connection "${connection}" maps no IAM role for ${unknown.join(', ')}: give --role NAME, or map the profile; nothing was written`);
  if (byRole.size > 1) {
    throw new UsageError(`these sessions are vended for several roles (${[...byRole].sort(([a], [b]) => a.localeCompare(b)).map(([role, ids]) => `${role}: ${ids.join(', ')}`).join('; ')}): one policy per role, so run iam deny once per role with --role and its sessions; nothing was written`);
  }
  return [...byRole.keys()][0] ?? '';
}

async function revokedSessions(conn: CliConnection, args: IamArguments, io: Io): Promise<Session[]> {
  if (args.user !== undefined) {
    // Credentials of sessions revoked longer ago than a lifetime have all expired: nothing to deny.
    const since = new Date(io.now() - SENTINEL_CREDENTIAL_LIFETIME_MS).toISOString();
    const found: Session[] = [];
    let cursor: string | undefined;
    do {
      const page = await conn.store.query({ status: 'revoked', user: args.user, revokedSince: since, limit: 500, ...(cursor ? { cursor } : {}) });
      found.push(...page.sessions);
      cursor = page.nextCursor;
    } while (cursor);
    if (found.length === 0) throw new UsageError(`${args.user} has no session revoked in the last ${SENTINEL_CREDENTIAL_LIFETIME_MS / 60_000} minutes: no credential of theirs can still be valid; nothing was written`);
    return found;
  }
  const sessions: Session[] = [];
  for (const id of [...new Set(args.sessions)]) {
    const session = await conn.store.get(id);
    if (!session) throw new UsageError(`no session ${id} in the store; nothing was written`);
    if (session.status !== 'revoked') throw new UsageError(`session ${id} is ${session.status}, not revoked: revoke it first (sessions revoke ${id}); a deny policy only covers revoked sessions; nothing was written`);
    const at = revocationTime(session);
    if (at !== null && Date.parse(at) + SENTINEL_CREDENTIAL_LIFETIME_MS < io.now()) io.err(`session-warden: session ${id} was revoked at ${at}: its credentials have expired already`);
    sessions.push(session);
  }
  return sessions;
}

function asRevoked(session: Session) {
  return { id: session.id, user: session.user, revokedAt: revocationTime(session) ?? '', sourceIdentity: session.sourceIdentity };
}

async function accountOf(conn: CliConnection): Promise<string | undefined> {
  try {
    const { principal } = await conn.recorder();
    return 'account' in principal ? principal.account : undefined;
  } catch {
    return undefined;
  }
}

/** The team ledger gets the entries before the command ends; what cannot be delivered is said (the app or the next command delivers it). */
async function deliver(conn: CliConnection, io: Io): Promise<void> {
  if (!conn.team) return;
  const status = await conn.team.deliver();
  if (status.pending > 0) io.err(`session-warden: ${status.pending} ledger entries are not on the team ledger (${status.label}) yet; kept in the local ledger`);
}

function described(role: string, policy: DenyPolicy, notes: string[], state: 'dry-run' | 'applied') {
  return { state, role, name: policy.name, form: policy.form, sha256: policy.sha256, size: policy.size, covers: policy.covers, removableAfter: policy.removableAfter, notes, document: policy.document };
}

function formatDeny(role: string, policy: DenyPolicy, state: string): string {
  return [
    `${state}: ${policy.name} on role ${role}`,
    `form ${policy.form}; ${policy.covers.length} session(s); ${policy.size} of ${ROLE_INLINE_POLICY_CHARS} characters; sha256 ${policy.sha256}`,
    `removable after ${policy.removableAfter} (every covered credential has expired by then)`,
    '',
    JSON.stringify(policy.document, null, 2),
  ]
    .map(terminalSafe)
    .join('\n');
}

/** `iam list`: our deny policies still attached to the role, what each covers and when it may go. */
export async function iamList(args: IamArguments, output: string, io: Io): Promise<number> {
  const found = await iamCall(() => policiesFor(args).denyPolicies(args.role));
  const now = io.now();
  if (output === 'json') {
    io.out(JSON.stringify(found.map((p) => ({ name: p.name, form: p.form, covers: p.covers, removableAfter: p.removableAfter, removableNow: removableNow(p, now) })), null, 2));
    return EXIT.ok;
  }
  if (found.length === 0) {
    io.out(`no session-warden deny policy is attached to role ${terminalSafe(args.role)}`);
    return EXIT.ok;
  }
  const rows = found.map((p) => [p.name, p.form, `${p.covers.length}: ${p.covers.slice(0, 3).join(', ')}${p.covers.length > 3 ? ', …' : ''}`, p.removableAfter ?? 'unknown', removableNow(p, now) ? 'yes' : 'no']);
  io.out(table(['POLICY', 'FORM', 'COVERS', 'REMOVABLE AFTER', 'REMOVABLE NOW'], rows));
  return EXIT.ok;
}

function removableNow(policy: Pick<AttachedDenyPolicy, 'removableAfter'>, now: number): boolean {
  return policy.removableAfter !== null && Date.parse(policy.removableAfter) <= now;
}

/**
 * `iam remove`: DeleteRolePolicy of one of our deny policies, refused before the latest expiry of
 * the credentials it covers unless --force. Ledgered when a connection is named: an `attempt` and
 * an outcome per covered session id (precise form) or one pair under the policy's name.
 */
export async function iamRemove(args: IamArguments, flags: ConnectionFlags | null, output: string, io: Io): Promise<number> {
  const policies = policiesFor(args);
  const name = args.policy ?? '';
  const json = await iamCall(() => policies.document(args.role, name));
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(json);
  } catch {
    // An unreadable document has no removal time: only --force removes it.
  }
  const reading = readDenyPolicy(parsed);
  const now = io.now();
  if (!args.force && !removableNow(reading, now)) {
    throw new UsageError(
      reading.removableAfter === null
        ? `${name} does not say when it may be removed: check it yourself, then use --force; nothing was removed`
        : `${name} covers credentials that may be valid until ${reading.removableAfter}: removing it now would let them work again; wait, or use --force; nothing was removed`,
    );
  }
  const summary = { state: args.dryRun ? 'dry-run' : 'removed', role: args.role, name, form: reading.form, covers: reading.covers, removableAfter: reading.removableAfter, forced: args.force && !removableNow(reading, now) };
  if (args.dryRun) {
    io.err('session-warden: dry run: nothing was removed');
    io.out(output === 'json' ? JSON.stringify(summary, null, 2) : terminalSafe(`would remove ${name} from role ${args.role} (${reading.form}, ${reading.covers.length} covered)\n\n${json}`));
    return EXIT.ok;
  }
  if (flags && (await connectionTraits(flags)).readOnly) throw new UsageError(`connection "${flags.connection ?? ''}" is read-only: it never changes a role's policies; nothing was removed`);
  const conn = flags ? await connect(flags) : null;
  try {
    const recorder = conn ? await conn.recorder() : null;
    const keys = reading.form === 'precise' ? reading.covers : [name];
    // The ledger names each covered session's user where the store still has the session.
    const users = new Map<string, string>();
    if (conn && reading.form === 'precise') for (const id of keys) users.set(id, (await conn.store.get(id).catch(() => null))?.user ?? '-');
    const note = removeNote(args.role, name, summary.forced);
    const covered = keys.map((key) => ({ sessionId: key, user: users.get(key) ?? '-', reasonCode: 'other' as const, note }));
    const error = await ledgeredIamCall(recorder, covered, io, () => policies.delete(args.role, name));
    if (conn) await deliver(conn, io);
    if (error) throw error;
    if (!recorder) io.err('session-warden: no connection named: the removal was not recorded in a ledger');
    io.out(output === 'json' ? JSON.stringify(summary, null, 2) : terminalSafe(`removed ${name} from role ${args.role}`));
    return EXIT.ok;
  } finally {
    await conn?.close();
  }
}

/** The shared ledgering (src-main/iam/iam-ledger.ts), with IAM being unreachable as the CLI's exit code 3. */
async function ledgeredIamCall(
  recorder: Awaited<ReturnType<CliConnection['recorder']>> | null,
  covered: readonly CoveredSession[],
  io: Io,
  work: () => Promise<void>,
): Promise<Error | null> {
  return (await ledgeredCall(recorder, covered, () => io.now(), () => iamCall(work))).error;
}

/** Whether the flags name a store connection (so `iam remove` records in its ledger). */
export function namesConnection(flags: ConnectionFlags): boolean {
  return flags.connection !== undefined || flags.table !== undefined;
}

export { IamPermissionError, IamRefusedError };
