import type { GroupConnection, PersonGroup } from '../../../../src-shared/people';

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

/** `2026-11-30 21:04:05 UTC` for an ISO time from main. */
export function isoLabel(iso: string): string {
  return `${iso.slice(0, 19).replace('T', ' ')} UTC`;
}

const KIND_WORDS: Record<GroupConnection['kind'], string> = {
  dynamodb: 'Sentinel table (DynamoDB)',
  redis: 'web sessions (Redis)',
  postgres: 'web sessions (PostgreSQL)',
  demo: 'embedded demo store',
};

export function kindWords(kind: GroupConnection['kind']): string {
  return KIND_WORDS[kind];
}

/** What the store's identity field is called there. */
export function identityFieldWords(kind: GroupConnection['kind'], key: 'user' | 'email'): string {
  if (key === 'email') return kind === 'postgres' ? 'users.email' : 'email';
  return kind === 'redis' ? 'userId' : kind === 'postgres' ? 'user_id' : 'user';
}

/** The live sessions a revoke-everywhere would name in this group: listed, active. */
export function liveIds(group: PersonGroup): string[] {
  return group.sessions.filter((s) => s.status === 'active').map((s) => s.id);
}

/** Where a revoke-everywhere can act: found (or found in part: main reads every live session when revoking), writable, with live sessions. */
export function revocable(group: PersonGroup): boolean {
  return (group.state === 'found' || group.state === 'incomplete') && !group.connection.readOnly && liveIds(group).length > 0;
}
