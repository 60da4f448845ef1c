/** Bad usage or input: exit 2, nothing written. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The store could not be reached before any write: exit 3. */
export class StoreUnreachableError extends Error {
  override name = 'StoreUnreachableError';
}

export const EXIT = { ok: 0, incomplete: 1, usage: 2, unreachable: 3 } as const;
