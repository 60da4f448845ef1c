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
});
export type SavedConnection = z.infer<typeof SavedConnectionSchema>;

/** One bad entry must not make the others unusable: entries are checked when used. */
const FileSchema = z.strictObject({ version: z.literal(1), connections: z.array(z.looseObject({ name: z.string() })) });

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
  const found = parsed.connections.find((c) => c.name === name);
  if (!found) throw new SavedConnectionError(`no saved connection named "${name}" (known: ${parsed.connections.map((c) => c.name).join(', ') || 'none'})`);
  const checked = SavedConnectionSchema.safeParse(found);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new SavedConnectionError(`saved connection "${name}" is not usable: ${issue?.path.join('.')} ${issue?.message}`);
  }
  return checked.data;
}
