import type { RateLimitScope } from './rate-limit-scope.js';

/**
 * What `acquire` hands out: the position of this request among every request granted on the shared
 * budget, so `observe` can tell which request in flight a response answers.
 */
export interface BudgetGrant {
  readonly sequence: number;
}

/** What `observe` reads from an answer. */
export interface ObservedResponse {
  status: number;
  headers: Headers;
  /** When the headers arrived (epoch ms, this host's clock); default when `observe` is called. */
  receivedAtMs?: number;
}

/** A 429, as `pauseUntil` is told it: the grant the refused request was sent under, and which limit refused it. */
export interface BudgetRefusal {
  grant?: BudgetGrant | void;
  /** The limit the API says ran out (Close's `rate_limit_type`); undefined when it does not say: every limit pauses. */
  scope?: RateLimitScope;
}

/**
 * What a source client asks before and tells after every HTTP request, so that one budget can be
 * shared by every worker spending the same account (and, where the API limits keys too, the same key).
 */
export interface RequestBudget {
  /**
   * Resolves when one request may be sent; rejects with the signal's reason when it aborts.
   * `credentialFingerprint` names the credential the request is sent with (`credentialFingerprint()`), for a
   * budget that also limits each key; others ignore it.
   */
  acquire(signal?: AbortSignal, credentialFingerprint?: string): Promise<BudgetGrant | void>;
  /**
   * Lets the budget follow what the server says about the remaining allowance. Pass the grant the
   * request was sent under, when there is one, and when the answer's headers arrived (`Date.now()`;
   * a reset given in seconds from now counts from then, not from when the body was read).
   */
  observe(response: ObservedResponse, grant?: BudgetGrant | void): Promise<void>;
  /**
   * The server refused for rate reasons: nobody should send before `untilMs` (epoch ms, this host's clock)
   * under the limit that refused (`refusal.scope`: only that key, or the whole organization), or under
   * every limit when it is not known.
   */
  pauseUntil(untilMs: number, refusal?: BudgetRefusal): Promise<void>;
}

export const UNLIMITED_BUDGET: RequestBudget = {
  acquire: async () => {},
  observe: async () => {},
  pauseUntil: async () => {},
};
