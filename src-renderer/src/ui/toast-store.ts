import { create } from 'zustand';

export interface Toast {
  id: number;
  text: string;
  tone: 'success' | 'warning';
}

let next = 1;

/** Short messages after an action; they stay 8 s and are announced politely. */
export const useToasts = create<{ toasts: Toast[]; show: (text: string, tone?: Toast['tone']) => void; dismiss: (id: number) => void }>((set) => ({
  toasts: [],
  show: (text, tone = 'success') => {
    const id = next++;
    set((s) => ({ toasts: [...s.toasts.slice(-2), { id, text, tone }] }));
    setTimeout(() => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })), 8000);
  },
  dismiss: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
}));
