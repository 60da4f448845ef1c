import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { AppInfo } from '../src-shared/contract';
import { ticketRequired } from '../src-shared/environment';
import { createHandlers } from './handlers';
import type { WorkspaceHandlerTable } from './ipc/dispatch';
import { Ledger } from './ledger/ledger';
import type { OperatorIdentity } from './operator-identity';
import { RevocationWatch } from './proof/revocation-watch';
import { CANARY_HISTORY_FILE, CanaryRunner, type CanaryTimers } from './proof/canary-runner';
import type { CanarySettings } from '../src-shared/canary';
import { openBlacklist, type OpenedBlacklist } from './revocation/blacklist-targets';
import { blacklistCoverageService } from './revocation/blacklist-coverage';
import { redactUrl } from './web-sessions/redis-target';
import type { ChooseSavePath } from './revocation/evidence';
import type { SessionStore } from './session-store';
import { storeKind, type AnyStore } from './stores/registry';
import type { StoreSecrets } from './stores/store-kind';
import { deviceId } from './team-ledger/device-id';
import type { TeamChain } from './team-ledger/team-chain';
import { TeamLedger } from './team-ledger/team-ledger';
import { UserWatch } from './watch/user-watch';
import { workspaceIamDeny } from './iam/workspace-iam';

export interface Workspace {
  readonly handlers: WorkspaceHandlerTable;
  readonly ledger: Ledger;
  /** The id of the team chain this workspace delivers to itself, if its connection keeps one. */
  readonly teamChain?: string | undefined;
  /** Reads back the sessions this desk revoked for use after revocation; absent on a read-only desk or a store without batched reads. */
  readonly watch?: RevocationWatch | undefined;
  /** The enforcement canary of this connection (on demand, and on its schedule when opted in). */
  readonly canary?: CanaryRunner | undefined;
  /** The opened store (incident mode searches and checks it); absent in hand-built workspaces. */
  readonly store?: SessionStore | undefined;
  close(): Promise<void>;
}

/**
 * Everything the window talks to, wired together. With no connection configured (the only case
 * so far) that is the embedded demo store. Plain Node: the e2e harness builds the same thing.
 * `dataDir` holds the ledger (the app's data directory, or a test's temporary one).
 */
export interface DesktopServices {
  chooseSavePath: ChooseSavePath;
  notify: (notification: { title: string; body: string }) => void;
  /** The revocation watch's period (default 30 s) and clock; tests shorten or pin them. */
  revocationWatch?: { periodMs?: number; clock?: () => number } | undefined;
  /** The canary schedule's timers and clock, and how long a run waits; tests inject them. */
  canary?: { timers?: CanaryTimers; clock?: () => number; waitMs?: number } | undefined;
}

export interface WorkspaceOptions {
  /** Auditor mode: no revoker is built, so main refuses every revocation whatever is sent. */
  readOnly?: boolean;
}

export interface OpenOptions {
  /**
   * False for a workspace opened for one piece of work on a connection that is not the active one
   * (incident mode's revocations): no canary schedule, revocation watch or team ledger delivery is
   * started (the manager delivers every connection's team ledger), and it is closed right after.
   */
  background?: boolean;
}

/**
 * Drawn each time a workspace opens. A revoke request carries back the nonce it was confirmed
 * under, so one confirmed before a switch (even away and back to the same connection) is refused.
 */
function workspaceNonce(): string {
  return randomBytes(16).toString('hex');
}

/** A connection to open: a saved one (its settings and unsealed secrets), or the demo. */
export interface WorkspaceConnection {
  /** The saved connection's id, or `demo`: what a revoke request names as confirmed. */
  id: string;
  name: string;
  environment: string;
  readOnly: boolean;
  requireTicket?: boolean | undefined;
  store: AnyStore;
  secrets?: StoreSecrets | undefined;
  /** The connection's name in the ledger, when not its name (the demo records `demo`). */
  ledgerName?: string | undefined;
  /** The saved connection's enforcement canary opt-in; absent: off. */
  canary?: CanarySettings | undefined;
}

const NO_SECRETS: StoreSecrets = { secret: null, blacklistSecret: null };

/** The embedded demo store, on its own ledger. */
export function openDemoWorkspace(version: string, dataDir: string, desktop: DesktopServices, options: WorkspaceOptions = {}): Promise<Workspace> {
  return openWorkspace(version, dataDir, { id: 'demo', name: 'Demo store', environment: 'demo', readOnly: options.readOnly === true, store: { kind: 'demo' }, ledgerName: 'demo' }, desktop);
}

/**
 * Any store through its kind's module (stores/registry.ts): the operator is resolved in main
 * (STS for AWS, the OS user where the store knows no identities), revocations are mirrored to
 * the blacklist Redis if the connection has one (with the outbox for when it is down), the team
 * ledger is delivered to if it names one, and the local ledger is the one the command line uses.
 */
export async function openWorkspace(version: string, dataDir: string, connection: WorkspaceConnection, desktop: DesktopServices, options: OpenOptions = {}): Promise<Workspace> {
  const { readOnly } = connection;
  const background = options.background !== false;
  const kind = storeKind(connection.store);
  const secrets = connection.secrets ?? NO_SECRETS;
  const opened = await kind.open(connection.store, secrets, { readOnly });
  const ledgerName = connection.ledgerName ?? connection.name;
  let identity: OperatorIdentity;
  let blacklist: OpenedBlacklist | undefined;
  try {
    identity = await opened.identity();
    const target = readOnly ? null : kind.blacklist(connection.store, secrets);
    if (target) {
      blacklist = await openBlacklist(target, dataDir, opened.clock ? { clock: opened.clock } : {});
      await blacklist.mirror.start();
    }
  } catch (error) {
    await blacklist?.close();
    await opened.close();
    throw error;
  }
  const ledger = new Ledger(join(dataDir, kind.ledgerFile));
  const teamName = 'teamLedger' in connection.store ? connection.store.teamLedger : undefined;
  const team = teamName ? await openTeamLedger(ledger, opened.teamChain(teamName), dataDir, readOnly || !background) : undefined;
  const info: AppInfo = {
    version,
    connection: {
      id: connection.id,
      nonce: workspaceNonce(),
      name: connection.name,
      kind: connection.store.kind,
      environment: connection.environment,
      table: opened.where,
      readOnly,
      capabilities: kind.capabilities,
      requireTicket: ticketRequired(connection),
      blacklist: kind.blacklist(connection.store, secrets) !== null,
    },
    operator: identity.name,
    principal: identity.principal,
  };
  const store = opened.store;
  // A quiet workspace (incident mode, closed right after its work) watches nothing.
  const watch =
    background && !readOnly && store.getMany
      ? new RevocationWatch({
          store: { getMany: (ids, onUnreadable) => (store.getMany as NonNullable<typeof store.getMany>).call(store, ids, onUnreadable) },
          ledger,
          connection: ledgerName,
          notify: desktop.notify,
          ...(desktop.revocationWatch?.periodMs !== undefined ? { periodMs: desktop.revocationWatch.periodMs } : {}),
          ...(desktop.revocationWatch?.clock ? { clock: desktop.revocationWatch.clock } : {}),
        })
      : undefined;
  watch?.start();
  const mirror = blacklist?.mirror;
  const blacklistTarget = kind.blacklist(connection.store, secrets);
  // Checked and repaired as `blacklist check [--repair]` does: the repair recorded as this desk's revocations are.
  const blacklistCoverage =
    blacklist && blacklistTarget
      ? blacklistCoverageService({
          store: opened.store,
          redis: blacklist.redis,
          mirror: blacklist.mirror,
          target: redactUrl(blacklistTarget.url),
          recorder: { operator: identity.name, principal: identity.principal, connection: ledgerName, ledger: team ? team.stamping(ledger) : ledger },
        })
      : undefined;
  const revoker = readOnly ? null : opened.revoker({ ledger: team ? team.stamping(ledger) : ledger, operator: identity.name, principal: identity.principal, connection: ledgerName, blacklist: mirror });
  const canary = new CanaryRunner({
    connection: ledgerName,
    displayName: connection.name,
    readOnly,
    settings: connection.canary,
    ground: opened.canary,
    store: opened.store,
    revoker,
    blacklist: blacklist?.redis,
    historyPath: join(dataDir, CANARY_HISTORY_FILE),
    notify: desktop.notify,
    timers: desktop.canary?.timers,
    clock: desktop.canary?.clock,
    waitMs: desktop.canary?.waitMs,
  });
  if (background) canary.start();
  const userWatch = new UserWatch({ store: opened.store, notify: desktop.notify });
  // Where a revocation leaves issued credentials valid (Sentinel), IAM can deny them: recorded as this desk's revocations are.
  const iamDeny =
    kind.capabilities.residual === 'credential-lifetime'
      ? workspaceIamDeny({ store: connection.store, secrets, sessions: opened.store, info: () => info, recorder: readOnly ? null : { operator: identity.name, principal: identity.principal, connection: ledgerName, ledger: team ? team.stamping(ledger) : ledger } })
      : undefined;
  return {
    handlers: createHandlers({ userWatch, store: opened.store, revoker, ledger, ledgerConnection: ledgerName, info: () => info, ...desktop, team, blacklistCoverage, storeAudit: opened.storeAudit, watch, canary, iamDeny }),
    ledger,
    teamChain: team?.chain.id,
    watch,
    canary,
    store: opened.store,
    close: async () => {
      await userWatch.stop();
      await canary.stop();
      await watch?.stop();
      // A quiet workspace delivers once what it stamped for the team ledger (what fails stays pending for the app).
      if (!background && !readOnly) await team?.deliver().catch(() => undefined);
      await team?.stop();
      await blacklist?.close();
      iamDeny?.close();
      await opened.close();
    },
  };
}

/**
 * The connection's team ledger over this desk's local ledger. A desk that may revoke delivers
 * from the moment the workspace opens (entries an earlier run or the command line left pending
 * too); a read-only desk only reads and verifies it.
 */
async function openTeamLedger(ledger: Ledger, chain: TeamChain, dataDir: string, readOnlyOrQuiet: boolean): Promise<TeamLedger> {
  const team = new TeamLedger({ ledger, chain, dataDir, device: await deviceId(dataDir) });
  if (!readOnlyOrQuiet) team.start();
  return team;
}
