import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { RevokeReport, RevokeSessionsRequest, RevokeUsersRequest } from '../../../src-shared/revocation';
import { wardenClient } from './warden-client';

export type RevokeTarget =
  | { kind: 'sessions'; ids: string[]; users: string[] }
  | { kind: 'user'; user: string; count: number }
  | { kind: 'users'; users: string[]; count: number };

export type RevokeInput = Omit<RevokeSessionsRequest, 'ids'> & { target: RevokeTarget };

/**
 * Revokes through main, reports progress while it runs, and refreshes every sessions query the
 * moment it is done, so the table shows the new state without a manual refresh.
 */
export function useRevoke() {
  const queryClient = useQueryClient();
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const mutation = useMutation<RevokeReport, Error, RevokeInput>({
    mutationFn: ({ target, ...reason }) => {
      setProgress(null);
      if (target.kind === 'sessions') return wardenClient.revokeSessions({ ids: target.ids, ...reason });
      const request: RevokeUsersRequest = { users: target.kind === 'user' ? [target.user] : target.users, ...reason };
      return wardenClient.revokeUsers(request);
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: ['sessions'] }),
  });
  const running = mutation.isPending;
  useEffect(() => {
    if (!running) return undefined;
    return wardenClient.onRevokeProgress(setProgress);
  }, [running]);
  return { ...mutation, progress };
}
