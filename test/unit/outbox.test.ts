import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableOutbox, outboxPathFor } from '../../src-main/revocation/outbox';
import { tempDir } from '../fixtures/temp-dir';

describe('the blacklist outbox', () => {
  let dir: { path: string; remove: () => Promise<void> };
  beforeEach(async () => {
    dir = await tempDir();
  });
  afterEach(() => dir.remove());

  it('keeps what another process still has pending when it compacts', async () => {
    const path = join(dir.path, 'outbox.jsonl');
    const a = new DurableOutbox(path);
    const b = new DurableOutbox(path);
    await a.add({ id: 'aaaaaaaaaaaaaaaa', reason: 'offboarding', expiresAtMs: 1 });
    await b.add({ id: 'bbbbbbbbbbbbbbbb', reason: 'offboarding', expiresAtMs: 2 });
    await a.done('aaaaaaaaaaaaaaaa');
    const restarted = new DurableOutbox(path);
    await restarted.load();
    expect(restarted.pending()).toEqual([{ id: 'bbbbbbbbbbbbbbbb', reason: 'offboarding', expiresAtMs: 2 }]);
    await b.done('bbbbbbbbbbbbbbbb');
    expect(await readFile(path, 'utf8')).toBe('');
  });

  it('has one file per Redis target, named without credentials', () => {
    const plain = outboxPathFor('/data', 'redis://10.0.0.5:6379/0');
    expect(outboxPathFor('/data', 'redis://ops:hunter2@10.0.0.5:6379/0')).toBe(plain);
    expect(outboxPathFor('/data', 'redis://10.0.0.6:6379/0')).not.toBe(plain);
    expect(plain).toMatch(/^\/data\/blacklist-outbox-[0-9a-f]{16}\.jsonl$/);
    expect(outboxPathFor('/data', 'redis://ops:hunter2@10.0.0.5:6379/0')).not.toContain('hunter2');
  });
});
