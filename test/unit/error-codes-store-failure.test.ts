import { describe, expect, it } from 'vitest';
import { WardenError } from '../../src-main/errors';
import { storeFailureReason, storeUnavailable } from '../../src-main/ipc/store-failure';

const STORE = { connection: 'shop-web', where: 'redis://cache.internal:6379' };

describe('a store outage as the operator reads it', () => {
  it.each<[string, Error, RegExp]>([
    ['ioredis while reconnecting (no offline queue)', new Error("Stream isn't writeable and enableOfflineQueue options is false"), /is down \(reconnecting/],
    ['ioredis when the socket closes mid-command', new Error('Connection is closed.'), /closed during the request/],
    ['ioredis command timeout', new Error('Command timed out'), /did not answer in time/],
    ['a refused socket', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }), /refused the connection/],
    ['an unknown host', Object.assign(new Error('getaddrinfo ENOTFOUND cache.internal'), { code: 'ENOTFOUND' }), /does not resolve/],
    ['Redis refusing the password', Object.assign(new Error('WRONGPASS invalid username-password pair or user is disabled.'), { name: 'ReplyError', command: { name: 'auth', args: ['s3cret-pass'] } }), /refused the connection's credentials/],
    ['Redis loading its data', new Error('LOADING Redis is loading the dataset in memory'), /still loading/],
  ])('%s is STORE_UNAVAILABLE with which connection, why and what to do', (_label, error, why) => {
    const explained = storeUnavailable(error, STORE, 'Nothing was revoked.');
    expect(explained).toBeInstanceOf(WardenError);
    expect(explained?.code).toBe('STORE_UNAVAILABLE');
    expect(explained?.message).toMatch(/^The store of "shop-web" \(redis:\/\/cache\.internal:6379\) could not be used: /);
    expect(explained?.message).toMatch(why);
    expect(explained?.message).toContain('Nothing was revoked. Check that it is running and reachable from this machine, then try again.');
    // Only the reason in our words: never the error's other properties (an AUTH reply keeps the password).
    expect(explained?.message).not.toContain('s3cret-pass');
  });

  it.each<[string, unknown]>([
    ['a bug', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a WRONGTYPE reply (the data, not the store)', new Error('WRONGTYPE Operation against a key holding the wrong kind of value')],
    ['a message that merely mentions a timeout', new Error('export failed: Command timed out while writing')],
    ['a WardenError (already explained)', new WardenError('STORE_UNAVAILABLE', 'DynamoDB could not be reached')],
    ['not an error', 'Connection is closed.'],
  ])('%s is not called an outage', (_label, error) => {
    expect(storeFailureReason(error)).toBeNull();
    expect(storeUnavailable(error, STORE)).toBeNull();
  });
});
