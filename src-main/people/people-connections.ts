import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { GroupConnection } from '../../src-shared/people';
import { isProductionEnvironment } from '../../src-shared/environment';
import type { IdentityMap } from '../../src-shared/identity';
import type { StoredConnection } from '../connections/connection-store';
import { WardenError } from '../errors';
import { Ledger } from '../ledger/ledger';
import { storeKind, type AnyStore } from '../stores/registry';
import type { StoreSecrets } from '../stores/store-kind';
import type { DesktopServices, Workspace } from '../workspace';
import type { PersonStoreKind } from './person-search';

export const DEMO_REF = 'demo';

/**
 * What incident mode needs of the app's connections: the saved ones with their secrets, and the
 * active workspace (reused rather than opened twice). The connection manager provides it.
 */
export interface PeopleConnections {
  version: string;
  dataDir: string;
  desktop: DesktopServices;
  saved(id: string): Promise<StoredConnection | null>;
  /** Every saved connection (the command line's default: all of them). */
  all(): Promise<StoredConnection[]>;
  secretsOf(saved: StoredConnection): StoreSecrets;
  /** The active connection's id (`demo` for the demo). */
  activeId(): string;
  /**
   * The fingerprint of the saved definition the active workspace was opened from; null when not
   * known (the demo, a workspace a test adopted). A connection edited since it was opened differs:
   * incident mode then works on a quiet opening of what is saved, never on the old opening.
   */
  activeFingerprint(): string | null;
  /** Runs on the active workspace, counted so a switch waits for it. */
  onActive<T>(call: (workspace: Workspace) => Promise<T>): Promise<T>;
}

/** One selected connection as incident mode works with it. */
export interface PeopleTarget {
  ref: string;
  heading: GroupConnection;
  /** Null for the demo. */
  saved: StoredConnection | null;
  store: AnyStore;
  kind: PersonStoreKind;
  identity?: IdentityMap | undefined;
  /** The connection's name in its ledger (as its workspace records it). */
  ledgerName: string;
  ledgerPath: string;
}

/**
 * What a connection was when searched: a hash of its saved definition (settings, identity map,
 * sealed secrets' ciphertext). Any edit in Connections changes it; a revocation confirmed against
 * the old one is refused for that connection.
 */
export function fingerprintOf(saved: StoredConnection | null): string {
  return createHash('sha256')
    .update(saved === null ? 'demo' : canonical(saved))
    .digest('hex')
    .slice(0, 32);
}

/** JSON with object keys sorted, so the same definition always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The selected connection `ref`, or a refusal saying it no longer exists. */
export async function targetOf(connections: PeopleConnections, ref: string): Promise<PeopleTarget> {
  if (ref === DEMO_REF) {
    return {
      ref,
      heading: { id: ref, name: 'Demo store', environment: 'demo', colour: 'grey', production: false, readOnly: false, kind: 'demo', fingerprint: fingerprintOf(null) },
      saved: null,
      store: { kind: 'demo' },
      kind: 'demo',
      ledgerName: 'demo',
      ledgerPath: join(connections.dataDir, storeKind({ kind: 'demo' }).ledgerFile),
    };
  }
  const saved = await connections.saved(ref);
  if (!saved) throw new WardenError('VALIDATION', 'That connection no longer exists: it may have been deleted.');
  return {
    ref,
    heading: {
      id: ref,
      name: saved.name,
      environment: saved.environment,
      colour: saved.colour,
      production: isProductionEnvironment(saved.environment),
      readOnly: saved.readOnly,
      kind: saved.store.kind,
      fingerprint: fingerprintOf(saved),
    },
    saved,
    store: saved.store,
    kind: saved.store.kind,
    identity: saved.identity,
    ledgerName: saved.name,
    ledgerPath: join(connections.dataDir, storeKind(saved.store).ledgerFile),
  };
}

/** The target's local ledger (the one its workspace and the command line append to). */
export function ledgerOf(target: PeopleTarget): Ledger {
  return new Ledger(target.ledgerPath);
}

/**
 * Runs `work` within `ms`, or fails saying the store did not answer in time. `onLate` runs if the
 * work settles after that (closing what it opened).
 */
export async function within<T>(ms: number, work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new WardenError('STORE_UNAVAILABLE', `${what} did not answer within ${Math.round(ms / 1000)} s`)), ms);
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
