import { CancellableRuns, CONFIRM_COUNT_ABOVE, matchingSessions, narrows, MatchingRefusedError, type MatchingFilter } from './revocation/matching';
import type { AppInfo } from '../src-shared/contract';
import type { ConfirmedConnection } from '../src-shared/revocation';
import type { TeamLedgerStatus } from '../src-shared/team-ledger';
import type { TeamLedger } from './team-ledger/team-ledger';
import { WardenError } from './errors';
import { Exports } from './export/exports';
import { activitySummary } from './activity/activity-source';
import { AuditIndex } from './ledger/audit-index';
import { TeamAudit } from './team-ledger/team-audit';
import { deviceId } from './team-ledger/device-id';
import { dirname } from 'node:path';
import { pageOfAuditRows } from './ledger/audit-rows';
import { WORKSPACE_CHANNELS, type WorkspaceChannel } from '../src-shared/contract';
import { handlerTable, type Emit, type Handler, type WorkspaceHandlerTable } from './ipc/dispatch';
import { storeUnavailable } from './ipc/store-failure';
import { saveRunEvidence, type ChooseSavePath } from './revocation/evidence';
import type { ProgressListener } from './revocation/revoker';
import type { Ledger } from './ledger/ledger';
import { previewUsers, type Revoker } from './revocation/revoker';
import { mapConcurrent } from './revocation/concurrency';
import { UserWatch } from './watch/user-watch';
import type { SessionStore } from './session-store';
import type { StoreAuditLog } from './stores/store-kind';
import { UserDirectory } from './users/user-directory';
import type { BlacklistCoverageService } from './revocation/blacklist-coverage';
import type { RevocationWatch } from './proof/revocation-watch';
import type { CanaryRunner } from './proof/canary-runner';
import { CANARY_DEFAULT_THRESHOLD_MS } from '../src-shared/canary-defaults';
import type { IamDenyService } from './iam/deny-service';

export interface HandlerDependencies {
  store: SessionStore;
  /** Null for a read-only connection: every revocation is refused before anything is touched. */
  revoker: Revoker | null;
  ledger: Ledger;
  /** The connection's name in the ledger (what its revoker records), for the activity view. */
  ledgerConnection: string;
  /** The active connection and operator, decided in main. */
  info: () => AppInfo;
  /** Where evidence files go: the save dialog in the app. */
  chooseSavePath: ChooseSavePath;
  /** Raises a system notification (Electron's Notification in the app). */
  notify: (notification: { title: string; body: string }) => void;
  /** The connection's team ledger (delivery and verification); absent when it keeps none. */
  team?: TeamLedger | undefined;
  /** Blacklist coverage check and repair (`blacklist:coverage`, `blacklist:repair`); absent without a blacklist Redis and on a read-only connection. */
  blacklistCoverage?: BlacklistCoverageService | undefined;
  /** The revocation watch (activity after revocation); absent where it does not run (read-only, or no batched read). */
  watch?: Pick<RevocationWatch, 'state'> | undefined;
  /** New sessions of watched users (`watch:set`); the workspace's, stopped when it closes. Absent in hand-built tables: one of their own. */
  userWatch?: UserWatch | undefined;
  /** The store's own audit log (`audit:store`); absent when it keeps none. */
  storeAudit?: StoreAuditLog | undefined;
  /** The enforcement canary (`canary:run`, `canary:history`); absent in hand-built tables: runs refused, history says unsupported. */
  canary?: Pick<CanaryRunner, 'run' | 'history'> | undefined;
  /** Denying credentials already issued to revoked sessions (`iam:*`); absent where revocation leaves none valid. */
  iamDeny?: IamDenyService | undefined;
}

const NO_TEAM_LEDGER: TeamLedgerStatus = { configured: false };

/**
 * Revocations under way that the operator may stop, for the whole process rather than per
 * workspace: `revoke:cancel` reaches the active workspace, and a run begun on another connection
 * before a switch goes on there; its cancel must still stop it (run ids are random UUIDs).
 */
const matchingRuns = new CancellableRuns();

/**
 * Every workspace channel of the contract, implemented on one connection's services; no Electron
 * in sight. The app channels (connections, blacklist outboxes) are the app's (`createAppHandlers`).
 */
export function createHandlers(deps: HandlerDependencies): WorkspaceHandlerTable {
  // Whatever the renderer sends, a read-only connection has no revoker to reach.
  const revoker = (request: { connection: ConfirmedConnection }): Revoker => {
    if (deps.revoker === null) throw new WardenError('READ_ONLY', 'This connection is read-only (auditor mode): revocations are refused.');
    // Id and nonce, never the name: a saved connection may share the demo's name, and reopening
    // a connection draws a new nonce, so a confirmation from before a switch does not carry over.
    const active = deps.info().connection;
    if (request.connection.id !== active.id || request.connection.nonce !== active.nonce) {
      throw new WardenError('CONNECTION_CHANGED', `The active connection changed (now "${active.name}") since this revocation was confirmed: nothing was revoked. Check the environment and confirm again.`);
    }
    return deps.revoker;
  };
  // A store that is down reaches the operator as STORE_UNAVAILABLE, saying which one: never INTERNAL.
  const storeOf = () => ({ connection: deps.info().connection.name, where: deps.info().connection.table });
  const explained =
    <C extends WorkspaceChannel>(handler: Handler<C>): Handler<C> =>
    async (request, context) => {
      try {
        return await handler(request, context);
      } catch (error) {
        if (error instanceof WardenError) throw error;
        throw storeUnavailable(error, storeOf()) ?? error;
      }
    };
  // Before a revocation writes anything: a store that cannot be reached is said once, with nothing
  // attempted, rather than as the same failure for every session. (One that goes down during the
  // run still fails per session, and the others are still tried.)
  const reachable = async (probe: () => Promise<unknown>): Promise<void> => {
    try {
      await probe();
    } catch (error) {
      const unavailable = storeUnavailable(error, storeOf(), 'Nothing was revoked.');
      if (unavailable) throw unavailable;
    }
  };
  // A read-only connection never opens its blacklist Redis: no check, no repair.
  const coverage = () => {
    const connection = deps.info().connection;
    if (connection.readOnly) throw new WardenError('READ_ONLY', 'This connection is read-only (auditor mode): its blacklist Redis is not opened, so coverage is neither checked nor repaired here.');
    if (!deps.blacklistCoverage) throw new WardenError('VALIDATION', `Connection "${connection.name}" mirrors its revocations to no blacklist Redis: there is no blacklist coverage to check.`);
    return deps.blacklistCoverage;
  };
  // "Revoke all N matching": every page of the store, never the whole store by an empty filter.
  const everyMatching = async (filter: MatchingFilter) => {
    if (!narrows(filter)) throw new WardenError('VALIDATION', 'Revoking everything a filter matches needs a filter (user, profile, server instance, time…): it never means every session of the store.');
    try {
      return await matchingSessions(deps.store, filter);
    } catch (error) {
      if (error instanceof MatchingRefusedError) throw new WardenError('VALIDATION', error.message);
      throw error;
    }
  };
  const iamDeny = (): IamDenyService => {
    if (!deps.iamDeny) throw new WardenError('VALIDATION', `Revoking on this connection (${deps.info().connection.capabilities.sessions}) leaves no issued credentials valid: there is nothing to deny in IAM.`);
    return deps.iamDeny;
  };
  const audit = new AuditIndex(deps.ledger.path);
  let userWatch = deps.userWatch;
  const directory = new UserDirectory(deps.store);
  // Live counts change with every revocation: the next lookup reads the index again.
  const invalidating = <T>(work: Promise<T>): Promise<T> => work.finally(() => directory.invalidate());
  // With a team ledger, Audit, Activity and ledger exports read it (every desk's revocations); the desk's state lives beside its ledger.
  const teamLedger = deps.team;
  const teamAudit = teamLedger ? new TeamAudit(teamLedger.chain, () => deviceId(dirname(deps.ledger.path))) : null;
  const team = teamLedger && teamAudit ? { audit: teamAudit, verify: () => teamLedger.verify() } : undefined;
  const exports = new Exports({ store: deps.store, ledger: deps.ledger, team, info: deps.info, chooseSavePath: deps.chooseSavePath, storeAudit: deps.storeAudit });
  const table: WorkspaceHandlerTable = {
    'app:info': async () => deps.info(),
    'sessions:query': (request) => deps.store.query(request),
    'sessions:get': async ({ id }) => ({ session: await deps.store.get(id) }),
    'sessions:getMany': async ({ ids }) => {
      // One batched read where the store has one; otherwise one read per id, a few at a time.
      const found = deps.store.getMany ? await deps.store.getMany(ids) : await mapConcurrent(ids, 8, (id) => deps.store.get(id));
      return { sessions: found instanceof Map ? [...found.values()] : found.filter((s) => s !== null) };
    },
    'sessions:revoke': async (request, { emit }) => {
      const chosen = revoker(request);
      await reachable(() => deps.store.get(request.ids[0] as string));
      return invalidating(chosen.revokeSessions(request, throttled(emit)));
    },
    'users:revoke': async (request, { emit }) => {
      const chosen = revoker(request);
      // An offboarding run (a list of requested names) is evidence for a ticket: where the
      // connection requires one, a run without it is refused before anything is read or written.
      if (request.requested !== undefined && !request.ticket && deps.info().connection.requireTicket === true) {
        throw new WardenError('VALIDATION', `Connection "${deps.info().connection.name}" requires a ticket for offboarding runs: nothing was revoked. Add the ticket (the HR request) and confirm again.`);
      }
      const someone = request.users[0] ?? request.requested?.[0]?.name;
      if (someone !== undefined) await reachable(() => deps.store.hasUser(someone));
      // A name recorded as unknown must really have nothing live: never "unknown" beside live sessions.
      for (const r of request.requested ?? []) {
        if (r.user !== null) continue;
        const live = await deps.store.query({ status: 'active', user: r.name, limit: 1 });
        if (live.sessions.length > 0) throw new WardenError('VALIDATION', `"${r.name}" has live sessions now, but the list called it unknown: nothing was revoked. Preview the list again.`);
      }
      return invalidating(chosen.revokeUsers(request, throttled(emit)));
    },
    'sessions:matching': async ({ filter }) => {
      const found = await everyMatching(filter);
      return { total: found.sessions.length, byUser: found.byUser, byProfile: found.byProfile, confirmAbove: CONFIRM_COUNT_ABOVE, digest: found.digest };
    },
    'sessions:revokeMatching': async ({ filter, expectedCount, expectedDigest, connection, runId, ...reason }, { emit }) => {
      const chosen = revoker({ connection });
      if (runId !== undefined && matchingRuns.has(runId)) throw new WardenError('VALIDATION', 'A revocation with this run id is already under way: nothing more was revoked.');
      // Cancellable from the start: cancelled while counting, nothing is written (every session `not_attempted`).
      return matchingRuns.run(runId, async (signal) => {
        const found = await everyMatching(filter);
        // Exactly what the operator counted and confirmed, or nothing: a filter matches other sessions as time passes.
        if (found.sessions.length !== expectedCount) {
          throw new WardenError('VALIDATION', `${found.sessions.length} active sessions match this filter now, not the ${expectedCount} confirmed: nothing was revoked. Count again and confirm.`);
        }
        if (found.digest !== expectedDigest) {
          throw new WardenError('VALIDATION', `As many sessions match this filter now, but not the same ones (one ended and another began since they were counted): nothing was revoked. Count again and confirm.`);
        }
        const users = new Map(found.sessions.map((s) => [s.id, s.user]));
        return invalidating(chosen.revokeSessions({ ids: found.sessions.map((s) => s.id), ...reason }, throttled(emit), { signal, users }));
      });
    },
    'revoke:cancel': async ({ runId }) => ({ cancelled: matchingRuns.cancel(runId) }),
    'users:preview': async ({ users }) => {
      // A web store forgets a user whose sessions were all revoked: our ledger still knows them.
      let revokedHere: Set<string> | null = null;
      const ledgerKnows = async (user: string) => {
        revokedHere ??= new Set([...(await audit.rows())].filter((r) => r.connection === deps.ledgerConnection).map((r) => r.user));
        return revokedHere.has(user);
      };
      return { users: await previewUsers(deps.store, directory, users, ledgerKnows) };
    },
    'users:lookup': ({ text }) => directory.lookup(text),
    'evidence:save': ({ runs }) => saveRunEvidence(deps.ledger, runs, deps.chooseSavePath),
    'watch:set': async ({ users, everyMs }, { emit }) => {
      userWatch ??= new UserWatch({ store: deps.store, notify: deps.notify });
      return userWatch.set(users, everyMs, emit);
    },
    'ledger:verify': () => (deps.team ? deps.team.verify() : deps.ledger.verify()),
    'export:start': (request, { emit }) => exports.start(request, emit),
    'activity:summary': (request) => activitySummary(deps.store, teamAudit ?? deps.ledger, deps.ledgerConnection, request),
    'ledger:list': async (request) => (teamAudit ? teamAudit.list(request) : pageOfAuditRows(await audit.rows(), request, audit.alarms)),
    'proof:alarms': async () => deps.watch?.state() ?? { watching: 0, alarms: [], unsupported: true },
    'export:cancel': async ({ exportId }) => exports.cancel(exportId),
    'audit:store': async (request) => {
      if (!deps.storeAudit) throw new WardenError('VALIDATION', `This connection's store (${deps.info().connection.capabilities.sessions}) keeps no audit log of its own: its revocations are the ledger's (Audit) and the store's revoked sessions (Activity).`);
      return deps.storeAudit.read(request);
    },
    'canary:run': async () => {
      if (!deps.canary) throw new WardenError('VALIDATION', 'The enforcement canary is not offered on this connection: nothing was written.');
      return { report: await deps.canary.run() };
    },
    'canary:history': async (request) =>
      deps.canary ? deps.canary.history(request?.limit) : { status: { state: 'unsupported', everyMinutes: null, thresholdMs: CANARY_DEFAULT_THRESHOLD_MS, probeUrl: null, running: false, nextAt: null }, runs: [] },
    'iam:plan': (request) => iamDeny().plan(request),
    'iam:apply': (request) => iamDeny().apply(request),
    'iam:list': () => iamDeny().list(),
    'iam:remove': (request) => iamDeny().remove(request),
    'ledger:team': async () => (deps.team ? deps.team.status() : NO_TEAM_LEDGER),
    'ledger:deliver': async () => (deps.team ? deps.team.deliver() : NO_TEAM_LEDGER),
    'blacklist:coverage': async () => coverage().check(),
    'blacklist:repair': async (request) => {
      const service = coverage();
      const active = deps.info().connection;
      if (request.connection.id !== active.id || request.connection.nonce !== active.nonce) {
        throw new WardenError('CONNECTION_CHANGED', `The active connection changed (now "${active.name}") since this repair was confirmed: nothing was written. Check again and confirm.`);
      }
      return service.repair(request.ids);
    },
  };
  return handlerTable(WORKSPACE_CHANNELS, (channel) => explained(table[channel]));
}

/** Progress for long runs, at most every 100 ms, and always the first and the last. */
function throttled(emit: Emit, intervalMs = 100): ProgressListener {
  let last = 0;
  return (progress) => {
    const now = Date.now();
    if (progress.done === 0 || progress.done === progress.total || now - last >= intervalMs) {
      last = now;
      emit('revoke:progress', progress);
    }
  };
}
