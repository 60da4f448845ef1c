/**
 * What a toast reports on, for toasts shown without a key: a later toast about the same thing
 * replaces it, so a failure never stays on screen beside the success of its retry.
 *
 * - `latest`: the toast continues the latest one of its subject (a retry of that run, or the one
 *   thing there is: the blacklist delivery, the active connection) and replaces it.
 * - `new`: a new run of the subject (another revocation): it starts its own line, and the
 *   toasts of earlier runs stay; a success there says nothing about them.
 *
 * Callers that know better pass an explicit key to `show` instead.
 */
export interface ToastSubject {
  name: string;
  continues: 'latest' | 'new';
}

const SUBJECTS: readonly { pattern: RegExp; subject: ToastSubject }[] = [
  // useRevoke: a retry of the confirmed run, then the run itself ("2 sessions revoked, 1 not revoked.").
  { pattern: /^Retry: /, subject: { name: 'revoke', continues: 'latest' } },
  { pattern: /^(Revoked in the store — |\d+ already revoked sessions? now blacklisted|\d+ sessions? revoked)/, subject: { name: 'revoke', continues: 'new' } },
  // Retry now of the pending blacklist writes: always about the one outbox.
  { pattern: /^(Every pending blacklist write is now|\d+ blacklist writes? (is|are) still pending|The retry did not run)/, subject: { name: 'blacklist-delivery', continues: 'latest' } },
  // Switching the connection: the latest attempt is what is true.
  { pattern: /^(Switched to |Still on the previous connection)/, subject: { name: 'connection-switch', continues: 'latest' } },
];

export function toastSubject(text: string): ToastSubject | null {
  return SUBJECTS.find((s) => s.pattern.test(text))?.subject ?? null;
}
