import { describe, expect, it } from 'vitest';
import { PageReadAhead } from '../../src/queue/page-read-ahead.js';
import type { SourcePage } from '../../src/sources/export-source.js';

function pageOf(n: number): SourcePage {
  return { rows: [{ id: n }], cursor: { lastId: n }, firstKey: n, lastKey: n };
}

/** Pages 1..count, each request noted when it is sent; a request waits until `answer()` is called or its signal aborts. */
function pagedSource(count: number) {
  const sent: number[] = [];
  const pending: { resolve: () => void }[] = [];
  let aborted: unknown;
  const pages = async function* (signal: AbortSignal): AsyncIterable<SourcePage> {
    for (let n = 1; n <= count; n++) {
      sent.push(n);
      await new Promise<void>((resolve, reject) => {
        pending.push({ resolve });
        signal.addEventListener('abort', () => {
          aborted = signal.reason;
          reject(signal.reason as Error);
        });
      });
      yield pageOf(n);
    }
  };
  const answer = () => pending.shift()!.resolve();
  return { pages, sent, answer, aborted: () => aborted };
}

describe('PageReadAhead', () => {
  it('sends the next request while the current page is processed, and yields the pages in order', async () => {
    const source = pagedSource(3);
    const reader = new PageReadAhead(source.pages);
    const first = reader.next();
    source.answer();
    expect((await first)!.lastKey).toBe(1);
    expect(source.sent).toEqual([1]);
    reader.readAhead();
    reader.readAhead(); // one ahead at most
    await Promise.resolve();
    expect(source.sent).toEqual([1, 2]);
    source.answer();
    expect((await reader.next())!.lastKey).toBe(2);
    const third = reader.next();
    source.answer();
    expect((await third)!.lastKey).toBe(3);
    expect(await reader.next()).toBeUndefined();
    await reader.close();
  });

  it('aborts the request read ahead when the range stops reading, and keeps the caller signal and its reason', async () => {
    const source = pagedSource(5);
    const reader = new PageReadAhead(source.pages);
    const first = reader.next();
    source.answer();
    await first;
    reader.readAhead();
    await Promise.resolve();
    expect(source.sent).toEqual([1, 2]);
    await reader.close();
    expect(String(source.aborted())).toContain('not needed');
    expect(source.sent).toEqual([1, 2]);

    const stopping = new AbortController();
    const other = pagedSource(2);
    const second = new PageReadAhead(other.pages, stopping.signal);
    const waiting = second.next();
    stopping.abort('worker shutting down');
    await expect(waiting).rejects.toBe('worker shutting down');
  });
});
