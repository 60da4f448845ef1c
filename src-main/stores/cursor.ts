import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * A position in the newest-first order of one query: the exact creation time and id of the last
 * session delivered. Cursors are signed so a renderer cannot forge a position or replay one
 * against another query; they carry no DynamoDB key, so nothing about the table leaks.
 */
export interface CursorPosition {
  /** Stable description of the query the cursor belongs to. */
  readonly query: string;
  /** Sort key of the last delivered session (normalised UTC time, or the raw value). */
  readonly at: string;
  readonly id: string;
}

const PayloadSchema = z.strictObject({
  v: z.literal(1),
  q: z.string().max(200),
  at: z.string().max(200),
  id: z.string().max(200),
});

export class InvalidCursorError extends Error {
  constructor(reason: string) {
    super(`The cursor is not valid for this query (${reason}). Start again from the first page.`);
    this.name = 'InvalidCursorError';
  }
}

export class CursorCodec {
  readonly #key: Buffer;

  /** `key`: a per-process secret; cursors do not outlive the process that issued them. */
  constructor(key: Buffer) {
    if (key.length < 32) throw new Error('cursor key must be at least 32 bytes');
    this.#key = key;
  }

  encode(position: CursorPosition): string {
    const payload = Buffer.from(
      JSON.stringify({ v: 1, q: position.query, at: position.at, id: position.id }),
    ).toString('base64url');
    return `${payload}.${this.#sign(payload)}`;
  }

  /** Throws InvalidCursorError unless the cursor was issued by us for this same query. */
  decode(cursor: string, query: string): CursorPosition {
    const [payload, signature, ...rest] = cursor.split('.');
    if (!payload || !signature || rest.length > 0) throw new InvalidCursorError('malformed');
    const expected = Buffer.from(this.#sign(payload));
    const actual = Buffer.from(signature);
    if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
      throw new InvalidCursorError('bad signature');
    }
    let parsed: z.infer<typeof PayloadSchema>;
    try {
      parsed = PayloadSchema.parse(JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')));
    } catch {
      throw new InvalidCursorError('unreadable');
    }
    if (parsed.q !== query) throw new InvalidCursorError('issued for another query');
    return { query: parsed.q, at: parsed.at, id: parsed.id };
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }
}
