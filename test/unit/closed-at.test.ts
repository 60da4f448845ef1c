import { describe, expect, it } from 'vitest';
import { closingByUser, closingLine } from '../../src-shared/closed-at';

describe('when a revocation is fully closed, per user', () => {
  const at = (iso: string) => `2026-11-30T${iso}.000Z`;

  it('takes the latest closing time of each user, counting only sessions that are revoked', () => {
    const closing = closingByUser([
      { user: 'alice', outcome: 'revoked', closedAt: at('06:12:04') },
      { user: 'bob', outcome: 'already_revoked', closedAt: at('05:00:00') },
      { user: 'alice', outcome: 'revoked', closedAt: at('06:20:00') },
      { user: 'alice', outcome: 'expired' },
      { user: 'carol', outcome: 'failed', closedAt: at('07:00:00') },
      { user: 'dave', outcome: 'not_found' },
    ]);
    expect(closing).toEqual([
      { user: 'alice', sessions: 2, closedAtMs: Date.parse(at('06:20:00')) },
      { user: 'bob', sessions: 1, closedAtMs: Date.parse(at('05:00:00')) },
    ]);
  });

  it('never reports an end that may be early: one session without a time makes the user unknown', () => {
    const [alice] = closingByUser([
      { user: 'alice', outcome: 'revoked', closedAt: at('06:12:04') },
      { user: 'alice', outcome: 'revoked' },
    ]);
    expect(alice?.closedAtMs).toBeNull();
    expect(closingLine(alice ?? { user: '', sessions: 0, closedAtMs: null }, Date.parse(at('06:00:00')))).toBe(
      'alice: closing time unknown (the store did not say when credentials were last issued)',
    );
  });

  it('says open until the time while it is ahead, and fully closed once it has passed', () => {
    const alice = { user: 'alice', sessions: 2, closedAtMs: Date.parse(at('06:12:04')) };
    expect(closingLine(alice, Date.parse(at('06:00:00')))).toBe('alice: open until 2026-11-30 06:12:04 UTC, fully closed then');
    expect(closingLine(alice, Date.parse(at('06:12:04')))).toBe('alice: fully closed at 2026-11-30 06:12:04 UTC');
    expect(closingLine({ ...alice, user: '' }, Date.parse(at('07:00:00')))).toBe('(unknown user): fully closed at 2026-11-30 06:12:04 UTC');
  });
});
