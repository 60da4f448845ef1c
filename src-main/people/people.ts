import { performance } from 'node:perf_hooks';
import type { ParsedRequestOf, ResponseOf } from '../../src-shared/contract';
import { defaultIdentityMap, deriveName } from '../../src-shared/identity';
import type { PeopleFindResponse, PeopleRevokeGroup, PeopleRevokeResponse, PersonGroup } from '../../src-shared/people';
import { MAX_REVOKE_IDS, type RevokeReport, type RevokeResult } from '../../src-shared/revocation';
import type { Session } from '../../src-shared/session';
import { WardenError } from '../errors';
import { storeFailureReason } from '../ipc/store-failure';
import { Ledger } from '../ledger/ledger';
import { formatErrorForLog } from '../log-format';
import { saveRunEvidence } from '../revocation/evidence';
import type { SessionStore } from '../session-store';
import { storeKind } from '../stores/registry';
import { openWorkspace, type Workspace } from '../workspace';
import { DEMO_REF, ledgerOf, targetOf, within, type PeopleConnections, type PeopleTarget } from './people-connections';
import { liveSessionsOf, searchPerson, theirsBy, type PersonFinding } from './person-search';

export interface PeopleOptions {
  /** How long one connection may take to open and answer a search (default 10 s): then it is `unreachable`, the others still answer. */
  timeoutMs?: number;
  /**
   * How long a search that reads a whole index (a web Redis by e-mail) may take before it stops
   * and says it is incomplete (default 70% of `timeoutMs`, leaving the rest for what follows).
   */
  scanBudgetMs?: number;
  clock?: () => number;
}

const NO_EVENTS = { emit: () => undefined };

/** Where a revocation's runs are recorded against an incident (incidents.ts). */
export interface RunRecorder {
  record(incident: string, person: string, runs: { connection: string; run: string }[]): Promise<void>;
  /** Refuses (VALIDATION) an incident already pinned to another person, before anything is revoked. */
  check(incident: string, person: string): Promise<void>;
}

/**
 * Incident mode in main (issue 18): one person searched and revoked across saved connections, in
 * parallel, each with its own credentials and guards. The active connection's workspace is
 * reused; another connection is opened for the search alone (its store), or for a revocation as a
 * quiet workspace (its revoker, blacklist mirror and ledger; no background work) closed right after.
 */
export class People {
  readonly #connections: PeopleConnections;
  readonly #timeoutMs: number;
  readonly #scanBudgetMs: number;
  readonly #clock: () => number;
  #recorder: RunRecorder | null = null;

  constructor(connections: PeopleConnections, options: PeopleOptions = {}) {
    this.#connections = connections;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#scanBudgetMs = options.scanBudgetMs ?? Math.round(this.#timeoutMs * 0.7);
    this.#clock = options.clock ?? Date.now;
  }

  /** Where revocations with an incident reference are recorded. */
  recordRunsWith(recorder: RunRecorder): void {
    this.#recorder = recorder;
  }

  async find({ person, connections }: ParsedRequestOf<'people:find'>): Promise<PeopleFindResponse> {
    const searchedAt = new Date(this.#clock()).toISOString();
    // Every connection named must exist before anything is read: a stale selection is said once.
    const targets = await Promise.all(connections.map((ref) => targetOf(this.#connections, ref)));
    const groups = await Promise.all(targets.map((target) => this.#findIn(target, person)));
    return { person, searchedAt, groups };
  }

  async #findIn(target: PeopleTarget, person: string): Promise<PersonGroup> {
    const started = performance.now();
    const took = () => Math.round((performance.now() - started) * 10) / 10;
    const search = (store: SessionStore, ledger: Pick<Ledger, 'entries'>) =>
      searchPerson({ store, kind: target.kind, identity: target.identity, person, ledger, ledgerConnection: target.ledgerName, now: this.#clock(), budget: { ms: this.#scanBudgetMs } });
    const what = `"${target.heading.name}"`;
    try {
      let finding: PersonFinding;
      if (this.#onActive(target)) {
        finding = await within(this.#timeoutMs, this.#connections.onActive((workspace) => search(storeOf(workspace), workspace.ledger)), what);
      } else if (target.ref === DEMO_REF) {
        throw new WardenError('STORE_UNAVAILABLE', 'the embedded demo store runs only while it is the active connection: switch to it to search it');
      } else {
        const saved = target.saved as NonNullable<PeopleTarget['saved']>;
        const opening = storeKind(target.store).open(target.store, this.#connections.secretsOf(saved), { readOnly: saved.readOnly });
        const work = opening.then(async (opened) => {
          try {
            return await search(opened.store, ledgerOf(target));
          } finally {
            await opened.close().catch(() => undefined);
          }
        });
        try {
          finding = await within(this.#timeoutMs, work, what);
        } catch (error) {
          // A store that hangs is closed, so its client stops retrying (and what it waits on fails).
          void opening.then((opened) => opened.close()).catch(() => undefined);
          throw error;
        }
      }
      return { connection: target.heading, ...finding, tookMs: took() };
    } catch (error) {
      return { connection: target.heading, state: 'unreachable', identity: null, problem: why(error), counts: { active: 0, revoked: 0, expired: 0 }, lastActivityAt: null, exposure: { live: false, until: null }, sessions: [], more: false, tookMs: took() };
    }
  }

  /**
   * Revokes each target's confirmed sessions through that connection's own revoker and ledger, all
   * connections at once; one connection's refusal or failure never stops the others. Retry is the
   * same call with only what failed.
   */
  async revoke(request: ParsedRequestOf<'people:revoke'>): Promise<PeopleRevokeResponse> {
    const { person, targets, incident, reasonCode, note, ticket } = request;
    if (incident !== undefined) await this.#recorder?.check(incident, person);
    const resolved = await Promise.all(targets.map((t) => targetOf(this.#connections, t.connection)));
    // The incident goes into each connection's ledger (chained, unlike incidents.json): as the ticket,
    // or, beside another ticket, at the head of the note.
    const withIncident = incident !== undefined && ticket !== undefined && ticket !== incident ? `incident ${incident}${note ? `; ${note}` : ''}`.slice(0, 2000) : note;
    const ledgerTicket = ticket ?? incident;
    const reason = { reasonCode, ...(withIncident !== undefined ? { note: withIncident } : {}), ...(ledgerTicket !== undefined ? { ticket: ledgerTicket } : {}) };
    const outcomes = await Promise.all(
      targets.map((t, i) => this.#revokeIn(resolved[i] as PeopleTarget, t, person, reason)),
    );
    const groups = outcomes.map((o) => o.group);
    const operators = [...new Set(outcomes.map((o) => o.operator).filter((o): o is string => o !== undefined))];
    let incidentProblem: string | undefined;
    if (incident !== undefined && this.#recorder) {
      const runs = groups.filter((g) => g.run !== undefined).map((g) => ({ connection: g.connection.id, run: g.run as string }));
      // What was revoked stays revoked and reported: a failure to note the runs on the incident is said, not thrown.
      try {
        await this.#recorder.record(incident, person, runs);
      } catch (error) {
        // Reached when incidents.json cannot be written after the pin check read it (another writer holding its lock past the wait, a full disk).
        const where = ledgerTicket === incident ? `ticket ${incident}` : `note "incident ${incident}"`;
        incidentProblem = `the revocations are done and in each connection's ledger (${where}), but they could not be added to incident ${incident}: ${error instanceof Error ? error.message : String(error)}. The incident view will not list them. Find them in Audit by searching ${incident}.`;
      }
    }
    return { person, ...(incident !== undefined ? { incident } : {}), ...(incidentProblem !== undefined ? { incidentProblem } : {}), operator: operators.join(', '), groups };
  }

  async #revokeIn(target: PeopleTarget, confirmed: ParsedRequestOf<'people:revoke'>['targets'][number], person: string, reason: Pick<ParsedRequestOf<'people:revoke'>, 'reasonCode' | 'note' | 'ticket'>): Promise<{ group: PeopleRevokeGroup; operator?: string }> {
    const { fingerprint, ids, everyLive, confirmedCount } = confirmed;
    const connection = target.heading;
    const refused = (problem: string) => ({ group: { connection, state: 'refused' as const, problem, results: [] } });
    if (fingerprint !== connection.fingerprint) {
      return refused(`"${connection.name}" was changed in Connections since ${person} was searched: nothing was revoked there. Search again and confirm.`);
    }
    if (connection.readOnly) return refused(`"${connection.name}" is read-only (auditor mode): revocations are refused, nothing was revoked there.`);
    const revokeThere = async (workspace: Workspace) => {
      const info = await workspace.handlers['app:info'](undefined, NO_EVENTS);
      const store = storeOf(workspace);
      // What is read before any write: a failure here (a store that stops answering) revoked nothing.
      const reading = async () => {
        const named = await namedSessions(store, ids);
        const unreadable = { count: 0 };
        // Every live session of the person, read now across every page: a search lists at most 500.
        const live = everyLive === true ? await liveSessionsOf({ store, kind: target.kind, identity: target.identity, person }, unreadable) : [];
        return { named, live, unreadable };
      };
      const { named, live, unreadable } = await reading().catch((error: unknown) => {
        if (isRefusal(error)) throw error;
        throw new WardenError('STORE_UNAVAILABLE', `reading ${person}'s sessions in "${connection.name}" failed (${why(error)}): nothing was revoked there.`);
      });
      const stranger = notThePersons(named, target, person);
      if (stranger) return refused(`session ${stranger.id} in "${connection.name}" is not ${person}'s (it belongs to ${JSON.stringify(stranger.user)}): nothing was revoked there. Search again and confirm.`);
      const sessions = new Map([...named, ...live].map((x) => [x.id, x] as const));
      const all = [...new Set([...ids, ...live.map((x) => x.id)])];
      if (all.length > MAX_REVOKE_IDS) return refused(`${person} has ${all.length.toLocaleString('en-US')} live sessions in "${connection.name}", more than one revocation carries (${MAX_REVOKE_IDS.toLocaleString('en-US')}): nothing was revoked there. Revoke them in parts from Sessions (filter by user).`);
      const report = await workspace.handlers['sessions:revoke']({ ids: all, ...reason, connection: { id: info.connection.id, nonce: info.connection.nonce } }, NO_EVENTS);
      // Live now beyond what was confirmed (begun since the search); not those just past their expiry, revoked within the grace.
      const liveNow = new Set([...ids, ...live.filter((x) => x.status === 'active').map((x) => x.id)]).size;
      const beyond = everyLive === true && confirmedCount !== undefined && liveNow > confirmedCount ? { beyondConfirmed: liveNow - confirmedCount } : {};
      const group = { ...settled(connection, asNamedHere(report, sessions, target)), ...beyond };
      if (unreadable.count === 0) return { group, operator: report.operator };
      // Entries of the person's index that do not read as sessions were not revoked: never "done".
      const n = unreadable.count;
      const skipped = `${n.toLocaleString('en-US')} ${n === 1 ? 'entry' : 'entries'} of ${person}'s session index ${n === 1 ? 'does' : 'do'} not read as a session and ${n === 1 ? 'was' : 'were'} not revoked: look at the store directly`;
      return { group: { ...group, state: 'failed' as const, problem: group.problem ? `${group.problem}; ${skipped}` : skipped }, operator: report.operator };
    };
    try {
      if (this.#onActive(target)) return await this.#connections.onActive(revokeThere);
      if (target.ref === DEMO_REF) return refused('the embedded demo store runs only while it is the active connection: switch to it to revoke there.');
      const opening = this.#openQuiet(target);
      const workspace = await within(this.#timeoutMs, opening, `"${connection.name}"`).catch((error: unknown) => {
        void opening.then((late) => late.close()).catch(() => undefined);
        throw error;
      });
      try {
        return await revokeThere(workspace);
      } finally {
        await workspace.close().catch(() => undefined);
      }
    } catch (error) {
      if (isRefusal(error)) return refused(error.message);
      return { group: { connection, state: 'failed', problem: why(error), results: [] } };
    }
  }

  /**
   * Whether the active workspace is the one to use: the target is the active connection, opened
   * from the definition the target was read from (edited since, the heading and fingerprint would
   * describe one store while the old opening searched or revoked in another).
   */
  #onActive(target: PeopleTarget): boolean {
    if (target.ref !== this.#connections.activeId()) return false;
    const opened = this.#connections.activeFingerprint();
    return opened === null || opened === target.heading.fingerprint;
  }

  /** A non-active connection's workspace for one revocation: its revoker, blacklist and ledger, no background work. */
  async #openQuiet(target: PeopleTarget): Promise<Workspace> {
    const saved = target.saved as NonNullable<PeopleTarget['saved']>;
    const { version, dataDir, desktop } = this.#connections;
    const { name, environment, readOnly, requireTicket, store, canary } = saved;
    return openWorkspace(version, dataDir, { id: target.ref, name, environment, readOnly, requireTicket, store, canary, secrets: this.#connections.secretsOf(saved) }, desktop, { background: false });
  }

  /** One evidence CSV over the runs of every connection (each row names its connection). */
  async evidence({ runs }: ParsedRequestOf<'people:evidence'>): Promise<ResponseOf<'evidence:save'>> {
    const paths = new Set<string>();
    for (const ref of new Set(runs.map((r) => r.connection))) paths.add((await targetOf(this.#connections, ref)).ledgerPath);
    if (paths.size > 1) throw new WardenError('VALIDATION', "The demo store's revocations are kept apart from real ones: save the demo's evidence on its own.");
    const [path] = [...paths] as [string];
    return saveRunEvidence(new Ledger(path), [...new Set(runs.map((r) => r.run))], this.#connections.desktop.chooseSavePath);
  }
}

/** The group of a revocation that ran: `failed` while any session's outcome is (retry those). */
function settled(connection: PeopleRevokeGroup['connection'], report: RevokeReport): PeopleRevokeGroup {
  const failed = report.results.filter((r: RevokeResult) => r.outcome === 'failed');
  if (failed.length === 0) return { connection, state: 'done', run: report.run, results: report.results };
  const first = failed[0]?.error ?? 'the store did not take the write';
  return { connection, state: 'failed', problem: `${failed.length} of ${report.results.length} sessions were not revoked: ${first}`, run: report.run, results: report.results };
}

/** The sessions of `ids` the store holds. */
async function namedSessions(store: SessionStore, ids: string[]): Promise<Session[]> {
  return store.getMany ? [...(await store.getMany(ids)).values()] : (await Promise.all(ids.map((id) => store.get(id)))).filter((s): s is Session => s !== null);
}

function mapOf(target: PeopleTarget) {
  return target.identity ?? defaultIdentityMap(target.kind === 'demo' ? 'dynamodb' : target.kind);
}

/** The first of `sessions` that is someone else's, or null. */
function notThePersons(sessions: Session[], target: PeopleTarget, person: string): Session | null {
  const map = mapOf(target);
  const derived = deriveName(map, person);
  if (!derived.ok) throw new WardenError('VALIDATION', derived.problem);
  const theirs = theirsBy(map.key, derived.name);
  return sessions.find((s) => !theirs(s)) ?? null;
}

/**
 * Results with the person as this connection names them: where its identity map names people by
 * e-mail, the session's e-mail (a PostgreSQL user_id is a uuid nobody recognises); the store's
 * user field otherwise. The ledger keeps the store's user field.
 */
function asNamedHere(report: RevokeReport, sessions: ReadonlyMap<string, Session>, target: PeopleTarget): RevokeReport {
  if (mapOf(target).key !== 'email') return report;
  return { ...report, results: report.results.map((r) => ({ ...r, user: sessions.get(r.id)?.email ?? r.user })) };
}

function storeOf(workspace: Workspace): SessionStore {
  if (!workspace.store) throw new WardenError('STORE_UNAVAILABLE', 'the active connection does not expose its store');
  return workspace.store;
}

/** Why a connection could not be used, for the analyst (never a secret: adapters' and socket messages only). */
/** An error that refuses the revocation there (nothing tried), as opposed to a store that failed. */
function isRefusal(error: unknown): error is WardenError {
  return error instanceof WardenError && (error.code === 'READ_ONLY' || error.code === 'CONNECTION_CHANGED' || error.code === 'VALIDATION');
}

function why(error: unknown): string {
  if (error instanceof WardenError) return error.message;
  const reason = storeFailureReason(error);
  if (reason) return `the store could not be used: ${reason}`;
  // The log format masks URLs' credentials; its first line, without the error's class name.
  return (formatErrorForLog(error).split('\n')[0] ?? 'unknown error').replace(/^[A-Za-z]*Error: /, '');
}
