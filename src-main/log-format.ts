import { redactUrl } from './web-sessions/redis-target';

/**
 * An error as it may go into a log or crash output: the name, message and stack of the error and
 * of its causes, and nothing else. Never `util.inspect` a store error: their other properties
 * hold what was sent (an ioredis reply error to AUTH carries the password in `command.args`; AWS
 * errors carry request metadata). URL credentials in messages are masked too.
 */
export function formatErrorForLog(error: unknown, depth = 0): string {
  if (!(error instanceof Error)) return maskUrls(typeof error === 'string' ? error : `non-error value of type ${typeof error}`);
  const head = error.stack && error.stack.includes(error.message) ? error.stack : `${error.name}: ${error.message}\n${error.stack ?? ''}`;
  const cause = (error as { cause?: unknown }).cause;
  const text = maskUrls(head.trimEnd());
  return cause !== undefined && depth < 5 ? `${text}\ncaused by: ${formatErrorForLog(cause, depth + 1)}` : text;
}

function maskUrls(text: string): string {
  return text.replace(/[a-z][a-z0-9+.-]*:\/\/[^\s/]*@[^\s]*/gi, (url) => redactUrl(url));
}
