import { useEffect, useId, useState, type RefObject } from 'react';
import { SESSION_STATUSES } from '../../../../src-shared/session-status';
import type { StoreCapabilities } from '../../../../src-shared/store-capabilities';
import { DEFAULT_FILTERS, RANGE_LABELS, REASON_FILTER_CHOICES, REASON_FILTER_LABELS, useFilters, type RangePreset, type SessionFilters } from './filters-store';
import { fieldLabel, filterChipName, isFieldFilter, looksLikeAddress, STORE_FILTER_FIELDS, type FieldFilter } from './session-fields';
import './filter-bar.css';

const REFRESH_CHOICES = [5_000, 10_000, 30_000, 60_000];

/**
 * Filters on top of the table; every active filter also shows as a removable chip. Status, user
 * and created range serve on every store; the others only where the store serves them.
 */
export function FilterBar({ searchRef, updatedAgo, capabilities }: { searchRef: RefObject<HTMLInputElement | null>; updatedAgo: string; capabilities: StoreCapabilities }) {
  const filters = useFilters();
  const id = useId();
  const chips = activeChips(filters, capabilities);
  // Where the store searches (`text`), the search box is its search, not a second one.
  const storeSearch = capabilities.filters.includes('text');
  return (
    <div className="filter-bar" role="search" aria-label="Session filters">
      <div className="filter-row">
        <fieldset className="status-filter">
          <legend className="visually-hidden">Status</legend>
          {SESSION_STATUSES.map((status) => (
            <label key={status} className={`toggle ${filters.statuses.includes(status) ? 'on' : ''}`}>
              <input type="checkbox" checked={filters.statuses.includes(status)} onChange={() => filters.toggleStatus(status)} />
              {status[0]?.toUpperCase()}
              {status.slice(1)}
            </label>
          ))}
        </fieldset>
        <TextFilter label="User" value={filters.user} onChange={(user) => filters.set({ user })} id={`${id}-user`} />
        {capabilities.filters.filter(isFieldFilter).map((filter) =>
          filter === 'ipAddress' ? (
            <AddressFilter
              key={filter}
              label={fieldLabel(capabilities, STORE_FILTER_FIELDS[filter].field)}
              value={filters.ipAddress}
              onChange={(ipAddress) => filters.set({ ipAddress })}
              id={`${id}-${filter}`}
            />
          ) : (
            <TextFilter
              key={filter}
              label={fieldLabel(capabilities, STORE_FILTER_FIELDS[filter].field)}
              value={filters[filter]}
              onChange={(value) => filters.set({ [filter]: value })}
              id={`${id}-${filter}`}
              placeholder={STORE_FILTER_FIELDS[filter].placeholder}
            />
          ),
        )}
        <label className="field" htmlFor={`${id}-range`}>
          <span>Created</span>
          <select id={`${id}-range`} value={filters.range} onChange={(e) => filters.set({ range: e.target.value as RangePreset })}>
            {Object.entries(RANGE_LABELS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label className="field" htmlFor={`${id}-reason`}>
          <span>Revocation reason</span>
          <select
            id={`${id}-reason`}
            value={filters.reasonCode}
            // Only a revoked session has a reason: choosing one lists revoked sessions.
            onChange={(e) => filters.set({ reasonCode: e.target.value as SessionFilters['reasonCode'], ...(e.target.value ? { statuses: ['revoked'] } : {}) })}
          >
            <option value="">Any</option>
            {REASON_FILTER_CHOICES.map((r) => (
              <option key={r} value={r}>
                {REASON_FILTER_LABELS[r]}
              </option>
            ))}
          </select>
        </label>
        {filters.range === 'custom' ? (
          <>
            <label className="field">
              <span>From</span>
              <input type="datetime-local" value={filters.customSince} onChange={(e) => filters.set({ customSince: e.target.value })} />
            </label>
            <label className="field">
              <span>To</span>
              <input type="datetime-local" value={filters.customUntil} onChange={(e) => filters.set({ customUntil: e.target.value })} />
            </label>
          </>
        ) : null}
        <label className="field search" htmlFor={`${id}-search`}>
          <span>
            {storeSearch ? 'Search' : 'Search loaded rows'} <kbd>/</kbd>
          </span>
          <input
            id={`${id}-search`}
            ref={searchRef}
            type="search"
            placeholder={capabilities.search}
            value={filters.search}
            onChange={(e) => filters.set({ search: e.target.value })}
          />
        </label>
      </div>
      <div className="filter-row secondary">
        <ul className="chips" aria-label="Active filters">
          {chips.map((chip) => (
            <li key={chip.key}>
              <span className="chip">
                {chip.label}
                <button type="button" aria-label={`Remove filter ${chip.label}`} onClick={() => filters.set(chip.reset)}>
                  ×
                </button>
              </span>
            </li>
          ))}
        </ul>
        {chips.length > 0 ? (
          <button type="button" className="link-button" onClick={filters.clearAll}>
            Clear all filters
          </button>
        ) : null}
        <div className="refresh" aria-label="Live refresh">
          <span className="muted" aria-live="off" data-testid="updated-ago">
            {filters.paused ? 'Paused' : updatedAgo}
          </span>
          <label className="field inline">
            <span className="visually-hidden">Refresh every</span>
            <select value={filters.refreshMs} onChange={(e) => filters.setRefresh({ refreshMs: Number(e.target.value) })} disabled={filters.paused}>
              {REFRESH_CHOICES.map((ms) => (
                <option key={ms} value={ms}>
                  every {ms / 1000} s
                </option>
              ))}
            </select>
          </label>
          <button type="button" aria-pressed={filters.paused} onClick={() => filters.setRefresh({ paused: !filters.paused })}>
            {filters.paused ? 'Resume' : 'Pause'}
          </button>
        </div>
      </div>
    </div>
  );
}

function TextFilter({ label, value, onChange, id, placeholder }: { label: string; value: string; onChange: (v: string) => void; id: string; placeholder?: string | undefined }) {
  return (
    <label className="field" htmlFor={id}>
      <span>{label}</span>
      <input id={id} type="text" value={value} spellCheck={false} autoComplete="off" placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
    </label>
  );
}

/**
 * An address or network (`10.1.0.0/16`, `2001:db8::/32`). What is typed takes effect once it
 * reads as one (main checks it exactly): `10.1.` on the way to `10.1.0.0/16` is not a filter the
 * store would refuse at every keystroke. Until then the field says what it expects.
 */
function AddressFilter({ label, value, onChange, id }: { label: string; value: string; onChange: (v: string) => void; id: string }) {
  const [draft, setDraft] = useState(value);
  // A chip removed or "Clear all filters": the field shows the filter in effect.
  useEffect(() => setDraft((d) => (d.trim() === value ? d : value)), [value]);
  const unfinished = draft.trim() !== '' && !looksLikeAddress(draft.trim());
  return (
    // The hint is outside the label: the field's name stays its label, the hint its description.
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        value={draft}
        spellCheck={false}
        autoComplete="off"
        placeholder={STORE_FILTER_FIELDS.ipAddress.placeholder}
        aria-invalid={unfinished}
        aria-describedby={unfinished ? `${id}-hint` : undefined}
        onChange={(e) => {
          setDraft(e.target.value);
          const next = e.target.value.trim();
          if (next === '' || looksLikeAddress(next)) onChange(next);
        }}
      />
      {unfinished ? (
        <span id={`${id}-hint`} className="field-hint">
          an address or network, e.g. 10.1.0.0/16
        </span>
      ) : null}
    </div>
  );
}


interface Chip {
  key: string;
  label: string;
  reset: Partial<SessionFilters>;
}

/** The filters in effect, as chips; store filters only where the store serves them. */
export function activeChips(f: SessionFilters, capabilities: StoreCapabilities | undefined): Chip[] {
  const chips: Chip[] = [];
  if (f.statuses.join() !== DEFAULT_FILTERS.statuses.join()) chips.push({ key: 'status', label: `status: ${f.statuses.join(', ')}`, reset: { statuses: DEFAULT_FILTERS.statuses } });
  if (f.user.trim()) chips.push({ key: 'user', label: `user: ${f.user.trim()}`, reset: { user: '' } });
  for (const filter of (capabilities?.filters ?? []).filter(isFieldFilter)) {
    const value = f[filter satisfies FieldFilter].trim();
    if (value) chips.push({ key: filter, label: `${filterChipName(capabilities, filter)}: ${value}`, reset: { [filter]: '' } });
  }
  if (f.range !== 'all') chips.push({ key: 'range', label: `created: ${RANGE_LABELS[f.range].replace('…', '')}`, reset: { range: 'all', customSince: '', customUntil: '' } });
  if (f.revokedSince || f.revokedUntil) chips.push({ key: 'revoked', label: `revoked: ${windowLabel(f.revokedSince, f.revokedUntil)}`, reset: { revokedSince: '', revokedUntil: '' } });
  if (f.reasonCode) chips.push({ key: 'reason', label: `reason: ${REASON_FILTER_LABELS[f.reasonCode]}`, reset: { reasonCode: '' } });
  if (f.search.trim()) chips.push({ key: 'search', label: `search: ${f.search.trim()}`, reset: { search: '' } });
  return chips;
}

/**
 * A revocation window as a chip says it: `2026-11-22 10:00 – 11:00 UTC`. An upper bound one
 * nanosecond before a whole minute (how the Activity chart ends a bucket, so that the next
 * bucket's first instant is not counted twice) is shown as that minute.
 */
function windowLabel(since: string, bound: string): string {
  const at = (iso: string) => iso.slice(0, 16).replace('T', ' ');
  const until = /:59\.999999999Z$/.test(bound) ? new Date(Date.parse(`${bound.slice(0, 19)}Z`) + 1000).toISOString() : bound;
  if (!until) return `since ${at(since)} UTC`;
  if (!since) return `until ${at(until)} UTC`;
  return since.slice(0, 10) === until.slice(0, 10) ? `${at(since)} – ${until.slice(11, 16)} UTC` : `${at(since)} – ${at(until)} UTC`;
}
