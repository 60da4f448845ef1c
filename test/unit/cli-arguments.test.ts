import { describe, expect, it } from 'vitest';
import { dashedOperand, run } from '../../src-main/cli/main';

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { out: (t: string) => out.push(t), err: (t: string) => err.push(t), now: () => Date.now() } };
}

describe('arguments that begin with "-"', () => {
  it('refuses an id that parseArgs would read as the help flag and more short flags (exit 2, nothing printed to stdout)', async () => {
    // "-h-…" used to print the help and exit 0: the id was taken for -h followed by other flags.
    for (const id of ['-h-AbC', '-hx', '-hh', '-Xyz_9']) {
      const { out, err, io: streams } = io();
      const code = await run(['sessions', 'show', id, '--store', 'redis', '--redis', 'redis://127.0.0.1:1'], streams);
      expect(code).toBe(2);
      expect(out).toEqual([]);
      expect(err.join('')).toContain(`"${id}" begins with "-", so it reads as an option; put ids or users that begin with "-" after "--", as in: session-warden sessions show [options] -- ${id}`);
    }
  });

  it('leaves -h, values of options and everything after "--" alone', () => {
    expect(dashedOperand(['sessions', 'show', '-h'])).toBeNull();
    expect(dashedOperand(['sessions', 'revoke', '--note', '-urgent', '--', '-h-AbC'])).toBeNull();
    expect(dashedOperand(['sessions', 'revoke', '--reason-code', 'other', '--', '-hx'])).toBeNull();
    expect(dashedOperand(['sessions', 'revoke', '--note=-urgent', '-hx'])).toBe('-hx');
    expect(dashedOperand(['users', 'revoke', '--dry-run', '-alice'])).toBe('-alice');
  });

  it('still prints help for -h and --help', async () => {
    const { out, io: streams } = io();
    expect(await run(['sessions', 'show', '-h'], streams)).toBe(0);
    expect(out.join('')).toContain('sessions show');
  });
});
