import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { ConnectionSaveRequestSchema, type Connection, type ConnectionSaveRequest } from '../../src-shared/connections';
import { CANARY_READ_ONLY_MESSAGE, canaryAllowed } from '../../src-shared/canary';
import { writeFileAtomic } from '../atomic-file';
import { WardenError } from '../errors';
import type { SealedSecret, SecretVault } from './secret-vault';
import { storeKind } from '../stores/registry';

/** A connection on disk: what the renderer sees, minus the derived fields, plus the sealed secret. */
const SealedSchema = z.strictObject({ backend: z.string(), ciphertext: z.string() });
const StoredConnectionSchema = ConnectionSaveRequestSchema.omit({ secret: true, blacklistSecret: true, id: true }).extend({
  id: z.uuid(),
  secret: SealedSchema.optional(),
  blacklistSecret: SealedSchema.optional(),
});
export type StoredConnection = z.infer<typeof StoredConnectionSchema>;

const FileSchema = z.strictObject({ version: z.literal(2), connections: z.array(StoredConnectionSchema) });

export function connectionsPath(dataDir: string): string {
  return join(dataDir, 'connections.json');
}

/**
 * The app's connections, in `connections.json` in the data directory (the file the command line
 * reads too). Written atomically (temporary file, fsync, rename) with owner-only permissions; a
 * secret is only ever there sealed by the vault.
 */
export class ConnectionStore {
  readonly #path: string;
  readonly #vault: SecretVault;
  #connections: StoredConnection[] | null = null;
  /** Entries of a version-1 file that did not validate, with why (the command line names them). */
  #rejected: { name: string; reason: string }[] = [];
  #queue: Promise<unknown> = Promise.resolve();
  /** The version-1 text this store was read from, kept beside the file before the first rewrite. */
  #version1: string | null = null;

  constructor(dataDir: string, vault: SecretVault) {
    this.#path = connectionsPath(dataDir);
    this.#vault = vault;
  }

  async list(): Promise<Connection[]> {
    return (await this.#load()).map((c) => this.#view(c));
  }

  async get(id: string): Promise<StoredConnection | null> {
    return (await this.#load()).find((c) => c.id === id) ?? null;
  }

  /**
   * The connection called `name` (as the command line's `--connection NAME` finds it), or why
   * there is none usable: unknown (with the names there are), or a hand-written entry that did not validate.
   */
  async find(name: string): Promise<{ connection: StoredConnection } | { problem: string }> {
    const connections = await this.#load();
    const found = connections.find((c) => c.name === name);
    if (found) return { connection: found };
    const rejected = this.#rejected.find((r) => r.name === name);
    if (rejected) return { problem: `saved connection "${name}" is not usable: ${rejected.reason}` };
    const known = [...connections.map((c) => c.name), ...this.#rejected.map((r) => r.name)];
    return { problem: `no saved connection named "${name}" (known: ${known.join(', ') || 'none'})` };
  }

  /** The connection's secret for this run (decrypted, or kept in memory), or null. */
  secretOf(connection: StoredConnection): string | null {
    return this.#vault.read(connection.id, connection.secret);
  }

  /** The password of a DynamoDB connection's blacklist Redis, or null. */
  blacklistSecretOf(connection: StoredConnection): string | null {
    return this.#vault.read(blacklistKey(connection.id), connection.blacklistSecret);
  }

  save(request: ConnectionSaveRequest): Promise<Connection> {
    return this.#serial(() => this.#save(request));
  }

  remove(id: string): Promise<void> {
    return this.#serial(() => this.#remove(id));
  }

  /** One change at a time: each reads what the previous one wrote. */
  #serial<T>(change: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(change, change);
    this.#queue = next.catch(() => undefined);
    return next;
  }

  async #save(request: ConnectionSaveRequest): Promise<Connection> {
    const connections = await this.#load();
    const existing = request.id === undefined ? undefined : connections.find((c) => c.id === request.id);
    if (request.id !== undefined && !existing) throw new WardenError('VALIDATION', 'That connection no longer exists: it may have been deleted.');
    if (connections.some((c) => c.name.toLowerCase() === request.name.toLowerCase() && c.id !== request.id)) {
      throw new WardenError('VALIDATION', `A connection named "${request.name}" already exists.`);
    }
    // Whatever reached here: a read-only connection never writes, so never runs the canary.
    if (!canaryAllowed(request)) throw new WardenError('READ_ONLY', `"${request.name}" is read-only (auditor mode): ${CANARY_READ_ONLY_MESSAGE}. Nothing was saved.`);
    const id = existing?.id ?? randomUUID();
    const secret = this.#slot(id, existing?.secret, request.secret, existing !== undefined && !sameSecretTarget(existing.store, request.store), 'its password or secret key');
    const blacklistSecret = this.#slot(
      blacklistKey(id),
      existing?.blacklistSecret,
      blacklistTarget(request.store) !== '' ? request.blacklistSecret : null,
      existing !== undefined && blacklistTarget(existing.store) !== blacklistTarget(request.store),
      'the blacklist Redis password',
    );
    const stored: StoredConnection = {
      id,
      name: request.name,
      environment: request.environment,
      colour: request.colour,
      readOnly: request.readOnly,
      ...(request.requireTicket !== undefined ? { requireTicket: request.requireTicket } : {}),
      store: request.store,
      ...(request.canary !== undefined ? { canary: request.canary } : {}),
      ...(request.identity !== undefined ? { identity: request.identity } : {}),
      ...(secret ? { secret } : {}),
      ...(blacklistSecret ? { blacklistSecret } : {}),
    };
    const next = existing ? connections.map((c) => (c.id === id ? stored : c)) : [...connections, stored];
    await this.#write(next);
    return this.#view(stored);
  }

  async #remove(id: string): Promise<void> {
    const connections = await this.#load();
    if (!connections.some((c) => c.id === id)) return;
    this.#vault.forget(id);
    this.#vault.forget(blacklistKey(id));
    await this.#write(connections.filter((c) => c.id !== id));
  }

  /**
   * One secret slot after a save: `undefined` keeps it, `null` drops it, a string replaces it. A
   * kept secret only ever goes where it was entered for: pointing the connection elsewhere needs
   * it typed again, even when this run cannot read it (it would be sent once the keyring is back).
   */
  #slot(key: string, existing: SealedSecret | undefined, requested: string | null | undefined, retargeted: boolean, what: string): SealedSecret | undefined {
    if (requested === undefined) {
      if (retargeted && (existing !== undefined || this.#vault.has(key, existing))) {
        throw new WardenError('VALIDATION', `This changes where the connection points: enter ${what} again.`);
      }
      return existing;
    }
    if (requested === null) {
      this.#vault.forget(key);
      return undefined;
    }
    return this.#vault.keep(key, requested).sealed ?? undefined;
  }

  #view(c: StoredConnection): Connection {
    const { secret, blacklistSecret, ...fields } = c;
    const hasSecret = this.#vault.has(c.id, secret);
    return {
      ...fields,
      hasSecret,
      secretKept: !hasSecret ? 'none' : secret && this.#vault.info().available ? 'encrypted' : 'memory',
      hasBlacklistSecret: this.#vault.has(blacklistKey(c.id), blacklistSecret),
    };
  }

  async #load(): Promise<StoredConnection[]> {
    if (this.#connections) return this.#connections;
    let text: string;
    try {
      text = await readFile(this.#path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return (this.#connections = []);
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new WardenError('VALIDATION', `${this.#path} is not valid JSON: fix or remove it.`);
    }
    // Version 1 files (written by hand for the command line) are read as they are and saved as 2.
    if (typeof parsed === 'object' && parsed !== null && (parsed as { version?: unknown }).version === 1) {
      this.#version1 = text;
      const migrated = migrateVersion1(parsed);
      this.#rejected = migrated.rejected;
      return (this.#connections = migrated.connections);
    }
    const file = FileSchema.safeParse(parsed);
    if (!file.success) throw new WardenError('VALIDATION', `${this.#path} is not a connections file Session Warden can read: ${file.error.issues[0]?.message ?? 'malformed'}.`);
    return (this.#connections = file.data.connections);
  }

  async #write(connections: StoredConnection[]): Promise<void> {
    if (this.#version1 !== null) {
      // Entries of a hand-written version-1 file that did not validate are not lost.
      await writeFileAtomic(`${this.#path}.version1.bak`, this.#version1, `${this.#path}.version1.${randomUUID()}.tmp`);
      this.#version1 = null;
    }
    await writeFileAtomic(this.#path, `${JSON.stringify({ version: 2, connections }, null, 2)}\n`, `${this.#path}.${randomUUID()}.tmp`);
    this.#connections = connections;
  }
}

/** `{name, table, region?, endpoint?, awsProfile?, blacklistRedis?, readOnly?}` entries of version 1. */
function migrateVersion1(parsed: unknown): { connections: StoredConnection[]; rejected: { name: string; reason: string }[] } {
  const entries = (parsed as { connections?: unknown }).connections;
  const out: StoredConnection[] = [];
  const rejected: { name: string; reason: string }[] = [];
  if (!Array.isArray(entries)) return { connections: out, rejected };
  for (const entry of entries as Record<string, unknown>[]) {
    const candidate = {
      id: randomUUID(),
      name: entry.name,
      environment: 'unlabelled',
      colour: 'grey',
      readOnly: entry.readOnly === true,
      store: {
        kind: 'dynamodb',
        region: entry.region ?? (entry.endpoint ? 'local' : undefined),
        table: entry.table,
        ...(entry.endpoint ? { endpoint: entry.endpoint } : {}),
        credentials: entry.awsProfile ? { source: 'profile', profile: entry.awsProfile } : { source: 'default' },
        ...(entry.blacklistRedis ? { blacklistRedis: { url: entry.blacklistRedis } } : {}),
      },
    };
    const result = StoredConnectionSchema.safeParse(candidate);
    if (result.success) out.push(result.data);
    else if (typeof entry.name === 'string') {
      const issue = result.error.issues[0];
      rejected.push({ name: entry.name, reason: issue ? `${issue.path.join('.')}: ${issue.message}` : 'malformed' });
    }
  }
  return { connections: out, rejected };
}

/** Where a secret is sent: the same hosts, user, endpoint and key id means the same target. */
export function sameSecretTarget(a: StoredConnection['store'], b: StoredConnection['store']): boolean {
  return storeKind(a).secretTarget(a) === storeKind(b).secretTarget(b);
}

/** Where a blacklist password is sent: the same blacklist URL and user (never when either has none). */
export function sameBlacklistTarget(a: StoredConnection['store'], b: StoredConnection['store']): boolean {
  const target = blacklistTarget(a);
  return target !== '' && target === blacklistTarget(b);
}

function blacklistKey(id: string): string {
  return `${id}#blacklist`;
}

function blacklistTarget(store: StoredConnection['store']): string {
  const target = storeKind(store).blacklist(store, { secret: null, blacklistSecret: null });
  return target ? JSON.stringify([target.url, target.username ?? '']) : '';
}
