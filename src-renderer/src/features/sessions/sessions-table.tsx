import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Session } from '../../../../src-shared/session';
import { StatusBadge } from '../../ui/status-badge';
import { TimeCell } from '../../ui/time-cell';
import { useColumnChoice } from './column-choice';
import { useNewRows } from './new-rows';
import { useSelection } from './selection-store';

const ROW_HEIGHT = 34;
const column = createColumnHelper<Session>();

/** Sentinel sessions show profile and request count; web sessions e-mail and IP address. */
function columns(now: number, web: boolean) {
  const storeColumns = web
    ? [
        column.accessor('user', { header: 'User', size: 140 }),
        column.accessor((s) => s.email ?? '', { id: 'email', header: 'E-mail', size: 170 }),
      ]
    : [column.accessor('user', { header: 'User', size: 140 }), column.accessor('profile', { header: 'Profile', size: 130 })];
  const lastColumn = web
    ? column.accessor((s) => s.ipAddress ?? '', { id: 'ipAddress', header: 'IP address', size: 120, meta: { className: 'mono' } })
    : column.accessor('requestCount', {
        header: 'Requests',
        cell: (c) => c.getValue().toLocaleString('en-US'),
        size: 90,
        meta: { numeric: true },
      });
  return [
    column.display({
      id: 'select',
      header: ({ table }) => <SelectAllBox ids={rowIds(table.getRowModel().rows)} />,
      cell: (c) => <SelectBox id={c.row.original.id} />,
      size: 40,
      meta: { className: 'select-cell' },
    }),
    column.accessor('id', {
      header: 'Session',
      cell: (c) => <OpenDetails id={c.getValue()} />,
      // Web session ids are longer tokens (a UUID, 22 base64url characters).
      size: web ? 200 : 160,
    }),
    ...storeColumns,
    column.accessor('status', {
      header: 'Status',
      cell: (c) => <StatusBadge status={c.getValue()} storedStatus={c.row.original.storedStatus} />,
      size: 120,
    }),
    column.accessor('startedAt', { header: web ? 'Created' : 'Started', cell: (c) => <TimeCell value={c.getValue()} now={now} />, size: 110, sortUndefined: 'last' }),
    column.accessor('lastAccessAt', { header: web ? 'Last active' : 'Last access', cell: (c) => <TimeCell value={c.getValue()} now={now} />, size: 110 }),
    column.accessor('expiresAt', { header: 'Expires', cell: (c) => <TimeCell value={c.getValue()} now={now} />, size: 110 }),
    lastColumn,
    // Optional identity columns (see ColumnChoice): which device, and Sentinel's source identity.
    column.accessor('deviceId', { header: 'Device', size: web ? 200 : 150, meta: { className: web ? undefined : 'mono' } }),
    column.accessor('sourceIdentity', { header: 'Source identity', size: 220, meta: { className: 'mono' } }),
  ];
}

const idsOf = new WeakMap<object, string[]>();

/** Ids of a row model, computed once per model (not on every scroll frame). */
function rowIds(rows: { id: string }[]): string[] {
  let ids = idsOf.get(rows);
  if (!ids) {
    ids = rows.map((r) => r.id);
    idsOf.set(rows, ids);
  }
  return ids;
}

/** Ticks every loaded row (in the current sort), or unticks them. */
function SelectAllBox({ ids }: { ids: string[] }) {
  const selected = useSelection((s) => s.selected);
  const setMany = useSelection((s) => s.setMany);
  // Cheap first: fewer ticks than rows cannot be "all".
  const all = ids.length > 0 && selected.size >= ids.length && ids.every((id) => selected.has(id));
  return <input type="checkbox" aria-label="Select all loaded sessions" checked={all} onChange={(e) => setMany(ids, e.target.checked)} />;
}

function SelectBox({ id }: { id: string }) {
  const checked = useSelection((s) => s.selected.has(id));
  const toggle = useSelection((s) => s.toggle);
  return <input type="checkbox" aria-label={`Select session ${id}`} checked={checked} onChange={() => toggle(id)} />;
}

function OpenDetails({ id }: { id: string }) {
  const focus = useSelection((s) => s.focus);
  return (
    <button type="button" className="mono cell-button" onClick={() => focus(id)} aria-label={`Show details of session ${id}`}>
      {id}
    </button>
  );
}

interface SessionsTableProps {
  sessions: Session[];
  now: number;
  hasMore: boolean;
  loadingMore: boolean;
  onNeedMore: () => void;
  label: string;
  /**
   * Rows that appeared since the last look. Only those that are new sessions (created after every
   * row already there) are highlighted, never the older rows of a page loaded on scroll.
   */
  fresh: ReadonlySet<string>;
  /** Narrower layout while the detail panel is open: start time (and e-mail) are shown there. */
  compact?: boolean;
  /** Web sessions (Redis): their own columns. */
  web?: boolean;
}

/**
 * The live sessions table: a real <table> (so screen readers get rows and columns) whose body is
 * virtualised, so only the rows in view are in the DOM however many are loaded. Rows are keyed
 * by session id, so position and selection survive refreshes.
 */
export function SessionsTable({ sessions, now, hasMore, loadingMore, onNeedMore, label, fresh: added, compact = false, web = false }: SessionsTableProps) {
  const fresh = useNewRows(sessions, added);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [sorting, setSorting] = useState<SortingState>([]);
  const focused = useSelection((s) => s.focused);
  const optional = useColumnChoice();
  const tableColumns = useMemo(() => columns(now, web), [now, web]);
  const table = useReactTable({
    data: sessions,
    columns: tableColumns,
    state: { sorting, columnVisibility: { startedAt: !compact, email: !compact, deviceId: optional.device, sourceIdentity: optional.source && !web } },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (s) => s.id,
  });
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

  // Keyboard: ↑/↓ (Home/End) move between rows' "show details" buttons, Enter opens the panel,
  // and when the panel closes (Esc) focus goes back to the row it showed.
  const focusRow = (index: number) => {
    const row = rows[index];
    if (!row) return;
    virtualizer.scrollToIndex(index, { align: 'auto' });
    const target = () => scrollRef.current?.querySelector<HTMLElement>(`tr[data-session-id="${CSS.escape(row.id)}"] .cell-button`);
    const now = target();
    if (now) now.focus();
    else requestAnimationFrame(() => target()?.focus());
  };
  const onKeyDown = (event: React.KeyboardEvent<HTMLDivElement>) => {
    if (!['ArrowDown', 'ArrowUp', 'Home', 'End'].includes(event.key) || event.altKey || event.ctrlKey || event.metaKey) return;
    const target = event.target as HTMLElement;
    if (target.tagName === 'INPUT' && event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const rowIndex = Number(target.closest('tr[data-session-id]')?.getAttribute('aria-rowindex') ?? '1') - 2;
    const next = event.key === 'Home' ? 0 : event.key === 'End' ? rows.length - 1 : event.key === 'ArrowDown' ? rowIndex + 1 : rowIndex - 1;
    if (next < 0 || next >= rows.length) return;
    event.preventDefault();
    focusRow(next);
  };
  const shown = useRef<string | null>(null);
  useEffect(() => {
    const previous = shown.current;
    shown.current = focused;
    if (focused !== null || previous === null) return;
    const index = rows.findIndex((r) => r.id === previous);
    if (index >= 0) focusRow(index);
    else scrollRef.current?.focus();
    // Only a change of the panel's session matters here, not every new row model.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [focused]);

  const padTop = items[0]?.start ?? 0;
  const padBottom = virtualizer.getTotalSize() - (items[items.length - 1]?.end ?? 0);

  return (
    <div className="table-scroll" ref={scrollRef} tabIndex={0} aria-label={`${label}, scrollable`} onKeyDown={onKeyDown}>
      <table className="sessions-table" aria-label={label} aria-rowcount={rows.length + 1} style={{ minWidth: table.getVisibleLeafColumns().reduce((w, c) => w + c.getSize(), 0) }}>
        <colgroup>
          {table.getVisibleLeafColumns().map((c) => (
            <col key={c.id} style={{ width: c.getSize() }} />
          ))}
        </colgroup>
        <thead>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id} aria-rowindex={1}>
              {group.headers.map((header) => {
                const sorted = header.column.getIsSorted();
                const canSort = header.column.getCanSort() && header.column.id !== 'select';
                return (
                  <th
                    key={header.id}
                    scope="col"
                    className={cellClass(header.column.columnDef.meta)}
                    aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
                  >
                    {canSort ? (
                      <button type="button" className="sort-button" onClick={header.column.getToggleSortingHandler()}>
                        {flexRender(header.column.columnDef.header, header.getContext())}
                        <span aria-hidden="true" className="sort-mark">
                          {sorted === 'asc' ? '▲' : sorted === 'desc' ? '▼' : ''}
                        </span>
                      </button>
                    ) : (
                      flexRender(header.column.columnDef.header, header.getContext())
                    )}
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {padTop > 0 ? <tr aria-hidden="true" style={{ height: padTop }} /> : null}
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            const classes = [fresh.has(row.id) ? 'fresh' : '', focused === row.id ? 'focused' : ''].filter(Boolean).join(' ');
            return (
              <tr
                key={row.id}
                data-testid="session-row"
                data-session-id={row.id}
                data-fresh={fresh.has(row.id) ? 'true' : undefined}
                aria-rowindex={item.index + 2}
                className={classes || undefined}
                style={{ height: ROW_HEIGHT }}
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id} className={cellClass(cell.column.columnDef.meta)}>
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

function cellClass(meta: unknown): string | undefined {
  const m = (typeof meta === 'object' && meta !== null ? meta : {}) as { numeric?: boolean; className?: string };
  return [m.numeric ? 'num' : '', m.className ?? ''].filter(Boolean).join(' ') || undefined;
}
