import { afterEach, describe, expect, it, vi } from 'vitest';
import { BURST_MS, MAX_AGE_MS, PagePrefetch } from '../../src-renderer/src/features/sessions/page-prefetch';

/** Pages of a list of `pages` pages: page i's cursor is `c<i>`; each read is recorded, and a read can be held or failed. */
function list(pages: number) {
  const reads: (string | undefined)[] = [];
  const failing = new Set<string>();
  const version = { value: 1 };
  const readPage = async (cursor: string | undefined) => {
    reads.push(cursor);
    const index = cursor === undefined ? 0 : Number(cursor.slice(1));
    // Read at the list's version now: a page read earlier keeps the version it was read at.
    const page = { index, version: version.value, next: index + 1 < pages ? `c${index + 1}` : undefined };
    await Promise.resolve();
    if (cursor !== undefined && failing.has(cursor)) throw new Error(`read of ${cursor} failed`);
    return page;
  };
  return { reads, failing, version, readPage };
}

type Page = { index: number; version: number; next: string | undefined };

function setup(pages = 10) {
  const clock = { now: 1_000_000 };
  const ahead = new PagePrefetch<Page>((p) => p.next, () => clock.now);
  const l = list(pages);
  /** The table scrolled near the end asks for the page after `cursor`. */
  const scroll = (cursor: string) => {
    ahead.ask(cursor);
    return ahead.read(cursor, l.readPage);
  };
  return { clock, ahead, scroll, ...l };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('prefetching the next page while the operator keeps scrolling', () => {
  it('in a run of pages asked for by scrolling, the next page is read before it is asked for, and used when it is', async () => {
    const { ahead, scroll, reads, readPage } = setup();
    await ahead.read(undefined, readPage);
    await scroll('c1');
    // One page asked for by scrolling: nothing is prefetched (a single scroll to the end costs nothing extra).
    expect(reads).toEqual([undefined, 'c1']);
    await scroll('c2');
    await settle();
    // The second in a run: page 3 is read as soon as page 2 is in, before the table asks.
    expect(reads).toEqual([undefined, 'c1', 'c2', 'c3']);
    const third = await scroll('c3');
    expect(third.index).toBe(3);
    await settle();
    // Page 3 came from the prefetch (not read twice), and page 4 is being prefetched now.
    expect(reads).toEqual([undefined, 'c1', 'c2', 'c3', 'c4']);
  });

  it('reads nothing past the end of the list', async () => {
    const { ahead, scroll, reads, readPage } = setup(3);
    await ahead.read(undefined, readPage);
    await scroll('c1');
    await scroll('c2');
    await settle();
    expect(reads).toEqual([undefined, 'c1', 'c2']);
  });

  it('a page asked for long after the previous one arrived starts no prefetch', async () => {
    const { clock, ahead, scroll, reads, readPage } = setup();
    await ahead.read(undefined, readPage);
    await scroll('c1');
    clock.now += BURST_MS + 1;
    await scroll('c2');
    await settle();
    expect(reads).toEqual([undefined, 'c1', 'c2']);
  });

  it('a page prefetched longer ago than MAX_AGE_MS is read again when asked for', async () => {
    const { clock, ahead, scroll, reads, readPage, version } = setup();
    await ahead.read(undefined, readPage);
    await scroll('c1');
    await scroll('c2');
    await settle();
    version.value = 2;
    clock.now += MAX_AGE_MS + 1;
    const third = await scroll('c3');
    expect(third.version).toBe(2);
    expect(reads.filter((c) => c === 'c3')).toHaveLength(2);
  });

  it('dropped (a revocation): the page prefetched before it is never shown; the page is read again', async () => {
    const { ahead, scroll, reads, readPage, version } = setup();
    await ahead.read(undefined, readPage);
    await scroll('c1');
    await scroll('c2');
    await settle();
    version.value = 2;
    ahead.drop();
    const third = await scroll('c3');
    expect(third.version).toBe(2);
    expect(reads.filter((c) => c === 'c3')).toHaveLength(2);
  });

  it('loading the list again (its first page) drops the page prefetched', async () => {
    const { ahead, scroll, reads, readPage, version } = setup();
    await ahead.read(undefined, readPage);
    await scroll('c1');
    await scroll('c2');
    await settle();
    version.value = 2;
    // A reload: the first page, then each loaded page again, none of them asked for by scrolling.
    await ahead.read(undefined, readPage);
    await ahead.read('c1', readPage);
    await ahead.read('c2', readPage);
    await settle();
    expect(reads.slice(4)).toEqual([undefined, 'c1', 'c2']);
    const third = await scroll('c3');
    expect(third.version).toBe(2);
  });

  it('pages read without being asked for (a refetch) never prefetch, even for the cursor last asked for', async () => {
    const { ahead, reads, readPage } = setup();
    await ahead.read(undefined, readPage);
    ahead.ask('c1');
    await ahead.read('c1', readPage);
    await ahead.read('c2', readPage);
    await ahead.read('c3', readPage);
    await settle();
    expect(reads).toEqual([undefined, 'c1', 'c2', 'c3']);
  });

  it('a prefetch that failed is read again when asked for: the operator sees that read, not the failure before it', async () => {
    const { ahead, scroll, reads, readPage, failing } = setup();
    await ahead.read(undefined, readPage);
    await scroll('c1');
    failing.add('c3');
    await scroll('c2');
    await settle();
    // The read again fails too: its own error reaches the table.
    await expect(scroll('c3')).rejects.toThrow('read of c3 failed');
    failing.delete('c3');
    expect((await scroll('c3')).index).toBe(3);
    expect(reads.filter((c) => c === 'c3')).toHaveLength(3);
  });

  it('a page other than the one prefetched is read, and the one prefetched is not used later', async () => {
    const { ahead, scroll, reads, readPage, version } = setup();
    await ahead.read(undefined, readPage);
    await scroll('c1');
    await scroll('c2');
    await settle();
    // The list changed under it (a tick stitched rows in): the table asks after another cursor.
    await scroll('c5');
    version.value = 2;
    expect((await ahead.read('c3', readPage)).version).toBe(2);
    expect(reads.filter((c) => c === 'c3')).toHaveLength(2);
  });

  describe('a page prefetched and never asked for (the filter changed, the screen was left)', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    it('is let go once it is too old to be used: one page a list is not held for the rest of the session', async () => {
      vi.useFakeTimers();
      const { clock, ahead, scroll, readPage } = setup();
      await ahead.read(undefined, readPage);
      await scroll('c1');
      await scroll('c2');
      await vi.advanceTimersByTimeAsync(0);
      expect(ahead.holding).toBe(true);
      clock.now += MAX_AGE_MS;
      await vi.advanceTimersByTimeAsync(MAX_AGE_MS);
      expect(ahead.holding).toBe(false);
    });
  });
});
