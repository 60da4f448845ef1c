import {
  createColumnHelper,
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type SortingState,
  type Table,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type CSSProperties, type ReactNode } from 'react';
import type { RevocationAlarm } from '../../../../src-shared/proof';
import type { Session } from '../../../../src-shared/session';
import type { SessionField, StoreCapabilities } from '../../../../src-shared/store-capabilities';
import { StatusBadge } from '../../ui/status-badge';
import { useAlarmedSessions } from '../../api/use-proof';
import { AlarmBadge } from '../proof/alarm-badge';
import { TimeCell } from '../../ui/time-cell';
import { useColumnChoice } from './column-choice';
import { COMPACT_HIDDEN, fieldLabel, fieldText, fieldValue, formatCount, isMonoField, OPTIONAL_COLUMNS, TIME_FIELDS } from './session-fields';
import { assignSlots, NO_SLOTS, type RowSlots } from './row-slots';
import { useSelection } from './selection-store';

const ROW_HEIGHT = 34;
const column = createColumnHelper<Session>();

/** Id column widths: Sentinel-style ids fit the narrow one; long tokens (UUIDs, base64url) get the wide one. */
const ID_WIDTHS = [160, 200] as const;
/** About one character of the 12px monospace font, and a cell's padding around its button. */
const MONO_CHAR_PX = 7.3;
const ID_CELL_PADDING = 24;

/** The narrowest id width that shows every loaded id whole (`longest` characters), measured rather than assumed per store. */
function idColumnWidth(longest: number): number {
  const needed = Math.ceil(longest * MONO_CHAR_PX) + ID_CELL_PADDING;
  return ID_WIDTHS.find((w) => w >= needed) ?? ID_WIDTHS[1];
}

/**
 * How a column draws a session's cell. The table draws cells from the sessions themselves, not
 * from TanStack row objects: a row model of 100,000 rows is built only while a column is sorted.
 */
type Draw = (session: Session, row: RowState) => ReactNode;

/** What a row's cells are drawn with besides the session. */
interface RowState {
  now: number;
  alarm: RevocationAlarm | undefined;
  /** Ticked for a bulk action. */
  checked: boolean;
}

interface CellMeta {
  numeric?: boolean;
  className?: string;
  draw: Draw;
}

function metaOf(meta: unknown): CellMeta {
  return meta as CellMeta;
}

/** How each field is drawn in a column; which fields, in which order and under which heading is the store's. */
function fieldColumn(field: SessionField, capabilities: StoreCapabilities, mono: boolean, alarms = false) {
  const header = fieldLabel(capabilities, field);
  if (field === 'status') {
    const draw: Draw = (s, { alarm }) => (
      <>
        <StatusBadge status={s.status} storedStatus={s.storedStatus} />
        {alarm ? <AlarmBadge sessionId={s.id} /> : null}
      </>
    );
    return column.accessor('status', {
      header,
      // Room for "used after revocation" beside the status when a loaded session has an alarm.
      size: alarms ? 320 : 120,
      meta: { draw } satisfies CellMeta,
    });
  }
  if (TIME_FIELDS.has(field)) {
    const draw: Draw = (s, { now }) => <TimeCell value={(fieldValue(s, field) as string | null | undefined) ?? null} now={now} />;
    return column.accessor((s) => fieldValue(s, field) ?? undefined, {
      id: field,
      header,
      size: 110,
      sortUndefined: 'last',
      meta: { draw } satisfies CellMeta,
    });
  }
  if (field === 'requestCount') {
    const draw: Draw = (s) => {
      const value = fieldValue(s, field);
      return typeof value === 'number' ? formatCount(value) : (value ?? '');
    };
    return column.accessor((s) => fieldValue(s, field) ?? undefined, {
      id: field,
      header,
      size: 90,
      sortUndefined: 'last',
      meta: { numeric: true, draw } satisfies CellMeta,
    });
  }
  const draw: Draw = (s) => fieldText(s, field);
  return column.accessor((s) => fieldText(s, field), {
    id: field,
    header,
    size: TEXT_WIDTHS[field] ?? (mono ? 150 : 200),
    meta: (mono ? { className: 'mono', draw } : { draw }) satisfies CellMeta,
  });
}

/** Widths of text columns whose width does not depend on what they hold. */
const TEXT_WIDTHS: Partial<Record<SessionField, number>> = {
  user: 140,
  email: 170,
  profile: 130,
  ipAddress: 120,
  serverInstanceId: 180,
  sourceIdentity: 220,
  userAgent: 220,
};

/**
 * The store's columns (`capabilities.columns`) between the selection box and id on the left and,
 * as every store has it, the status before the first time column (unless the store places it).
 */
function columns(capabilities: StoreCapabilities, idWidth: number, monoFields: ReadonlySet<SessionField>, alarms = false) {
  const fields: SessionField[] = [...capabilities.columns];
  if (!fields.includes('status')) {
    const firstTime = fields.findIndex((f) => TIME_FIELDS.has(f));
    fields.splice(firstTime < 0 ? fields.length : firstTime, 0, 'status');
  }
  return [
    column.display({
      id: 'select',
      // Drawn by the table itself (SelectAllBox), from the rows it shows.
      header: '',
      size: 40,
      meta: { className: 'select-cell', draw: (s, { checked }) => <SelectBox id={s.id} checked={checked} /> } satisfies CellMeta,
    }),
    column.accessor('id', {
      header: 'Session',
      size: idWidth,
      meta: { draw: (s) => <OpenDetails id={s.id} /> } satisfies CellMeta,
    }),
    ...fields.map((field) => fieldColumn(field, capabilities, monoFields.has(field), alarms)),
  ];
}

/** Ticks every loaded row (in the current sort), or unticks them. */
function SelectAllBox({ rows }: { rows: readonly Session[] }) {
  const selected = useSelection((s) => s.selected);
  const setMany = useSelection((s) => s.setMany);
  // Cheap first: fewer ticks than rows cannot be "all".
  const all = rows.length > 0 && selected.size >= rows.length && rows.every((s) => selected.has(s.id));
  return (
    <input
      type="checkbox"
      aria-label="Select all loaded sessions"
      checked={all}
      onChange={(e) =>
        setMany(
          rows.map((s) => s.id),
          e.target.checked,
        )
      }
    />
  );
}

/** A drawn column: its id, its cell's class and how it draws a session. */
interface DrawnColumn {
  id: string;
  className: string | undefined;
  draw: Draw;
}

/**
 * The rows' grid: each column its width, and its share of any room left over in proportion to
 * it (as a fixed-layout table shares it). Set once on the table (a CSS variable the header and
 * every row use), so no cell carries a style of its own.
 */
function gridColumns(sizes: readonly number[]): string {
  return sizes.map((size) => `minmax(${size}px, ${size}fr)`).join(' ');
}

/**
 * One row of the table. Memoised: while scrolling only the rows coming into view are drawn, and a
 * tick of the clock, a new selection or a new focus redraws only what it changes.
 */
const SessionRow = memo(function SessionRow({
  session,
  index,
  columns: drawn,
  now,
  alarm,
  checked,
  fresh,
  focused,
}: {
  session: Session;
  index: number;
  columns: readonly DrawnColumn[];
  now: number;
  alarm: RevocationAlarm | undefined;
  checked: boolean;
  fresh: boolean;
  focused: boolean;
}) {
  const state: RowState = { now, alarm, checked };
  const classes = [index % 2 === 1 ? 'even' : '', fresh ? 'fresh' : '', focused ? 'focused' : '', alarm ? 'alarmed' : ''].filter(Boolean).join(' ');
  return (
    <tr
      role="row"
      data-testid="session-row"
      data-session-id={session.id}
      data-fresh={fresh ? 'true' : undefined}
      data-alarm={alarm ? 'true' : undefined}
      aria-rowindex={index + 2}
      className={classes || undefined}
    >
      {drawn.map((c) => (
        <td key={c.id} role="cell" className={c.className}>
          {c.draw(session, state)}
        </td>
      ))}
    </tr>
  );
});

// A row's box and button read the selection store only when used: the table passes whether the
// row is ticked, so a row coming into view subscribes to nothing.
function SelectBox({ id, checked }: { id: string; checked: boolean }) {
  return <input type="checkbox" aria-label={`Select session ${id}`} checked={checked} onChange={() => useSelection.getState().toggle(id)} />;
}

function OpenDetails({ id }: { id: string }) {
  return (
    <button type="button" className="mono cell-button" onClick={() => useSelection.getState().focus(id)} aria-label={`Show details of session ${id}`}>
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
  /**
   * The length of the longest id loaded (not only of the rows the search shows, so the column
   * keeps its width while typing): kept by the loaded rows as pages arrive, not counted each render.
   */
  longestId: number;
  label: string;
  /**
   * Rows to highlight as new sessions (created after every row already there), never the older
   * rows of a page loaded on scroll: decided by the screen as the rows are loaded.
   */
  fresh: ReadonlySet<string>;
  /** Narrower layout while the detail panel is open: start time (and e-mail) are shown there. */
  compact?: boolean;
  /** What the store has: its columns, their headings. */
  capabilities: StoreCapabilities;
  /** Told the ids of the rows in view (with the overscan) as the table scrolls: what a refresh re-reads. */
  onVisibleRows?: (ids: string[]) => void;
}

/**
 * The live sessions table: a real <table> (so screen readers get rows and columns) whose body is
 * virtualised, so only the rows in view are in the DOM however many are loaded. A row keeps its
 * elements while its session stays in view (row-slots.ts), so focus survives refreshes.
 * Memoised: a keystroke in the search box redraws the screen at once but the table only when the
 * search's rows change.
 */
export const SessionsTable = memo(function SessionsTable({ sessions, longestId, now, hasMore, loadingMore, onNeedMore, label, fresh, compact = false, capabilities, onVisibleRows }: SessionsTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const [sorting, setSorting] = useState<SortingState>([]);
  const focused = useSelection((s) => s.focused);
  const selected = useSelection((s) => s.selected);
  const shownOptional = useColumnChoice((s) => s.shown);
  const idWidth = idColumnWidth(longestId);
  // Which columns are monospace, as a string so the columns are rebuilt only when that changes;
  // judged from the values only for the columns shown (a hidden optional column costs nothing).
  const monoKey = useMemo(
    () =>
      capabilities.columns
        .filter((f) => (!OPTIONAL_COLUMNS.has(f) || shownOptional.includes(f)) && isMonoField(f, () => sessions.map((s) => fieldText(s, f))))
        .join(),
    [capabilities, sessions, shownOptional],
  );
  const alarmed = useAlarmedSessions();
  const anyAlarm = useMemo(() => alarmed.size > 0 && sessions.some((s) => alarmed.has(s.id)), [sessions, alarmed]);
  // Not rebuilt on each tick of the clock: cells are given the time when drawn.
  const tableColumns = useMemo(() => columns(capabilities, idWidth, new Set(monoKey.split(',') as SessionField[]), anyAlarm), [capabilities, idWidth, monoKey, anyAlarm]);
  const columnVisibility = useMemo(() => {
    const visibility: Record<string, boolean> = {};
    for (const field of capabilities.columns) {
      if (OPTIONAL_COLUMNS.has(field) && !shownOptional.includes(field)) visibility[field] = false;
      if (compact && COMPACT_HIDDEN.has(field)) visibility[field] = false;
    }
    return visibility;
  }, [capabilities, shownOptional, compact]);
  const table = useReactTable({
    data: sessions,
    columns: tableColumns,
    state: { sorting, columnVisibility },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getRowId: (s) => s.id,
  });
  // The rows in the order shown: the sessions as they are unless a column is sorted (only then is
  // TanStack's row model, an object per row, built).
  const rows: readonly Session[] = useMemo(
    () => (sorting.length === 0 ? sessions : table.getSortedRowModel().rows.map((r) => r.original)),
    // The table reads its data, columns and sorting from the options set above in this render.
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [sorting, sessions, tableColumns, table],
  );
  const visibleColumns = table.getVisibleLeafColumns();
  const drawn = useMemo(
    () => visibleColumns.map((c) => ({ id: c.id, className: cellClass(c.columnDef.meta), draw: metaOf(c.columnDef.meta).draw })),
    [visibleColumns],
  );
  const tableStyle = useMemo(() => {
    const sizes = visibleColumns.map((c) => c.getSize());
    return { minWidth: sizes.reduce((w, size) => w + size, 0), '--columns': gridColumns(sizes) } as CSSProperties;
  }, [visibleColumns]);
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items[items.length - 1]?.index ?? -1;
  // Rows are keyed by slot (see row-slots.ts): a row taking the place of one that left is drawn
  // into its elements. Worked out here, from the rows drawn last render (the same rows give the
  // same slots, so a render drawn twice gives the same keys), and from where keyboard focus is now:
  // read from the document, not followed by focus events, since a window in the background keeps
  // its focused element though the page was told focus went out.
  const slotsDrawn = useRef<RowSlots>(NO_SLOTS);
  const focusHeld = focusedSession(scrollRef.current);
  const slots = assignSlots(
    slotsDrawn.current,
    items.flatMap((item) => rows[item.index]?.id ?? []),
    focusHeld,
  );
  slotsDrawn.current = slots;
  // The row holding keyboard focus left the rows drawn (a search, a refresh): focus goes to the
  // table rather than to nowhere, so the arrow keys still move through its rows.
  useLayoutEffect(() => {
    if (focusHeld !== null && !slots.slots.has(focusHeld) && document.activeElement === document.body) scrollRef.current?.focus({ preventScroll: true });
  }, [focusHeld, slots]);

  const firstIndex = items[0]?.index ?? 0;
  // Read ahead: once the operator has scrolled, the next page is asked for while about half a
  // page (250 rows, some ten screens) is still below the view, so scrolling down a long list does
  // not stop at its end to wait. Opening the screen reads only the first page (unless all of it
  // is in view); a view parked at the end does not load everything by itself.
  useEffect(() => {
    const ahead = firstIndex > 0 ? 250 : 20;
    if (hasMore && !loadingMore && lastIndex >= rows.length - ahead) onNeedMore();
  }, [hasMore, loadingMore, firstIndex, lastIndex, rows.length, onNeedMore]);
  // Told once the table stops moving (the virtualiser says so ~150 ms after the last scroll
  // event), not on every frame of a scroll: a refresh re-reads the rows where it came to rest.
  const scrolling = virtualizer.isScrolling;
  useEffect(() => {
    if (!scrolling) onVisibleRows?.(rows.slice(firstIndex, lastIndex + 1).map((r) => r.id));
  }, [onVisibleRows, rows, firstIndex, lastIndex, scrolling]);

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

  return (
    <div className="table-scroll" ref={scrollRef} tabIndex={0} aria-label={`${label}, scrollable`} onKeyDown={onKeyDown}>
      {/*
        A <table> told its roles explicitly: its body is a block of the whole list's height whose
        rows in view follow one another from the first one's place (the body's top padding) rather
        than being laid out by the table, so each frame lays out and paints only the rows coming
        into view, and screen readers still get a table of rows and columns. No row carries a
        style of its own: a position per row (a transform of its own each) made Chromium's style
        recalculation of every new row slower with each one drawn, until the next major GC.
      */}
      <table role="table" className="sessions-table" aria-label={label} aria-rowcount={rows.length + 1} style={tableStyle}>
        <TableHead table={table} rows={rows} sorting={sorting} columns={visibleColumns} />
        <tbody role="rowgroup" style={{ height: virtualizer.getTotalSize(), paddingTop: items[0]?.start ?? 0 }}>
          {items.map((item) => {
            const row = rows[item.index];
            if (!row) return null;
            return (
              <SessionRow
                key={slots.slots.get(row.id)}
                session={row}
                index={item.index}
                columns={drawn}
                now={now}
                alarm={alarmed.get(row.id)}
                checked={selected.has(row.id)}
                fresh={fresh.has(row.id)}
                focused={focused === row.id}
              />
            );
          })}
        </tbody>
      </table>
      {loadingMore ? <p className="table-footer" role="status">Loading more sessions…</p> : null}
    </div>
  );
});

/**
 * The header row. Memoised: scrolling redraws the body's rows, not the header (it changes with
 * the sorting, the columns and the rows it ticks all of).
 */
const TableHead = memo(function TableHead({
  table,
  rows,
}: {
  table: Table<Session>;
  rows: readonly Session[];
  /** Not read here: a change of them redraws the header. */
  sorting: SortingState;
  columns: readonly unknown[];
}) {
  return (
    <thead role="rowgroup">
      {table.getHeaderGroups().map((group) => (
        <tr key={group.id} role="row" aria-rowindex={1}>
          {group.headers.map((header) => {
            const sorted = header.column.getIsSorted();
            const canSort = header.column.getCanSort() && header.column.id !== 'select';
            return (
              <th
                key={header.id}
                role="columnheader"
                scope="col"
                className={cellClass(header.column.columnDef.meta)}
                aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : undefined}
              >
                {header.column.id === 'select' ? (
                  <SelectAllBox rows={rows} />
                ) : canSort ? (
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
  );
});

/** The session whose row in `scroller` holds keyboard focus, if one does. */
function focusedSession(scroller: HTMLElement | null): string | null {
  const active = document.activeElement;
  if (!scroller || !active || !scroller.contains(active)) return null;
  return active.closest('tr[data-session-id]')?.getAttribute('data-session-id') ?? null;
}

function cellClass(meta: unknown): string | undefined {
  const m = (typeof meta === 'object' && meta !== null ? meta : {}) as { numeric?: boolean; className?: string };
  return [m.numeric ? 'num' : '', m.className ?? ''].filter(Boolean).join(' ') || undefined;
}
