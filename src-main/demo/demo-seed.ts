import { formatRfc3339Nano } from '../stores/exact-time';
import type { SentinelItem } from '../sentinel/sentinel-item';

const USERS = [
  'alice', 'bob', 'carol.nguyen', 'dmitri.k', 'erin.walsh', 'farid.haddad', 'grace.ho', 'heidi.schultz',
  'ivan.petrov', 'judy.mensah', 'kenji.sato', 'lena.fischer', 'mallory.x', 'noah.brooks', 'olivia.reyes',
  'pavel.novak', 'quinn.oconnor', 'rosa.diaz',
];
const PROFILES = ['prod-admin', 'prod-readonly', 'staging-deploy', 'billing-ro', 'security-audit', 'data-eng'];
const SERVER_INSTANCES = ['sentinel-euw1-7f3a9c2e', 'sentinel-euw1-b41d0e97', 'sentinel-use1-2c88a51f', 'sentinel-use1-e09b7d34'];
const OPERATORS = ['secops.jane', 'secops.marcus', 'it.offboarding'];
const REASONS = [
  'credential_compromise: token seen from unknown ASN',
  'offboarding',
  'role_change: moved to finance',
  'security_incident: INC-4471',
  'user_request',
];

const HOUR = 3600;

/** A small deterministic PRNG (mulberry32), so the demo looks the same on every start. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * About 500 sessions in Sentinel's exact item format, relative to `nowMs`: mostly active, some
 * revoked by an operator with a reason, some expired, and a few still saying `active` after
 * their expiry (as Sentinel leaves them when a server stops without a graceful shutdown).
 * Timestamps use Go's RFC3339Nano, trailing zeros trimmed, so `.1Z` and `Z` both occur.
 */
export function demoSessions(nowMs: number, count = 500): SentinelItem[] {
  const rand = random(20261122);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)] as T;
  const hex = (length: number): string =>
    Array.from({ length }, () => Math.floor(rand() * 16).toString(16)).join('');
  const nowSeconds = Math.floor(nowMs / 1000);
  const stamp = (seconds: number): string => {
    // One in eight times has no fraction at all; others a random number of digits.
    const digits = rand() < 0.125 ? 0 : 1 + Math.floor(rand() * 9);
    const nanos = digits === 0 ? 0 : Math.floor(rand() * 10 ** digits) * 10 ** (9 - digits);
    return formatRfc3339Nano(seconds, nanos);
  };
  const devices = new Map(USERS.map((u) => [u, [hex(16), hex(16)]]));
  const items: SentinelItem[] = [];
  const ids = new Set<string>();

  for (let i = 0; i < count; i += 1) {
    let id = hex(16);
    while (ids.has(id)) id = hex(16);
    ids.add(id);
    const roll = rand();
    const kind = roll < 0.62 ? 'active' : roll < 0.8 ? 'revoked' : roll < 0.97 ? 'expired' : 'stale';
    const lifetime = pick([4, 8, 12]) * HOUR;
    const age =
      kind === 'active' ? Math.floor(rand() * (lifetime - 300)) + 5
      : kind === 'revoked' ? Math.floor(rand() * 7 * 24 * HOUR) + 60
      : lifetime + Math.floor(rand() * 6 * 24 * HOUR) + 60;
    const created = nowSeconds - age;
    const expires = created + lifetime;
    const lastAccess = Math.min(nowSeconds - 1, created + Math.floor(rand() * Math.min(age, lifetime)));
    const user = pick(USERS);
    const createdAt = stamp(created);
    const item: SentinelItem = {
      id,
      user,
      profile: pick(PROFILES),
      server_instance_id: pick(SERVER_INSTANCES),
      status: kind === 'stale' ? 'active' : kind,
      started_at: createdAt,
      last_access_at: stamp(lastAccess),
      expires_at: stamp(expires),
      request_count: Math.floor(rand() * 900) + 1,
      source_identity: `sentinel:${user}:${hex(8)}`,
      device_id: pick(devices.get(user) ?? [hex(16)]),
      created_at: createdAt,
      updated_at: stamp(lastAccess),
      ttl: expires,
    };
    if (kind === 'revoked') {
      const revokedAt = created + Math.floor(rand() * Math.min(age, lifetime));
      item.revoked_by = pick(OPERATORS);
      item.revoked_reason = pick(REASONS);
      // Some Sentinel servers stamp local time: keep a zone offset on updated_at.
      item.updated_at = rand() < 0.3 ? localStamp(revokedAt, 2) : stamp(revokedAt);
    }
    items.push(item);
  }
  return items;
}

function localStamp(epochSeconds: number, offsetHours: number): string {
  const local = formatRfc3339Nano(epochSeconds + offsetHours * HOUR, 0).replace(/Z$/, '');
  return `${local}+${String(offsetHours).padStart(2, '0')}:00`;
}
