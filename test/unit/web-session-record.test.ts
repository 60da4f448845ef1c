import { describe, expect, it } from 'vitest';
import { SessionIdSchema } from '../../src-shared/session';
import { parseRedisUrls, redactUrl } from '../../src-main/web-sessions/redis-target';
import { deriveWebStatus, idOfSessionKey, parseRecord, toWebSession } from '../../src-main/web-sessions/web-session-record';

const NOW = Date.parse('2026-11-22T10:00:00.000Z');

describe('web session records', () => {
  it('derives status as the web app does: flag or blacklist → revoked; past expiresAt → expired', () => {
    const live = { expiresAt: '2026-11-22T11:00:00.000Z', revoked: false };
    expect(deriveWebStatus(live, false, NOW)).toBe('active');
    expect(deriveWebStatus({ ...live, revoked: true }, false, NOW)).toBe('revoked');
    expect(deriveWebStatus(live, true, NOW)).toBe('revoked');
    expect(deriveWebStatus({ ...live, expiresAt: '2026-11-22T10:00:00.000Z' }, false, NOW)).toBe('expired');
    // Revoked beats expired; the string "true" is not the flag; an unreadable expiry is not a past one.
    expect(deriveWebStatus({ expiresAt: '2026-11-22T09:00:00.000Z', revoked: true }, false, NOW)).toBe('revoked');
    expect(deriveWebStatus({ ...live, revoked: 'true' }, false, NOW)).toBe('active');
    expect(deriveWebStatus({ expiresAt: 'tomorrow' }, false, NOW)).toBe('active');
  });

  it('maps fields onto the common shape, whatever their types', () => {
    const session = toWebSession('abc', { userId: 42, email: null, deviceInfo: { os: 'iOS', model: 'iPhone' }, ipAddress: '::1', createdAt: 'yesterday' }, null, NOW);
    expect(session).toMatchObject({ id: 'abc', user: '42', email: '', deviceId: '{"os":"iOS","model":"iPhone"}', ipAddress: '::1', createdAt: null, status: 'active', storedStatus: 'active' });
    expect(toWebSession('abc', { revoked: true, revokedReason: 'logout' }, 'other reason', NOW)).toMatchObject({ status: 'revoked', storedStatus: 'revoked', revokedReason: 'logout' });
    expect(toWebSession('abc', {}, 'fraud', NOW)).toMatchObject({ status: 'revoked', storedStatus: 'blacklisted', revokedReason: 'fraud' });
  });

  it('reads only JSON objects, and only keys whose id is one we can act on', () => {
    expect(parseRecord('{"id":"a"}')).toEqual({ id: 'a' });
    for (const raw of ['[1]', 'null', '"x"', '{oops', '']) expect(parseRecord(raw)).toBeNull();
    expect(idOfSessionKey('session:Zx-_09')).toBe('Zx-_09');
    for (const key of ['session:', 'session:a b', 'session:a:b', 'session:*', 'revoked:abc', `session:${'a'.repeat(129)}`]) expect(idOfSessionKey(key)).toBeNull();
    expect(SessionIdSchema.safeParse('0123456789abcdef').success).toBe(true);
  });
});

describe('Redis targets', () => {
  it('accepts redis:// and rediss:// only, and several URLs only as cluster seeds', () => {
    expect(parseRedisUrls({ urls: ['redis://127.0.0.1:6379'] })).toHaveLength(1);
    expect(() => parseRedisUrls({ urls: [] })).toThrow('no Redis URL');
    expect(() => parseRedisUrls({ urls: ['http://127.0.0.1'] })).toThrow('starts with redis://');
    expect(() => parseRedisUrls({ urls: ['redis://a:1', 'redis://b:2'], cluster: false })).toThrow('cluster');
    expect(() => parseRedisUrls({ urls: ['redis://a:1', 'rediss://b:2'] })).toThrow('TLS for all or none');
    expect(() => parseRedisUrls({ urls: ['not a url :pw@'] })).toThrow('not a URL');
  });

  it('never shows a password in a URL it prints', () => {
    expect(redactUrl('rediss://ops:s3cret@cache.internal:6380/2')).toBe('rediss://ops:***@cache.internal:6380/2');
    expect(redactUrl('redis://:s3cret@host')).toBe('redis://:***@host');
    expect(redactUrl('redis://host:6379')).toBe('redis://host:6379');
    expect(redactUrl('redis://u:p@ss@host:6379')).toBe('redis://u:***@host:6379');
    expect(redactUrl('redis://host:6379/0?password=s3cret')).toBe('redis://host:6379/0?password=***');
    expect(redactUrl('not a url u:s3cret@host')).toBe('***@host');
    let message = '';
    try {
      parseRedisUrls({ urls: ['redis://u:s3cret@ho st'] });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain('s3cret');
  });
});
