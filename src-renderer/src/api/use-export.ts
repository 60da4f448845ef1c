import { useMutation } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import type { RequestOf } from '../../../src-shared/contract';
import type { ExportFormat } from '../../../src-shared/export';
import { wardenClient } from './warden-client';

/** Sessions of a filter, or the ledger entries of the audit rows a filter matches (the audit table's filter). */
export type ExportTarget =
  | { kind: 'sessions'; filter: Extract<RequestOf<'export:start'>, { kind: 'sessions' }>['filter'] }
  | { kind: 'ledger'; filter: NonNullable<Extract<RequestOf<'export:start'>, { kind: 'ledger' }>['filter']> }
  | { kind: 'store-audit'; window: Extract<RequestOf<'export:start'>, { kind: 'store-audit' }>['window'] };

/** Starts an export in main, follows its progress, and can cancel it. */
export function useExport() {
  const [rows, setRows] = useState<number | null>(null);
  const running = useRef<string | null>(null);
  const mutation = useMutation({
    mutationFn: async ({ target, format }: { target: ExportTarget; format: ExportFormat }) => {
      const exportId = crypto.randomUUID();
      running.current = exportId;
      setRows(null);
      // Subscribed only while this export runs (and only once the bridge is known to exist).
      const unsubscribe = wardenClient.on('export:progress', (progress) => {
        if (progress.exportId === exportId) setRows(progress.rows);
      });
      try {
        return await wardenClient.export.start({ exportId, format, ...target });
      } finally {
        unsubscribe();
        running.current = null;
      }
    },
  });
  const cancel = () => {
    if (running.current) void wardenClient.export.cancel({ exportId: running.current });
  };
  return { ...mutation, rows, cancel };
}
