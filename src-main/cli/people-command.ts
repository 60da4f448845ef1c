import { PersonTextSchema } from '../../src-shared/identity';
import { IncidentRefSchema, type PeopleFindResponse, type PeopleRevokeResponse, type PersonGroup } from '../../src-shared/people';
import { ReasonCodeSchema, type ReasonCode } from '../../src-shared/revocation';
import { defaultDataDir } from '../app-paths';
import { ConnectionStore, type StoredConnection } from '../connections/connection-store';
import { SecretVault } from '../connections/secret-vault';
import { Incidents } from '../people/incidents';
import { People } from '../people/people';
import type { PeopleConnections } from '../people/people-connections';
import { EXIT, UsageError } from './cli-errors';
import { savedSecrets } from './connect';
import { table, terminalSafe } from './output';

interface Io {
  out(text: string): void;
  err(text: string): void;
  now(): number;
}

export interface PeopleFindArgs {
  person: string;
  /** Saved connections by name or id; absent: every saved connection. */
  connections?: string[] | undefined;
}

export interface PeopleRevokeArgs extends PeopleFindArgs {
  connections: string[];
  reasonCode: ReasonCode;
  note?: string | undefined;
  ticket?: string | undefined;
  incident?: string | undefined;
  dryRun: boolean;
  yes: boolean;
}

/** Checks `people find|revoke`'s arguments before anything is read. */
export function peopleArguments(command: 'people find' | 'people revoke', args: string[], values: Record<string, unknown>): PeopleFindArgs | PeopleRevokeArgs {
  if (args.length !== 1) throw new UsageError(`${command} takes exactly one person: an e-mail such as alice@corp.example, or a login such as alice`);
  const person = PersonTextSchema.safeParse(args[0]);
  if (!person.success) throw new UsageError(`invalid person: ${person.error.issues[0]?.message ?? 'malformed'}`);
  const listed = typeof values.connections === 'string' ? values.connections.split(',').map((c) => c.trim()).filter(Boolean) : undefined;
  if (listed !== undefined && listed.length === 0) throw new UsageError('--connections names saved connections, separated by commas');
  if (command === 'people find') return { person: person.data, connections: listed };
  if (listed === undefined) throw new UsageError('people revoke needs --connections a,b,c: the saved connections to revoke in (see them with people find)');
  const reasonText = typeof values.reason === 'string' ? values.reason : typeof values['reason-code'] === 'string' ? values['reason-code'] : undefined;
  if (reasonText === undefined) throw new UsageError('--reason CODE is required');
  const reason = ReasonCodeSchema.safeParse(reasonText);
  if (!reason.success) throw new UsageError(`--reason must be one of ${ReasonCodeSchema.options.join(', ')}`);
  const note = typeof values.note === 'string' ? values.note.trim() : undefined;
  if (reason.data === 'other' && !note) throw new UsageError('reason "other" needs --note saying why');
  let incident: string | undefined;
  if (typeof values.incident === 'string') {
    const ref = IncidentRefSchema.safeParse(values.incident);
    if (!ref.success) throw new UsageError(`--incident: ${ref.error.issues[0]?.message ?? 'malformed'}`);
    incident = ref.data;
  }
  return {
    person: person.data,
    connections: listed,
    reasonCode: reason.data,
    ...(note ? { note } : {}),
    ...(typeof values.ticket === 'string' ? { ticket: values.ticket.trim() } : {}),
    ...(incident ? { incident } : {}),
    dryRun: values['dry-run'] === true,
    yes: values.yes === true,
  };
}

/**
 * Incident mode on the command line, over the app's saved connections (connections.json in its
 * data directory) and the same services the app runs: each connection opened with its own
 * settings, its secret from the environment as for `--connection` (the app's keyring is not
 * opened here), revoked through its own revoker and ledger.
 */
function cliPeople(env: NodeJS.ProcessEnv, dataDir: string): { people: People; store: ConnectionStore } {
  // No keyring here: the vault reads nothing sealed.
  const store = new ConnectionStore(dataDir, new SecretVault(null));
  const connections: PeopleConnections = {
    version: 'cli',
    dataDir,
    desktop: { chooseSavePath: async () => null, notify: () => undefined },
    saved: (id) => store.get(id),
    all: async () => {
      const all: StoredConnection[] = [];
      for (const listed of await store.list()) {
        const saved = await store.get(listed.id);
        if (saved) all.push(saved);
      }
      return all;
    },
    secretsOf: (saved) => savedSecrets(saved, env),
    // No connection is active on the command line: every one is opened for the work and closed.
    activeId: () => '',
    activeFingerprint: () => null,
    onActive: () => Promise.reject(new Error('no active connection on the command line')),
  };
  const people = new People(connections);
  people.recordRunsWith(new Incidents({ connections, people }));
  return { people, store };
}

/** The saved connections named (by name or id), or every saved one; refused with the known names otherwise. */
async function resolveConnections(store: ConnectionStore, named: string[] | undefined): Promise<StoredConnection[]> {
  let listed;
  try {
    listed = await store.list();
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  if (listed.length === 0) throw new UsageError('no saved connections: add them in the app (Connections), then search');
  if (named === undefined) return (await Promise.all(listed.map((c) => store.get(c.id)))).filter((c): c is StoredConnection => c !== null);
  const out: StoredConnection[] = [];
  for (const name of named) {
    const byId = await store.get(name);
    const found = byId ? { connection: byId } : await store.find(name);
    if ('problem' in found) throw new UsageError(found.problem);
    if (!out.some((c) => c.id === found.connection.id)) out.push(found.connection);
  }
  return out;
}

/** `people find PERSON [--connections a,b,c]`: exit 0 found (or not) everywhere, 1 a connection cannot name them, 3 a connection was unreachable. */
export async function peopleFind(args: PeopleFindArgs, output: string, io: Io, env: NodeJS.ProcessEnv = process.env, dataDir = defaultDataDir(env)): Promise<number> {
  const { people, store } = cliPeople(env, dataDir);
  const connections = await resolveConnections(store, args.connections);
  const found = await people.find({ person: args.person, connections: connections.map((c) => c.id) });
  io.out(output === 'json' ? JSON.stringify(found, null, 2) : formatFound(found, io.now()));
  return searchExit(found.groups, io);
}

/** Says on stderr which connections were not searched, and why; the exit code for it. */
function searchExit(groups: PersonGroup[], io: Io): number {
  for (const g of groups) {
    if (g.state === 'unreachable' || g.state === 'cannot-derive' || g.state === 'incomplete') io.err(`session-warden: "${terminalSafe(g.connection.name)}" ${g.state === 'unreachable' ? 'unreachable' : g.state === 'incomplete' ? 'searched only in part' : 'not searched'}: ${terminalSafe(g.problem ?? '')}`);
  }
  if (groups.some((g) => g.state === 'unreachable')) return EXIT.unreachable;
  if (groups.some((g) => g.state === 'cannot-derive' || g.state === 'incomplete')) return EXIT.incomplete;
  return EXIT.ok;
}

/**
 * `people revoke PERSON --connections a,b,c --reason CODE`: searches first, then revokes every
 * live session found in each connection (per connection, with its guards); `--dry-run` prints what
 * would be revoked. Production connections need `--yes`, as the app always asks there. Exit 0 all
 * revoked; 1 a group was refused or a session not revoked; 2 usage (nothing written); 3 a connection
 * unreachable (the others were revoked); 4 revoked, but a blacklist entry is pending or failed.
 */
export async function peopleRevoke(args: PeopleRevokeArgs, output: string, io: Io, env: NodeJS.ProcessEnv = process.env, dataDir = defaultDataDir(env)): Promise<number> {
  const { people, store } = cliPeople(env, dataDir);
  const connections = await resolveConnections(store, args.connections);
  const found = await people.find({ person: args.person, connections: connections.map((c) => c.id) });
  // A group searched only in part is revoked too: main reads every live session there when revoking.
  const live = found.groups.filter((g) => (g.state === 'found' || g.state === 'incomplete') && g.counts.active > 0);
  if (args.dryRun) {
    io.out(output === 'json' ? JSON.stringify({ ...found, wouldRevoke: live.map((g) => ({ connection: g.connection.name, sessions: g.counts.active })) }, null, 2) : `${formatFound(found, io.now())}\n\nDry run: nothing was revoked.`);
    return searchExit(found.groups, io);
  }
  const production = live.filter((g) => g.connection.production);
  if (production.length > 0 && !args.yes) {
    const named = production.map((g) => `"${g.connection.name}" (${g.counts.active} live)`).join(', ');
    throw new UsageError(`production connection${production.length === 1 ? '' : 's'} ${named}: confirm with --yes (see every session with --dry-run); nothing was revoked`);
  }
  if (live.length === 0) {
    io.err(`session-warden: ${terminalSafe(args.person)} has no live session in the connections searched: nothing was revoked`);
    return searchExit(found.groups, io);
  }
  const report = await people.revoke({
    person: args.person,
    // Every live session of the person in each connection, read by main at revocation time (a search lists at most 500).
    targets: live.map((g) => ({ connection: g.connection.id, fingerprint: g.connection.fingerprint, ids: g.sessions.filter((s) => s.status === 'active').map((s) => s.id), everyLive: true, confirmedCount: g.counts.active })),
    reasonCode: args.reasonCode,
    ...(args.note !== undefined ? { note: args.note } : {}),
    ...(args.ticket !== undefined ? { ticket: args.ticket } : {}),
    ...(args.incident !== undefined ? { incident: args.incident } : {}),
  });
  io.out(output === 'json' ? JSON.stringify({ ...report, notSearched: found.groups.filter((g) => g.state === 'unreachable' || g.state === 'cannot-derive' || g.state === 'incomplete').map((g) => ({ connection: g.connection.name, state: g.state, problem: g.problem })) }, null, 2) : formatRevoked(report));
  const searched = searchExit(found.groups, io);
  for (const g of report.groups) if (g.state !== 'done') io.err(`session-warden: "${terminalSafe(g.connection.name)}" ${g.state}: ${terminalSafe(g.problem ?? '')}`);
  if (report.groups.some((g) => g.state === 'refused' || g.results.some((r) => r.outcome === 'failed' || r.outcome === 'not_found'))) return EXIT.incomplete;
  if (searched === EXIT.unreachable || report.groups.some((g) => g.state === 'failed')) return EXIT.unreachable;
  if (searched !== EXIT.ok) return searched;
  if (report.groups.some((g) => g.results.some((r) => r.blacklist === 'pending' || r.blacklist === 'failed'))) return EXIT.blacklistIncomplete;
  return EXIT.ok;
}

function when(iso: string | null): string {
  return iso === null ? '-' : `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

function formatFound(found: PeopleFindResponse, nowMs: number): string {
  const rows = found.groups.map((g) => [
    g.connection.name + (g.connection.readOnly ? ' (read-only)' : ''),
    g.connection.environment,
    g.state,
    g.identity ? `${g.identity.key} ${g.identity.name}` : '-',
    String(g.counts.active),
    String(g.counts.revoked),
    String(g.counts.expired),
    when(g.lastActivityAt),
    g.exposure.live ? 'live sessions' : g.exposure.until && Date.parse(g.exposure.until) > nowMs ? `credentials until ${when(g.exposure.until)}` : 'none',
  ]);
  const sessions = found.groups.flatMap((g) => g.sessions.map((s) => [g.connection.name, s.id, s.user, s.status, when(s.lastAccessAt === null ? null : new Date(Date.parse(s.lastAccessAt)).toISOString()), s.profile ?? s.ipAddress ?? '']));
  const problems = found.groups.filter((g) => g.problem).map((g) => `${terminalSafe(g.connection.name)}: ${terminalSafe(g.problem ?? '')}`);
  return [
    `${terminalSafe(found.person)}, searched ${when(found.searchedAt)}`,
    table(['CONNECTION', 'ENVIRONMENT', 'STATE', 'NAMED AS', 'LIVE', 'REVOKED', 'EXPIRED', 'LAST ACTIVITY', 'EXPOSURE'], rows),
    ...(sessions.length > 0 ? ['', table(['CONNECTION', 'SESSION', 'USER', 'STATUS', 'LAST ACCESS', 'PROFILE/ADDRESS'], sessions)] : []),
    ...(problems.length > 0 ? ['', ...problems] : []),
  ].join('\n');
}

function formatRevoked(report: PeopleRevokeResponse): string {
  const rows = report.groups.flatMap((g) =>
    g.results.length > 0 ? g.results.map((r) => [g.connection.name, g.state, r.id, r.user, r.outcome, r.blacklist ?? '', r.error ?? '']) : [[g.connection.name, g.state, '-', '-', '-', '', g.problem ?? '']],
  );
  return [
    table(['CONNECTION', 'GROUP', 'SESSION', 'USER', 'OUTCOME', 'BLACKLIST', 'ERROR'], rows),
    '',
    `Recorded as ${terminalSafe(report.operator || 'nobody (nothing revoked)')}${report.incident ? `, for incident ${terminalSafe(report.incident)}` : ''}.`,
    ...report.groups.filter((g) => g.run).map((g) => `${terminalSafe(g.connection.name)}: run ${g.run}`),
  ].join('\n');
}
