import type { BudgetGrant, BudgetRefusal, ObservedResponse, RequestBudget } from './request-budget.js';

/** A request budget that also counts the requests it granted (for `start --dry-run`'s planning cost). */
export class RequestCounter implements RequestBudget {
  count = 0;

  constructor(private readonly inner: RequestBudget) {}

  async acquire(signal?: AbortSignal, credentialFingerprint?: string): Promise<BudgetGrant | void> {
    const grant = await this.inner.acquire(signal, credentialFingerprint);
    this.count += 1;
    return grant;
  }

  observe(response: ObservedResponse, grant?: BudgetGrant | void): Promise<void> {
    return this.inner.observe(response, grant);
  }

  pauseUntil(untilMs: number, refusal?: BudgetRefusal): Promise<void> {
    return this.inner.pauseUntil(untilMs, refusal);
  }
}
