import { REASON_CODES, type ActivityReason } from '../../src-shared/reason-codes';

/**
 * The reason code a stored `revoked_reason` names: we write `code` or `code: note`, so does any
 * tool that follows us; free text from other tools (or none) is `unknown`. The Activity chart
 * counts by this and the Sessions reason filter matches by it, so a bar opens what it counts.
 */
export function reasonOf(text: string | null): ActivityReason {
  const code = (text ?? '').split(':')[0]?.trim();
  return (REASON_CODES as readonly string[]).includes(code ?? '') ? (code as ActivityReason) : 'unknown';
}
