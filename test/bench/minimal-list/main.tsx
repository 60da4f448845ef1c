import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';

/*
 * The floor of the renderer benchmark: a minimal React + TanStack Virtual list of the same number
 * of rows, the same row height and overscan, in the same viewport, filtering its rows on each
 * keystroke. Built by the benchmark (Vite, production React) and measured the same way as the
 * sessions table, in the same Chromium, in the same run.
 */

interface Row {
  id: string;
  user: string;
  profile: string;
  instance: string;
  created: string;
  text: string;
}

const ROW_HEIGHT = 34;
const params = new URLSearchParams(location.search);
const COUNT = Number(params.get('rows') ?? 100_000);

function rows(): Row[] {
  const now = Date.now();
  return Array.from({ length: COUNT }, (_, i) => {
    const id = (i * 2654435761).toString(16).padStart(16, '0').slice(-16);
    const user = `user${i % 5000}`;
    const profile = `profile-${i % 12}`;
    const instance = `sentinel-${i % 6}`;
    const created = new Date(now - i * 1000).toISOString();
    return { id, user, profile, instance, created, text: `${id}\n${user}\n${profile}\n${instance}\nsentinel:${user}:${i.toString(16)}`.toLowerCase() };
  });
}

function List({ all }: { all: Row[] }) {
  const [search, setSearch] = useState('');
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle ? all.filter((r) => r.text.includes(needle)) : all;
  }, [all, search]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: shown.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  return (
    <main style={{ display: 'flex', flexDirection: 'column', height: '100vh', font: '13px system-ui' }}>
      <header style={{ padding: 12 }}>
        <input aria-label="Search" value={search} onChange={(e) => setSearch(e.target.value)} />{' '}
        <span data-testid="count">{shown.length === all.length ? `${all.length} rows` : `${shown.length} of ${all.length} match`}</span>
      </header>
      <div ref={scrollRef} className="list-scroll" style={{ flex: 1, overflow: 'auto' }}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = shown[item.index] as Row;
            return (
              <div
                key={row.id}
                data-testid="row"
                style={{ position: 'absolute', top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)`, display: 'flex', gap: 16, alignItems: 'center' }}
              >
                <span style={{ width: 160, fontFamily: 'monospace' }}>{row.id}</span>
                <span style={{ width: 140 }}>{row.user}</span>
                <span style={{ width: 130 }}>{row.profile}</span>
                <span style={{ width: 180, fontFamily: 'monospace' }}>{row.instance}</span>
                <span style={{ width: 220 }}>{row.created}</span>
              </div>
            );
          })}
        </div>
      </div>
    </main>
  );
}

/** The rows are made before the list is shown, as the sessions table's are loaded before its first render is timed. */
const all = rows();
const root = createRoot(document.getElementById('root') as HTMLElement);
function App() {
  const [visible, setVisible] = useState(false);
  return visible ? (
    <List all={all} />
  ) : (
    <button type="button" id="show" onClick={() => setVisible(true)}>
      Show
    </button>
  );
}
root.render(<App />);
