import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CursorCodec, InvalidCursorError } from '../../src-main/stores/cursor';

describe('opaque cursors', () => {
  const codec = new CursorCodec(randomBytes(32));
  const position = { query: 'status=active', at: '2026-11-22T08:00:00.100000000Z', id: '0123456789abcdef' };

  it('round-trip for the query that issued them', () => {
    expect(codec.decode(codec.encode(position), 'status=active')).toEqual(position);
  });

  it('do not reveal a DynamoDB key shape or accept edits', () => {
    const cursor = codec.encode(position);
    const [payload, signature] = cursor.split('.') as [string, string];
    const edited = Buffer.from(
      Buffer.from(payload, 'base64url').toString().replace('0123456789abcdef', 'ffffffffffffffff'),
    ).toString('base64url');
    expect(() => codec.decode(`${edited}.${signature}`, 'status=active')).toThrow(InvalidCursorError);
  });

  it('are refused for another query', () => {
    expect(() => codec.decode(codec.encode(position), 'status=revoked')).toThrow(/another query/);
  });

  it('from another process (another key) are refused', () => {
    const other = new CursorCodec(randomBytes(32));
    expect(() => codec.decode(other.encode(position), 'status=active')).toThrow(/signature/);
  });

  it.each(['', 'abc', 'a.b.c', '....', 'eyJ2IjoxfQ.', '.sig', `${'x'.repeat(100)}.${'y'.repeat(43)}`])(
    'refuses the forged cursor %j',
    (forged) => {
      expect(() => codec.decode(forged, 'status=active')).toThrow(InvalidCursorError);
    },
  );

  it('needs a real key', () => {
    expect(() => new CursorCodec(Buffer.alloc(8))).toThrow();
  });
});
