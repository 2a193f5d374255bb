import type { SourcePage } from '../sources/export-source.js';

/** Why a request read ahead is aborted: the range stopped reading before it needed that page. */
const NOT_NEEDED = 'page read ahead not needed';

/**
 * A range's pages, read one ahead on request: `readAhead()` sends the next page's request while the
 * current page is being processed, so that the API's latency and the worker's processing overlap instead
 * of adding up. Keyset paging allows one page ahead at most (the next request needs this page's last key).
 * `close()` aborts a request read ahead that the range no longer needs.
 */
export class PageReadAhead {
  private readonly iterator: AsyncIterator<SourcePage>;
  private readonly stopped = new AbortController();
  private ahead: Promise<IteratorResult<SourcePage>> | undefined;

  /** `pages` is called at once, with a signal that aborts on `signal` (its reason kept) or on `close()`. */
  constructor(pages: (signal: AbortSignal) => AsyncIterable<SourcePage>, signal?: AbortSignal) {
    this.iterator = pages(signal ? AbortSignal.any([signal, this.stopped.signal]) : this.stopped.signal)[Symbol.asyncIterator]();
  }

  /** The next page (the one read ahead, when there is one); undefined after the last. */
  async next(): Promise<SourcePage | undefined> {
    const result = await (this.ahead ?? this.iterator.next());
    this.ahead = undefined;
    return result.done ? undefined : result.value;
  }

  /** Starts reading the next page now; its failure is met by `next()`. */
  readAhead(): void {
    if (this.ahead) return;
    this.ahead = this.iterator.next();
    this.ahead.catch(() => undefined);
  }

  /** Ends the reading: a request read ahead is aborted, and the pages' own cleanup runs. */
  async close(): Promise<void> {
    if (this.ahead) {
      this.stopped.abort(new Error(NOT_NEEDED));
      await this.ahead.catch(() => undefined);
      this.ahead = undefined;
    }
    await this.iterator.return?.().catch(() => undefined);
  }
}
