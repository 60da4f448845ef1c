import { useMutation } from '@tanstack/react-query';
import { wardenClient } from '../../api/warden-client';

/** Creates a saved DynamoDB connection's team ledger table (main uses the saved credentials). */
export function useInitLedger() {
  return useMutation({ mutationFn: (id: string) => wardenClient.connections.initLedger({ id }) });
}
