import { useQuery } from '@tanstack/react-query';
import { wardenClient } from './warden-client';

/** The active connection and operator identity; they change only when the connection does. */
export function useAppInfo() {
  return useQuery({ queryKey: ['app', 'info'], queryFn: wardenClient.appInfo, staleTime: Infinity });
}

/**
 * True when the connection holds web sessions (Redis): no profiles, server instances or AWS
 * credentials, but e-mail, IP address and browser instead.
 */
export function useWebSessions(): boolean {
  return useAppInfo().data?.connection.kind === 'redis';
}

/**
 * True for a read-only (auditor) connection: revoke actions are hidden. Main refuses revocations
 * on such a connection whatever the renderer sends; this only keeps the UI honest.
 */
export function useReadOnly(): boolean {
  return useAppInfo().data?.connection.readOnly === true;
}
