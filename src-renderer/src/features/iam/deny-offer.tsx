import { useState } from 'react';
import { useAppInfo } from '../../api/use-app-info';
import { useNow } from '../../ui/use-now';
import { DenyDialog } from './deny-dialog';

/**
 * "Also deny credentials already issued…", where revoking leaves them valid (Sentinel: the
 * capabilities' `residual` is `credential-lifetime`) and while they may still work: after a
 * revocation, and in the detail panel of a revoked session. `until`: when the last of them
 * expires (null: not known, so offered).
 */
export function DenyOffer({ ids, incident, until }: { ids: string[]; incident?: string | undefined; until: number | null }) {
  const capabilities = useAppInfo().data?.connection.capabilities;
  const now = useNow(1000);
  const [open, setOpen] = useState(false);
  if (capabilities?.residual !== 'credential-lifetime' || ids.length === 0) return null;
  if (until !== null && until <= now && !open) return null;
  return (
    <div className="deny-offer" data-testid="deny-offer">
      <button type="button" className="secondary-button" onClick={() => setOpen(true)}>
        Also deny credentials already issued…
      </button>
      <span className="muted small">An inline IAM policy can refuse {ids.length === 1 ? 'its' : 'their'} already-issued AWS credentials before they expire.</span>
      <DenyDialog open={open} onClose={() => setOpen(false)} ids={ids} incident={incident} />
    </div>
  );
}
