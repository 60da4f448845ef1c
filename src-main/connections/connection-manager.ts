import type { AppInfo, ResponseOf } from '../../src-shared/contract';
import type { Connection, ConnectionSaveRequest, ConnectionTestResult } from '../../src-shared/connections';
import { WardenError } from '../errors';
import { formatErrorForLog } from '../log-format';
import { openDemoWorkspace, openWorkspace, type DesktopServices, type Workspace } from '../workspace';
import { storeKind } from '../stores/registry';
import type { StoreSecrets } from '../stores/store-kind';
import { dynamoClientFor } from './connection-clients';
import { explainAwsError } from './connection-test';
import { createLedgerTable } from '../team-ledger/dynamo-chain';
import { TeamDeliveries, type TeamTarget } from '../team-ledger/team-deliveries';
import { TeamChainError } from '../team-ledger/team-chain';
import { sameBlacklistTarget, sameSecretTarget, type ConnectionStore, type StoredConnection } from './connection-store';
import type { SecretVault } from './secret-vault';
import { listAwsProfiles, type AwsProfile } from './aws-profiles';
import { BlacklistDelivery, type DeliveryCredentials } from '../revocation/blacklist-delivery';
import { People } from '../people/people';
import { Incidents } from '../people/incidents';
import { fingerprintOf, type PeopleConnections } from '../people/people-connections';

export const DEMO_ID = 'demo';

type LedgerTableInit = ResponseOf<'connections:initLedger'>;

export interface ConnectionManagerOptions {
  version: string;
  dataDir: string;
  store: ConnectionStore;
  vault: SecretVault;
  desktop: DesktopServices;
  /** Where AWS profiles are read from (a test's temporary files). */
  env?: NodeJS.ProcessEnv;
  /** Incident mode: how long one connection may take to answer (default 10 s). */
  peopleTimeoutMs?: number;
  /** How often every incident's connections are checked for use after revocation (default five minutes). */
  incidentCheckMs?: number;
  /** How often pending blacklist writes are retried in the background (default 15 s). */
  blacklistRetryMs?: number;
}

/**
 * The connections and the workspace of the active one. The demo store is the default and always
 * one switch away; switching opens the new workspace before closing the old, so a connection that
 * fails to open leaves the current one working.
 */
export class ConnectionManager {
  readonly #options: ConnectionManagerOptions;
  #active = DEMO_ID;
  /** The fingerprint of the saved definition the active workspace was opened from (null: the demo, or adopted). */
  #activeFingerprint: string | null = null;
  #workspace: Workspace | null = null;
  #switching: Promise<unknown> = Promise.resolve();
  /** Calls still running on each workspace: a replaced workspace is closed once they are done. */
  readonly #inFlight = new Map<Workspace, { count: number; idle: (() => void)[] }>();
  /** Pending blacklist writes of every saved connection, delivered whichever one is active. */
  readonly blacklist: BlacklistDelivery;
  /** Entries pending for the team ledger of every saved connection, delivered whichever one is active. */
  readonly teamLedgers: TeamDeliveries;
  /** Incident mode: one person across the saved connections, each with its own credentials. */
  readonly people: People;
  /** Incidents: a person pinned to a reference and the revocations made for it (in the data directory). */
  readonly incidents: Incidents;

  constructor(options: ConnectionManagerOptions) {
    this.#options = options;
    const connections: PeopleConnections = {
      version: options.version,
      dataDir: options.dataDir,
      desktop: options.desktop,
      saved: (id) => options.store.get(id),
      all: () => this.#savedConnections(),
      secretsOf: (saved) => this.#secretsOf(saved),
      activeId: () => this.#active,
      activeFingerprint: () => this.#activeFingerprint,
      onActive: (call) => this.run(call),
    };
    this.people = new People(connections, options.peopleTimeoutMs !== undefined ? { timeoutMs: options.peopleTimeoutMs } : {});
    this.incidents = new Incidents({ connections, people: this.people });
    this.people.recordRunsWith(this.incidents);
    this.blacklist = new BlacklistDelivery({ dataDir: options.dataDir, credentials: () => this.#blacklistCredentials(), ...(options.blacklistRetryMs ? { intervalMs: options.blacklistRetryMs } : {}) });
    this.teamLedgers = new TeamDeliveries({
      dataDir: options.dataDir,
      targets: () => this.#teamTargets(),
      active: () => this.#workspace?.teamChain ?? null,
      ...(options.blacklistRetryMs ? { intervalMs: options.blacklistRetryMs } : {}),
    });
  }

  /** Every saved connection's team ledger, reached with its own credentials (read-only ones deliver nothing). */
  async #teamTargets(): Promise<TeamTarget[]> {
    const targets: TeamTarget[] = [];
    for (const saved of await this.#savedConnections()) {
      if (saved.readOnly) continue;
      const chain = storeKind(saved.store).teamChain(saved.store, this.#secretsOf(saved));
      if (chain) targets.push({ connection: saved.name, chainId: chain.id, open: chain.open });
    }
    return targets;
  }

  /** Every saved connection's blacklist Redis with its own credentials (read-only ones write nothing). */
  async #blacklistCredentials(): Promise<DeliveryCredentials[]> {
    const credentials: DeliveryCredentials[] = [];
    for (const saved of await this.#savedConnections()) {
      if (saved.readOnly) continue;
      const target = storeKind(saved.store).blacklist(saved.store, this.#secretsOf(saved));
      if (target) credentials.push({ connection: saved.name, target });
    }
    return credentials;
  }

  async #savedConnections(): Promise<StoredConnection[]> {
    const saved: StoredConnection[] = [];
    for (const listed of await this.#options.store.list()) {
      const connection = await this.#options.store.get(listed.id);
      if (connection) saved.push(connection);
    }
    return saved;
  }

  /** A saved connection's secrets, unsealed for this run (null where there are none or they cannot be read). */
  #secretsOf(saved: StoredConnection): StoreSecrets {
    return { secret: this.#options.store.secretOf(saved), blacklistSecret: this.#options.store.blacklistSecretOf(saved) };
  }

  get workspace(): Workspace {
    if (!this.#workspace) throw new WardenError('STORE_UNAVAILABLE', 'No connection is open yet.');
    return this.#workspace;
  }

  async start(): Promise<void> {
    this.#workspace = await openDemoWorkspace(this.#options.version, this.#options.dataDir, this.#options.desktop);
    this.blacklist.start();
    this.teamLedgers.start();
    this.incidents.start(this.#options.incidentCheckMs);
  }

  async list() {
    return { connections: await this.#options.store.list(), active: this.#active, secretStorage: this.#options.vault.info() };
  }

  save(request: ConnectionSaveRequest): Promise<Connection> {
    return this.#options.store.save(request);
  }

  async remove(id: string): Promise<{ deleted: boolean }> {
    if (id === this.#active) await this.switchTo(DEMO_ID);
    const existed = (await this.#options.store.get(id)) !== null;
    await this.#options.store.remove(id);
    return { deleted: existed };
  }

  /** Tests a saved connection, or a draft from the editor (its secret, or the saved one's). */
  async test(request: { id: string } | { draft: ConnectionSaveRequest }): Promise<ConnectionTestResult> {
    if ('id' in request) {
      const saved = await this.#saved(request.id);
      return storeKind(saved.store).test(saved.store, this.#secretsOf(saved), { readOnly: saved.readOnly });
    }
    const { store } = request.draft;
    const saved = request.draft.id ? await this.#options.store.get(request.draft.id) : null;
    // A saved secret is only tried against the target it was saved for, never a new one.
    const savedSecret = saved && sameSecretTarget(saved.store, store) ? this.#options.store.secretOf(saved) : null;
    const savedBlacklistSecret = saved && sameBlacklistTarget(saved.store, store) ? this.#options.store.blacklistSecretOf(saved) : null;
    return storeKind(store).test(store, { secret: request.draft.secret ?? savedSecret, blacklistSecret: request.draft.blacklistSecret ?? savedBlacklistSecret }, { readOnly: request.draft.readOnly });
  }

  /** Switches (and deletions) one at a time, in the order asked: the last one asked wins. */
  switchTo(id: string): Promise<AppInfo> {
    const next = this.#switching.then(
      () => this.#switchTo(id),
      () => this.#switchTo(id),
    );
    this.#switching = next.catch(() => undefined);
    return next;
  }

  async #switchTo(id: string): Promise<AppInfo> {
    const { version, dataDir, desktop } = this.#options;
    let next: Workspace;
    let fingerprint: string | null = null;
    if (id === DEMO_ID) next = await openDemoWorkspace(version, dataDir, desktop);
    else {
      const saved = await this.#saved(id);
      fingerprint = fingerprintOf(saved);
      const { name, environment, readOnly, requireTicket, store, canary } = saved;
      try {
        next = await openWorkspace(version, dataDir, { id, name, environment, readOnly, requireTicket, store, canary, secrets: this.#secretsOf(saved) }, desktop);
      } catch (error) {
        throw new WardenError('STORE_UNAVAILABLE', `"${saved.name}" could not be opened, the current connection stays active: ${formatErrorForLog(error).split('\n')[0]}`);
      }
    }
    const previous = this.#workspace;
    this.#workspace = next;
    this.#active = id;
    this.#activeFingerprint = fingerprint;
    // A revocation or export still running on the previous store finishes there (and is
    // recorded), rather than being cut off mid-write; new calls already go to the new one.
    if (previous) void this.#closeWhenIdle(previous);
    return (await next.handlers['app:info'](undefined, { emit: () => undefined })) as AppInfo;
  }

  /**
   * Makes a workspace the caller opened itself the active one, as a switch to it would: queued
   * behind switches already asked for, the previous workspace closed once its calls are done,
   * and this one closed by the manager from then on. The app opens workspaces only through
   * switchTo; this is for tests (the e2e harness) that build a workspace of their own and still
   * want the app's handler table in front of it.
   */
  adopt(workspace: Workspace): Promise<AppInfo> {
    const activate = async (): Promise<AppInfo> => {
      const info = await workspace.handlers['app:info'](undefined, { emit: () => undefined });
      const previous = this.#workspace;
      this.#workspace = workspace;
      this.#active = info.connection.id;
      this.#activeFingerprint = null;
      if (previous && previous !== workspace) void this.#closeWhenIdle(previous);
      return info;
    };
    const next = this.#switching.then(activate, activate);
    this.#switching = next.catch(() => undefined);
    return next;
  }

  /**
   * Creates a saved DynamoDB connection's team ledger table with that connection's own
   * credentials (the saved ones, never the editor's draft). A read-only connection never writes.
   */
  async initLedger(id: string): Promise<LedgerTableInit> {
    const saved = await this.#saved(id);
    if (saved.readOnly) throw new WardenError('READ_ONLY', `"${saved.name}" is read-only (auditor mode): it never writes, so it cannot create a table. Create the ledger table with an operator's connection, or with \`session-warden ledger init\`.`);
    if (saved.store.kind !== 'dynamodb') throw new WardenError('VALIDATION', `"${saved.name}" is a Redis connection: its team ledger is a stream, created by the first revocation written to it.`);
    const table = saved.store.teamLedger;
    if (!table) throw new WardenError('VALIDATION', `"${saved.name}" names no team ledger: check "Keep a team ledger" in its editor and save first.`);
    let client;
    try {
      client = dynamoClientFor(saved.store, this.#options.store.secretOf(saved));
    } catch (error) {
      throw new WardenError('VALIDATION', (error as Error).message);
    }
    try {
      return await createLedgerTable(client, table);
    } catch (error) {
      const reason = error instanceof TeamChainError ? error.message : explainAwsError(error, { ...saved.store, table }, 'dynamodb:CreateTable');
      throw new WardenError('STORE_UNAVAILABLE', `The team ledger table "${table}" was not created: ${reason}`);
    } finally {
      client.destroy();
    }
  }

  profiles(): Promise<AwsProfile[]> {
    return listAwsProfiles(this.#options.env);
  }

  async close(): Promise<void> {
    await this.incidents.stop();
    await this.blacklist.stop();
    await this.teamLedgers.stop();
    await this.#workspace?.close();
    this.#workspace = null;
  }

  /** Runs one call on the active workspace, counted so a switch can wait for it. */
  async run<T>(call: (workspace: Workspace) => Promise<T>): Promise<T> {
    const workspace = this.workspace;
    const entry = this.#inFlight.get(workspace) ?? { count: 0, idle: [] };
    this.#inFlight.set(workspace, entry);
    entry.count += 1;
    try {
      return await call(workspace);
    } finally {
      entry.count -= 1;
      if (entry.count === 0) {
        this.#inFlight.delete(workspace);
        for (const resolve of entry.idle.splice(0)) resolve();
      }
    }
  }

  async #closeWhenIdle(workspace: Workspace, limitMs = 10 * 60_000): Promise<void> {
    const entry = this.#inFlight.get(workspace);
    if (entry) {
      await new Promise<void>((resolve) => {
        entry.idle.push(resolve);
        setTimeout(resolve, limitMs).unref();
      });
    }
    await workspace.close().catch(() => undefined);
  }

  async #saved(id: string): Promise<StoredConnection> {
    const saved = await this.#options.store.get(id);
    if (!saved) throw new WardenError('VALIDATION', 'That connection no longer exists: it may have been deleted.');
    return saved;
  }
}
