import type { AppInfo } from '../../../../src-shared/contract';

/**
 * When a revocation actually stops the holder, said for the kind of store: a web session is
 * refused from its next request; a Sentinel credential already fetched lives until it expires.
 */
export function whenRevocationTakesEffect(kind: AppInfo['connection']['kind'] | undefined): string {
  return kind === 'redis'
    ? 'The web app checks revoked:<id> on every request: each session is refused from its next request.'
    : 'Credentials already issued stay valid until they expire (up to 15 minutes); revoking stops the next fetch.';
}
