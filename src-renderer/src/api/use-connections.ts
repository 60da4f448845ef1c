import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { RequestOf } from '../../../src-shared/contract';
import { useSelection } from '../features/sessions/selection-store';
import { wardenClient } from './warden-client';

/** Saved connections, the active one, and whether secrets can be kept encrypted here. */
export function useConnections() {
  return useQuery({ queryKey: ['connections'], queryFn: () => wardenClient.connections.list() });
}

export function useAwsProfiles(enabled: boolean) {
  return useQuery({ queryKey: ['connections', 'profiles'], queryFn: async () => (await wardenClient.connections.profiles()).profiles, enabled, staleTime: 60_000 });
}

/** Makes a connection active; everything read from the previous one is dropped. */
export function useSwitchConnection() {
  const queryClient = useQueryClient();
  const clearSelection = useSelection((s) => s.clear);
  return useMutation({
    mutationFn: (id: string) => wardenClient.connections.switch({ id }),
    onSuccess: async () => {
      clearSelection();
      await queryClient.resetQueries();
    },
  });
}

export function useSaveConnection() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (request: RequestOf<'connections:save'>) => wardenClient.connections.save(request), onSuccess: () => queryClient.invalidateQueries({ queryKey: ['connections'] }) });
}

export function useDeleteConnection() {
  const queryClient = useQueryClient();
  return useMutation({ mutationFn: (id: string) => wardenClient.connections.delete({ id }), onSuccess: () => queryClient.resetQueries() });
}

export function useTestConnection() {
  return useMutation({ mutationFn: (request: RequestOf<'connections:test'>) => wardenClient.connections.test(request) });
}
