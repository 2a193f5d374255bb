import type { BudgetGrant, BudgetRefusal, ObservedResponse, RequestBudget } from '../../../src/ratelimit/request-budget.js';

/** One acquire as its caller saw it (epoch ms, this host's clock). */
export interface AcquireCall {
  calledAt: number;
  grantedAt?: number;
}

/** One pause a caller asked for (a 429's Retry-After): stored in the shared budget at `storedAt`, until `untilMs`. */
export interface PauseCall {
  storedAt: number;
  untilMs: number;
}

/** What every budget of a fleet was asked, shared by the budgets `recordingBudget` wraps. */
export interface BudgetLog {
  acquires: AcquireCall[];
  pauses: PauseCall[];
}

export function newBudgetLog(): BudgetLog {
  return { acquires: [], pauses: [] };
}

/** `budget`, with every acquire and pause its client asks for written to `log`, so a test can order them. */
export function recordingBudget(budget: RequestBudget, log: BudgetLog): RequestBudget {
  return {
    async acquire(signal?: AbortSignal, credentialFingerprint?: string): Promise<BudgetGrant | void> {
      const call: AcquireCall = { calledAt: Date.now() };
      log.acquires.push(call);
      const grant = await budget.acquire(signal, credentialFingerprint);
      call.grantedAt = Date.now();
      return grant;
    },
    observe: (response: ObservedResponse, grant?: BudgetGrant | void) => budget.observe(response, grant),
    async pauseUntil(untilMs: number, refusal?: BudgetRefusal): Promise<void> {
      await budget.pauseUntil(untilMs, refusal);
      log.pauses.push({ storedAt: Date.now(), untilMs });
    },
  };
}
