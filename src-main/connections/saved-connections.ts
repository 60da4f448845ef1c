import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * Saved connections, as the command line reads them from `connections.json` in the app's data
 * directory. Only connections that need no stored secret are read here (AWS profiles or the
 * default credential chain); a Redis URL with a password in it is refused, never used from
 * plain text.
 */
/** No password in the user-info part, nor as a `password` query parameter (ioredis reads both). */
function hasNoPassword(url: string): boolean {
  try {
    const parsed = new URL(url);
    return parsed.password === '' && ![...parsed.searchParams.keys()].some((key) => key.toLowerCase() === 'password');
  } catch {
    return false;
  }
}

const SavedConnectionSchema = z.strictObject({
  name: z.string().min(1).max(100),
  table: z.string().min(3).max(255),
  region: z.string().min(1).max(50).optional(),
  endpoint: z.url().optional(),
  awsProfile: z.string().min(1).max(100).optional(),
  /** Auditor mode: listing and the ledger only; every revocation is refused. */
  readOnly: z.boolean().optional(),
  blacklistRedis: z
    .string()
    .regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL')
    .refine(hasNoPassword, 'holds a password: secrets are not read from connections.json')
    .optional(),
  /** The blacklist Redis ACL user. */
  blacklistUsername: z.string().min(1).max(256).optional(),
  /** The app keeps a blacklist password for it, sealed with the OS keyring (which the command line cannot open). */
  blacklistPasswordSealed: z.boolean().optional(),
  /** The team ledger table every desk's revocations are chained into. */
  teamLedger: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/).optional(),
});
export type SavedConnection = z.infer<typeof SavedConnectionSchema>;

/** One bad entry must not make the others unusable: entries are checked when used. */
const FileSchema = z.strictObject({ version: z.union([z.literal(1), z.literal(2)]), connections: z.array(z.looseObject({ name: z.string() })) });

export class SavedConnectionError extends Error {
  override name = 'SavedConnectionError';
}

export function connectionsFile(dataDir: string): string {
  return join(dataDir, 'connections.json');
}

/** The saved connection called `name`; a clear error when the file or the name is missing or bad. */
export async function loadSavedConnection(dataDir: string, name: string): Promise<SavedConnection> {
  const path = connectionsFile(dataDir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new SavedConnectionError(`no saved connections: ${path} does not exist`);
  }
  let parsed: z.infer<typeof FileSchema>;
  try {
    parsed = FileSchema.parse(JSON.parse(text));
  } catch (error) {
    const issue = error instanceof z.ZodError ? error.issues[0] : undefined;
    const where = issue ? `${issue.path.join('.')}: ${issue.message}` : 'not valid JSON';
    throw new SavedConnectionError(`${path} is not a valid connections file (${where})`, { cause: error });
  }
  const entry = parsed.connections.find((c) => c.name === name);
  if (!entry) throw new SavedConnectionError(`no saved connection named "${name}" (known: ${parsed.connections.map((c) => c.name).join(', ') || 'none'})`);
  const found = parsed.version === 2 ? fromAppConnection(entry) : entry;
  const checked = SavedConnectionSchema.safeParse(found);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new SavedConnectionError(`saved connection "${name}" is not usable: ${issue?.path.join('.')} ${issue?.message}`);
  }
  return checked.data;
}

/**
 * A connection saved by the app (version 2) in the command line's terms. Secrets the app keeps
 * are encrypted with the OS keyring of the app, which the command line cannot use: such
 * connections are refused with what to do instead.
 */
function fromAppConnection(entry: Record<string, unknown>): Record<string, unknown> {
  const name = String(entry.name);
  const store = (entry.store ?? {}) as Record<string, unknown>;
  if (store.kind === 'redis') throw new SavedConnectionError(`saved connection "${name}" is a Redis web-session store: use --store redis --redis URL`);
  const credentials = (store.credentials ?? {}) as Record<string, unknown>;
  if (credentials.source === 'static' || entry.secret !== undefined) {
    throw new SavedConnectionError(`saved connection "${name}" holds a secret the app keeps encrypted: the command line uses AWS profiles or the default credential chain`);
  }
  const blacklist = store.blacklistRedis as { url?: string; username?: string } | undefined;
  return {
    name,
    table: store.table,
    ...(store.region !== undefined ? { region: store.region } : {}),
    ...(store.endpoint !== undefined ? { endpoint: store.endpoint } : {}),
    ...(credentials.source === 'profile' ? { awsProfile: credentials.profile } : {}),
    ...(blacklist?.url ? { blacklistRedis: blacklist.url } : {}),
    ...(blacklist?.url && blacklist.username ? { blacklistUsername: blacklist.username } : {}),
    ...(blacklist?.url && entry.blacklistSecret !== undefined ? { blacklistPasswordSealed: true } : {}),
    ...(entry.readOnly === true ? { readOnly: true } : {}),
    ...(typeof store.teamLedger === 'string' ? { teamLedger: store.teamLedger } : {}),
  };
}
