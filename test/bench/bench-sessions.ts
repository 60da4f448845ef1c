import { randomBytes } from 'node:crypto';
import type { SessionsPage, SessionsQueryRequest } from '../../src-shared/contract';
import type { Session } from '../../src-shared/session';
import type { SessionStore } from '../../src-main/session-store';

/** The benches' store: sessions held in memory and paged in order (the floor of any real store). */
export class InMemoryStore implements SessionStore {
  constructor(readonly sessions: Session[]) {}
  async query(request: SessionsQueryRequest): Promise<SessionsPage> {
    const start = request.cursor ? Number(request.cursor) : 0;
    const page = this.sessions.slice(start, start + request.limit);
    const next = start + page.length;
    return { sessions: page, ...(next < this.sessions.length ? { nextCursor: String(next) } : {}) };
  }
  async get(id: string): Promise<Session | null> {
    return this.sessions.find((s) => s.id === id) ?? null;
  }
  async activeUsers(): Promise<{ user: string; live: number; emails: string[] }[]> {
    const live = new Map<string, number>();
    for (const s of this.sessions) if (s.status === 'active') live.set(s.user, (live.get(s.user) ?? 0) + 1);
    return [...live].map(([user, count]) => ({ user, live: count, emails: [] }));
  }
  async hasUser(user: string): Promise<boolean> {
    return this.sessions.some((s) => s.user === user);
  }
}

/** `rows` active Sentinel sessions, newest first, a second apart, over 5,000 users and 12 profiles. */
export function syntheticSessions(rows: number): Session[] {
  const now = Date.now();
  return Array.from({ length: rows }, (_, i) => {
    const created = new Date(now - i * 1000).toISOString().replace('Z', '000000Z');
    return {
      id: randomBytes(8).toString('hex'),
      user: `user${i % 5000}`,
      profile: `profile-${i % 12}`,
      serverInstanceId: `sentinel-${i % 6}`,
      status: 'active',
      storedStatus: 'active',
      createdAt: created,
      startedAt: created,
      lastAccessAt: created,
      expiresAt: new Date(now + 3600e3).toISOString().replace('Z', '000000Z'),
      updatedAt: created,
      requestCount: i % 900,
      sourceIdentity: `sentinel:user${i % 5000}:${i.toString(16)}`,
      deviceId: randomBytes(8).toString('hex'),
      revokedBy: null,
      revokedAt: null,
      revokedReason: null,
    };
  });
}
