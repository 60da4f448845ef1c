import { MutationCache, QueryCache, QueryClient, type Query } from '@tanstack/react-query';
import { APP_INFO_KEY } from './use-app-info';
import { hasCode, WardenRequestError } from './warden-client';

/**
 * Answers that the same request will get again however often it is sent: a request main found
 * invalid, a connection that is read-only, a sender it refuses, a confirmation for a connection no
 * longer active, a cursor it no longer accepts (reset instead, below), and no bridge at all.
 */
const NOT_RETRIED: WardenRequestError['code'][] = ['VALIDATION', 'READ_ONLY', 'FORBIDDEN', 'CONNECTION_CHANGED', 'INVALID_CURSOR', 'UNKNOWN_CHANNEL', 'NO_BRIDGE'];

/** Retries a failed query once (main's errors are explicit), never one whose answer cannot change. */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  return failureCount < 1 && !hasCode(error, ...NOT_RETRIED);
}

/**
 * The renderer's one QueryClient. Besides caching, it acts on what main's error codes mean:
 * - INVALID_CURSOR: the cursor of a loaded page is no longer accepted (the connection reopened,
 *   the signing key changed): the list starts again from its first page instead of showing an error.
 * - READ_ONLY: main refused a write because the connection is read-only now: app info is read
 *   again, so the revoke actions disappear rather than fail again.
 * Every other error (STORE_UNAVAILABLE included) is shown by its screen with main's own message.
 */
export function createQueryClient(): QueryClient {
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError: (error, query) => onError(client, error, query) }),
    mutationCache: new MutationCache({ onError: (error) => onError(client, error, undefined) }),
    defaultOptions: {
      queries: { retry: shouldRetry, refetchOnWindowFocus: false },
    },
  });
  return client;
}

function onError(client: QueryClient, error: unknown, query: Query<unknown, unknown, unknown, readonly unknown[]> | undefined): void {
  // Only a query holding pages is reset: a first page refused (no cursor sent) would loop.
  if (query && hasCode(error, 'INVALID_CURSOR') && query.state.data !== undefined) {
    void client.resetQueries({ queryKey: query.queryKey, exact: true });
  }
  if (hasCode(error, 'READ_ONLY')) void client.invalidateQueries({ queryKey: APP_INFO_KEY });
}
