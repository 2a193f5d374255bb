/**
 * What a source client asks before and tells after every HTTP request, so that one budget can be
 * shared by every worker spending the same credential.
 */
export interface RequestBudget {
  /** Resolves when one request may be sent. */
  acquire(signal?: AbortSignal): Promise<void>;
  /** Lets the budget follow what the server says about the remaining allowance. */
  observe(response: { status: number; headers: Headers }): Promise<void>;
  /** The server refused for rate reasons: nobody should send before `untilMs` (epoch ms). */
  pauseUntil(untilMs: number): Promise<void>;
}

export const UNLIMITED_BUDGET: RequestBudget = {
  acquire: async () => {},
  observe: async () => {},
  pauseUntil: async () => {},
};
