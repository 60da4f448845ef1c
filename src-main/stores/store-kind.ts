import type { z } from 'zod';
import type { ConnectionTestResult, StoredStore } from '../../src-shared/connections';
import type { StoreAuditPage, StoreAuditRequest } from '../../src-shared/store-audit';
import type { StoreCapabilities } from '../../src-shared/store-capabilities';
import type { Ledger } from '../ledger/ledger';
import type { OperatorIdentity } from '../operator-identity';
import type { CanaryGround } from '../proof/canary-ground';
import type { BlacklistMirror } from '../revocation/blacklist';
import type { BlacklistTarget } from '../revocation/blacklist-targets';
import type { Revoker } from '../revocation/revoker';
import type { SessionStore } from '../session-store';
import type { TeamChain } from '../team-ledger/team-chain';

/** What a saved connection keeps sealed in the vault, unsealed for this run (null: none, or it cannot be read). */
export interface StoreSecrets {
  /** The store's own: a static secret access key, or a password. */
  secret: string | null;
  /** The password of the blacklist Redis the store's revocations are mirrored to. */
  blacklistSecret: string | null;
}

/** Who records a revocation and where, as the workspace (or the command line) decided. */
export interface RevokerSetup {
  ledger: Pick<Ledger, 'append'>;
  operator: string;
  principal: OperatorIdentity['principal'];
  /** The connection's name in the ledger. */
  connection: string;
  blacklist?: BlacklistMirror | undefined;
}

/** One store opened with its credentials: everything a workspace or a command builds on. */
export interface OpenedStore {
  readonly store: SessionStore;
  /** Where it is, for the top bar and messages: a table, Redis hosts or a database, never with credentials. */
  readonly where: string;
  /** Who this desk is there: the AWS caller for Sentinel, the OS user where the store has no identities. */
  identity(): Promise<OperatorIdentity>;
  /** The revoker over this store's writer. */
  revoker(setup: RevokerSetup): Revoker;
  /** The team ledger named `name`, kept in this store's own service (a DynamoDB table, a Redis stream). */
  teamChain(name: string): TeamChain;
  /** Fails with an operator-readable message when the store cannot be reached (the command line checks before any work). */
  check(): Promise<void>;
  /** Creates the team ledger `name` where the store keeps it, or says how durable what is there is (`ledger init`). */
  initTeamLedger(name: string): Promise<TeamLedgerInit>;
  /**
   * The store's own audit log of revocations (the web app's `session_audit_log`), read a page at a
   * time, newest first; absent where the store keeps none (capabilities' `storeAudit` is null).
   */
  readonly storeAudit?: StoreAuditLog | undefined;
  /** Where the enforcement canary is written, checked and removed (proof/canary.ts); absent where the kind has none yet. */
  readonly canary?: CanaryGround | undefined;
  /** The store's clock where it can tell (sizes blacklist TTLs); absent: this machine's. */
  readonly clock?: (() => number) | undefined;
  close(): Promise<void>;
}

/** A store's own audit log (`audit:store`). */
export interface StoreAuditLog {
  read(request: StoreAuditRequest): Promise<StoreAuditPage>;
}

/** What `ledger init` did. */
export interface TeamLedgerInit {
  kind: string;
  name: string;
  /** DynamoDB: the table was created now (false: it was there already). Redis: a stream needs no creating. */
  created: boolean;
  /** DynamoDB: point-in-time recovery; Redis: whether the server persists what is written. */
  durability: 'point-in-time recovery enabled' | 'point-in-time recovery NOT enabled' | 'appendonly yes' | 'snapshots only' | 'NOT persisted' | 'unknown';
  detail?: string;
}

/** A team ledger reachable without opening the store, for delivery in the background. */
export interface TeamChainTarget {
  /** Where the chain is and what it is called: the same chain has the same id on every desk. */
  id: string;
  open(): Promise<{ chain: TeamChain; close(): Promise<void> }>;
}

/**
 * Everything Session Warden knows about one kind of store, in one module: how to open it with a
 * saved connection's settings and secrets, how to test it, where its team ledger and blacklist
 * live, and what it offers the renderer. The workspace, the connection manager and the command
 * line go through the registry (stores/registry.ts) and never branch on the kind themselves.
 */
export interface StoreKind<S extends { kind: string } = StoredStore> {
  readonly kind: S['kind'];
  readonly capabilities: StoreCapabilities;
  /** What its session ids look like, checked before anything connects; `hint` follows a refusal. */
  readonly sessionId: { schema: z.ZodType<string>; hint: string };
  /** The local ledger file in the data directory (the demo keeps its own, apart from real ones). */
  readonly ledgerFile: string;
  /** Opens the store; `readOnly` (auditor mode) where the store itself can refuse writes too. */
  open(store: S, secrets: StoreSecrets, options?: { readOnly?: boolean }): Promise<OpenedStore>;
  /**
   * The connection test the editor runs: every check said so an operator knows what to fix. It never
   * writes; `readOnly` (auditor mode) says whether write permissions are needed at all.
   */
  test(store: S, secrets: StoreSecrets, options?: { readOnly?: boolean }): Promise<ConnectionTestResult>;
  /**
   * Where the store's secret is sent (hosts, user, endpoint, key id, trusted CA): a kept secret is
   * only ever used while this stays the same.
   */
  secretTarget(store: S): string;
  /** The blacklist Redis revocations are mirrored to, when the store has one configured. */
  blacklist(store: S, secrets: StoreSecrets): BlacklistTarget | null;
  /** The connection's name in the ledger when it has no saved name (a command line given flags). */
  unnamed(store: S): string;
  /** The team ledger's usual name for this store. */
  defaultTeamLedger(store: S): string;
  /** Why `name` cannot be this store's team ledger, or null. */
  invalidTeamLedger(name: string): string | null;
  /** The connection's team ledger, when it names one. */
  teamChain(store: S, secrets: StoreSecrets): TeamChainTarget | null;
}
