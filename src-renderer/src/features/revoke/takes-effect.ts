import type { StoreCapabilities } from '../../../../src-shared/store-capabilities';

/**
 * When a revocation actually stops the holder, as the store declares it (`capabilities.takesEffect`):
 * a web session is refused from its next request; a Sentinel credential already fetched lives
 * until it expires. Empty until the connection's capabilities are known.
 */
export function whenRevocationTakesEffect(capabilities: StoreCapabilities | undefined): string {
  return capabilities?.takesEffect ?? '';
}
