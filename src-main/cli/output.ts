import { closingByUser, closingLine } from '../../src-shared/closed-at';
import type { Session } from '../../src-shared/session';
import type { RevokeReport } from '../../src-shared/revocation';
import type { OutboxOnDisk } from '../revocation/blacklist-targets';
import type { LedgerEntry } from '../ledger/ledger-entry';
import { toCsv, type Cell } from '../export/csv';
import type { VerifyReport } from '../ledger/ledger';
import type { TeamEntry } from '../team-ledger/team-entry';
import type { TeamVerify } from '../../src-shared/team-ledger';
import type { TeamLedgerInit } from './connect';
import type { CoverageReport } from '../revocation/blacklist-coverage';
import { didYouMean, type UnknownUser } from '../users/unknown-users';

/**
 * Store strings are untrusted: a user name holding terminal escape sequences or bidi overrides
 * must not repaint the operator's terminal. Control and bidi characters are shown as \\u escapes.
 */
export function terminalSafe(text: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function table(header: string[], rows: string[][]): string {
  const safe = rows.map((r) => r.map(terminalSafe));
  const widths = header.map((h, i) => Math.max(h.length, ...safe.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...safe.map(line)].join('\n');
}

/**
 * Rows in one of the list formats: JSON and NDJSON of the rows as they are, CSV of `csv`'s columns
 * (escaped against formula injection by `toCsv`), or an aligned table of `table`'s cells.
 */
function formatRows<T, C extends string>(
  rows: T[],
  format: string,
  csv: { columns: readonly C[]; cell: (row: T, column: C) => Cell },
  shown: { header: string[]; cells: (row: T) => string[] },
): string {
  switch (format) {
    case 'json':
      return JSON.stringify(rows, null, 2);
    case 'ndjson':
      return rows.map((r) => JSON.stringify(r)).join('\n');
    case 'csv':
      return toCsv(csv.columns, rows.map((r) => csv.columns.map((c) => csv.cell(r, c)))).trimEnd();
    default:
      return table(shown.header, rows.map(shown.cells));
  }
}

const SESSION_COLUMNS = ['id', 'user', 'profile', 'status', 'serverInstanceId', 'createdAt', 'lastAccessAt', 'expiresAt', 'requestCount', 'sourceIdentity', 'deviceId', 'revokedBy', 'revokedReason'] as const;

export function formatSessions(sessions: Session[], format: string): string {
  return formatRows(
    sessions,
    format,
    { columns: SESSION_COLUMNS, cell: (s, c) => s[c] },
    {
      header: ['ID', 'USER', 'PROFILE', 'STATUS', 'CREATED', 'LAST ACCESS', 'EXPIRES', 'REQUESTS'],
      cells: (s) => [s.id, s.user, s.profile ?? '-', s.status, s.createdAt ?? '-', s.lastAccessAt ?? '-', s.expiresAt ?? '-', s.requestCount === undefined ? '-' : String(s.requestCount)],
    },
  );
}

export function formatSession(session: Session, format: string): string {
  if (format === 'json') return JSON.stringify(session, null, 2);
  return Object.entries(session)
    .map(([key, value]) => `${key.padEnd(16)} ${terminalSafe(value === null ? '-' : String(value))}`)
    .join('\n');
}

/**
 * One row per session, then one per user with nothing revoked: `failed` (their sessions could not
 * be listed, with why) or `no_active_sessions`; such rows have no session id (`null` in JSON).
 */
export function formatRevokeResults(
  report: Pick<RevokeReport, 'results' | 'operator' | 'usersWithoutActiveSessions' | 'unlistedUsers' | 'cancelled'> & { unknownNames?: UnknownUser[] },
  format: string,
  nowMs: number = Date.now(),
): string {
  const { results, operator } = report;
  const unknown = report.unknownNames ?? [];
  const userRows: { id: null; user: string; outcome: string; error?: string; suggestions?: { user: string; live: number }[] }[] = [
    ...unknown.map(({ user, suggestions }) => ({ id: null, user, outcome: 'unknown_user', error: `unknown user: ${didYouMean(suggestions)}`, suggestions: suggestions.map((s) => ({ user: s.user, live: s.live })) })),
    ...report.unlistedUsers.map(({ user, error }) => ({ id: null, user, outcome: 'failed', error })),
    ...report.usersWithoutActiveSessions.map((user) => ({ id: null, user, outcome: 'no_active_sessions' })),
  ];
  if (format === 'json') {
    const sessions = results.map((r) => ({
      id: r.id,
      user: r.user,
      outcome: r.outcome,
      ...(r.blacklist ? { blacklist: r.blacklist } : {}),
      ...(r.credentialsUntil ? { credentialsUntil: r.credentialsUntil } : {}),
      ...(r.error ? { error: r.error } : {}),
    }));
    return JSON.stringify([...sessions, ...userRows], null, 2);
  }
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.outcome, (counts.get(r.outcome) ?? 0) + 1);
  const summary = [...counts].map(([outcome, n]) => `${n} ${outcome}`).join(', ') || 'no session revoked';
  const pending = results.filter((r) => r.blacklist === 'pending').length;
  const refused = results.filter((r) => r.blacklist === 'failed').length;
  const rows = [
    ...results.map((r) => [r.id, r.user, r.outcome, r.blacklist ?? '', r.error ?? '']),
    ...userRows.map((r) => ['-', r.user, r.outcome, '', r.error ?? '']),
  ];
  const notAttempted = counts.get('not_attempted') ?? 0;
  return [
    table(['ID', 'USER', 'OUTCOME', 'BLACKLIST', 'ERROR'], rows),
    '',
    report.cancelled ? `Cancelled: ${counts.get('revoked') ?? 0} revoked, ${notAttempted} not attempted (nothing was written for those: count them again with --dry-run and revoke the rest).` : '',
    `${summary}. Recorded as ${terminalSafe(operator)}.`,
    pending ? `${pending} blacklist write(s) pending: not yet refused by enforcement points; kept and retried (session-warden blacklist pending lists them).` : '',
    refused ? `${refused} blacklist write(s) failed: those sessions are revoked in the store but not blacklisted (see ERROR).` : '',
    report.unlistedUsers.length ? `${report.unlistedUsers.length} user(s) could not be listed: nothing of theirs was revoked (see ERROR).` : '',
    unknown.length ? `${unknown.length} name(s) not known to this store with live sessions: nothing was revoked for them (see ERROR for the names it holds).` : '',
    credentialsLine(results),
    closingLines(results, nowMs),
  ]
    .filter(Boolean)
    .join('\n');
}

/** What `blacklist pending` prints: per blacklist Redis, how many writes wait and since when. */
export function formatPendingBlacklist(outboxes: OutboxOnDisk[], format: string, nowMs: number): string {
  const total = outboxes.reduce((sum, o) => sum + o.pending.length, 0);
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  if (format === 'json') {
    const times = outboxes.map((o) => o.oldestQueuedAtMs).filter((t): t is number => t !== null);
    return JSON.stringify(
      {
        total,
        oldestQueuedAt: iso(times.length ? Math.min(...times) : null),
        targets: outboxes.map((o) => ({
          target: o.target,
          file: o.path,
          pending: o.pending.length,
          oldestQueuedAt: iso(o.oldestQueuedAtMs),
          writes: o.pending.map((w) => ({ id: w.id, reason: w.reason, queuedAt: iso(w.queuedAtMs), sessionExpiresAt: iso(w.expiresAtMs) })),
        })),
      },
      null,
      2,
    );
  }
  if (total === 0) return 'no blacklist writes pending';
  const age = (ms: number | null) => (ms === null ? 'unknown' : `${Math.max(0, Math.round((nowMs - ms) / 60_000))} min`);
  return [
    table(
      ['TARGET', 'SESSION', 'QUEUED', 'WAITING', 'REASON'],
      outboxes.flatMap((o) => o.pending.map((w) => [o.target ?? `(unknown: ${o.path})`, w.id, iso(w.queuedAtMs) ?? '-', age(w.queuedAtMs), w.reason])),
    ),
    '',
    `${total} blacklist write(s) pending. Any run against that blacklist Redis (--blacklist-redis, or a saved --connection) delivers them first; the app retries them in the background.`,
  ].join('\n');
}

export function formatLedger(entries: LedgerEntry[], format: string): string {
  const columns = ['seq', 'time', 'kind', 'operator', 'connection', 'sessionId', 'user', 'reasonCode', 'note', 'ticket', 'outcome', 'blacklist', 'error', 'hash'] as const;
  return formatRows(
    entries,
    format,
    { columns, cell: (e, c) => e[c] },
    {
      header: ['SEQ', 'TIME', 'KIND', 'OPERATOR', 'SESSION', 'USER', 'REASON', 'TICKET', 'OUTCOME'],
      cells: (e) => [String(e.seq), e.time, e.kind, e.operator, e.sessionId, e.user, e.reasonCode, e.ticket ?? '', e.outcome ?? ''],
    },
  );
}

/**
 * The team chain's entries: its own position and the writing device beside each local entry's
 * fields (and the local position and hash it witnesses, in CSV and JSON).
 */
export function formatTeamLedger(entries: TeamEntry[], format: string): string {
  const columns = ['seq', 'device', 'localSeq', 'localHash', 'time', 'kind', 'operator', 'principal', 'connection', 'sessionId', 'user', 'reasonCode', 'note', 'ticket', 'outcome', 'blacklist', 'error', 'hash'] as const;
  const flat = (e: TeamEntry): Partial<Record<(typeof columns)[number], string>> => ({
    ...e.entry,
    principal: e.entry.principal ? ('arn' in e.entry.principal ? e.entry.principal.arn : `local:${e.entry.principal.osUser}`) : undefined,
    seq: String(e.seq),
    device: e.device,
    localSeq: String(e.entry.seq),
    localHash: e.entry.hash,
    hash: e.hash,
  });
  return formatRows(
    entries,
    format,
    { columns, cell: (e, c) => flat(e)[c] },
    {
      header: ['SEQ', 'TIME', 'KIND', 'OPERATOR', 'DEVICE', 'SESSION', 'USER', 'REASON', 'TICKET', 'OUTCOME'],
      cells: (e) => [String(e.seq), e.entry.time, e.entry.kind, e.entry.operator, e.device.slice(0, 8), e.entry.sessionId, e.entry.user, e.entry.reasonCode, e.entry.ticket ?? '', e.entry.outcome ?? ''],
    },
  );
}

/** `ledger verify`: the local chain's line, and the team chain's when one was checked. */
export function formatVerify(report: VerifyReport & { team?: TeamVerify }): string {
  const local =
    report.brokenAt === undefined
      ? `ledger intact: ${report.verifiedEntries} entries verified`
      : `ledger BROKEN at entry ${report.brokenAt}: ${report.reason ?? ''} (${report.verifiedEntries} entries verified before it)`;
  const t = report.team;
  if (!t) return local;
  const how = t.full ? `read in full (${t.read} entries)` : `${t.read} entr${t.read === 1 ? 'y' : 'ies'} read since the last verification`;
  const team = t.ok
    ? `team ledger (${t.label}) intact: ${t.entries} entries, ${how}; this desk's entries all present${t.pending > 0 ? `, ${t.pending} still pending delivery` : ''}`
    : `team ledger (${t.label}) BROKEN at entry ${t.brokenAt ?? '?'}: ${t.reason ?? ''}`;
  return `${terminalSafe(local)}\n${terminalSafe(team)}`;
}

/** `blacklist check`: the gaps, and after `--repair` what became of each. */
export function formatCoverage(report: CoverageReport, format: string): string {
  if (format === 'json') return JSON.stringify(report, null, 2);
  const n = (k: number, one: string, many: string) => `${k} ${k === 1 ? one : many}`;
  const head =
    report.gaps.length === 0
      ? `blacklist covers all ${n(report.checked, 'revoked session', 'revoked sessions')} still alive`
      : `${n(report.gaps.length, 'gap', 'gaps')} in the blacklist among ${n(report.checked, 'revoked session', 'revoked sessions')} still alive`;
  if (report.gaps.length === 0) return head;
  const fate = new Map((report.repaired ?? []).map((r) => [r.id, r.error ? `${r.blacklist}: ${r.error}` : r.blacklist]));
  return `${head}\n${table(
    ['SESSION', 'USER', 'PROBLEM', 'KEY TTL', 'SESSION LEFT', 'EXPIRES', ...(report.repaired ? ['REPAIR'] : [])],
    report.gaps.map((g) => [
      g.id,
      g.user,
      g.problem === 'missing' ? 'revoked:<id> missing' : 'key expires first',
      g.ttlSeconds === null ? '-' : `${g.ttlSeconds} s`,
      `${g.neededSeconds} s`,
      g.expiresAt,
      ...(report.repaired ? [fate.get(g.id) ?? ''] : []),
    ]),
  )}`;
}

/** `ledger init`: what is there now. */
export function formatInit(made: TeamLedgerInit): string {
  if (made.kind === 'redis') return `team ledger: Redis stream ${terminalSafe(made.name)} (created with its first entry); server persistence: ${made.durability}`;
  return `team ledger table ${terminalSafe(made.name)} ${made.created ? 'created (on-demand billing)' : 'already exists'}; ${made.durability}`;
}

/** `sessions revoke --all-matching --dry-run`: how many active sessions match, per user and per profile. */
export function formatMatching(found: { sessions: readonly Session[]; digest: string; byUser: { name: string; count: number }[]; byProfile: { name: string; count: number }[] }, format: string): string {
  const total = found.sessions.length;
  if (format === 'json') return JSON.stringify({ total, digest: found.digest, byUser: found.byUser, byProfile: found.byProfile, ids: found.sessions.map((s) => s.id) }, null, 2);
  const rows = (counts: { name: string; count: number }[]) => counts.map((c) => [c.name, String(c.count)]);
  return [
    `${total} active session${total === 1 ? '' : 's'} match (dry run: nothing was revoked). Digest ${found.digest} (--expect-digest).`,
    '',
    table(['USER', 'SESSIONS'], rows(found.byUser)),
    '',
    table(['PROFILE', 'SESSIONS'], rows(found.byProfile)),
  ].join('\n');
}

/** Lines shown of who is fully closed when; the ledger's outcome entries have every session's `closedAt`. */
const CLOSING_LINES = 20;

/** Per user, when the last of their revoked sessions is fully closed (`alice: fully closed at …`). */
function closingLines(results: Pick<RevokeReport, 'results'>['results'], nowMs: number): string {
  const closing = closingByUser(results);
  if (closing.length === 0) return '';
  const lines = closing.slice(0, CLOSING_LINES).map((c) => `  ${terminalSafe(closingLine(c, nowMs))}`);
  const more = closing.length > CLOSING_LINES ? [`  … and ${closing.length - CLOSING_LINES} more user(s): each in the run's evidence (fully_closed_at)`] : [];
  return ['Fully closed (the last already-issued credential stops working):', ...lines, ...more].join('\n');
}

/** Until when credentials already issued for the revoked sessions can be used: exact when the store said. */
function credentialsLine(results: Pick<RevokeReport, 'results'>['results']): string {
  const revoked = results.filter((r) => r.outcome === 'revoked' || r.outcome === 'already_revoked');
  if (!results.some((r) => r.outcome === 'revoked')) return '';
  // A store the app checks on every request: closed by the revocation itself (no credential lives on).
  if (revoked.every((r) => r.credentialsUntil === undefined && r.closedAt !== undefined)) return 'Each session is refused from its next request: nothing issued stays usable.';
  const times = revoked.map((r) => (r.credentialsUntil ? Date.parse(r.credentialsUntil) : NaN));
  // One session without a time makes "the latest" unknown: never report an end that may be early.
  if (times.some((t) => !Number.isFinite(t))) return 'Credentials already issued stay valid until they expire (Sentinel default: 15 minutes).';
  return `Credentials already issued can be used until ${new Date(Math.max(...times)).toISOString()} at the latest (15 minutes after the revocation).`;
}
