import { connect } from 'node:net';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { startRedisServer } from '../fixtures/redis-server';

describe('the redis-server fixture', () => {
  it('serves the tests on a loopback port', async () => {
    const url = inject('redisUrl');
    expect(url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    const client = new Redis(url, { maxRetriesPerRequest: 1 });
    try {
      await client.set('warden:fixture', 'ok', 'EX', 60);
      expect(await client.get('warden:fixture')).toBe('ok');
    } finally {
      client.disconnect();
    }
  });

  it('stops the server it started: its port refuses connections afterwards', async () => {
    const redis = await startRedisServer();
    await redis.stop();
    const refused = await new Promise<string>((resolve) => {
      const socket = connect(redis.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
