import { SENTINEL_CREDENTIAL_LIFETIME_MS } from '../../src-shared/credentials';
import { defaultIdentityMap, deriveName, type IdentityMap } from '../../src-shared/identity';
import { MAX_PERSON_SESSIONS, type PersonGroup } from '../../src-shared/people';
import type { Session } from '../../src-shared/session';
import type { SessionStatus } from '../../src-shared/session';
import type { Ledger } from '../ledger/ledger';
import { sessionPages, type SessionStore } from '../session-store';
import { epochMillis } from '../stores/exact-time';
import { WardenError } from '../errors';
import { revocableAt } from '../revocation/expiry-grace';
import type { EmailUsers } from '../web-sessions/redis-session-store';

/** The kinds a person is searched in (the demo is a Sentinel table). */
export type PersonStoreKind = 'dynamodb' | 'redis' | 'postgres' | 'demo';

/** What a group says about the person in one store, before the heading and timing are added. */
export type PersonFinding = Pick<PersonGroup, 'state' | 'identity' | 'problem' | 'counts' | 'lastActivityAt' | 'exposure' | 'sessions' | 'more'>;

const NOTHING: Pick<PersonFinding, 'counts' | 'lastActivityAt' | 'exposure' | 'sessions' | 'more'> = {
  counts: { active: 0, revoked: 0, expired: 0 },
  lastActivityAt: null,
  exposure: { live: false, until: null },
  sessions: [],
  more: false,
};

/**
 * How each kind of store is searched for one person. Sentinel and PostgreSQL index sessions by
 * user (every status); a web app's Redis indexes only live ones (`user_sessions:<userId>`), and
 * revoked ones are found through the revocations this desk recorded in its ledger (never a scan).
 */
interface KindRule {
  /** Why a key cannot be used here, or null. */
  refuses(key: IdentityMap['key']): string | null;
  /** Revoked credentials stay usable for their lifetime after revocation (Sentinel's AWS credentials). */
  residualCredentials: boolean;
  /** The store's user index holds only live sessions: revoked ones come from the ledger. */
  liveIndexOnly: boolean;
}

const SENTINEL_RULE: KindRule = {
  refuses: (key) => (key === 'email' ? 'Sentinel sessions carry no e-mail: name people here by their user name (an identity rule with key "user", such as {local})' : null),
  residualCredentials: true,
  liveIndexOnly: false,
};

const RULES: Record<PersonStoreKind, KindRule> = {
  demo: SENTINEL_RULE,
  dynamodb: SENTINEL_RULE,
  redis: { refuses: () => null, residualCredentials: false, liveIndexOnly: true },
  postgres: { refuses: () => null, residualCredentials: false, liveIndexOnly: false },
};

export interface PersonSearch {
  store: SessionStore;
  kind: PersonStoreKind;
  /** The connection's identity map; absent: the kind's default. */
  identity?: IdentityMap | undefined;
  person: string;
  /** The desk's ledger for this kind and the connection's name in it (revoked web sessions are found there). */
  ledger?: Pick<Ledger, 'entries'> | undefined;
  ledgerConnection?: string | undefined;
  now?: number;
  /**
   * How long a search that must read a whole index (a web Redis by e-mail: every user's set) may
   * take before it stops and says it is incomplete; `clock` for tests. Absent: no bound.
   */
  budget?: { ms: number; clock?: () => number } | undefined;
}

/** The person in one store: their sessions of every status, counted exactly, or why not. */
export async function searchPerson(search: PersonSearch): Promise<PersonFinding> {
  const { store, kind, person } = search;
  const rule = RULES[kind];
  const map = search.identity ?? defaultIdentityMap(kind === 'demo' ? 'dynamodb' : kind);
  const derived = deriveName(map, person);
  if (!derived.ok) return { state: 'cannot-derive', identity: null, problem: derived.problem, ...NOTHING };
  const identity = { key: map.key, name: derived.name, rule: `${map.key}: ${map.template}${map.lowercase === true ? ' (lowercase)' : ''}` };
  const refused = rule.refuses(map.key);
  if (refused) return { state: 'cannot-derive', identity, problem: refused, ...NOTHING };

  // By e-mail in a web store: every user id whose live sessions carry it (an e-mail may sit on two ids: both are the person).
  const clock = search.budget?.clock ?? Date.now;
  const budget = search.budget ? { deadline: clock() + search.budget.ms, clock } : undefined;
  const byEmail = rule.liveIndexOnly && map.key === 'email' ? await usersOfEmail(store, derived.name, budget) : null;
  const users = byEmail ? byEmail.users : [derived.name];
  const statuses: SessionStatus[] | 'any' = rule.liveIndexOnly ? ['active', 'expired'] : 'any';
  const found = new Map<string, Session>();
  const unreadable = { count: 0 };
  for (const user of users) for await (const page of sessionPages(store, { status: statuses, user }, 500, unreadable)) for (const s of page) found.set(s.id, s);
  if (rule.liveIndexOnly) {
    for (const s of await revokedFromLedger(search, map.key === 'user' ? derived.name : null, theirsBy(map.key, derived.name))) if (!found.has(s.id)) found.set(s.id, s);
  }
  const finding = summarise([...found.values()], identity, rule, search.now ?? Date.now());
  if (unreadable.count > 0) {
    const n = unreadable.count;
    return {
      ...finding,
      state: 'incomplete',
      problem: `${n.toLocaleString('en-US')} ${n === 1 ? 'entry' : 'entries'} of ${derived.name}'s session index ${n === 1 ? 'does' : 'do'} not read as a session (an id of another shape, or a record that is not a session): Session Warden can neither count nor revoke ${n === 1 ? 'it' : 'them'}; look at the store directly`,
    };
  }
  if (!byEmail || (byEmail.complete && byEmail.undecided === 0)) return finding;
  if (byEmail.complete) {
    const n = byEmail.undecided;
    return {
      ...finding,
      state: 'incomplete',
      problem: `${n.toLocaleString('en-US')} user ${n === 1 ? 'index holds' : 'indexes hold'} (user_sessions:*) only records that do not read as web sessions with an e-mail; incomplete: they may be ${derived.name}'s (search by user id, or open the connection in Sessions)`,
    };
  }
  // Cut short: what was found is listed and counted, never "none".
  const seconds = Math.round((search.budget?.ms ?? 0) / 1000);
  const keys = byEmail.storeKeys === null ? '' : ` in a store of ${byEmail.storeKeys.toLocaleString('en-US')} keys`;
  return {
    ...finding,
    state: 'incomplete',
    problem: `searched ${byEmail.indexesRead.toLocaleString('en-US')} user indexes (user_sessions:*)${keys} before the ${seconds} s budget ran out; incomplete: ${derived.name} may have sessions in the indexes not read (search by user id, or open the connection in Sessions)`,
  };
}

/**
 * Every live session of the person in one store, read at this moment across every page (what a
 * "revoke everywhere" revokes, not only the sessions a search listed): by the identity map's name,
 * each checked to be theirs. Throws VALIDATION where the name cannot be derived or used.
 */
export async function liveSessionsOf(search: Pick<PersonSearch, 'store' | 'kind' | 'identity' | 'person'>, unreadable?: { count: number }, clock: () => number = Date.now): Promise<Session[]> {
  const { store, kind, person } = search;
  const rule = RULES[kind];
  const map = search.identity ?? defaultIdentityMap(kind === 'demo' ? 'dynamodb' : kind);
  const derived = deriveName(map, person);
  if (!derived.ok) throw new WardenError('VALIDATION', derived.problem);
  const refused = rule.refuses(map.key);
  if (refused) throw new WardenError('VALIDATION', refused);
  const users = rule.liveIndexOnly && map.key === 'email' ? (await usersOfEmail(store, derived.name)).users : [derived.name];
  const theirs = theirsBy(map.key, derived.name);
  const found = new Map<string, Session>();
  // Those past their expiry by less than the grace too, as revoking all of a user does: the
  // store's clock may be behind ours, and the write decides by the store's own record.
  const nowMs = clock();
  for (const user of users) {
    for await (const page of sessionPages(store, { status: ['active', 'expired'], user }, 500, unreadable)) for (const s of page) if (theirs(s) && revocableAt(s, nowMs)) found.set(s.id, s);
  }
  return [...found.values()];
}

/** Whether a session is the person's named `name` by `key` (e-mails ignoring case, as the default rule lower-cases). */
export function theirsBy(key: IdentityMap['key'], name: string): (s: Session) => boolean {
  const wanted = name.toLowerCase();
  return key === 'email' ? (s) => (s.email ?? '').toLowerCase() === wanted : (s) => s.user === name;
}

/**
 * A web user's id from the e-mail their live sessions carry, through the store's index of users
 * with live sessions (the user directory's source), never a scan of sessions. A person with no
 * live session there is not found by e-mail.
 */
async function usersOfEmail(store: SessionStore, email: string, budget?: { deadline: number; clock: () => number }): Promise<EmailUsers> {
  if (hasEmailIndex(store)) return store.usersWithEmail(email, budget);
  const wanted = email.toLowerCase();
  const users = await store.activeUsers();
  return { users: users.filter((u) => u.emails.some((e) => e.toLowerCase() === wanted)).map((u) => u.user), complete: true, indexesRead: users.length, storeKeys: null, undecided: 0 };
}

/** A store that reads its user indexes for an e-mail itself, within a budget (the web app's Redis). */
interface EmailIndex {
  usersWithEmail(email: string, budget?: { deadline: number; clock: () => number }): Promise<EmailUsers>;
}

function hasEmailIndex(store: SessionStore): store is SessionStore & EmailIndex {
  return typeof (store as Partial<EmailIndex>).usersWithEmail === 'function';
}

/**
 * Sessions this desk revoked on this connection (its ledger's outcomes) that are the person's, read
 * back from the store in batches: a web app drops a revoked session from its user's index, and a
 * user with no live session left is in no index at all. `user`: only that user's entries (by id);
 * null (by e-mail): every revocation of the connection is read and matched by `theirs`.
 */
async function revokedFromLedger(search: PersonSearch, user: string | null, theirs: (s: Session) => boolean): Promise<Session[]> {
  const { ledger, ledgerConnection, store } = search;
  if (!ledger || ledgerConnection === undefined || !store.getMany) return [];
  const ids = new Set<string>();
  for await (const entry of ledger.entries()) {
    if (entry.kind !== 'outcome' || entry.connection !== ledgerConnection || (user !== null && entry.user !== user)) continue;
    if (entry.outcome === 'revoked' || entry.outcome === 'already_revoked') ids.add(entry.sessionId);
  }
  const all = [...ids];
  const sessions: Session[] = [];
  for (let i = 0; i < all.length; i += LEDGER_READ_BATCH) {
    const read = await store.getMany(all.slice(i, i + LEDGER_READ_BATCH));
    for (const s of read.values()) if (theirs(s)) sessions.push(s);
  }
  return sessions;
}

const LEDGER_READ_BATCH = 1000;

const STATUS_ORDER: Record<SessionStatus, number> = { active: 0, revoked: 1, expired: 2 };

function summarise(sessions: Session[], identity: NonNullable<PersonFinding['identity']>, rule: KindRule, now: number): PersonFinding {
  if (sessions.length === 0) return { state: 'none', identity, ...NOTHING };
  const counts = { active: 0, revoked: 0, expired: 0 };
  let last: number | null = null;
  let residual: number | null = null;
  for (const s of sessions) {
    counts[s.status] += 1;
    const access = epochMillis(s.lastAccessAt);
    if (access !== null && (last === null || access > last)) last = access;
    if (s.status === 'revoked' && rule.residualCredentials) {
      // Credentials fetched just before the revocation live their whole lifetime after it.
      const revoked = epochMillis(s.revokedAt) ?? epochMillis(s.updatedAt);
      const until = revoked === null ? null : revoked + SENTINEL_CREDENTIAL_LIFETIME_MS;
      if (until !== null && until > now && (residual === null || until > residual)) residual = until;
    }
  }
  // Live sessions first (what a revocation is confirmed for), each status newest first.
  const ordered = sessions.sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status] || (epochMillis(b.createdAt) ?? 0) - (epochMillis(a.createdAt) ?? 0));
  const live = counts.active > 0;
  return {
    state: 'found',
    identity,
    counts,
    lastActivityAt: last === null ? null : new Date(last).toISOString(),
    exposure: { live, until: live || residual === null ? null : new Date(residual).toISOString() },
    sessions: ordered.slice(0, MAX_PERSON_SESSIONS),
    more: ordered.length > MAX_PERSON_SESSIONS,
  };
}
