import { runScript } from '../web-sessions/redis-writer';
import type { RedisClient } from '../web-sessions/redis-target';
import { TeamChainError, type StoredTeamEntry, type TeamChain } from './team-chain';
import { EMPTY_HEAD, GENESIS, type TeamEntry, type TeamHead } from './team-entry';

export { DEFAULT_LEDGER_STREAM } from '../../src-shared/team-ledger';

/** The id of the chain in stream `key` at `where` (see `redisChainWhere`), known without connecting. */
export function redisChainId(where: string, key: string): string {
  return `redis:${where}/${key}`;
}

/**
 * Appends after the expected last entry, or writes nothing and answers 0. The stream's entry ids
 * are the chain positions (`<seq>-0`), so a position is taken once, and XADD refuses an id that
 * does not come after the last one even outside this script.
 */
const APPEND = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local seq, hash = 0, ARGV[3]
if #last > 0 then
  seq = tonumber(string.match(last[1][1], '^(%d+)-'))
  hash = ''
  local fields = last[1][2]
  for i = 1, #fields, 2 do if fields[i] == 'hash' then hash = fields[i + 1] end end
end
if seq ~= tonumber(ARGV[1]) or hash ~= ARGV[2] then return 0 end
if #last > 0 then
  -- An entry deleted from the end (XDEL) leaves its id used: the chain cannot go on after it.
  local info = redis.call('XINFO', 'STREAM', KEYS[1])
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' and info[i + 1] ~= last[1][1] then return -1 end
  end
end
for i = 4, #ARGV, 3 do
  redis.call('XADD', KEYS[1], ARGV[i] .. '-0', 'hash', ARGV[i + 1], 'entry', ARGV[i + 2])
end
return 1
`;

/**
 * The team ledger of a web-session Redis: a stream whose entry ids are the chain positions, each
 * with the entry's `hash` and its text (`entry`). Never trimmed.
 */
export class RedisTeamChain implements TeamChain {
  readonly id: string;
  readonly label: string;
  /** One script call; kept modest so a slow append never blocks the server for long. */
  readonly maxBatch = 200;
  readonly #client: RedisClient;
  readonly #key: string;

  /** `where` names the server (no credentials), so the same key elsewhere is another chain. */
  constructor(client: RedisClient, key: string, where: string) {
    this.#client = client;
    this.#key = key;
    this.id = redisChainId(where, key);
    this.label = `Redis stream ${key}`;
  }

  async tail(): Promise<TeamHead> {
    const [last] = await this.readNewest(null, 1);
    if (!last) return EMPTY_HEAD;
    const hash = (JSON.parse(last.text) as { hash?: unknown }).hash;
    if (typeof hash !== 'string') throw new TeamChainError('the last entry of the team ledger stream is not an entry', 'malformed');
    return { seq: last.seq, hash };
  }

  async append(entries: TeamEntry[], after: TeamHead): Promise<boolean> {
    if (entries.length === 0) return true;
    if (entries.length > this.maxBatch) throw new Error(`at most ${this.maxBatch} entries per append`);
    const args = [String(after.seq), after.hash, GENESIS, ...entries.flatMap((e) => [String(e.seq), e.hash, JSON.stringify(e)])];
    let answer: unknown;
    try {
      answer = await runScript(this.#client, APPEND, [this.#key], args);
    } catch (error) {
      throw explain(error, this.#key);
    }
    if (answer === -1) {
      throw new TeamChainError(`the stream "${this.#key}" had an entry after ${after.seq} that was deleted (XDEL): no desk can append until the entry is restored; run \`session-warden ledger verify\``, 'malformed');
    }
    return answer === 1;
  }

  async read(fromSeq: number, limit: number): Promise<StoredTeamEntry[]> {
    return this.#range(() => this.#client.xrange(this.#key, `${Math.max(1, fromSeq)}-0`, '+', 'COUNT', limit));
  }

  async readNewest(beforeSeq: number | null, limit: number): Promise<StoredTeamEntry[]> {
    if (beforeSeq !== null && beforeSeq <= 1) return [];
    // An id of the milliseconds part alone ends a reverse range at that position's last entry.
    return this.#range(() => this.#client.xrevrange(this.#key, beforeSeq === null ? '+' : String(beforeSeq - 1), '-', 'COUNT', limit));
  }

  async at(seq: number): Promise<StoredTeamEntry | null> {
    const [found] = await this.#range(() => this.#client.xrange(this.#key, `${seq}-0`, `${seq}-0`));
    return found ?? null;
  }

  async close(): Promise<void> {
    // The client belongs to the connection that opened this chain.
  }

  async #range(read: () => Promise<[string, string[]][]>): Promise<StoredTeamEntry[]> {
    let rows: [string, string[]][];
    try {
      rows = await read();
    } catch (error) {
      throw explain(error, this.#key);
    }
    return rows.map(([id, fields]) => {
      const at = fields.indexOf('entry');
      const text = at !== -1 && at % 2 === 0 ? fields[at + 1] : undefined;
      if (text === undefined) throw new TeamChainError(`stream entry ${id} of ${this.#key} is not a ledger entry`, 'malformed');
      return { seq: Number(id.split('-')[0]), text };
    });
  }
}

/** Where a Redis chain is, for its id: each server as scheme, host, port and database (one id however the URLs were typed; no credentials). */
export function redisChainWhere(urls: string[]): string {
  return urls
    .map((url) => {
      try {
        const u = new URL(url);
        return `${u.protocol}//${u.host}/${u.pathname.replace(/^\//, '') || '0'}`;
      } catch {
        return 'unparsable';
      }
    })
    .sort()
    .join(',');
}

/**
 * Whether the server keeps what is written across a restart: a stream on a server that neither
 * appends to a file nor snapshots is lost with it. Null when the server does not say (CONFIG is
 * often refused by ACLs and managed services).
 */
export async function persistenceOf(client: RedisClient): Promise<{ appendonly: boolean; snapshots: boolean } | null> {
  try {
    const node = 'nodes' in client ? (client.nodes('master')[0] ?? null) : client;
    if (!node) return null;
    const aof = (await node.config('GET', 'appendonly')) as string[];
    const save = (await node.config('GET', 'save')) as string[];
    return { appendonly: aof[1] === 'yes', snapshots: typeof save[1] === 'string' && save[1].trim() !== '' };
  } catch {
    return null;
  }
}

function explain(error: unknown, key: string): Error {
  if (error instanceof TeamChainError) return error;
  const message = (error as Error).message ?? String(error);
  if (/NOPERM|NOAUTH|WRONGPASS/.test(message)) return new TeamChainError(`the team ledger stream "${key}" was refused: ${message}`, 'denied', { cause: error });
  if (/WRONGTYPE/.test(message)) return new TeamChainError(`"${key}" on this Redis is not a stream: it cannot hold the team ledger`, 'malformed', { cause: error });
  return new TeamChainError(`the team ledger stream "${key}" could not be reached: ${message}`, 'unreachable', { cause: error });
}
