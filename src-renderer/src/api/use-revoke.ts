import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import type { RevokeReport, RevokeSessionsRequest, RevokeUsersRequest } from '../../../src-shared/revocation';
import { useToasts } from '../ui/toast-store';
import { useAppInfo } from './use-app-info';
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
  const show = useToasts((s) => s.show);
  // The connection the operator is looking at: main refuses if another one is active by then.
  const connection = useAppInfo().data?.connection.name;
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const mutation = useMutation<RevokeReport, Error, RevokeInput>({
    mutationFn: ({ target, ...fields }) => {
      setProgress(null);
      const reason = { ...fields, ...(connection !== undefined ? { connection } : {}) };
      if (target.kind === 'sessions') return wardenClient.revokeSessions({ ids: target.ids, ...reason });
      const request: RevokeUsersRequest = { users: target.kind === 'user' ? [target.user] : target.users, ...reason };
      return wardenClient.revokeUsers(request);
    },
    onSuccess: (report) => {
      const revoked = report.results.filter((r) => r.outcome === 'revoked').length;
      const problems = report.results.filter((r) => r.outcome === 'failed' || r.outcome === 'not_found').length;
      const pending = report.results.filter((r) => r.blacklist === 'pending').length;
      show(
        `${revoked} session${revoked === 1 ? '' : 's'} revoked${problems ? `, ${problems} not revoked` : ''}${pending ? `, ${pending} blacklist write${pending === 1 ? '' : 's'} pending` : ''}.`,
        problems || pending ? 'warning' : 'success',
      );
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
