import { randomUUID } from 'node:crypto';
import type { ReasonCode, RevokeReport, RevokeResult, RevokeSessionsRequest, RevokeUsersRequest, UserPreview } from '../../src-shared/revocation';
import type { Principal } from '../../src-shared/principal';
import type { SESSION_OUTCOMES } from '../../src-shared/reason-codes';
import type { LedgerRecord } from '../ledger/ledger-entry';
import type { Ledger } from '../ledger/ledger';
import { formatRfc3339Nano } from '../stores/exact-time';
import type { SessionStore } from '../session-store';
import { BlacklistRefusedError, type BlacklistMirror } from './blacklist';
import { mapConcurrent } from './concurrency';
import { storeFailureReason } from '../ipc/store-failure';
import { revocableAt } from './expiry-grace';
import type { UserDirectory } from '../users/user-directory';

export interface Reason {
  reasonCode: ReasonCode;
  note?: string | undefined;
  ticket?: string | undefined;
}

/** What a store write can come to: every outcome but `not_attempted`, which no write has. */
type SessionOutcome = (typeof SESSION_OUTCOMES)[number];
/** One session's result once attempted: what its outcome entry records. */
type AttemptedResult = RevokeResult & { outcome: SessionOutcome };

/** What one store-specific write did to one session. */
export interface WriteOutcome {
  outcome: SessionOutcome;
  /** The session's user, as the store says (empty when not found). */
  user: string;
  /** When the session expires, for the blacklist TTL; null when unknown. */
  expiresAtMs: number | null;
  /** The reason already stored by an earlier revocation (kept in the blacklist entry). */
  storedReason?: string;
  /** What the operator should know about a revocation that took effect only in part. */
  note?: string;
  /**
   * Revoked sessions: the latest moment credentials already issued can be used (Sentinel). Absent
   * where the app checks the store on every request: the session is closed by the revocation itself.
   */
  credentialsUntilMs?: number | null;
}

/**
 * Revokes one session in one store, atomically, and says what happened. Throws only for store
 * trouble (the attempt is then `failed`). `revokedAt` is the exact time to record.
 */
export interface SessionWriter {
  revoke(id: string, reason: Reason, revokedAt: string, nowMs: number): Promise<WriteOutcome>;
}

export interface RevokerOptions {
  store: SessionStore;
  writer: SessionWriter;
  /** The local ledger (or the team ledger's stamping view of it): only appended to. */
  ledger: Pick<Ledger, 'append'>;
  /** `revoked_by`: decided in main (AWS caller or local OS user), never by the caller. */
  operator: string;
  /** Who `operator` really is (ARN, role, caller-chosen session name), recorded in the ledger. */
  principal?: Principal;
  /** Connection name, for the ledger. */
  connection: string;
  /** Mirror of revocations into a Redis blacklist (DynamoDB connections that have one). */
  blacklist?: BlacklistMirror;
  clock?: () => number;
  /** Sessions revoked at once in bulk work. */
  concurrency?: number;
}

export type ProgressListener = (progress: { done: number; total: number }) => void;

/** How a bulk run may be stopped, and what the caller knows of its sessions. */
export interface RunOptions {
  /**
   * Once aborted, no further session is started: those already started (attempt entry written)
   * finish, store write, blacklist and outcome entry, as usual; the rest are `not_attempted`,
   * recorded nowhere, and the report says `cancelled`.
   */
  signal?: AbortSignal | undefined;
  /** Each session's user as the caller counted it: said for sessions never attempted (nothing was read for them). */
  users?: ReadonlyMap<string, string> | undefined;
}

interface Target {
  id: string;
  /** Known for users:revoke; learned from the store for sessions:revoke. */
  user: string;
  /** The requested name(s) the user was matched from, when they differ from `user`. */
  requested?: string | undefined;
}

/** A requested user with no session revoked, as recorded. */
interface NamedOutcome {
  user: string;
  requested?: string | undefined;
  outcome: 'failed' | 'no_active_sessions' | 'unknown_user';
  error?: string;
}

/**
 * Runs revocations against any store: every attempt and its outcome are in the ledger before the
 * caller hears of them, bulk work reports each session and never stops at the first failure, and
 * running again is safe. The store-specific write is the `SessionWriter`.
 */
export class Revoker {
  readonly #options: Required<Omit<RevokerOptions, 'blacklist' | 'principal'>> & Pick<RevokerOptions, 'blacklist' | 'principal'>;

  constructor(options: RevokerOptions) {
    this.#options = { clock: Date.now, concurrency: 16, ...options };
  }

  get operator(): string {
    return this.#options.operator;
  }

  async revokeSessions(request: RevokeSessionsRequest, onProgress?: ProgressListener, options: RunOptions = {}): Promise<RevokeReport> {
    const targets = [...new Set(request.ids)].map((id) => ({ id, user: '' }));
    const run = randomUUID();
    const results = await this.#revokeAll(targets, request, run, onProgress, options.signal);
    const notAttempted = results.filter((r) => r.outcome === 'not_attempted');
    for (const r of notAttempted) r.user = options.users?.get(r.id) ?? '';
    return { run, results, ...(notAttempted.length > 0 ? { cancelled: true } : {}), operator: this.operator, usersWithoutActiveSessions: [], unlistedUsers: [] };
  }

  /**
   * Every active session of each user, found through the store's per-user index. A user whose
   * sessions could not be listed (throttling, a timeout, set members that are no session ids) is
   * reported with why, never passed over as "no active session", and the others are still revoked.
   */
  async revokeUsers(request: RevokeUsersRequest, onProgress?: ProgressListener): Promise<RevokeReport> {
    const users = [...new Set(request.users)];
    // The names of the operator's list each store user answers (when they differ), and the names
    // the store does not hold: both go into the record, so it covers every requested name.
    const requestedAs = new Map<string, string[]>();
    for (const r of request.requested ?? []) if (r.user !== null) requestedAs.set(r.user, [...(requestedAs.get(r.user) ?? []), r.name]);
    const asked = (user: string): string | undefined => {
      const names = requestedAs.get(user) ?? [];
      return names.length === 0 || (names.length === 1 && names[0] === user) ? undefined : names.join(', ');
    };
    const unknownUsers = [...new Set((request.requested ?? []).filter((r) => r.user === null).map((r) => r.name))];
    const listed = await mapConcurrent(users, 8, async (user) => {
      try {
        return { user, ...(await this.#listActive(user)) };
      } catch (error) {
        return { user, ids: [], problem: `could not list their sessions (${error instanceof Error ? error.message : String(error)}); nothing of theirs was revoked, run again` };
      }
    });
    const targets: Target[] = listed.flatMap(({ user, ids }) => ids.map((id) => ({ id, user, requested: asked(user) })));
    const unlisted = listed.flatMap(({ user, problem }) => (problem ? [{ user, error: problem }] : []));
    const without = listed.filter((l) => l.ids.length === 0 && !l.problem).map((l) => l.user);
    const run = randomUUID();
    const named: NamedOutcome[] = [
      ...unlisted.map(({ user, error }) => ({ user, requested: asked(user), outcome: 'failed' as const, error })),
      ...(request.requested ? without.map((user) => ({ user, requested: asked(user), outcome: 'no_active_sessions' as const })) : []),
      ...unknownUsers.map((name) => ({ user: name, outcome: 'unknown_user' as const, error: 'unknown: no such user in the store' })),
    ];
    const recordFailure = await this.#recordNamed(named, request, run);
    if (recordFailure) for (const entry of unlisted) entry.error += recordFailure;
    const results = await this.#revokeAll(targets, request, run, onProgress);
    return {
      run,
      results,
      operator: this.operator,
      usersWithoutActiveSessions: without,
      unlistedUsers: unlisted,
      ...(request.requested ? { unknownUsers } : {}),
    };
  }

  /**
   * What was done for a requested user with no session revoked is part of the run's record too
   * (audit, evidence): could not be listed (`failed`), nothing live, or unknown to the store; one
   * entry each with no session id. Answers what the operator must be told if even that failed.
   */
  async #recordNamed(named: NamedOutcome[], reason: Reason, run: string): Promise<string | null> {
    if (named.length === 0) return null;
    const { ledger, clock, connection, principal } = this.#options;
    const time = new Date(clock()).toISOString();
    try {
      await ledger.append(
        named.map(({ user, requested, outcome, error }) => ({
          kind: 'outcome',
          time,
          operator: this.operator,
          ...(principal ? { principal } : {}),
          connection,
          run,
          sessionId: '',
          user,
          ...(requested ? { requested } : {}),
          reasonCode: reason.reasonCode,
          ...(reason.note ? { note: reason.note } : {}),
          ...(reason.ticket ? { ticket: reason.ticket } : {}),
          outcome,
          ...(error ? { error } : {}),
        })),
      );
      return null;
    } catch (error) {
      return ` (and the ledger could not record it: ${describe(error)})`;
    }
  }

  /** Ids of a user's active sessions, all pages. */
  async activeSessionIds(user: string): Promise<string[]> {
    return (await this.#listActive(user)).ids;
  }

  /**
   * A user's sessions to revoke: the active ones, and those that expired within the grace (see
   * REVOKE_GRACE_MS: the store's clock and ours may disagree, and skipping a live session is the
   * worse mistake; the write itself decides). `problem` names what the store could not read.
   */
  async #listActive(user: string): Promise<{ ids: string[]; problem?: string }> {
    const { store, clock } = this.#options;
    const ids = new Set<string>();
    const unreadable: string[] = [];
    let unreadableCount = 0;
    const nowMs = clock();
    let cursor: string | undefined;
    do {
      const page = await store.query({ status: ['active', 'expired'], user, limit: 500, ...(cursor ? { cursor } : {}) });
      for (const session of page.sessions) if (revocableAt(session, nowMs)) ids.add(session.id);
      if (page.unreadable) {
        unreadableCount += page.unreadable.count;
        unreadable.push(...page.unreadable.examples.slice(0, Math.max(0, 3 - unreadable.length)));
      }
      cursor = page.nextCursor;
    } while (cursor);
    if (unreadableCount === 0) return { ids: [...ids] };
    const examples = unreadable.map((m) => JSON.stringify(m)).join(', ');
    return {
      ids: [...ids],
      problem:
        unreadableCount === 1
          ? `1 entry of their session list is not a session id (${examples}): it was not revoked; look at it in the store`
          : `${unreadableCount} entries of their session list are not a session id (${examples}): they were not revoked; look at them in the store`,
    };
  }

  /**
   * Revokes with at most `concurrency` store writes in flight. A session's slot is freed once its
   * store (and blacklist) write is done; its outcome entry is fsynced meanwhile, group-committed
   * with the others', and the run answers only when every outcome is in the ledger. Once `signal`
   * is aborted no further session starts (see RunOptions): the ones started finish as usual.
   */
  async #revokeAll(targets: Target[], reason: Reason, run: string, onProgress?: ProgressListener, signal?: AbortSignal): Promise<RevokeResult[]> {
    onProgress?.({ done: 0, total: targets.length });
    let recorded = 0;
    const written = await mapConcurrent(targets, this.#options.concurrency, async (target) => {
      // Checked before anything of the session is written, its attempt entry included: a session
      // is either left wholly untouched (and recorded nowhere) or carried through to its outcome.
      if (signal?.aborted) return { settled: Promise.resolve<RevokeResult>({ id: target.id, user: target.user, outcome: 'not_attempted' }) };
      const outcome = this.#revokeOne(target, reason, run);
      const settled = outcome.then((result) => {
        recorded += 1;
        onProgress?.({ done: recorded, total: targets.length });
        return result;
      });
      // Boxed, so that awaiting the write does not also await the outcome's fsync.
      await outcome.written;
      return { settled };
    });
    return Promise.all(written.map((w) => w.settled));
  }

  #revokeOne(target: Target, reason: Reason, run: string): Promise<AttemptedResult> & { written: Promise<void> } {
    let wrote: () => void = () => undefined;
    const written = new Promise<void>((resolve) => (wrote = resolve));
    const result = this.#revokeAndRecord(target, reason, run, wrote).finally(wrote);
    return Object.assign(result, { written });
  }

  /** One session: attempt entry, blacklist intent, store write, blacklist write (then `wrote`), outcome entry. */
  async #revokeAndRecord(target: Target, reason: Reason, run: string, wrote: () => void): Promise<AttemptedResult> {
    const { ledger, clock, writer } = this.#options;
    const nowMs = clock();
    const revokedAt = formatRfc3339Nano(Math.floor(nowMs / 1000), (nowMs % 1000) * 1_000_000);
    const record = (fields: Partial<LedgerRecord> & Pick<LedgerRecord, 'kind'>): LedgerRecord => ({
      time: new Date(clock()).toISOString(),
      operator: this.operator,
      ...(this.#options.principal ? { principal: this.#options.principal } : {}),
      connection: this.#options.connection,
      run,
      sessionId: target.id,
      user: target.user,
      ...(target.requested ? { requested: target.requested } : {}),
      reasonCode: reason.reasonCode,
      ...(reason.note ? { note: reason.note } : {}),
      ...(reason.ticket ? { ticket: reason.ticket } : {}),
      revokedAt,
      ...fields,
    });

    try {
      await ledger.append([record({ kind: 'attempt' })]);
    } catch (error) {
      return { id: target.id, user: target.user, outcome: 'failed', error: `not attempted: the ledger could not be written (${describe(error)})` };
    }

    // The blacklist write is intended, durably, before the store write: a process killed after the
    // store write (Ctrl-C while the blacklist Redis is slow) leaves it in the outbox, delivered by
    // the next run or the app, instead of a revoked session that enforcement points still accept
    // and that a later "revoke all of this user" no longer finds.
    const blacklist = this.#options.blacklist;
    let intended = true;
    if (blacklist) {
      intended = await blacklist.intend({ id: target.id, reason: reasonText(reason), expiresAtMs: nowMs + INTENT_LIFETIME_MS }).then(
        () => true,
        () => false,
      );
    }

    let result: AttemptedResult;
    let written: WriteOutcome | null = null;
    try {
      if (!intended) throw new Error('not attempted: the blacklist outbox could not be written');
      written = await writer.revoke(target.id, reason, revokedAt, nowMs);
      result = {
        id: target.id,
        user: written.user || target.user,
        outcome: written.outcome,
        ...(written.credentialsUntilMs != null ? { credentialsUntil: new Date(written.credentialsUntilMs).toISOString() } : {}),
        ...closedAtOf(written, nowMs),
        ...(written.note ? { error: written.note } : {}),
      };
    } catch (error) {
      // A failed write may still have landed (a timeout): the intended blacklist entry is kept.
      // A store that went away mid-run is said as an outage (never the client's own words, which
      // may quote a command), so the failed sessions say why and a retry is the obvious next step.
      // A refusal (a ReplyError: NOPERM, WRONGPASS…) keeps Redis' own words, which name the command.
      const outage = error instanceof Error && error.name === 'ReplyError' ? null : storeFailureReason(error);
      result = { id: target.id, user: target.user, outcome: 'failed', error: outage === null ? describe(error) : `the store could not be used: ${outage}` };
    }
    // Nothing to enforce for a session that is gone or over; a failed write stays for the retry rounds.
    if (blacklist && written && (written.outcome === 'not_found' || written.outcome === 'expired')) await blacklist.forget(target.id).catch(() => undefined);
    if (blacklist && !written) blacklist.release(target.id);
    // Revoked now, or before (perhaps by another tool, or by a run whose blacklist write was
    // lost): the blacklist must hold it either way, so running again repairs a missing key.
    if (blacklist && written && (written.outcome === 'revoked' || written.outcome === 'already_revoked')) {
      try {
        result.blacklist = await blacklist.write({
          id: target.id,
          reason: written.storedReason ?? reasonText(reason),
          // Unknown expiry: the minimum blacklist lifetime (one hour) still applies.
          expiresAtMs: written.expiresAtMs ?? this.#options.clock(),
        });
      } catch (error) {
        result.blacklist = 'failed';
        result.error = error instanceof BlacklistRefusedError ? error.message : `the blacklist entry was neither written nor kept for retry (${describe(error)})`;
      }
    }
    wrote();

    try {
      await ledger.append([
        record({
          kind: 'outcome',
          user: result.user,
          outcome: result.outcome,
          ...(result.blacklist ? { blacklist: result.blacklist } : {}),
          ...(result.closedAt ? { closedAt: result.closedAt } : {}),
          ...(result.error ? { error: result.error } : {}),
        }),
      ]);
    } catch (error) {
      // The store changed but the ledger holds only the attempt: the operator must know.
      return { ...result, outcome: 'failed', error: `${result.outcome} in the store, but the ledger could not record the outcome (${describe(error)})` };
    }
    return result;
  }
}

/**
 * When a revoked session is fully closed: when its last already-issued credential stops working
 * (the writer says, for Sentinel), else at the revocation, since the app checks every request (for
 * a session revoked before, by then at the latest). Nothing for a session not revoked.
 */
function closedAtOf(written: WriteOutcome, nowMs: number): { closedAt?: string } {
  if (written.outcome !== 'revoked' && written.outcome !== 'already_revoked') return {};
  return { closedAt: new Date(written.credentialsUntilMs ?? nowMs).toISOString() };
}

/**
 * How long an intended blacklist entry lives when the process dies before the store said when
 * the session expires: longer than any session lifetime we know of (a longer entry only refuses
 * a session that is over anyway).
 */
const INTENT_LIFETIME_MS = 24 * 3600_000;

/** The reason as stored for other tools to read: `<code>: <note>` or `<code>`. */
export function reasonText(reason: Reason): string {
  return reason.note ? `${reason.reasonCode}: ${reason.note}` : reason.reasonCode;
}

export function describe(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

/**
 * For an offboarding list: each requested name matched to the store's user (exactly, or ignoring
 * case, or by e-mail, through the directory), that user's active sessions (counted up to 500,
 * always read from the store, not the cached directory), and for a name the store does not hold,
 * the closest names it does. Reads only.
 */
export async function previewUsers(store: SessionStore, directory: UserDirectory, names: string[], alsoKnown: (user: string) => Promise<boolean> = async () => false): Promise<UserPreview[]> {
  return mapConcurrent([...new Set(names.map((n) => n.trim()))], 8, async (requested) => {
    // The name exactly as typed first, from the store itself (the directory may be 30 s old).
    const direct = await store.query({ status: 'active', user: requested, limit: 500 });
    if (direct.sessions.length > 0) {
      return { requested, user: requested, activeSessions: direct.sessions.length, more: direct.nextCursor !== undefined, known: true, suggestions: [] };
    }
    const found = await directory.lookup(requested);
    if (found.match === 'resolved' && found.user !== undefined) {
      const active = await store.query({ status: 'active', user: found.user, limit: 500 });
      return { requested, user: found.user, ...(found.how ? { how: found.how } : {}), activeSessions: active.sessions.length, more: active.nextCursor !== undefined, known: true, suggestions: [] };
    }
    // Known without live sessions: to the store, or (a web store cannot tell) to our own ledger.
    const known = found.known === true || (found.known === null && (await alsoKnown(requested)));
    return { requested, user: requested, activeSessions: 0, more: false, known, suggestions: known ? [] : found.suggestions };
  });
}
