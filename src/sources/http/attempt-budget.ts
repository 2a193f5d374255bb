/**
 * The tries one read may spend on transient failures (5xx, timeouts, dropped connections, malformed
 * JSON), shared by every request it sends for that read: a range page asked again at smaller
 * and smaller `take` values spends one budget, not one per `take`. A hung API therefore costs at most
 * `total` timeouts per read, whatever the ladder does.
 */
export class AttemptBudget {
  private failed = 0;

  constructor(readonly total: number) {
    if (!Number.isSafeInteger(total) || total < 1) throw new RangeError(`An attempt budget needs at least one try, got ${total}.`);
  }

  /** Failed tries so far. */
  get failures(): number {
    return this.failed;
  }

  /** No try is left after the failures so far. */
  get exhausted(): boolean {
    return this.failed >= this.total;
  }

  /** Counts one failed try. */
  fail(): void {
    this.failed += 1;
  }
}
