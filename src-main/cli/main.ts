import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { IP_FILTER_HINT, IpFilterSchema, SessionsQueryRequestSchema } from '../../src-shared/contract';
import { RevokeSessionsRequestSchema, RevokeUsersRequestSchema, type RevokeReport } from '../../src-shared/revocation';
import { SessionIdSchema } from '../../src-shared/session';
import { isProductionEnvironment } from '../../src-shared/environment';
import { storeKindNamed } from '../stores/registry';
import { canaryArguments, canaryRun } from './canary-command';
import { iamArguments, iamDeny, iamList, iamRemove, namesConnection } from './iam-command';
import { peopleArguments, peopleFind, peopleRevoke, type PeopleRevokeArgs } from './people-command';
import { matchingSessions, narrows, MatchingRefusedError, CONFIRM_COUNT_ABOVE, type MatchingFilter, type MatchingSessions } from '../revocation/matching';
import { readUserList } from '../../src-shared/user-list';
import { WardenError } from '../errors';
import type { LedgerEntry } from '../ledger/ledger-entry';
import { outboxesWithPending } from '../revocation/blacklist-targets';
import { BlacklistUnreachableError, checkBlacklistCoverage, repairBlacklistGaps, type CoverageReport } from '../revocation/blacklist-coverage';
import type { Session } from '../../src-shared/session';
import { EXIT, StoreUnreachableError, UsageError } from './cli-errors';
import { connect, ledgerFrom, type CliConnection, type ConnectionFlags } from './connect';
import { formatMatching, formatCoverage, formatInit, formatLedger, formatPendingBlacklist, formatRevokeResults, formatSession, formatSessions, formatTeamLedger, formatVerify, terminalSafe } from './output';
import type { TeamChain } from '../team-ledger/team-chain';
import { TeamChainError } from '../team-ledger/team-chain';
import { parseTeamLine, type TeamEntry } from '../team-ledger/team-entry';
import type { TeamLedger } from '../team-ledger/team-ledger';
import { USAGE } from './usage';
import { signalStop, tailLedger } from './ledger-tail';
import { stopOnInterrupt } from './interrupt';
import { didYouMean, sortOutQuietUsers, type UnknownUser } from '../users/unknown-users';

const OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  store: { type: 'string' },
  redis: { type: 'string', multiple: true },
  'redis-cluster': { type: 'boolean' },
  'redis-ca': { type: 'string' },
  postgres: { type: 'string' },
  'postgres-ca': { type: 'string' },
  table: { type: 'string' },
  region: { type: 'string' },
  endpoint: { type: 'string' },
  'aws-profile': { type: 'string' },
  'blacklist-redis': { type: 'string' },
  ledger: { type: 'string' },
  connection: { type: 'string' },
  output: { type: 'string' },
  status: { type: 'string' },
  user: { type: 'string' },
  profile: { type: 'string' },
  'server-instance': { type: 'string' },
  device: { type: 'string' },
  ip: { type: 'string' },
  search: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  limit: { type: 'string' },
  'reason-code': { type: 'string' },
  note: { type: 'string' },
  ticket: { type: 'string' },
  'from-file': { type: 'string' },
  'team-ledger': { type: 'string' },
  full: { type: 'boolean' },
  repair: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
  last: { type: 'string', short: 'n' },
  'all-matching': { type: 'boolean' },
  'dry-run': { type: 'boolean' },
  'expect-count': { type: 'string' },
  'expect-digest': { type: 'string' },
  'probe-url': { type: 'string' },
  'threshold-ms': { type: 'string' },
  role: { type: 'string' },
  session: { type: 'string', multiple: true },
  form: { type: 'string' },
  incident: { type: 'string' },
  policy: { type: 'string' },
  force: { type: 'boolean' },
  'iam-endpoint': { type: 'string' },
  connections: { type: 'string' },
  reason: { type: 'string' },
  yes: { type: 'boolean' },
} as const;

const CONNECTION_OPTIONS = ['store', 'redis', 'redis-cluster', 'redis-ca', 'postgres', 'postgres-ca', 'table', 'region', 'endpoint', 'aws-profile', 'blacklist-redis', 'ledger', 'connection'];
/** What selects sessions: `sessions list`, and `sessions revoke --all-matching`. */
const FILTER_OPTIONS = ['user', 'profile', 'server-instance', 'device', 'ip', 'search', 'since', 'until'];
const ALLOWED: Record<string, string[]> = {
  'sessions list': [...CONNECTION_OPTIONS, 'output', 'status', ...FILTER_OPTIONS, 'limit'],
  'sessions show': [...CONNECTION_OPTIONS, 'output'],
  'sessions revoke': [...CONNECTION_OPTIONS, 'team-ledger', 'output', 'reason-code', 'note', 'ticket', 'all-matching', 'dry-run', 'expect-count', 'expect-digest', ...FILTER_OPTIONS],
  'users revoke': [...CONNECTION_OPTIONS, 'team-ledger', 'output', 'reason-code', 'note', 'ticket', 'from-file'],
  'ledger verify': [...CONNECTION_OPTIONS, 'team-ledger', 'full', 'output'],
  'ledger list': [...CONNECTION_OPTIONS, 'team-ledger', 'output'],
  'ledger init': [...CONNECTION_OPTIONS, 'team-ledger', 'output'],
  'ledger tail': ['ledger', 'follow', 'last', 'since', 'output'],
  'blacklist pending': ['ledger', 'output'],
  'blacklist check': [...CONNECTION_OPTIONS, 'team-ledger', 'repair', 'output'],
  'canary run': [...CONNECTION_OPTIONS, 'team-ledger', 'probe-url', 'threshold-ms', 'output'],
  'iam deny': [...CONNECTION_OPTIONS, 'team-ledger', 'role', 'session', 'user', 'form', 'incident', 'force', 'dry-run', 'iam-endpoint', 'output'],
  'iam list': ['role', 'aws-profile', 'iam-endpoint', 'output'],
  'iam remove': [...CONNECTION_OPTIONS, 'team-ledger', 'role', 'policy', 'force', 'dry-run', 'iam-endpoint', 'output'],
  'people find': ['connections', 'output'],
  'people revoke': ['connections', 'reason', 'reason-code', 'note', 'ticket', 'incident', 'dry-run', 'yes', 'output'],
};
const FORMATS: Record<string, string[]> = {
  'sessions list': ['table', 'json', 'ndjson', 'csv'],
  'sessions show': ['table', 'json'],
  'sessions revoke': ['table', 'json'],
  'users revoke': ['table', 'json'],
  'ledger verify': ['table', 'json'],
  'ledger list': ['table', 'json', 'ndjson', 'csv'],
  'ledger init': ['table', 'json'],
  'ledger tail': ['ndjson', 'table'],
  'blacklist pending': ['table', 'json'],
  'blacklist check': ['table', 'json'],
  'canary run': ['table', 'json'],
  'iam deny': ['table', 'json'],
  'iam list': ['table', 'json'],
  'iam remove': ['table', 'json'],
  'people find': ['table', 'json'],
  'people revoke': ['table', 'json'],
};

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
  now: () => number;
}

type Values = Partial<Record<keyof typeof OPTIONS, string | boolean | string[]>>;

/** Runs one command line; returns the exit code. Never throws. */
export async function run(argv: string[], io: Io): Promise<number> {
  let parsed: { values: Values; positionals: string[] };
  // `-h-x…` would parse as the help flag followed by more short flags: an id is never an option.
  const dashed = dashedOperand(argv);
  if (dashed) {
    io.err(`session-warden: ${terminalSafe(dashedAdvice(argv, dashed))}`);
    return EXIT.usage;
  }
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true }) as typeof parsed;
  } catch (error) {
    io.err(`session-warden: ${argumentError(argv, error)}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  const command = positionals.slice(0, 2).join(' ');
  const args = positionals.slice(2);
  if (!ALLOWED[command]) {
    if (values.help || positionals.length === 0) {
      io.out(USAGE.root as string);
      return positionals.length === 0 && !values.help ? EXIT.usage : EXIT.ok;
    }
    io.err(`session-warden: unknown command "${positionals.join(' ')}"; see session-warden --help`);
    return EXIT.usage;
  }
  if (values.help) {
    io.out(USAGE[command] as string);
    return EXIT.ok;
  }
  try {
    const extra = Object.keys(values).filter((k) => !ALLOWED[command]?.includes(k));
    if (extra.length > 0) throw new UsageError(`--${extra[0]} does not apply to "${command}"`);
    const output = typeof values.output === 'string' ? values.output : command === 'ledger tail' ? 'ndjson' : 'table';
    if (!FORMATS[command]?.includes(output)) throw new UsageError(`--output must be one of ${FORMATS[command]?.join(', ')}`);
    return await dispatchCommand(command, args, values, output, io);
  } catch (error) {
    // Messages may quote what a store holds (a key, an entry): never raw to the terminal.
    const say = (text: string) => io.err(`session-warden: ${terminalSafe(text)}`);
    if (error instanceof UsageError) {
      say(error.message);
      return EXIT.usage;
    }
    if (error instanceof StoreUnreachableError) {
      say(error.message);
      return EXIT.unreachable;
    }
    if (error instanceof WardenError) {
      say(error.message);
      return error.code === 'VALIDATION' ? EXIT.usage : EXIT.incomplete;
    }
    say(firstLine(error));
    return EXIT.incomplete;
  }
}

/** What parseArgs refused, said for an operator. */
function argumentError(argv: string[], error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // `--note -urgent`: node's own words say to write `--note=-urgent`.
    return (error as Error).message.split('\n').join(' ');
  }
  return (error as Error).message.split('\n')[0] ?? 'bad arguments';
}

/**
 * Web session ids are base64url and one in 64 begins with "-", which reads as an option: such an
 * id (or user) must come after "--". This finds one before "--" (length > 2, so not "-h", and
 * not the value of an option written as `--note -urgent`, which parseArgs explains itself).
 */
export function dashedOperand(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--') return null;
    const previous = i > 0 ? argv[i - 1] : undefined;
    const option = previous?.startsWith('--') && !previous.includes('=') ? OPTIONS[previous.slice(2) as keyof typeof OPTIONS] : undefined;
    if (option?.type === 'string') continue;
    if (/^-[^-]/.test(arg) && arg.length > 2 && SessionIdSchema.safeParse(arg).success) return arg;
  }
  return null;
}

function dashedAdvice(argv: readonly string[], dashed: string): string {
  const at = argv.findIndex((a) => a === 'sessions' || a === 'users');
  const command = at === -1 ? '<command>' : argv.slice(at, at + 2).join(' ');
  return `"${dashed}" begins with "-", so it reads as an option; put ids or users that begin with "-" after "--", as in: session-warden ${command} [options] -- ${dashed}`;
}

async function dispatchCommand(command: string, args: string[], values: Values, output: string, io: Io): Promise<number> {
  const flags = connectionFlags(values);
  switch (command) {
    case 'iam deny':
    case 'iam list':
    case 'iam remove': {
      noPositionals(args, command);
      const iam = iamArguments(command, values);
      if (command === 'iam deny') return iamDeny(iam, flags, output, io);
      if (command === 'iam list') return iamList(iam, output, io);
      return iamRemove(iam, namesConnection(flags) ? flags : null, output, io);
    }
    case 'people find':
      return peopleFind(peopleArguments(command, args, values), output, io);
    case 'people revoke':
      return peopleRevoke(peopleArguments(command, args, values) as PeopleRevokeArgs, output, io);
    case 'canary run': {
      noPositionals(args, command);
      const canary = canaryArguments(typeof values['probe-url'] === 'string' ? values['probe-url'] : undefined, typeof values['threshold-ms'] === 'string' ? values['threshold-ms'] : undefined);
      return withConnection(flags, (conn) => canaryRun(conn, canary, output, io));
    }
    case 'ledger verify': {
      noPositionals(args, command);
      if (!namesStore(flags)) {
        if (values.full === true) throw new UsageError('--full re-reads a team ledger: name the connection (--connection, or --table/--redis) and --team-ledger');
        const report = await ledgerFrom(flags).verify();
        io.out(output === 'json' ? JSON.stringify(report, null, 2) : formatVerify(report));
        return report.ok ? EXIT.ok : EXIT.incomplete;
      }
      return withConnection(flags, async (conn) => {
        if (!conn.team) {
          io.err('session-warden: this connection names no team ledger (--team-ledger NAME): only the local ledger was checked');
          const report = await conn.ledger.verify();
          io.out(output === 'json' ? JSON.stringify(report, null, 2) : formatVerify(report));
          return report.ok ? EXIT.ok : EXIT.incomplete;
        }
        const report = await teamCall(() => (conn.team as TeamLedger).verify({ full: values.full === true }));
        io.out(output === 'json' ? JSON.stringify(report, null, 2) : formatVerify(report));
        return report.ok ? EXIT.ok : EXIT.incomplete;
      });
    }
    case 'ledger list': {
      noPositionals(args, command);
      if (!namesStore(flags)) {
        const entries: LedgerEntry[] = [];
        for await (const entry of ledgerFrom(flags).entries()) entries.push(entry);
        io.out(formatLedger(entries, output));
        return EXIT.ok;
      }
      return withConnection(flags, async (conn) => {
        if (!conn.team) throw new UsageError('this connection names no team ledger: give --team-ledger NAME (without a connection, "ledger list" prints the local ledger)');
        const team = conn.team;
        io.out(formatTeamLedger(await teamCall(() => readTeamChain(team.chain)), output));
        return EXIT.ok;
      });
    }
    case 'ledger init': {
      noPositionals(args, command);
      if (!namesStore(flags)) throw new UsageError('"ledger init" needs the connection: --connection NAME, --table NAME (DynamoDB) or --store redis --redis URL');
      return withConnection({ ...flags, defaultTeamLedger: true }, async (conn) => {
        const made = await teamCall(() => conn.initTeamLedger());
        io.out(output === 'json' ? JSON.stringify(made, null, 2) : formatInit(made));
        const durable = made.durability === 'point-in-time recovery enabled' || made.durability === 'appendonly yes';
        if (!durable) io.err(`session-warden: ${made.kind === 'dynamodb' ? `point-in-time recovery is not enabled on ${made.name}` : `the Redis does not append to a file (appendonly ${made.durability})`}${made.detail ? `: ${made.detail}` : ''}`);
        return durable ? EXIT.ok : EXIT.incomplete;
      });
    }
    case 'ledger tail':
      noPositionals(args, command);
      return ledgerTail(values, flags, output, io);
    case 'blacklist pending': {
      noPositionals(args, command);
      const outboxes = await outboxesWithPending(dirname(ledgerFrom(flags).path));
      io.out(formatPendingBlacklist(outboxes, output, io.now()));
      return EXIT.ok;
    }
    case 'blacklist check': {
      noPositionals(args, command);
      return withConnection(flags, async (conn) => {
        const blacklist = conn.blacklist;
        if (!blacklist) throw new UsageError('"blacklist check" needs a connection with a blacklist Redis (--blacklist-redis URL with a DynamoDB or PostgreSQL store, or a saved connection that has one and is not read-only)');
        const checked = await checkBlacklistCoverage(conn.store, blacklist.redis, io.now()).catch((error: unknown) => {
          throw error instanceof BlacklistUnreachableError ? new StoreUnreachableError(error.message, { cause: error }) : error;
        });
        const { sessions, ...found } = checked;
        let report: CoverageReport = found;
        if (values.repair === true && found.gaps.length > 0) {
          const recorder = await conn.recorder();
          const repaired = await repairBlacklistGaps(found.gaps, sessions, { mirror: blacklist.mirror, ...recorder, clock: io.now });
          report = { ...found, repaired };
        }
        io.out(formatCoverage(report, output));
        const left = report.repaired ? report.repaired.filter((r) => r.blacklist !== 'written').length : report.gaps.length;
        return delivered(conn, io, left > 0 ? EXIT.incomplete : EXIT.ok);
      });
    }
    case 'sessions list':
      return listSessions(args, values, flags, output, io);
    case 'sessions show': {
      if (args.length !== 1) throw new UsageError('sessions show takes exactly one session id');
      const id = parseOrUsage(SessionIdSchema, args[0], 'session id');
      checkSessionIds([id], values);
      return withConnection(flags, async (conn) => {
        const session = await conn.store.get(id);
        if (!session) {
          io.err(`session-warden: no session ${id} in the store`);
          return EXIT.incomplete;
        }
        io.out(formatSession(session, output));
        return EXIT.ok;
      });
    }
    case 'sessions revoke': {
      if (values['all-matching'] === true) return revokeAllMatching(args, values, flags, output, io);
      const stray = ['dry-run', 'expect-count', 'expect-digest', ...FILTER_OPTIONS].find((k) => values[k as keyof Values] !== undefined);
      if (stray) throw new UsageError(`--${stray} goes with --all-matching (sessions revoke ID... names its sessions itself)`);
      const request = parseOrUsage(RevokeSessionsRequestSchema, { ids: args, ...reasonOf(values) }, 'request');
      checkSessionIds(request.ids, values);
      return withConnection(flags, async (conn) => delivered(conn, io, report(await (await conn.revoker()).revokeSessions(request), output, io)));
    }
    case 'users revoke': {
      const users = [...args, ...(typeof values['from-file'] === 'string' ? await usersFromFile(values['from-file'], io) : [])];
      const request = parseOrUsage(RevokeUsersRequestSchema, { users, ...reasonOf(values) }, 'request');
      return withConnection(flags, async (conn) => {
        const revoked = await (await conn.revoker()).revokeUsers(request);
        // A name with nothing live is "nothing to revoke" only when the store (or, for a web store
        // that forgets fully revoked users, our ledger) knows it. If that cannot be checked, the
        // results are still printed and the run counts as incomplete.
        let sorted: Awaited<ReturnType<typeof sortOutQuietUsers>>;
        try {
          sorted = await sortOutQuietUsers(conn.store, revoked.usersWithoutActiveSessions, (user) => ledgerKnowsUser(conn.ledger, user));
        } catch (error) {
          io.err(`session-warden: could not check which names the store knows (${terminalSafe(firstLine(error))}): treating them as unknown`);
          sorted = { withoutActive: [], unknown: revoked.usersWithoutActiveSessions.map((user) => ({ user, suggestions: [] })) };
        }
        const { withoutActive, unknown } = sorted;
        const result = { ...revoked, usersWithoutActiveSessions: withoutActive, unknownNames: unknown };
        for (const { user, suggestions } of unknown) io.err(`session-warden: unknown user "${terminalSafe(user)}": ${terminalSafe(didYouMean(suggestions))}`);
        for (const user of withoutActive) io.err(`session-warden: ${terminalSafe(user)} has no active session`);
        for (const { user, error } of result.unlistedUsers) io.err(`session-warden: ${terminalSafe(user)}: ${terminalSafe(error)}`);
        return delivered(conn, io, report(result, output, io));
      });
    }
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** `ledger tail [-f] [-n N] [--since WHEN]`: see ledger-tail.ts. */
async function ledgerTail(values: Values, flags: ConnectionFlags, output: string, io: Io): Promise<number> {
  const last = values.last === undefined ? undefined : Number(values.last);
  if (last !== undefined && (!Number.isInteger(last) || last < 0)) throw new UsageError('-n/--last must be a whole number (0 or more)');
  const sinceMs = typeof values.since === 'string' ? Date.parse(timeArgument(values.since, '--since', io.now())) : undefined;
  if (sinceMs !== undefined && !Number.isFinite(sinceMs)) throw new UsageError('--since must be an RFC 3339 time or a duration back (30m, 12h, 7d, 2w)');
  const follow = values.follow === true;
  const stop = follow ? signalStop() : { signal: new AbortController().signal, release: () => undefined };
  try {
    return await tailLedger({ path: ledgerFrom(flags).path, follow, last, sinceMs, format: output === 'table' ? 'table' : 'ndjson', out: io.out, err: io.err, stop: stop.signal });
  } finally {
    stop.release();
  }
}

async function listSessions(args: string[], values: Values, flags: ConnectionFlags, output: string, io: Io): Promise<number> {
  noPositionals(args, 'sessions list');
  const limit = values.limit === undefined ? 50 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100_000) throw new UsageError('--limit must be a whole number from 1 to 100000');
  const base = parseOrUsage(
    SessionsQueryRequestSchema,
    {
      ...(typeof values.status === 'string' ? { status: values.status } : {}),
      ...filterFlags(values, io),
      limit: Math.min(limit, 500),
    },
    'filter',
  );
  return withConnection(flags, async (conn) => {
    const sessions: Session[] = [];
    let cursor: string | undefined;
    do {
      const page = await conn.store.query({ ...base, limit: Math.min(500, limit - sessions.length), ...(cursor ? { cursor } : {}) });
      sessions.push(...page.sessions);
      cursor = page.nextCursor;
    } while (cursor && sessions.length < limit);
    io.out(formatSessions(sessions, output));
    return EXIT.ok;
  });
}

/** The filter flags as query fields (times resolved, the IP checked); the store refuses those its kind does not serve. */
function filterFlags(values: Values, io: Io): Record<string, string> {
  if (typeof values.ip === 'string' && !IpFilterSchema.safeParse(values.ip).success) throw new UsageError(`--ip: expected ${IP_FILTER_HINT}`);
  return {
      ...(typeof values.user === 'string' ? { user: values.user } : {}),
      ...(typeof values.profile === 'string' ? { profile: values.profile } : {}),
      ...(typeof values['server-instance'] === 'string' ? { serverInstance: values['server-instance'] } : {}),
      // Refused (exit 2) by a store whose kind does not serve them (stores/registry.ts).
      ...(typeof values.device === 'string' ? { device: values.device } : {}),
      ...(typeof values.ip === 'string' ? { ipAddress: values.ip } : {}),
      ...(typeof values.search === 'string' ? { text: values.search } : {}),
      ...(typeof values.since === 'string' ? { since: timeArgument(values.since, '--since', io.now()) } : {}),
      ...(typeof values.until === 'string' ? { until: timeArgument(values.until, '--until', io.now()) } : {}),
  };
}

/**
 * `sessions revoke --all-matching <filters>`: every active session the filter matches across every
 * page, counted per user and profile; `--dry-run` prints the count and writes nothing. Above
 * CONFIRM_COUNT_ABOVE sessions the count must be confirmed with `--expect-count N` (what the app
 * asks to be typed); a count that changed since is refused, nothing written. Exactly the sessions
 * counted are revoked.
 */
async function revokeAllMatching(args: string[], values: Values, flags: ConnectionFlags, output: string, io: Io): Promise<number> {
  if (args.length > 0) throw new UsageError('--all-matching takes filters, not session ids');
  const flagged = filterFlags(values, io);
  // Checked as a query would be (times, lengths); only active sessions are ever revoked.
  parseOrUsage(SessionsQueryRequestSchema, { ...flagged, status: 'active' }, 'filter');
  const matching: MatchingFilter = flagged;
  if (!narrows(matching)) throw new UsageError('--all-matching needs at least one filter (--user, --profile, --server-instance, --device, --ip, --search, --since or --until): it never means every session of the store');
  const dryRun = values['dry-run'] === true;
  const expected = typeof values['expect-count'] === 'string' ? Number(values['expect-count']) : null;
  if (expected !== null && (!Number.isInteger(expected) || expected < 1)) throw new UsageError('--expect-count must be a whole number of sessions');
  const digest = typeof values['expect-digest'] === 'string' ? values['expect-digest'] : null;
  if (digest !== null && !/^[0-9a-f]{64}$/.test(digest)) throw new UsageError('--expect-digest must be the 64 hex digits the dry run printed');
  // The reason is checked before anything connects (its ids are the matching sessions, known later).
  if (!dryRun) parseOrUsage(RevokeSessionsRequestSchema, { ids: ['placeholder'], ...reasonOf(values) }, 'request');
  return withConnection(flags, async (conn) => {
    let found: MatchingSessions;
    try {
      found = await matchingSessions(conn.store, matching);
    } catch (error) {
      if (error instanceof MatchingRefusedError) throw new UsageError(error.message, { cause: error });
      throw error;
    }
    const total = found.sessions.length;
    if (dryRun) {
      io.out(formatMatching(found, output));
      return EXIT.ok;
    }
    if (total === 0) {
      io.err('session-warden: no active session matches: nothing was revoked');
      return EXIT.ok;
    }
    if (expected !== null && expected !== total) throw new UsageError(`${total} active sessions match now, not the ${expected} confirmed: nothing was revoked; check with --dry-run`);
    if (digest !== null && digest !== found.digest) throw new UsageError('as many or other sessions match now, not the ones the dry run counted (another digest): nothing was revoked; check with --dry-run');
    if (expected === null && total > CONFIRM_COUNT_ABOVE) throw new UsageError(`${total} active sessions match: confirm the count with --expect-count ${total} (see them with --dry-run); nothing was revoked`);
    // As in the app: in production the count is always confirmed, however small.
    if (expected === null && conn.environment !== undefined && isProductionEnvironment(conn.environment)) {
      throw new UsageError(`"${conn.name}" is a production connection: confirm the count with --expect-count ${total} (see them with --dry-run); nothing was revoked`);
    }
    const request = parseOrUsage(RevokeSessionsRequestSchema, { ids: found.sessions.map((s) => s.id), ...reasonOf(values) }, 'request');
    const revoker = await conn.revoker();
    // Ctrl-C: no further session is started; those under way finish and are recorded and printed.
    const stop = stopOnInterrupt(() =>
      io.err('session-warden: stopping: no further session is started; those under way finish and are recorded (Ctrl-C again exits at once)'),
    );
    try {
      // A session never attempted is said with the user it was counted under.
      const revoked = await revoker.revokeSessions(request, undefined, { signal: stop.signal, users: new Map(found.sessions.map((s) => [s.id, s.user])) });
      if (revoked.cancelled) {
        const left = revoked.results.filter((r) => r.outcome === 'not_attempted').length;
        io.err(`session-warden: cancelled: ${revoked.results.length - left} session(s) attempted, ${left} not attempted (nothing written for them); count the rest with --dry-run`);
      }
      return await delivered(conn, io, report(revoked, output, io));
    } finally {
      stop.release();
    }
  });
}

/**
 * Prints the results; the exit code says what a script must know: 1 when a session was not
 * revoked (failed, not found, not attempted after Ctrl-C, or a user whose sessions could not be listed), else 4 when every
 * session is revoked in the store but a blacklist entry is still pending or failed, else 0.
 */
function report(result: RevokeReport & { unknownNames?: UnknownUser[] }, output: string, io: Io): number {
  io.out(formatRevokeResults(result, output, io.now()));
  const incomplete =
    result.results.some((r) => r.outcome === 'failed' || r.outcome === 'not_found' || r.outcome === 'not_attempted') || result.unlistedUsers.length > 0 || (result.unknownNames?.length ?? 0) > 0;
  if (incomplete) return EXIT.incomplete;
  return result.results.some((r) => r.blacklist === 'pending' || r.blacklist === 'failed') ? EXIT.blacklistIncomplete : EXIT.ok;
}

/** Whether our ledger has any entry for this user (a user we revoked before is not a typo). */
async function ledgerKnowsUser(ledger: { entries(): AsyncIterable<LedgerEntry> }, user: string): Promise<boolean> {
  for await (const entry of ledger.entries()) if (entry.user === user) return true;
  return false;
}

/**
 * After a revocation, the entries it wrote go to the team ledger before the command ends. The
 * revocation stands either way: what could not be delivered stays in the local ledger (the
 * write-ahead copy) and the app or the next command delivers it. Said on stderr; the exit code
 * is the revocation's.
 */
async function delivered(conn: CliConnection, io: Io, code: number): Promise<number> {
  if (!conn.team) return code;
  const status = await conn.team.deliver();
  if (status.pending > 0) {
    const n = status.pending;
    io.err(
      `session-warden: ${n} ledger entr${n === 1 ? 'y is' : 'ies are'} not on the team ledger (${status.label}) yet${status.lastError ? `: ${terminalSafe(status.lastError)}` : ''}; kept in the local ledger, the app or the next command delivers ${n === 1 ? 'it' : 'them'}`,
    );
  }
  return code;
}

/** Whether the flags name a store (so a ledger command reads that connection's team ledger). */
function namesStore(flags: ConnectionFlags): boolean {
  return flags.connection !== undefined || flags.table !== undefined || (flags.redis?.length ?? 0) > 0 || flags.store !== undefined || flags.teamLedger !== undefined;
}

/**
 * A team ledger that cannot be read is a store that cannot be reached (exit 3); one that holds
 * something that is not an entry, or cannot go on, is damage (exit 1), never "unreachable".
 */
async function teamCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof TeamChainError && error.reason !== 'malformed') throw new StoreUnreachableError(error.message, { cause: error });
    if (error instanceof TeamChainError) throw new Error(`team ledger BROKEN: ${error.message}`, { cause: error });
    throw error;
  }
}

/** Every entry of a team chain, oldest first, a page at a time. */
async function readTeamChain(chain: TeamChain): Promise<TeamEntry[]> {
  const entries: TeamEntry[] = [];
  for (;;) {
    const page = await chain.read(entries.length + 1, 1000);
    for (const stored of page) {
      const parsed = parseTeamLine(stored.text);
      if ('error' in parsed) throw new TeamChainError(`entry ${stored.seq}: ${parsed.error} (run "ledger verify --full")`, 'malformed');
      entries.push(parsed.entry);
    }
    if (page.length < 1000) return entries;
  }
}

async function withConnection(flags: ConnectionFlags, work: (conn: Awaited<ReturnType<typeof connect>>) => Promise<number>): Promise<number> {
  const conn = await connect(flags);
  try {
    return await work(conn);
  } finally {
    await conn.close();
  }
}

function connectionFlags(values: Values): ConnectionFlags {
  const text = (key: keyof typeof OPTIONS) => (typeof values[key] === 'string' ? (values[key] as string) : undefined);
  return {
    store: text('store'),
    redis: Array.isArray(values.redis) ? values.redis : undefined,
    redisCluster: values['redis-cluster'] === true,
    redisCa: text('redis-ca'),
    postgres: text('postgres'),
    postgresCa: text('postgres-ca'),
    table: text('table'),
    region: text('region'),
    endpoint: text('endpoint'),
    awsProfile: text('aws-profile'),
    blacklistRedis: text('blacklist-redis'),
    ledger: text('ledger'),
    connection: text('connection'),
    teamLedger: text('team-ledger'),
  };
}

/**
 * Checked before anything connects: `XYZ` against a Sentinel table is a mistake in the command
 * (exit 2, nothing looked up or written), not a session that was not found. A saved connection's
 * kind is known only once it is read: its ids are checked as any store's until then.
 */
function checkSessionIds(ids: string[], values: Values): void {
  const kind = typeof values.store === 'string' ? values.store : values.connection !== undefined ? null : 'dynamodb';
  if (kind !== null && kind !== 'dynamodb' && kind !== 'redis' && kind !== 'postgres') throw new UsageError('--store must be dynamodb, redis or postgres');
  const { schema, hint } = kind === null ? { schema: SessionIdSchema, hint: '' } : storeKindNamed(kind).sessionId;
  for (const id of ids) {
    const checked = schema.safeParse(id);
    if (!checked.success) throw new UsageError(`invalid session id "${id}": ${checked.error.issues[0]?.message ?? 'malformed'}${hint}`);
  }
}

function reasonOf(values: Values) {
  if (typeof values['reason-code'] !== 'string') throw new UsageError('--reason-code is required');
  return {
    reasonCode: values['reason-code'],
    ...(typeof values.note === 'string' ? { note: values.note } : {}),
    ...(typeof values.ticket === 'string' ? { ticket: values.ticket } : {}),
  };
}

/** `7d`, `12h`, `30m`, `90s`, `2w` back from now, or an RFC 3339 time as given. */
export function timeArgument(text: string, flag: string, nowMs: number): string {
  const relative = /^(\d+)([smhdw])$/.exec(text);
  if (!relative) return text;
  const unit = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[relative[2] as 's' | 'm' | 'h' | 'd' | 'w'];
  const ms = nowMs - Number(relative[1]) * unit * 1000;
  if (!Number.isFinite(ms)) throw new UsageError(`${flag} is out of range`);
  return new Date(ms).toISOString();
}

/** The names of a list file; every line that did not become exactly one name is said on stderr (comments aside). */
async function usersFromFile(path: string, io: Io): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read --from-file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`, { cause: error });
  }
  const read = readUserList(text);
  for (const note of read.notes) if (note.kind !== 'comment') io.err(`session-warden: ${terminalSafe(path)} line ${note.line}: ${terminalSafe(note.detail)}`);
  return read.names;
}

function parseOrUsage<T extends z.ZodType>(schema: T, value: unknown, what: string): z.output<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? `${issue.path.map(String).join('.')}: ` : '';
  throw new UsageError(`invalid ${what}: ${where}${issue?.message ?? 'malformed'}`);
}

function noPositionals(args: string[], command: string): void {
  if (args.length > 0) throw new UsageError(`"${command}" takes no arguments (got "${args[0]}")`);
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? 'error';
}
