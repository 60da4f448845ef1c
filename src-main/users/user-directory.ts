import type { UserLookup } from '../../src-shared/users';
import { matchUser, suggestUsers, type DirectoryUser } from './user-match';

/** What a store offers the directory: its users with live sessions, read through an index. */
export interface UserDirectorySource {
  /** Every user with live sessions, with how many and any e-mails seen; never a table scan. */
  activeUsers(): Promise<DirectoryUser[]>;
  /**
   * Whether the store holds any session (any status) of exactly this name, in one cheap read;
   * null when the store cannot tell that cheaply.
   */
  hasUser(user: string): Promise<boolean | null>;
}

export interface UserDirectoryOptions {
  /** How old the gathered users may be before a lookup gathers them again. */
  maxAgeMs?: number;
  clock?: () => number;
}

/**
 * The users a store holds live sessions for, gathered from its index, cached for a short while
 * (a lookup per keystroke must not read the index each time) and gathered again once stale or
 * after a revocation. Concurrent lookups share one gathering.
 */
export class UserDirectory {
  readonly #source: UserDirectorySource;
  readonly #maxAgeMs: number;
  readonly #clock: () => number;
  #cached: { users: DirectoryUser[]; asOfMs: number } | null = null;
  #gathering: Promise<{ users: DirectoryUser[]; asOfMs: number }> | null = null;

  constructor(source: UserDirectorySource, options: UserDirectoryOptions = {}) {
    this.#source = source;
    this.#maxAgeMs = options.maxAgeMs ?? 30_000;
    this.#clock = options.clock ?? Date.now;
  }

  /** The users with live sessions, at most `maxAgeMs` old. */
  async users(): Promise<{ users: DirectoryUser[]; asOfMs: number }> {
    if (this.#cached && this.#clock() - this.#cached.asOfMs < this.#maxAgeMs) return this.#cached;
    if (!this.#gathering) {
      const started = this.#clock();
      this.#gathering = this.#source
        .activeUsers()
        .then((users) => (this.#cached = { users, asOfMs: started }))
        .finally(() => (this.#gathering = null));
    }
    return this.#gathering;
  }

  /** Live counts change with a revocation: the next lookup gathers again. */
  invalidate(): void {
    this.#cached = null;
  }

  /** What the store knows of a typed name (see UserLookupSchema). */
  async lookup(typed: string): Promise<UserLookup> {
    const text = typed.trim();
    const { users, asOfMs } = await this.users();
    const found = matchUser(text, users);
    const known = found.match === 'exact' ? true : await this.#source.hasUser(text);
    const suggestions = found.match === 'none' ? suggestUsers(text, users) : suggestUsers(text, users).filter((s) => s.user !== found.user);
    return {
      text,
      match: found.match,
      ...(found.match !== 'none' ? { user: found.user } : {}),
      ...(found.match === 'resolved' ? { how: found.how } : {}),
      live: found.match === 'none' ? 0 : found.live,
      known,
      suggestions,
      directory: { users: users.length, asOf: new Date(asOfMs).toISOString() },
    };
  }
}
