import { useEffect, useRef, type ReactNode } from 'react';

interface ModalDialogProps {
  open: boolean;
  /** Esc or a close button; not called while `busy`. */
  onClose: () => void;
  /** While true (a revocation running), Esc does nothing. */
  busy?: boolean;
  labelledBy: string;
  testId?: string;
  children: ReactNode;
}

/**
 * The platform's modal <dialog> (showModal): the page behind becomes inert, focus stays inside,
 * Esc cancels, and focus returns where it was. Libraries that emulate this inject <style>
 * elements for their scroll lock, which our CSP (`style-src 'self'`) rightly blocks.
 */
export function ModalDialog({ open, onClose, busy = false, labelledBy, testId, children }: ModalDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (open && !dialog.open) {
      dialog.showModal();
      // React's autoFocus runs before showModal, while the dialog is still hidden; focus the
      // first field now (or what asks for it), so typing goes straight into the dialog.
      dialog.querySelector<HTMLElement>('[data-autofocus], input:not([type="hidden"]), select, textarea, button')?.focus();
    }
    if (!open && dialog.open) dialog.close();
  }, [open]);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={labelledBy}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        if (!busy) onClose();
      }}
    >
      {open ? children : null}
    </dialog>
  );
}
