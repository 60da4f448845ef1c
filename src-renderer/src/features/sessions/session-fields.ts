import type { Session } from '../../../../src-shared/session';
import type { SessionField, StoreCapabilities, StoreFilter } from '../../../../src-shared/store-capabilities';

/**
 * How the renderer shows each session field a store may have. Which fields a connection has, in
 * which order and under which name, is the store's (`capabilities` in app:info); how a time, a
 * count or an identifier is drawn is the renderer's, the same for every store.
 */

/** A field's name where the store does not name it otherwise (`capabilities.labels`). */
const DEFAULT_LABELS: Record<SessionField, string> = {
  user: 'User',
  email: 'E-mail',
  profile: 'Profile',
  serverInstanceId: 'Server instance',
  status: 'Status',
  createdAt: 'Created',
  startedAt: 'Started',
  lastAccessAt: 'Last access',
  expiresAt: 'Expires',
  requestCount: 'Requests',
  deviceId: 'Device',
  ipAddress: 'IP address',
  userAgent: 'User agent',
  sourceIdentity: 'Source identity',
};

export function fieldLabel(capabilities: StoreCapabilities, field: SessionField): string {
  return capabilities.labels[field] ?? DEFAULT_LABELS[field];
}

/** Times: relative with the exact time on hover in the table, on the timeline in the detail panel. */
export const TIME_FIELDS: ReadonlySet<SessionField> = new Set<SessionField>(['createdAt', 'startedAt', 'lastAccessAt', 'expiresAt']);

/** Machine identifiers and addresses, always in monospace. */
const MONO_FIELDS: ReadonlySet<SessionField> = new Set<SessionField>(['serverInstanceId', 'sourceIdentity', 'ipAddress']);

/**
 * Fields one store holds as an identifier and another as a description for people ("device" is
 * Sentinel's hex device id, a web app's "MacBook Pro (macOS 15)"): shown by what the values are.
 */
const ID_OR_TEXT_FIELDS: ReadonlySet<SessionField> = new Set<SessionField>(['deviceId']);

/** An identifier rather than words: no spaces. */
export function looksLikeIdentifier(value: string): boolean {
  return value !== '' && !/\s/.test(value);
}

/** Whether a field's values are drawn in monospace, judged from the values at hand. */
export function isMonoField(field: SessionField, values: () => readonly string[]): boolean {
  if (MONO_FIELDS.has(field)) return true;
  if (!ID_OR_TEXT_FIELDS.has(field)) return false;
  const present = values().filter((v) => v !== '');
  return present.length > 0 && present.every(looksLikeIdentifier);
}

/** Wide identity columns that only some operators want: offered in the column choice, hidden by default. */
export const OPTIONAL_COLUMNS: ReadonlySet<SessionField> = new Set<SessionField>(['deviceId', 'sourceIdentity', 'userAgent']);

/** Columns left out while the detail panel is open (it shows them). */
export const COMPACT_HIDDEN: ReadonlySet<SessionField> = new Set<SessionField>(['createdAt', 'startedAt', 'email']);

/** Store filters drawn as a text field of their own; `text` is the search box's (see FilterBar). */
export type FieldFilter = Exclude<StoreFilter, 'text'>;

export function isFieldFilter(filter: StoreFilter): filter is FieldFilter {
  return filter !== 'text';
}

/** The session field each store filter matches, its chip's short name, and an example of a value where one helps. */
export const STORE_FILTER_FIELDS: Record<FieldFilter, { field: SessionField; chip: string; placeholder?: string }> = {
  profile: { field: 'profile', chip: 'profile' },
  serverInstance: { field: 'serverInstanceId', chip: 'instance' },
  device: { field: 'deviceId', chip: 'device', placeholder: 'part of its name' },
  ipAddress: { field: 'ipAddress', chip: 'IP', placeholder: 'e.g. 10.1.0.0/16' },
};

/** A filter's chip name: the store's own name for the field when it has one. */
export function filterChipName(capabilities: StoreCapabilities | undefined, filter: FieldFilter): string {
  const { field, chip } = STORE_FILTER_FIELDS[filter];
  return capabilities?.labels[field]?.toLowerCase() ?? chip;
}

/** A field's value as the store gave it; undefined when this session has no such field. */
export function fieldValue(session: Session, field: SessionField): string | number | null | undefined {
  return (session as unknown as Partial<Record<SessionField, string | number | null>>)[field];
}

/**
 * Counts with thousands separators. One formatter made once: `toLocaleString('en-US')` looks the
 * locale up on every call, which cost about a tenth of a millisecond a row while scrolling.
 */
const COUNT_FORMAT = new Intl.NumberFormat('en-US');

export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}

/** A field's value as text (counts with thousands separators); empty when the store gave none. */
export function fieldText(session: Session, field: SessionField): string {
  const value = fieldValue(session, field);
  if (typeof value === 'number') return formatCount(value);
  return value ?? '';
}

/** Whether text reads as an IPv4 or IPv6 address, optionally with a prefix length; main's check is the exact one. */
export function looksLikeAddress(text: string): boolean {
  const [address = '', prefix, ...rest] = text.split('/');
  if (rest.length > 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix))) return false;
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(address);
  if (v4) return v4.slice(1).every((octet) => Number(octet) <= 255) && (prefix === undefined || Number(prefix) <= 32);
  const groups = address.split(':');
  const v6 =
    /^[0-9a-f:.]+$/i.test(address) &&
    groups.length >= 3 &&
    groups.length <= 8 &&
    groups.every((g) => g.length <= 4 || g.includes('.')) &&
    address.split('::').length <= 2 &&
    (groups.length === 8 || address.includes('::')) &&
    (!address.endsWith(':') || address.endsWith('::')) &&
    (!address.startsWith(':') || address.startsWith('::'));
  return v6 && (prefix === undefined || Number(prefix) <= 128);
}
