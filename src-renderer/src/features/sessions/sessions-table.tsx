import { createColumnHelper, flexRender, getCoreRowModel, useReactTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef } from 'react';
import type { Session } from '../../../../src-shared/session';
import { StatusBadge } from '../../ui/status-badge';
import { TimeCell } from '../../ui/time-cell';

const ROW_HEIGHT = 34;
const column = createColumnHelper<Session>();

function columns(now: number) {
  return [
    column.accessor('id', { header: 'Session', cell: (c) => <span className="mono">{c.getValue()}</span>, size: 170 }),
    column.accessor('user', { header: 'User', size: 150 }),
    column.accessor('profile', { header: 'Profile', size: 140 }),
    column.accessor('status', {
      header: 'Status',
      cell: (c) => <StatusBadge status={c.getValue()} storedStatus={c.row.original.storedStatus} />,
      size: 120,
    }),
    column.accessor('startedAt', { header: 'Started', cell: (c) => <TimeCell value={c.getValue()} now={now} />, size: 110 }),
    column.accessor('lastAccessAt', { header: 'Last access', cell: (c) => <TimeCell value={c.getValue()} now={now} />, size: 110 }),
    column.accessor('expiresAt', { header: 'Expires', cell: (c) => <TimeCell value={c.getValue()} now={now} />, size: 110 }),
    column.accessor('requestCount', {
      header: 'Requests',
      cell: (c) => c.getValue().toLocaleString('en-US'),
      size: 90,
      meta: { numeric: true },
    }),
  ];
}

interface SessionsTableProps {
  sessions: Session[];
  now: number;
  hasMore: boolean;
  loadingMore: boolean;
  onNeedMore: () => void;
  label: string;
}

/**
 * The live sessions table: a real <table> (so screen readers get rows and columns) whose body is
 * virtualised, so only the rows in view are in the DOM however many are loaded.
 */
export function SessionsTable({ sessions, now, hasMore, loadingMore, onNeedMore, label }: SessionsTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const tableColumns = useMemo(() => columns(now), [now]);
  const table = useReactTable({ data: sessions, columns: tableColumns, getCoreRowModel: getCoreRowModel(), getRowId: (s) => s.id });
  const rows = table.getRowModel().rows;
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? -1;

  useEffect(() => {
    if (hasMore && !loadingMore && lastIndex >= rows.length - 20) onNeedMore();
  }, [hasMore, loadingMore, lastIndex, rows.length, onNeedMore]);

  const padTop = items[0]?.start ?? 0;
  const padBottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);

  return (
    <div className="table-scroll" ref={scrollRef} tabIndex={0} aria-label={`${label}, scrollable`}>
      <table className="sessions-table" aria-label={label} aria-rowcount={rows.length + 1}>
        <colgroup>
          {table.getVisibleLeafColumns().map((c) => (
            <col key={c.id} style={{ width: c.getSize() }} />
          ))}
        </colgroup>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id} aria-rowindex={1}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col" className={isNumeric(header.column.columnDef.meta) ? 'num' : undefined}>
                  {flexRender(header.column.columnDef.header, header.getContext())}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody>
          {padTop > 0 ? <tr aria-hidden="true" style={{ height: padTop }} /> : null}
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <tr key={row.id} data-testid="session-row" data-session-id={row.id} aria-rowindex={item.index + 2} style={{ height: ROW_HEIGHT }}>
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className={isNumeric(cell.column.columnDef.meta) ? 'num' : undefined}>
                    {flexRender(cell.column.columnDef.cell, cell.getContext())}
                  </td>
                ))}
              </tr>
            );
          })}
          {padBottom > 0 ? <tr aria-hidden="true" style={{ height: padBottom }} /> : null}
        </tbody>
      </table>
      {loadingMore ? <p className="table-footer" role="status">Loading more sessions…</p> : null}
    </div>
  );
}

function isNumeric(meta: unknown): boolean {
  return typeof meta === 'object' && meta !== null && (meta as { numeric?: boolean }).numeric === true;
}
