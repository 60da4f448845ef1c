import { Command } from 'cmdk';
import { useEffect, useId, useState } from 'react';
import { useNavigation } from '../../app/navigation-store';
import { useFilters } from '../sessions/filters-store';
import { useSelection } from '../sessions/selection-store';
import { ModalDialog } from '../../ui/modal-dialog';

interface PaletteAction {
  id: string;
  label: string;
  hint?: string;
  run: () => void;
}

/** Ctrl+K / Cmd+K: every action of the workspace by name, for keyboard-first operators. */
/** `onRevokeSelection` is null on a read-only connection: no revoke command is offered. */
export function CommandPalette({ onRevokeSelection }: { onRevokeSelection: (() => void) | null }) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const titleId = useId();
  const go = useNavigation((s) => s.go);
  const filters = useFilters();
  const selected = useSelection((s) => s.selected.size);

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
  const typed = search.trim();
  const actions: PaletteAction[] = [
    { id: 'sessions', label: 'Go to Sessions', run: () => go('sessions') },
    { id: 'offboarding', label: 'Go to Offboarding', run: () => go('offboarding') },
    ...(typed && !/\s/.test(typed) ? [{ id: 'user', label: `Show active sessions of ${typed}`, run: () => (go('sessions'), filters.set({ user: typed, statuses: ['active'] })) }] : []),
    { id: 'active', label: 'Show active sessions', run: () => filters.set({ statuses: ['active'] }) },
    { id: 'revoked', label: 'Show revoked sessions', run: () => filters.set({ statuses: ['revoked'] }) },
    { id: 'all', label: 'Show sessions of every status', run: () => filters.set({ statuses: ['active', 'revoked', 'expired'] }) },
    { id: 'clear', label: 'Clear all filters', run: filters.clearAll },
    { id: 'pause', label: filters.paused ? 'Resume live refresh' : 'Pause live refresh', run: () => filters.setRefresh({ paused: !filters.paused }) },
    ...(selected > 0 && onRevokeSelection ? [{ id: 'revoke', label: `Revoke the ${selected} selected session${selected === 1 ? '' : 's'}…`, hint: 'r', run: onRevokeSelection }] : []),
  ];

  return (
    <ModalDialog open={open} onClose={close} labelledBy={titleId} testId="command-palette">
      <h2 id={titleId} className="visually-hidden">
        Command palette
      </h2>
      <Command label="Command palette" className="palette">
        <Command.Input value={search} onValueChange={setSearch} placeholder="Type a command, or a user name…" autoFocus />
        <Command.List>
          <Command.Empty>No matching command.</Command.Empty>
          {actions.map((action) => (
            <Command.Item
              key={action.id}
              value={action.label}
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
