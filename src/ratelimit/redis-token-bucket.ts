import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { abortableSleep } from '../time/abortable-sleep.js';
import { STANDARD_RATE_LIMIT_HEADERS, type RateLimitDialect } from './rate-limit-dialect.js';
import type { BudgetGrant, ObservedResponse, RequestBudget } from './request-budget.js';
import { ACQUIRE_SCRIPT, OBSERVE_SCRIPT, PAUSE_SCRIPT } from './token-bucket-scripts.js';

export interface RedisTokenBucketOptions {
  /** The hash holding the shared state, e.g. `{bulk-export}:budget:<source>:<account>`. */
  key: string;
  /** Sustained rate: `requests` per `windowMs`. */
  requests: number;
  windowMs: number;
  /** Tokens a full bucket holds (requests that may go out at once); default `requests`. */
  burst?: number;
  /**
   * How long a granted request counts as in flight when no answer is observed for it (it failed, or
   * its caller gave up); default the window, at most a minute.
   */
  inFlightMs?: number;
  /** How the API tells its allowance; default every standard header style. */
  dialect?: RateLimitDialect;
}

/**
 * Redis key of the budget shared by everyone reading one account (one organization) at one source, whatever
 * credential of it they hold: the APIs count their limits per organization, and a rotated credential keeps
 * the account's budget. Never holds the credential.
 */
export function budgetKey(prefix: string, source: string, account: string): string {
  return `${prefix}:budget:${source}:${account}`;
}

/**
 * A token bucket shared through Redis by every process spending one credential, which also follows
 * what the server says: its rate headers mirror the server's window (the lowest `remaining` reported
 * in it, less the requests still in flight), a spent window or a 429 pauses everybody until the reset.
 * When the reset passes, the next window's allowance is the limit the headers reported, usable at
 * once; only after a 429, or where the headers leave the allowance unknown, does one probe request go
 * first. See `token-bucket-scripts.ts` for the state and the rules.
 *
 * Instances hold no state of their own: any number of them, in any number of processes, on any
 * number of connections, share the budget stored under `key`.
 */
export class RedisTokenBucket implements RequestBudget {
  readonly key: string;
  readonly burst: number;
  /** Tokens per millisecond. */
  readonly ratePerMs: number;
  /** Grants without an answer for this long stop counting as in flight. */
  readonly inFlightMs: number;
  /**
   * Resets closer than this are the same server window: half the window, between 250 ms and 5 s, so
   * hosts whose clocks differ a little still agree on the window, and consecutive windows stay apart.
   */
  private readonly sameWindowMs: number;
  private readonly dialect: RateLimitDialect;

  constructor(
    private readonly redis: Redis,
    options: RedisTokenBucketOptions,
  ) {
    if (!(options.requests > 0) || !(options.windowMs > 0)) {
      throw new RangeError(`a token bucket needs requests > 0 and windowMs > 0, got ${options.requests}/${options.windowMs}`);
    }
    const burst = options.burst ?? options.requests;
    if (!(burst >= 1)) throw new RangeError(`a token bucket needs a burst of at least 1, got ${burst}`);
    this.key = options.key;
    this.burst = burst;
    this.ratePerMs = options.requests / options.windowMs;
    this.inFlightMs = options.inFlightMs ?? Math.min(options.windowMs, 60_000);
    if (!(this.inFlightMs > 0)) throw new RangeError(`a token bucket needs inFlightMs > 0, got ${this.inFlightMs}`);
    this.sameWindowMs = Math.min(5000, Math.max(250, options.windowMs / 2));
    this.dialect = options.dialect ?? STANDARD_RATE_LIMIT_HEADERS;
  }

  /**
   * Takes one token, or learns from the same script call how long until one may be available and
   * sleeps that long (abortable), then tries again. One round trip when a token is there. The wait is
   * exact (pause, refill), except while the server's window may be spent by the requests in flight:
   * then it asks again every few milliseconds until their answers decide.
   */
  async acquire(signal?: AbortSignal): Promise<BudgetGrant> {
    for (;;) {
      signal?.throwIfAborted();
      const [granted, waitMs, sequence] = (await unlessAborted(this.run(ACQUIRE, []), signal)) as [number, number, number];
      if (granted === 1) return { sequence };
      await abortableSleep(Math.max(1, waitMs), signal);
    }
  }

  /**
   * Takes the grant out of flight and corrects the shared state from the response's rate headers
   * (any status, 429 included): remaining, reset and limit (the next window's allowance). The reset
   * is read as of when the headers arrived, then only the time left crosses to Redis.
   */
  async observe(response: ObservedResponse, grant?: BudgetGrant | void): Promise<void> {
    const now = Date.now();
    const receivedAtMs = Math.min(now, response.receivedAtMs ?? now);
    const server = this.dialect.allowance(response.headers, receivedAtMs);
    const resetDelayMs = server?.resetDelayMs === undefined ? undefined : Math.max(0, server.resetDelayMs - (now - receivedAtMs));
    await this.run(OBSERVE, [
      response.status,
      server?.remaining ?? '',
      resetDelayMs === undefined ? '' : Math.ceil(resetDelayMs),
      grant ? grant.sequence : '',
      this.sameWindowMs,
      server?.limit === undefined ? '' : Math.floor(server.limit),
    ]);
  }

  /**
   * Nobody on this budget is granted a request before `untilMs` (this host's clock). Only the delay
   * crosses to Redis, which adds it to its own clock; a millisecond is added so that rounding never
   * lets a request out early.
   */
  async pauseUntil(untilMs: number): Promise<void> {
    const delayMs = Math.ceil(untilMs - Date.now()) + 1;
    if (delayMs <= 1) return;
    await this.run(PAUSE, [delayMs]);
  }

  /** The raw shared state, for diagnostics and tests. */
  async inspect(): Promise<Record<string, string>> {
    return this.redis.hgetall(this.key);
  }

  private run(script: LuaScript, args: (string | number)[]): Promise<unknown> {
    return script.run(this.redis, this.key, [this.ratePerMs, this.burst, this.inFlightMs, ...args]);
  }
}

/** A script run with EVALSHA, falling back to EVAL (which also caches it) when Redis does not know it yet. */
class LuaScript {
  readonly sha: string;

  constructor(readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, key: string, args: (string | number)[]): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, 1, key, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return redis.eval(this.source, 1, key, ...args);
    }
  }
}

const ACQUIRE = new LuaScript(ACQUIRE_SCRIPT);
const OBSERVE = new LuaScript(OBSERVE_SCRIPT);
const PAUSE = new LuaScript(PAUSE_SCRIPT);

/** Resolves or rejects like `promise`, or rejects with the signal's reason as soon as it aborts. */
function unlessAborted<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
