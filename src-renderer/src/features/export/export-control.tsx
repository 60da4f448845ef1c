import { useId, useState } from 'react';
import type { ExportResult } from '../../../../src-shared/export';
import { EXPORT_FORMATS, type ExportFormat } from '../../../../src-shared/reason-codes';
import { useExport, type ExportTarget } from '../../api/use-export';
import { ModalDialog } from '../../ui/modal-dialog';
import { useToasts } from '../../ui/toast-store';

const FORMAT_LABELS: Record<ExportFormat, string> = { csv: 'CSV', json: 'JSON', ndjson: 'NDJSON' };

/** What was written, in the units of the screen it came from: sessions, or revocations and their ledger entries. */
function savedText(target: ExportTarget, result: ExportResult): string {
  const n = (x: number) => x.toLocaleString('en-US');
  const file = result.fileName ?? 'the file';
  const hash = `SHA-256 ${result.sha256?.slice(0, 12) ?? ''}…`;
  if (target.kind === 'sessions') return `Exported ${n(result.rows)} session${result.rows === 1 ? '' : 's'} to ${file}; manifest ${result.manifestFileName ?? ''} (${hash}).`;
  if (target.kind === 'store-audit') return `Exported ${n(result.rows)} audit log row${result.rows === 1 ? '' : 's'} to ${file}; manifest ${result.manifestFileName ?? ''} (${hash}).`;
  const revocations = result.revocations ?? 0;
  const what = `${n(revocations)} revocation${revocations === 1 ? '' : 's'} (${n(result.rows)} ledger ${result.rows === 1 ? 'entry' : 'entries'})`;
  const manifest = Object.keys(target.filter).length > 0 ? `the manifest ${result.manifestFileName ?? ''} states the filter` : `manifest ${result.manifestFileName ?? ''}`;
  return `Exported ${what} to ${file}; ${manifest} (${hash}).`;
}

/**
 * "Export as [CSV] Export…": main asks where to save, streams every row (not only those loaded),
 * and writes a manifest with the row count and SHA-256 beside the file. Progress with Cancel.
 */
export function ExportControl({ target, label }: { target: ExportTarget; label: string }) {
  const id = useId();
  const [format, setFormat] = useState<ExportFormat>('csv');
  const exporter = useExport();
  const show = useToasts((s) => s.show);
  const start = () =>
    exporter.mutate(
      { target, format },
      {
        onSuccess: (result) => {
          if (result.cancelled) show('Export cancelled: nothing was saved.', 'warning');
          else if (result.saved) show(savedText(target, result));
        },
        onError: (error) => show(`Export failed: ${error.message}`, 'warning'),
      },
    );
  return (
    <div className="export-control" role="group" aria-label={label}>
      <label className="visually-hidden" htmlFor={`${id}-format`}>
        Export format
      </label>
      <select id={`${id}-format`} value={format} onChange={(e) => setFormat(e.target.value as ExportFormat)} disabled={exporter.isPending}>
        {EXPORT_FORMATS.map((f) => (
          <option key={f} value={f}>
            {FORMAT_LABELS[f]}
          </option>
        ))}
      </select>
      <button type="button" className="secondary-button" onClick={start} disabled={exporter.isPending}>
        {label}…
      </button>
      <ModalDialog open={exporter.isPending} onClose={() => undefined} busy labelledBy={`${id}-title`} testId="export-dialog">
        <h2 id={`${id}-title`} className="dialog-title">
          Exporting
        </h2>
        <p role="status" aria-live="polite" data-testid="export-progress">
          {exporter.rows === null ? 'Choose where to save the file…' : `${exporter.rows.toLocaleString('en-US')} rows written…`}
        </p>
        <div className="dialog-actions">
          <button type="button" className="secondary-button" onClick={exporter.cancel} data-autofocus>
            Cancel export
          </button>
        </div>
      </ModalDialog>
    </div>
  );
}
