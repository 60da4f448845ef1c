import { useQuery } from '@tanstack/react-query';
import type { StoreCapabilities } from '../../../src-shared/store-capabilities';
import { wardenClient } from './warden-client';

export const APP_INFO_KEY = ['app', 'info'] as const;

/** The active connection and operator identity; they change only when the connection does. */
export function useAppInfo() {
  return useQuery({ queryKey: APP_INFO_KEY, queryFn: () => wardenClient.app.info(), staleTime: Infinity });
}

/**
 * What the active connection's store offers (filters, columns, detail fields, when a revocation
 * takes effect), as main declares it for the store's kind. Screens draw from this, never from the
 * kind's name. Undefined until app info has arrived.
 */
export function useCapabilities(): StoreCapabilities | undefined {
  return useAppInfo().data?.connection.capabilities;
}

/**
 * True for a read-only (auditor) connection: revoke actions are hidden. Main refuses revocations
 * on such a connection whatever the renderer sends; this only keeps the UI honest.
 */
export function useReadOnly(): boolean {
  return useAppInfo().data?.connection.readOnly === true;
}
