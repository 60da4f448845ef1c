/**
 * While the operator keeps scrolling to the end of a list, the page after the one just loaded is
 * read before the table asks for it: the store (and main) read page N+1 while the renderer draws
 * page N, rather than one after the other. Loading 100,000 rows was the store's time plus
 * the renderer's; with this it is closer to the larger of the two.
 *
 * What it costs and what it may not do:
 * - At most one page is prefetched per list, and only in a run of pages asked for by scrolling
 *   (a page asked for within `BURST_MS` of the previous one arriving): one scroll to the end reads
 *   nothing extra; holding the scrollbar at the end reads one page more than it shows when it stops.
 * - A page prefetched is used only for the cursor it was read for, and only while it is younger
 *   than `MAX_AGE_MS`; otherwise the page is read again when asked for.
 * - A revocation drops every page prefetched (`drop`): rows read before it must not be shown
 *   after it. Loading the list again (its first page) drops the list's own.
 * - A page prefetched and not used within `MAX_AGE_MS` is let go, used or not.
 * - A page prefetched that failed is read again when asked for, so its error is the one the
 *   operator would have seen, not a stale one.
 * - Loading the list again (a refetch of every loaded page) never prefetches: only a page the
 *   table asked for (`ask`) does.
 */
export const BURST_MS = 2_000;
export const MAX_AGE_MS = 10_000;

interface Ahead<T> {
  cursor: string;
  startedAt: number;
  page: Promise<T | null>;
}

/** What the list reads the page after a cursor with (the first page when undefined). */
export type ReadPage<T> = (cursor: string | undefined) => Promise<T>;

/** `T` is a page as the list reads it; `nextOf` says the cursor of the page after it (none at the end). */
export class PagePrefetch<T> {
  private ahead: Ahead<T> | null = null;
  private asked: string | undefined;
  private lastArrival = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly nextOf: (page: T) => string | undefined,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether a page prefetched is held (neither used, dropped nor let go yet). */
  get holding(): boolean {
    return this.ahead !== null;
  }

  /** The table asks for the page after `cursor` (it was scrolled near the end of what is loaded). */
  ask(cursor: string | undefined): void {
    this.asked = cursor;
  }

  /** Rows read before now must not be shown: forget the page prefetched. */
  drop(): void {
    this.ahead = null;
  }

  /**
   * The page after `cursor` (the first page when undefined), from the page prefetched when it is
   * that page and young enough, else read now; then, when the table asked for it in a run of
   * pages, the next one is prefetched.
   */
  async read(cursor: string | undefined, readPage: ReadPage<T>): Promise<T> {
    const asked = cursor !== undefined && cursor === this.asked;
    if (asked) this.asked = undefined;
    const inBurst = asked && this.now() - this.lastArrival <= BURST_MS;
    const ahead = this.ahead;
    this.ahead = null;
    const early = asked && ahead !== null && ahead.cursor === cursor && this.now() - ahead.startedAt <= MAX_AGE_MS ? await ahead.page : null;
    const page = early ?? (await readPage(cursor));
    if (cursor === undefined) this.lastArrival = Number.NEGATIVE_INFINITY;
    else if (asked) this.lastArrival = this.now();
    const next = this.nextOf(page);
    // The first page asked for by scrolling starts a run; from the second on, the next is prefetched.
    if ((inBurst || early !== null) && next !== undefined && this.ahead === null) {
      const ahead = { cursor: next, startedAt: this.now(), page: readPage(next).catch(() => null) };
      this.ahead = ahead;
      // Too old to be used after MAX_AGE_MS: let it go then, or a list never read again (a filter
      // left: each one is a list of its own; the screen closed) would hold its page for good.
      setTimeout(() => {
        if (this.ahead === ahead) this.ahead = null;
      }, MAX_AGE_MS);
    }
    return page;
  }
}
