import type { ErrorCode } from '../src-shared/result';

/** An error whose code and message are meant for the operator; anything else becomes INTERNAL. */
export class WardenError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'WardenError';
  }
}
