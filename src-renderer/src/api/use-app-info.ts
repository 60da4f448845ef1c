import { useQuery } from '@tanstack/react-query';
import { wardenClient } from './warden-client';

/** The active connection and operator identity; they change only when the connection does. */
export function useAppInfo() {
  return useQuery({ queryKey: ['app', 'info'], queryFn: wardenClient.appInfo, staleTime: Infinity });
}
