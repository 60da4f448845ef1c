/** Bad usage or input: exit 2, nothing written. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The store could not be reached before any write: exit 3. */
export class StoreUnreachableError extends Error {
  override name = 'StoreUnreachableError';
}

/**
 * 0 done; 1 a session was not revoked; 2 bad usage (nothing written); 3 the store could not be
 * reached before any write; 4 revoked in the store, but a blacklist entry is pending or failed;
 * 5 (canary run) enforcement proven, but slower than the threshold.
 */
export const EXIT = { ok: 0, incomplete: 1, usage: 2, unreachable: 3, blacklistIncomplete: 4, canarySlow: 5 } as const;
