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
  /** Bumped by invalidate: a gathering begun before it must not be cached after it. */
  #generation = 0;

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
      const generation = this.#generation;
      const gathering = this.#source
        .activeUsers()
        .then((users) => {
          const gathered = { users, asOfMs: started };
          if (generation === this.#generation) this.#cached = gathered;
          return gathered;
        })
        .finally(() => {
          if (this.#gathering === gathering) this.#gathering = null;
        });
      this.#gathering = gathering;
    }
    return this.#gathering;
  }

  /** Live counts change with a revocation: the next lookup gathers again. */
  invalidate(): void {
    this.#cached = null;
    this.#gathering = null;
    this.#generation += 1;
  }

  /** What the store knows of a typed name (see UserLookupSchema). */
  async lookup(typed: string): Promise<UserLookup> {
    const text = typed.trim();
    const { users, asOfMs } = await this.users();
    let found = matchUser(text, users);
    const known = found.match === 'exact' ? true : await this.#source.hasUser(text);
    // The exact name is in the store (nothing live, or newer than the directory): it is that
    // user, never the one another case or an e-mail points to; that one is only suggested.
    if (found.match === 'resolved' && known === true) found = { match: 'none' };
    const suggestions = found.match === 'exact' ? [] : suggestUsers(text, users).filter((s) => found.match !== 'resolved' || s.user !== found.user);
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
