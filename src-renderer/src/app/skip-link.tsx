import { useNavigation } from './navigation-store';
import './skip-link.css';

/**
 * The first stop of the Tab order: straight to the sessions table on the Sessions screen, to the
 * screen's heading elsewhere, past the top bar, the rail and the filters.
 */
export function SkipLink() {
  const screen = useNavigation((s) => s.screen);
  const toTable = screen === 'sessions';
  return (
    <a
      href="#main"
      className="skip-link"
      onClick={(event) => {
        event.preventDefault();
        // The table when it is there (not its empty state or its loading line), else the heading.
        const target = (toTable ? document.querySelector<HTMLElement>('main .table-scroll') : null) ?? document.querySelector<HTMLElement>('main h1');
        if (!target) return;
        if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
        target.focus();
      }}
    >
      {toTable ? 'Skip to the sessions table' : 'Skip to the content'}
    </a>
  );
}
