import type { Redis } from 'ioredis';
import { abortableSleep } from '../time/abortable-sleep.js';
import { LuaScript } from './lua-script.js';
import { STANDARD_RATE_LIMIT_HEADERS, type RateLimitDialect } from './rate-limit-dialect.js';
import type { BudgetGrant, ObservedResponse, RequestBudget } from './request-budget.js';
import { ACQUIRE_SCRIPT, OBSERVE_SCRIPT, PAUSE_SCRIPT } from './token-bucket-scripts.js';
import { unlessAborted } from './unless-aborted.js';

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
 * Redis key of one key's budget within its account's, where the API limits each key too (Close):
 * `<account's budget key>:key:<credential fingerprint>`. The fingerprint is one-way (`credentialFingerprint`).
 */
export function keyBudgetKey(prefix: string, source: string, account: string, credentialFingerprint: string): string {
  return `${budgetKey(prefix, source, account)}:key:${credentialFingerprint}`;
}

/**
 * A token bucket shared through Redis by every process spending one budget (an account's, or one key's of
 * it: `OrganizationAndKeyBudget`), which also follows
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
    await this.run(OBSERVE, this.answerArguments(response, grant));
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

  /** The bucket's own arguments to every script: rate (tokens/ms), burst, in-flight expiry. */
  bucketArguments(): [number, number, number] {
    return [this.ratePerMs, this.burst, this.inFlightMs];
  }

  /**
   * What an answer tells the observe script (`observe_bucket`'s arguments from the status on): the status,
   * remaining, the time left until the reset (as of now: only durations cross to Redis), the grant,
   * the same-window tolerance and the limit, read in the bucket's dialect.
   */
  answerArguments(response: ObservedResponse, grant?: BudgetGrant | void): (string | number)[] {
    const now = Date.now();
    const receivedAtMs = Math.min(now, response.receivedAtMs ?? now);
    const server = this.dialect.allowance(response.headers, receivedAtMs);
    const resetDelayMs = server?.resetDelayMs === undefined ? undefined : Math.max(0, server.resetDelayMs - (now - receivedAtMs));
    return [
      response.status,
      server?.remaining ?? '',
      resetDelayMs === undefined ? '' : Math.ceil(resetDelayMs),
      grant ? grant.sequence : '',
      this.sameWindowMs,
      server?.limit === undefined ? '' : Math.floor(server.limit),
    ];
  }

  private run(script: LuaScript, args: (string | number)[]): Promise<unknown> {
    return script.run(this.redis, [this.key], [...this.bucketArguments(), ...args]);
  }
}

const ACQUIRE = new LuaScript(ACQUIRE_SCRIPT);
const OBSERVE = new LuaScript(OBSERVE_SCRIPT);
const PAUSE = new LuaScript(PAUSE_SCRIPT);
