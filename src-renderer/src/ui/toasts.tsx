import { useEffect, useState } from 'react';
import { SUCCESS_TOAST_MS, useToasts, type Toast } from './toast-store';

/**
 * A polite live region in a corner; never covers the table's controls. Successes go by
 * themselves after `successMs` (held while hovered or focused); warnings stay until dismissed or
 * replaced by news about the same thing.
 */
export function Toasts({ successMs = SUCCESS_TOAST_MS }: { successMs?: number }) {
  const toasts = useToasts((s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite" data-testid="toasts">
      {toasts.map((t) => (
        <ToastItem key={t.id} toast={t} successMs={successMs} />
      ))}
    </div>
  );
}

function ToastItem({ toast, successMs }: { toast: Toast; successMs: number }) {
  const dismiss = useToasts((s) => s.dismiss);
  const [hovered, setHovered] = useState(false);
  const [focused, setFocused] = useState(false);
  const expires = toast.tone === 'success' && !hovered && !focused;
  useEffect(() => {
    if (!expires) return undefined;
    const timer = setTimeout(() => dismiss(toast.id), successMs);
    return () => clearTimeout(timer);
  }, [expires, successMs, dismiss, toast.id]);
  return (
    <div
      className={`toast toast-${toast.tone}`}
      data-tone={toast.tone}
      onMouseEnter={() => setHovered(true)}
      onMouseLeave={() => setHovered(false)}
      onFocus={() => setFocused(true)}
      onBlur={() => setFocused(false)}
    >
      <span className="toast-glyph" aria-hidden="true">
        {toast.tone === 'success' ? '✓' : '!'}
      </span>
      <span>{toast.text}</span>
      <button type="button" className="icon-button small" aria-label="Dismiss" onClick={() => dismiss(toast.id)}>
        ×
      </button>
    </div>
  );
}
