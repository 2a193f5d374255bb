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

/**
 * What a source client asks before and tells after every HTTP request, so that one budget can be
 * shared by every worker spending the same credential.
 */
export interface RequestBudget {
  /** Resolves when one request may be sent; rejects with the signal's reason when it aborts. */
  acquire(signal?: AbortSignal): Promise<BudgetGrant | void>;
  /**
   * Lets the budget follow what the server says about the remaining allowance. Pass the grant the
   * request was sent under, when there is one, and when the answer's headers arrived (`Date.now()`;
   * a reset given in seconds from now counts from then, not from when the body was read).
   */
  observe(response: ObservedResponse, grant?: BudgetGrant | void): Promise<void>;
  /** The server refused for rate reasons: nobody should send before `untilMs` (epoch ms, this host's clock). */
  pauseUntil(untilMs: number): Promise<void>;
}

export const UNLIMITED_BUDGET: RequestBudget = {
  acquire: async () => {},
  observe: async () => {},
  pauseUntil: async () => {},
};
