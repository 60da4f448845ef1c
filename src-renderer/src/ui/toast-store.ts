import { create } from 'zustand';
import { toastSubject } from './signal-toast-subjects';

export interface Toast {
  id: number;
  text: string;
  tone: 'success' | 'warning';
  /** Toasts about the same thing share a key: a new one replaces the old. */
  key: string;
}

/** How long a success toast stays (counted while it is neither hovered nor focused). */
export const SUCCESS_TOAST_MS = 5_000;
/** At most this many at once; successes make room first, so a warning is not pushed out by them. */
const MAX_TOASTS = 3;

interface ToastsState {
  toasts: Toast[];
  /** The key of the latest toast of each subject (see signal-toast-subjects). */
  latest: Readonly<Record<string, string>>;
  /**
   * Says `text`. A success goes by itself after a few seconds; a warning stays until dismissed or
   * replaced by a later toast about the same thing (`key`, or the subject read from the text).
   */
  show: (text: string, tone?: Toast['tone'], key?: string) => void;
  dismiss: (id: number) => void;
}

let next = 1;

/** Short messages after an action, announced politely (see Toasts). */
export const useToasts = create<ToastsState>((set) => ({
  toasts: [],
  latest: {},
  show: (text, tone = 'success', key) =>
    set((state) => {
      const id = next++;
      const subject = key === undefined ? toastSubject(text) : null;
      const ownKey = key ?? (subject && subject.continues === 'latest' ? state.latest[subject.name] : undefined) ?? `${subject?.name ?? 'toast'}#${id}`;
      const toasts = fit([...state.toasts.filter((t) => t.key !== ownKey), { id, text, tone, key: ownKey }]);
      return { toasts, latest: subject ? { ...state.latest, [subject.name]: ownKey } : state.latest };
    }),
  dismiss: (id) => set((state) => ({ toasts: state.toasts.filter((t) => t.id !== id) })),
}));

/** Drops the oldest successes, then the oldest toasts, until at most MAX_TOASTS remain (never the newest). */
function fit(toasts: Toast[]): Toast[] {
  const kept = [...toasts];
  while (kept.length > MAX_TOASTS) {
    const success = kept.slice(0, -1).findIndex((t) => t.tone === 'success');
    kept.splice(success >= 0 ? success : 0, 1);
  }
  return kept;
}
