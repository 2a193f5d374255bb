import type { RangeRetryNote, RangeRetryNotes } from '../range-retry-notes.js';

/**
 * Says a range's failed tries of API and S3 requests: each in the job's log and as the range's note for
 * `status` ("range 3 is retrying: ..."), and clears the note once the range moves on (a page read, a
 * part committed). Saying never fails the range: a lost note only leaves `status` less informed.
 */
export class RangeRetryReporter {
  private noted = false;

  constructor(
    private readonly notes: Pick<RangeRetryNotes, 'record' | 'clear'>,
    private readonly jobLog: (line: string) => Promise<unknown>,
    private readonly exportId: string,
    private readonly rangeIndex: number,
  ) {}

  /** A try of a request failed and is retried; `line` is already free of secrets. */
  retrying(service: RangeRetryNote['service'], line: string): void {
    this.noted = true;
    void this.jobLog(line).catch(() => undefined);
    // One Redis connection keeps commands in order: a later `movedOn` clears this note.
    void this.notes.record(this.exportId, this.rangeIndex, service, line).catch(() => undefined);
  }

  /** The range moved on: a note it left is cleared (one Redis command, only when there is one). */
  async movedOn(): Promise<void> {
    if (!this.noted) return;
    this.noted = false;
    await this.notes.clear(this.exportId, this.rangeIndex);
  }
}
