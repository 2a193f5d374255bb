import type { BudgetGrant, BudgetRefusal, ObservedResponse, RequestBudget } from '../../ratelimit/request-budget.js';

/** How long a range's request may wait for its account's budget before the range gives its slot back. */
export const DEFAULT_BUDGET_YIELD_AFTER_MS = 2_000;

/**
 * The account's budget would have a request wait longer than the range keeps its slot for: the range saves
 * what it read and leaves the slot to another account's range until `retryAtMs`.
 */
export class BudgetSpentError extends Error {
  constructor(readonly retryAtMs: number) {
    super(`the account's request budget is spent until ${new Date(retryAtMs).toISOString()}`);
    this.name = 'BudgetSpentError';
  }
}

/**
 * The range's view of its account's budget: a request that has waited `yieldAfterMs` for a grant, and
 * whose budget says the next grant is at least that far off (`grantDueInMs`, read from the shared state),
 * stops waiting and throws BudgetSpentError with that time, so that a worker slot is not held by a range
 * that can only wait: an account whose window is spent leaves the fleet to accounts with budget. Short
 * waits (the refill between requests, a window about to reset) are waited out in place, as moving a range
 * costs more than them.
 */
export class YieldingBudget implements RequestBudget {
  constructor(
    private readonly budget: RequestBudget,
    private readonly yieldAfterMs: number,
    private readonly grantDueInMs: () => Promise<number>,
  ) {}

  async acquire(signal?: AbortSignal, credentialFingerprint?: string): Promise<BudgetGrant | void> {
    for (;;) {
      const patience = AbortSignal.timeout(this.yieldAfterMs);
      try {
        return await this.budget.acquire(signal ? AbortSignal.any([signal, patience]) : patience, credentialFingerprint);
      } catch (error) {
        if (!patience.aborted || signal?.aborted) throw error;
      }
      // A budget giving its tokens out at its refill rate, shared by the account's ranges, keeps each of them
      // waiting a while for its turn, but the next grant is near: moving the range would cost a short part
      // at every page. Only a grant that is far off (a spent window, a pause) gives the slot back.
      const dueInMs = await this.grantDueInMs();
      if (dueInMs >= this.yieldAfterMs) throw new BudgetSpentError(Date.now() + dueInMs);
    }
  }

  observe(response: ObservedResponse, grant?: BudgetGrant | void): Promise<void> {
    return this.budget.observe(response, grant);
  }

  pauseUntil(untilMs: number, refusal?: BudgetRefusal): Promise<void> {
    return this.budget.pauseUntil(untilMs, refusal);
  }
}
