import type { Emit } from '../ipc/dispatch';
import type { SessionStore } from '../session-store';
import type { Session } from '../../src-shared/session';

/** Active sessions of one watched user read a tick (as the renderer read them before). */
export const WATCH_READ_LIMIT = 200;

export interface UserWatchOptions {
  store: Pick<SessionStore, 'query'>;
  /** Raises a system notification (Electron's Notification in the app). */
  notify: (notification: { title: string; body: string }) => void;
}

/**
 * New sessions of watched users (a compromised account signing in again), detected in main: one
 * query of each watched user's active sessions a tick; a session id not seen before (after the
 * first answer for that user) is sent to the window as a `watch:new` event and raised as a
 * system notification with what the store says. The window only says whom to watch and how often
 * (`watch:set`), and shows the alerts.
 */
export class UserWatch {
  readonly #options: UserWatchOptions;
  /** Per watched user, the ids seen so far (absent until the first answer for that user). */
  readonly #seen = new Map<string, Set<string> | null>();
  #emit: Emit | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #periodMs: number | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;

  constructor(options: UserWatchOptions) {
    this.#options = options;
  }

  /**
   * Whom to watch and how often (`null`: paused), and where alerts go. Users already watched keep
   * what was seen of them; a newly watched user is read at once, to know what is already there:
   * answers once it has been (a session begun after the answer is a new one).
   */
  async set(users: readonly string[], periodMs: number | null, emit: Emit): Promise<{ watching: number }> {
    this.#emit = emit;
    const wanted = new Set(users);
    for (const user of [...this.#seen.keys()]) if (!wanted.has(user)) this.#seen.delete(user);
    const added = users.filter((u) => !this.#seen.has(u));
    for (const user of added) this.#seen.set(user, null);
    if (periodMs !== this.#periodMs || (this.#timer === null && periodMs !== null)) {
      this.#clearTimer();
      this.#periodMs = periodMs;
      if (periodMs !== null && !this.#stopped) {
        this.#timer = setInterval(() => void this.tick(), periodMs);
        // A watch never keeps the process alive on its own.
        this.#timer.unref?.();
      }
    }
    if (added.length > 0 && !this.#stopped) {
      // A tick already running may have started before these users were added: then one more.
      await this.tick();
      if ([...added].some((u) => this.#seen.get(u) === null)) await this.tick();
    }
    return { watching: this.#seen.size };
  }

  /** One read of every watched user (the tick in progress, if one is). */
  tick(): Promise<void> {
    this.#running ??= this.#readAll().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#clearTimer();
    await this.#running;
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #readAll(): Promise<void> {
    const alerts: { user: string; sessionId: string }[] = [];
    const fresh: Session[] = [];
    await Promise.all(
      [...this.#seen.keys()].map(async (user) => {
        let sessions: Session[];
        try {
          sessions = (await this.#options.store.query({ status: 'active', user, limit: WATCH_READ_LIMIT })).sessions;
        } catch {
          // A store that cannot be reached now is read again next tick; the table says it is down.
          return;
        }
        if (!this.#seen.has(user) || this.#stopped) return;
        const seen = this.#seen.get(user);
        if (!seen) {
          this.#seen.set(user, new Set(sessions.map((s) => s.id)));
          return;
        }
        for (const s of sessions) {
          if (seen.has(s.id)) continue;
          seen.add(s.id);
          alerts.push({ user, sessionId: s.id });
          fresh.push(s);
        }
      }),
    );
    if (alerts.length === 0 || this.#stopped) return;
    try {
      this.#emit?.('watch:new', { alerts });
    } catch {
      // The window went away: the notification still tells the operator.
    }
    for (const session of fresh) {
      this.#options.notify({
        title: `New session of watched user ${clip(session.user)}`,
        body: `Session ${session.id}${session.profile ? ` on profile ${clip(session.profile)}` : ''}, device ${clip(session.deviceId)}. Open Session Warden to review or revoke it.`,
      });
    }
  }
}

/** Store strings are untrusted: keep them short in a notification. */
function clip(text: string, max = 64): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
