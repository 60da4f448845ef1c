import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SessionsPage } from '../../../../src-shared/contract';
import type { Session } from '../../../../src-shared/session';
import { useAppInfo, useReadOnly } from '../../api/use-app-info';
import type { RevokeTarget } from '../../api/use-revoke';
import { relativeTime } from '../../ui/format-time';
import { useNow } from '../../ui/use-now';
import { usePaletteIntents } from '../palette/palette-intents';
import { RevokeDialog } from '../revoke/revoke-dialog';
import { WatchStrip } from '../watch/watch-strip';
import { ExportControl } from '../export/export-control';
import { ColumnChoice } from './column-choice';
import { DetailPanel } from './detail-panel';
import { activeChips, FilterBar } from './filter-bar';
import { queryOf, useFilters } from './filters-store';
import { useSelection } from './selection-store';
import { SessionsTable } from './sessions-table';
import { UserEmptyState } from './user-empty-state';
import { RevokeAllMatching } from './revoke-all-matching';
import { isOpaqueUserId, UserHeader } from './user-header';
import { loadedRows, rowOf, type LoadedRows } from './loaded-rows';
import { formatCount } from './session-fields';
import { inheritSearchTexts, makeSearchTexts, searchWithin } from './search-rows';
import { useActiveCount, useSessions } from './use-sessions';

/** How long the filters stay unchanged before the window's title names them. */
const TITLE_DELAY_MS = 200;
const EMPTY_HINT = 'No sessions match these filters. Widen the status or time range, or clear the filters.';

export function SessionsScreen() {
  const filters = useFilters();
  const info = useAppInfo();
  // What the store offers: the table, filters and panel are drawn from it, so nothing is listed before it is known.
  const capabilities = info.data?.connection.capabilities;
  const served = capabilities?.filters;
  const readOnly = useReadOnly();
  const now = useNow(5_000);
  // The time range moves with the clock only when the filter changes, not on every tick.
  const query = useMemo(() => queryOf(filters, Date.now(), served ?? []), [filters, served]);
  const sessionsQuery = useSessions(query, { refreshMs: filters.refreshMs, paused: filters.paused, enabled: capabilities !== undefined });
  // A Redis SCAN may return a session on two pages: each id is shown once.
  const list = useLoadedRows(sessionsQuery.data?.pages);
  const loaded = list?.rows ?? NO_ROWS;
  // The table follows each key in the same frame as the box: a search of the loaded rows' texts
  // (made while idle) narrows from the last one's matches, so one frame holds both. Deferring the
  // table to a frame of its own (useDeferredValue) drew each key twice: 38 ms against 28 ms here.
  const sessions = useMemo(() => (list === null ? NO_ROWS : searchWithin(list, filters.search)), [list, filters.search]);
  useSearchTextsWhenIdle(list);
  const fresh = useFreshRows(sessionsQuery.isPlaceholderData ? null : list, JSON.stringify(query));
  const { fetchNextPage, hasNextPage, isFetchingNextPage } = sessionsQuery;
  const onVisibleRows = useQuietVisibleRows(sessionsQuery.onVisibleRows, filters.search);
  const loadMore = useCallback(() => void fetchNextPage(), [fetchNextPage]);

  const selected = useSelection((s) => s.selected);
  const focused = useSelection((s) => s.focused);
  const clearSelection = useSelection((s) => s.clear);
  const [target, setTarget] = useState<RevokeTarget | null>(null);
  const [userToRevoke, setUserToRevoke] = useState<{ user: string; email?: string } | null>(null);
  const activeCount = useActiveCount(userToRevoke?.user ?? null);
  const searchRef = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (userToRevoke !== null && activeCount.data !== undefined) {
      setTarget({ kind: 'user', ...userToRevoke, count: activeCount.data });
      setUserToRevoke(null);
    }
  }, [userToRevoke, activeCount.data]);

  // Looked up by id for what is selected or shown in the panel.
  const selectedUsers = useMemo(() => usersOf(list, selected), [selected, list]);
  const focusedSession = useMemo(() => (focused === null || list === null ? undefined : rowOf(list, focused)), [focused, list]);
  const revokeSelection = useCallback(() => {
    if (selected.size > 0 && !readOnly) setTarget({ kind: 'sessions', ids: [...selected], users: selectedUsers });
  }, [selected, selectedUsers, readOnly]);

  // "Revoke all of alice…" and "Revoke the selection…" from the palette, which opens on any screen.
  const intent = usePaletteIntents((s) => s.intent);
  const intentDone = usePaletteIntents((s) => s.done);
  useEffect(() => {
    if (!intent) return;
    if (readOnly) return intentDone();
    if (intent.kind === 'revoke-user') setUserToRevoke({ user: intent.user });
    else revokeSelection();
    intentDone();
  }, [intent, intentDone, readOnly, revokeSelection]);

  // `r` with nothing selected says what to do instead of doing nothing.
  const [hint, setHint] = useState<string | null>(null);
  useEffect(() => {
    if (hint === null) return undefined;
    const timer = setTimeout(() => setHint(null), 8_000);
    return () => clearTimeout(timer);
  }, [hint]);
  const revokeKey = useCallback(() => {
    if (readOnly) setHint('This connection is read-only (auditor mode): revocations are refused.');
    else if (selected.size === 0) setHint('Nothing is selected: tick the sessions to revoke (Space on a row’s checkbox), or press Ctrl+K and choose “Revoke all of <user>…”.');
    else revokeSelection();
  }, [readOnly, selected.size, revokeSelection]);
  useShortcuts({ focusSearch: () => searchRef.current?.focus(), revoke: revokeKey, dialogOpen: target !== null });

  // The window's title names the filters once typing pauses rather than on each key: writing it
  // costs about a millisecond (Chromium hands it to the window) that a keystroke would pay before
  // its frame is drawn.
  useEffect(() => {
    const timer = setTimeout(() => {
      const chips = activeChips(filters, capabilities).map((c) => c.label);
      document.title = chips.length > 0 ? `Sessions (${chips.join('; ')}) — Session Warden` : 'Sessions — Session Warden';
    }, TITLE_DELAY_MS);
    return () => clearTimeout(timer);
  }, [filters, capabilities]);

  const infoFailed = capabilities === undefined && info.isError;
  const state = infoFailed
    ? 'error'
    : capabilities === undefined || sessionsQuery.isPending
      ? 'loading'
      : sessionsQuery.isError && loaded.length === 0
        ? 'error'
        : sessions.length === 0
          ? 'empty'
          : 'ready';
  const updatedAgo = sessionsQuery.dataUpdatedAt ? `Updated ${relativeTime(sessionsQuery.dataUpdatedAt, now)}` : '';

  return (
    <section className="screen" aria-labelledby="sessions-title">
      <header className="screen-header">
        <h1 id="sessions-title">Sessions</h1>
        <p className="count" aria-live="polite" data-testid="sessions-count">
          {capabilities && (state === 'ready' || state === 'empty') ? countText(sessions.length, loaded.length, hasNextPage, capabilities.order) : ''}
        </p>
        {capabilities ? <ColumnChoice capabilities={capabilities} /> : null}
        {!readOnly && capabilities ? (
          <RevokeAllMatching
            query={query}
            // The search box narrows only the loaded rows where the store does not search: never part of what is revoked.
            localSearch={filters.search.trim() !== '' && !capabilities.filters.includes('text')}
            chips={activeChips(filters, capabilities)
              .filter((c) => c.key !== 'status' && (c.key !== 'search' || capabilities.filters.includes('text')))
              .map((c) => c.label)}
            onCounted={setTarget}
          />
        ) : null}
        <ExportControl target={{ kind: 'sessions', filter: query }} label="Export these sessions" />
      </header>
      {capabilities ? <FilterBar searchRef={searchRef} updatedAgo={updatedAgo} capabilities={capabilities} /> : null}
      <p className="shortcut-hint" role="status" data-testid="shortcut-hint">
        {hint}
      </p>
      <WatchStrip />
      {query.user !== undefined && capabilities ? (
        <UserHeader user={query.user} capabilities={capabilities} readOnly={readOnly} refreshMs={filters.paused ? false : filters.refreshMs} now={now} onRevokeAll={setUserToRevoke} />
      ) : null}
      {sessionsQuery.isError && loaded.length > 0 ? (
        <p className="inline-error" role="alert">
          Refresh failed: {sessionsQuery.error?.message} Showing the last rows loaded.
        </p>
      ) : null}
      <div className="workspace">
        {/* Busy while the rows shown are the previous filter's, kept until the new list's first page is in. */}
        <div className="screen-body" data-testid="sessions" data-state={state} aria-busy={sessionsQuery.isPlaceholderData || undefined}>
          {state === 'loading' ? <p className="placeholder" role="status">Loading sessions…</p> : null}
          {state === 'error' ? (
            <div className="placeholder error" role="alert">
              <h2>Sessions could not be loaded</h2>
              <p>{infoFailed ? info.error.message : sessionsQuery.error?.message}</p>
              <button type="button" onClick={() => void (infoFailed ? info.refetch() : sessionsQuery.refetch())}>
                Try again
              </button>
            </div>
          ) : null}
          {state === 'empty' && query.user !== undefined ? <UserEmptyState user={query.user} hint={EMPTY_HINT} onPick={(user) => filters.set({ user })} /> : null}
          {state === 'empty' && query.user === undefined ? <p className="placeholder">{EMPTY_HINT}</p> : null}
          {state === 'ready' && capabilities ? (
            <SessionsTable
              sessions={sessions}
              longestId={list?.longestId ?? 0}
              now={now}
              hasMore={hasNextPage}
              loadingMore={isFetchingNextPage}
              onNeedMore={loadMore}
              label="Sessions"
              fresh={fresh}
              compact={focused !== null}
              capabilities={capabilities}
              onVisibleRows={onVisibleRows}
            />
          ) : null}
        </div>
        {focused && capabilities ? (
          <DetailPanel
            capabilities={capabilities}
            fallback={focusedSession}
            onRevokeSession={(s) => setTarget({ kind: 'sessions', ids: [s.id], users: [s.user] })}
            onRevokeUser={(user) => setUserToRevoke(withEmail(user, focusedSession))}
          />
        ) : null}
      </div>
      {selected.size > 0 ? (
        <div className="selection-bar" role="region" aria-label="Selection" data-testid="selection-bar">
          <span>
            {selected.size} session{selected.size === 1 ? '' : 's'} of {selectedUsers.length} user{selectedUsers.length === 1 ? '' : 's'} selected
          </span>
          {readOnly ? (
            <span className="muted">Read-only connection: revocations are refused.</span>
          ) : (
            <button type="button" className="danger-button" onClick={revokeSelection}>
              Revoke… <kbd>r</kbd>
            </button>
          )}
          <button type="button" className="link-button" onClick={clearSelection}>
            Clear selection
          </button>
        </div>
      ) : null}
      <RevokeDialog
        target={target}
        onClose={(revoked) => {
          setTarget(null);
          if (revoked) clearSelection();
        }}
      />
    </section>
  );
}

/** How many rows are loaded, and in which order the store lists them (`capabilities.order`). */
function countText(shown: number, loaded: number, more: boolean, order: string): string {
  const total = `${formatCount(loaded)}${more ? '+' : ''} loaded`;
  if (shown !== loaded) return `${formatCount(shown)} of ${total} match the search`;
  return `${total}, ${order}`;
}

const NO_ROWS: Session[] = [];

/** The loaded rows of each list of pages: kept across visits to the screen, as the pages are. */
const loadedCache = new WeakMap<readonly SessionsPage[], LoadedRows>();

/** The loaded rows (see `loadedRows`), built from the last ones this screen showed. */
function useLoadedRows(pages: readonly SessionsPage[] | undefined): LoadedRows | null {
  const last = useRef<LoadedRows | null>(null);
  return useMemo(() => {
    if (pages === undefined) return null;
    let built = loadedCache.get(pages);
    if (built === undefined) {
      built = loadedRows(pages, last.current);
      inheritSearchTexts(built, last.current);
      loadedCache.set(pages, built);
    }
    last.current = built;
    return built;
  }, [pages]);
}

/** The users of the selected sessions that are loaded, in the order they were selected. */
function usersOf(list: LoadedRows | null, selected: ReadonlySet<string>): string[] {
  if (selected.size === 0 || list === null) return [];
  return [...new Set([...selected].map((id) => rowOf(list, id)?.user ?? '').filter(Boolean))];
}

/**
 * The loaded rows' search texts, made while the renderer is idle (a few rows at a time, within
 * each idle period), so the first search does not make them for 100,000 rows on a keystroke. Rows
 * kept from the rows before (all of them when a page is appended) have theirs already.
 */
function useSearchTextsWhenIdle(list: LoadedRows | null): void {
  const done = useRef(0);
  useEffect(() => {
    if (list === null) return undefined;
    let next = Math.min(done.current, list.kept);
    done.current = next;
    let handle = 0;
    const work = (deadline: IdleDeadline) => {
      next = makeSearchTexts(list, next, () => deadline.timeRemaining() > 1);
      done.current = next;
      if (next < list.rows.length) handle = requestIdleCallback(work);
    };
    handle = requestIdleCallback(work);
    return () => cancelIdleCallback(handle);
  }, [list]);
}

/** How long the search box stays untouched before the rows in view are passed on to be re-read. */
const SEARCH_QUIET_MS = 500;

/**
 * The table's rows in view, passed on to the refresh (which re-reads them once the table stays
 * still) only when no key has been typed in the search box for SEARCH_QUIET_MS: a re-read brings
 * new session objects, and with them a search of every loaded row again, which must not land
 * between two keystrokes. The latest rows in view are passed on once typing pauses.
 */
function useQuietVisibleRows(onVisibleRows: (ids: readonly string[]) => void, search: string): (ids: readonly string[]) => void {
  const lastKey = useRef(0);
  const typed = useRef(search);
  if (typed.current !== search) {
    typed.current = search;
    lastKey.current = Date.now();
  }
  const pending = useRef<readonly string[] | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );
  return useCallback(
    (ids: readonly string[]) => {
      pending.current = ids;
      if (timer.current) clearTimeout(timer.current);
      const pass = () => {
        const wait = lastKey.current + SEARCH_QUIET_MS - Date.now();
        if (wait > 0) {
          timer.current = setTimeout(pass, wait);
          return;
        }
        timer.current = null;
        if (pending.current) onVisibleRows(pending.current);
        pending.current = null;
      };
      pass();
    },
    [onVisibleRows],
  );
}

/**
 * The rows to highlight as new sessions: those that arrived since the previous data for the same
 * query (none on the first load), as the loaded rows were built (`arrived`, see loadedRows), so
 * no row but the new ones is looked at. A load that adds only older rows (the next page) keeps
 * the current highlight; another query clears it.
 */
function useFreshRows(loaded: LoadedRows | null, queryKey: string): ReadonlySet<string> {
  const seen = useRef<{ key: string; loaded: LoadedRows } | null>(null);
  const [fresh, setFresh] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    if (loaded === null || (loaded.rows.length === 0 && seen.current?.key !== queryKey)) return;
    if (seen.current?.key !== queryKey) {
      seen.current = { key: queryKey, loaded };
      setFresh((now) => (now.size === 0 ? now : new Set()));
      return;
    }
    if (seen.current.loaded === loaded) return;
    seen.current.loaded = loaded;
    if (loaded.arrived.length > 0) setFresh(new Set(loaded.arrived));
  }, [loaded, queryKey]);
  return fresh;
}

function useShortcuts({ focusSearch, revoke, dialogOpen }: { focusSearch: () => void; revoke: () => void; dialogOpen: boolean }) {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (dialogOpen || event.ctrlKey || event.metaKey || event.altKey) return;
      if (isTextEntry(event.target)) return;
      if (event.key === '/') {
        event.preventDefault();
        focusSearch();
      } else if (event.key === 'r') {
        event.preventDefault();
        revoke();
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [focusSearch, revoke, dialogOpen]);
}

/** Keys typed into a text field are text, not shortcuts (a ticked checkbox is not text entry). */
function isTextEntry(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return true;
  return target instanceof HTMLInputElement && !['checkbox', 'radio', 'button', 'submit', 'reset'].includes(target.type);
}

/**
 * A user to revoke, with their e-mail when the store names users by an opaque id and the session
 * at hand says who that is: the confirmation then asks for the e-mail, not a UUID.
 */
function withEmail(user: string, session: Session | undefined): { user: string; email?: string } {
  const email = session?.user === user ? session.email : undefined;
  return email && isOpaqueUserId(user) ? { user, email } : { user };
}
