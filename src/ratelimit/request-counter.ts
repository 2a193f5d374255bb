import type { BudgetGrant, RequestBudget } from './request-budget.js';

/** A request budget that also counts the requests it granted (for `start --dry-run`'s planning cost). */
export class RequestCounter implements RequestBudget {
  count = 0;

  constructor(private readonly inner: RequestBudget) {}

  async acquire(signal?: AbortSignal): Promise<BudgetGrant | void> {
    const grant = await this.inner.acquire(signal);
    this.count += 1;
    return grant;
  }

  observe(response: { status: number; headers: Headers }, grant?: BudgetGrant | void): Promise<void> {
    return this.inner.observe(response, grant);
  }

  pauseUntil(untilMs: number): Promise<void> {
    return this.inner.pauseUntil(untilMs);
  }
}
