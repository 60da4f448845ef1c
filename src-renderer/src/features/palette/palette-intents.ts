import { create } from 'zustand';

/** Something the palette asked the Sessions screen to do (it owns the revoke dialog). */
export type PaletteIntent = { kind: 'revoke-user'; user: string } | { kind: 'revoke-selection' };

export const usePaletteIntents = create<{ intent: PaletteIntent | null; request: (intent: PaletteIntent) => void; done: () => void }>((set) => ({
  intent: null,
  request: (intent) => set({ intent }),
  done: () => set({ intent: null }),
}));

/**
 * Moves keyboard focus to what a command opened, once it has rendered: a screen's heading, the
 * sessions table. Headings get `tabindex=-1` so they can hold focus without entering the tab order.
 */
export function focusWhenShown(selector: string): void {
  // Two frames first: the screen switches, and the closing palette hands focus back, before this.
  requestAnimationFrame(() => requestAnimationFrame(() => focusFirst(selector, 20)));
}

function focusFirst(selector: string, attempts: number): void {
  const element = document.querySelector<HTMLElement>(selector);
  if (element) {
    if (!element.hasAttribute('tabindex')) element.setAttribute('tabindex', '-1');
    element.focus();
    return;
  }
  if (attempts > 0) requestAnimationFrame(() => focusFirst(selector, attempts - 1));
}
