/**
 * Ctrl-C during a revocation on the command line: the first SIGINT aborts the signal (the run
 * starts no further session and finishes those under way, so the ledger and the printed results
 * say exactly what was written); a second one exits at once with 130, as a shell reports SIGINT.
 */
export function stopOnInterrupt(onFirst: () => void): { signal: AbortSignal; release: () => void } {
  const controller = new AbortController();
  const interrupted = () => {
    if (controller.signal.aborted) process.exit(EXIT_INTERRUPTED);
    controller.abort();
    onFirst();
  };
  process.on('SIGINT', interrupted);
  return { signal: controller.signal, release: () => process.off('SIGINT', interrupted) };
}

/** 128 + SIGINT's number: what a shell reports for a command ended by Ctrl-C. */
export const EXIT_INTERRUPTED = 130;
