import { Command } from 'cmdk';
import { useEffect, useId, useState } from 'react';
import { useReadOnly } from '../../api/use-app-info';
import { liveLabel, useUserLookup } from '../../api/use-users';
import { SCREENS, useNavigation, type Screen } from '../../app/navigation-store';
import { ModalDialog } from '../../ui/modal-dialog';
import { usePeople } from '../people/people-store';
import { useFilters } from '../sessions/filters-store';
import { useSelection } from '../sessions/selection-store';
import { useWatch } from '../watch/watch-store';
import { focusWhenShown, usePaletteIntents } from './palette-intents';

interface PaletteAction {
  id: string;
  label: string;
  hint?: string;
  run: () => void;
}

/** Users a palette offers for typed text: the one it names (exactly, by case or e-mail), then close names. */
const MAX_USERS_OFFERED = 3;

/**
 * Ctrl+K / Cmd+K, on every screen: every screen by name, the users the store holds that match
 * what is typed (show their sessions, revoke all of them, watch them), switching connection,
 * the workspace's commands, and last the free-text "sessions of <text>". Focus moves to what a
 * command opened.
 */
export function CommandPalette() {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  // The highlighted command; the first one whenever the list changes under it (users arrive late).
  const [highlighted, setHighlighted] = useState('');
  const titleId = useId();
  const go = useNavigation((s) => s.go);
  // Only what the palette uses: a keystroke in the search box changes the filters, and must not redraw the palette.
  const setFilters = useFilters((s) => s.set);
  const clearFilters = useFilters((s) => s.clearAll);
  const setRefresh = useFilters((s) => s.setRefresh);
  const paused = useFilters((s) => s.paused);
  const selected = useSelection((s) => s.selected.size);
  const readOnly = useReadOnly();
  const request = usePaletteIntents((s) => s.request);
  const watched = useWatch((s) => s.watched);
  const watch = useWatch((s) => s.watch);
  const unwatch = useWatch((s) => s.unwatch);
  const askPerson = usePeople((s) => s.ask);
  const typed = search.trim();
  const nameLike = typed !== '' && !/\s/.test(typed);
  const lookup = useUserLookup(nameLike ? typed : '', { enabled: open && nameLike, delayMs: 150 });

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setOpen(true);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const close = () => {
    setOpen(false);
    setSearch('');
  };
  const showScreen = (screen: Screen) => {
    go(screen);
    focusWhenShown('main h1');
  };
  const showUser = (user: string) => {
    go('sessions');
    setFilters({ user, statuses: ['active'] });
    focusWhenShown('main .table-scroll, main [data-testid="user-empty-state"]');
  };

  const found = lookup.data;
  const users = found
    ? [...(found.user !== undefined ? [{ user: found.user, live: found.live }] : []), ...found.suggestions].slice(0, MAX_USERS_OFFERED)
    : [];
  const userActions: PaletteAction[] = users.flatMap(({ user, live }) => [
    { id: `show:${user}`, label: `Show sessions of ${user} (${liveLabel(live)})`, run: () => showUser(user) },
    ...(!readOnly && live > 0 ? [{ id: `revoke:${user}`, label: `Revoke all of ${user} (${liveLabel(live)})…`, run: () => (go('sessions'), request({ kind: 'revoke-user', user })) }] : []),
    watched.includes(user)
      ? { id: `unwatch:${user}`, label: `Stop watching ${user}`, run: () => unwatch(user) }
      : { id: `watch:${user}`, label: `Watch ${user} (alert on a new session)`, run: () => watch(user) },
  ]);
  const commands: PaletteAction[] = [
    // Find a person has its own command below, worded as what it does.
    ...SCREENS.filter((s) => s.id !== 'people').map((s) => ({ id: `go:${s.id}`, label: `Go to ${s.label}`, run: () => showScreen(s.id) })),
    { id: 'person', label: 'Find a person… (every connection)', run: () => showScreen('people') },
    { id: 'switch', label: 'Switch connection…', run: () => showScreen('connections') },
    { id: 'active', label: 'Show active sessions', run: () => (go('sessions'), setFilters({ statuses: ['active'] })) },
    { id: 'revoked', label: 'Show revoked sessions', run: () => (go('sessions'), setFilters({ statuses: ['revoked'] })) },
    { id: 'all', label: 'Show sessions of every status', run: () => (go('sessions'), setFilters({ statuses: ['active', 'revoked', 'expired'] })) },
    { id: 'clear', label: 'Clear all filters', run: clearFilters },
    { id: 'pause', label: paused ? 'Resume live refresh' : 'Pause live refresh', run: () => setRefresh({ paused: !paused }) },
    ...(selected > 0 && !readOnly
      ? [{ id: 'revoke-selection', label: `Revoke the ${selected} selected session${selected === 1 ? '' : 's'}…`, hint: 'r', run: () => (go('sessions'), request({ kind: 'revoke-selection' })) }]
      : []),
  ];
  const words = typed.toLowerCase().split(/\s+/).filter(Boolean);
  const matching = commands.filter((c) => words.every((w) => c.label.toLowerCase().includes(w)));
  const freeText: PaletteAction[] = nameLike && !users.some((u) => u.user === typed) ? [{ id: 'user-text', label: `Show active sessions of ${typed}`, run: () => showUser(typed) }] : [];
  // Incident mode: a typed e-mail searched across every saved connection at once (a login has the user commands above, and "Find a person…").
  const findPerson: PaletteAction[] = nameLike && /^[^@\s]+@[^@\s]+$/.test(typed) ? [{ id: 'person-text', label: `Find ${typed} in every connection…`, run: () => (askPerson(typed), showScreen('people')) }] : [];
  const actions = [...matching.filter((c) => c.id.startsWith('go:')), ...userActions, ...matching.filter((c) => !c.id.startsWith('go:')), ...freeText, ...findPerson];
  const current = actions.some((a) => a.id === highlighted) ? highlighted : (actions[0]?.id ?? '');

  return (
    <ModalDialog open={open} onClose={close} labelledBy={titleId} testId="command-palette">
      <h2 id={titleId} className="visually-hidden">
        Command palette
      </h2>
      <Command label="Command palette" className="palette" shouldFilter={false} loop value={current} onValueChange={setHighlighted}>
        <Command.Input value={search} onValueChange={setSearch} placeholder="Type a command, or a user name…" autoFocus />
        <Command.List>
          {nameLike && lookup.isFetching && !found ? <Command.Loading>Looking up users…</Command.Loading> : null}
          <Command.Empty>No matching command.</Command.Empty>
          {actions.map((action) => (
            <Command.Item
              key={action.id}
              value={action.id}
              onSelect={() => {
                close();
                action.run();
              }}
            >
              {action.label}
              {action.hint ? <kbd>{action.hint}</kbd> : null}
            </Command.Item>
          ))}
        </Command.List>
      </Command>
    </ModalDialog>
  );
}
