import { SourceRequestError, SourceUnavailableError } from '../../errors/index.js';
import { STANDARD_RATE_LIMIT_HEADERS, type RateLimitDialect } from '../../ratelimit/rate-limit-dialect.js';
import type { RateLimitScope } from '../../ratelimit/rate-limit-scope.js';
import { UNLIMITED_BUDGET, type BudgetGrant, type RequestBudget } from '../../ratelimit/request-budget.js';
import { abortableSleep } from '../../time/abortable-sleep.js';
import { AttemptBudget } from './attempt-budget.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { jsonArrayItemSpans } from './json-array-item-spans.js';
import { retryAfterMs } from './retry-after.js';
import { formatMs, type SourceRetry } from './source-retry.js';

export interface SourceHttpClientOptions {
  /** Human name used in errors: the source's display name. */
  sourceName: string;
  baseUrl: string;
  /** Value of the Authorization header. Never logged, never put in an error. */
  authorization: string;
  /**
   * `credentialFingerprint()` of the credential `authorization` carries: the budget is told it with every
   * request, for an API that limits each key (Close).
   */
  credentialFingerprint?: string;
  /**
   * The Authorization header's value made from the credential read again (and that credential's
   * fingerprint), asked once per request after a 401: when it differs from the one the request was sent
   * with (the credential was rotated), the request is sent again with it, and it is used from then on;
   * otherwise the 401 stands.
   */
  reauthorize?: () => Promise<SourceAuthorization>;
  /** What to tell the user for a permanent HTTP status. */
  adviceFor: (status: number) => string;
  budget?: RequestBudget;
  /** One try, from connecting to the last byte of the answer's body; default 60 s. */
  timeoutMs?: number;
  /** Tries of one request against transient failures (5xx, timeouts, dropped connections, bad JSON); default 8. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  /** How many 429 answers one request may wait through before giving up. */
  maxRateLimitWaits?: number;
  /** Told before every new try of a failed request (the failure, the try about to be made, the wait). */
  onRetry?: (retry: SourceRetry) => void;
  /** How the API tells its allowance and its refusals; default every standard header style. */
  rateLimitDialect?: RateLimitDialect;
}

export interface SourceRequest {
  method: 'GET' | 'POST';
  path: string;
  query?: Record<string, string | number>;
  body?: unknown;
  /** A short name for errors and logs, e.g. "POST /api/Contact/Query". Defaults to method + path. */
  endpoint?: string;
  /**
   * The tries this request may spend, shared with other requests of the same read (a ladder of smaller
   * pages); default a budget of the client's `maxAttempts` for this request alone.
   */
  attempts?: AttemptBudget;
  /**
   * Stop after this many failed tries of this request even when `attempts` has more left, so that the
   * caller can ask differently (a smaller take); the next try is announced and waited for already.
   */
  maxAttempts?: number;
}

/** What a request is sent with: the Authorization header's value and, where known, the credential's fingerprint. */
export interface SourceAuthorization {
  authorization: string;
  credentialFingerprint?: string;
}

/** A parsed JSON answer and the bytes of each item of one of its top-level arrays, exactly as received. */
export interface JsonWithRawItems<T> {
  value: T;
  /** One view per item, in order; null when the answer's shape did not allow finding them. */
  rawItems: Uint8Array[] | null;
}

const utf8 = new TextDecoder();

const TRANSIENT_STATUSES = new Set([408, 500, 502, 503, 504, 520, 521, 522, 524]);

/**
 * JSON over HTTP with timeouts, retries of transient failures, 429 waits, and actionable errors.
 *
 * Every attempt first takes a token from the shared budget, naming the credential it is sent with, and
 * reports the response's rate headers back to it. A 429 is not a failed attempt: it pauses the budget
 * (every process on the same account, or only on the key when the dialect reads that the key's limit
 * refused) for the wait the dialect reads from the body, else `Retry-After` (fractional allowed), else
 * the reset header, and the request is sent again afterwards. Each try has its own timeout, covering
 * the whole answer (headers and body), and every new try of a failed request is announced to `onRetry`
 * with its number out of the tries allowed. The caller's signal aborts waits, the budget and the request
 * alike.
 */
export class SourceHttpClient {
  private readonly options: Required<Omit<SourceHttpClientOptions, 'onRetry' | 'reauthorize' | 'credentialFingerprint'>> &
    Pick<SourceHttpClientOptions, 'onRetry' | 'reauthorize'>;
  /** The Authorization header's value and its credential's fingerprint: as given, or as a 401 made us read them again. */
  private current: SourceAuthorization;

  constructor(options: SourceHttpClientOptions) {
    this.current = {
      authorization: options.authorization,
      ...(options.credentialFingerprint !== undefined ? { credentialFingerprint: options.credentialFingerprint } : {}),
    };
    this.options = {
      ...options,
      budget: options.budget ?? UNLIMITED_BUDGET,
      timeoutMs: options.timeoutMs ?? 60_000,
      maxAttempts: options.maxAttempts ?? 8,
      backoff: options.backoff ?? { baseDelayMs: 200, maxDelayMs: 10_000 },
      maxRateLimitWaits: options.maxRateLimitWaits ?? 50,
      rateLimitDialect: options.rateLimitDialect ?? STANDARD_RATE_LIMIT_HEADERS,
    };
  }

  /** Tries of one request against transient failures, unless the request brings its own budget. */
  get maxAttempts(): number {
    return this.options.maxAttempts;
  }

  async requestJson<T>(request: SourceRequest, signal?: AbortSignal): Promise<T> {
    return (await this.request(request, undefined, signal)).value as T;
  }

  /** As requestJson, and also the bytes of each item of the top-level array `arrayKey` (e.g. "list"). */
  async requestJsonWithRawItems<T>(request: SourceRequest, arrayKey: string, signal?: AbortSignal): Promise<JsonWithRawItems<T>> {
    const { value, bytes } = await this.request(request, arrayKey, signal);
    const rawItems = bytes ? jsonArrayItemSpans(bytes, arrayKey) : null;
    const items = (value as Record<string, unknown> | null)?.[arrayKey];
    return { value: value as T, rawItems: rawItems && Array.isArray(items) && rawItems.length === items.length ? rawItems : null };
  }

  private async request(
    request: SourceRequest,
    keepBytes: string | undefined,
    signal?: AbortSignal,
  ): Promise<{ value: unknown; bytes?: Uint8Array }> {
    const endpoint = request.endpoint ?? `${request.method} ${request.path}`;
    const url = this.urlFor(request);
    const attempts = request.attempts ?? new AttemptBudget(this.options.maxAttempts);
    let failuresHere = 0;
    let rateLimitWaits = 0;
    let reauthorized = false;
    for (;;) {
      signal?.throwIfAborted();
      const sentWith = this.current;
      const grant = await this.options.budget.acquire(signal, sentWith.credentialFingerprint);
      const outcome = await this.attempt(url, request, sentWith.authorization, grant, keepBytes !== undefined, signal);
      if (outcome.kind === 'ok') return outcome;
      if (outcome.kind === 'rate-limited') {
        rateLimitWaits += 1;
        if (rateLimitWaits > this.options.maxRateLimitWaits) {
          throw new SourceUnavailableError(this.options.sourceName, endpoint, rateLimitWaits, 'rate limited every time');
        }
        await this.options.budget.pauseUntil(Date.now() + outcome.waitMs, { grant, ...(outcome.scope ? { scope: outcome.scope } : {}) });
        await abortableSleep(outcome.waitMs, signal);
        continue;
      }
      if (outcome.kind === 'permanent') {
        if (outcome.status === 401 && !reauthorized && (await this.reauthorized(sentWith))) {
          // Not a failed try: the request goes again at once, with the credential as it is now.
          reauthorized = true;
          continue;
        }
        throw new SourceRequestError({
          source: this.options.sourceName,
          status: outcome.status,
          endpoint,
          apiMessage: outcome.message,
          advice: this.options.adviceFor(outcome.status),
          fieldErrors: outcome.fieldErrors,
          credentialMayChange: outcome.status === 401 && this.options.reauthorize !== undefined,
        });
      }
      attempts.fail();
      failuresHere += 1;
      if (attempts.exhausted) {
        throw new SourceUnavailableError(this.options.sourceName, endpoint, attempts.failures, outcome.problem);
      }
      const delayMs = backoffDelay(attempts.failures - 1, this.options.backoff);
      this.options.onRetry?.({
        source: this.options.sourceName,
        endpoint,
        attempt: attempts.failures + 1,
        maxAttempts: attempts.total,
        problem: outcome.problem,
        timedOut: outcome.timedOut,
        timeoutMs: this.options.timeoutMs,
        delayMs,
      });
      await abortableSleep(delayMs, signal);
      if (request.maxAttempts !== undefined && failuresHere >= request.maxAttempts) {
        throw new SourceUnavailableError(this.options.sourceName, endpoint, attempts.failures, outcome.problem);
      }
    }
  }

  /** After a 401: whether the credential, read again, is another than the one refused (and is used from now on). */
  private async reauthorized(refused: SourceAuthorization): Promise<boolean> {
    const next = await this.options.reauthorize?.();
    if (next === undefined || next.authorization === refused.authorization) return false;
    this.current = next;
    return true;
  }

  private urlFor(request: SourceRequest): string {
    const url = new URL(this.options.baseUrl + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) url.searchParams.set(key, String(value));
    return url.toString();
  }

  private async attempt(
    url: string,
    request: SourceRequest,
    authorization: string,
    grant: BudgetGrant | void,
    keepBytes: boolean,
    signal?: AbortSignal,
  ): Promise<AttemptOutcome> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    let response: Response;
    let text: string;
    let bytes: Uint8Array | undefined;
    try {
      response = await fetch(url, {
        method: request.method,
        headers: {
          authorization,
          accept: 'application/json',
          ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: request.body === undefined ? undefined : JSON.stringify(request.body),
        signal: combined,
      });
      if (keepBytes) {
        bytes = new Uint8Array(await response.arrayBuffer());
        text = utf8.decode(bytes);
      } else {
        text = await response.text();
      }
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      return { kind: 'transient', problem: describeNetworkError(error, timeout.aborted, this.options.timeoutMs), timedOut: timeout.aborted };
    }
    await this.options.budget.observe(response, grant);
    if (response.status === 429) {
      const dialect = this.options.rateLimitDialect;
      const waitMs = dialect.refusalWaitMs?.(text) ?? retryAfterMs(response.headers) ?? dialect.allowance(response.headers)?.resetDelayMs ?? 1000;
      const scope = dialect.refusalScope?.(text);
      return { kind: 'rate-limited', waitMs, ...(scope ? { scope } : {}) };
    }
    if (TRANSIENT_STATUSES.has(response.status)) return { kind: 'transient', problem: `HTTP ${response.status}`, timedOut: false };
    if (!response.ok) return { kind: 'permanent', status: response.status, message: apiErrorMessage(text), fieldErrors: apiFieldErrors(text) };
    try {
      return { kind: 'ok', value: JSON.parse(text), ...(bytes ? { bytes } : {}) };
    } catch {
      return { kind: 'transient', problem: `malformed JSON body (${text.length} bytes)`, timedOut: false };
    }
  }
}

type AttemptOutcome =
  | { kind: 'ok'; value: unknown; bytes?: Uint8Array }
  | { kind: 'rate-limited'; waitMs: number; scope?: RateLimitScope }
  | { kind: 'transient'; problem: string; timedOut: boolean }
  | { kind: 'permanent'; status: number; message: string; fieldErrors: Record<string, unknown> };

function describeNetworkError(error: unknown, timedOut: boolean, timeoutMs: number): string {
  if (timedOut) return `no answer within ${formatMs(timeoutMs)}`;
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  return cause ?? (error instanceof Error ? error.message : String(error));
}

/** The answer's `field-errors` object (400s name the offending request paths there, where the API has one); empty when it has none. */
export function apiFieldErrors(body: string): Record<string, unknown> {
  try {
    const parsed = JSON.parse(body) as Record<string, unknown> | null;
    const fieldErrors = parsed?.['field-errors'];
    return typeof fieldErrors === 'object' && fieldErrors !== null && !Array.isArray(fieldErrors)
      ? { ...(fieldErrors as Record<string, unknown>) }
      : {};
  } catch {
    return {};
  }
}

/** The API's own words from `{"message"}`, `{"error":{"message"}}`, `{"errors":[...]}` or plain text. */
export function apiErrorMessage(body: string): string {
  const trimmed = body.trim();
  if (!trimmed) return '';
  try {
    const parsed = JSON.parse(trimmed) as Record<string, unknown>;
    const error = parsed.error;
    if (error && typeof error === 'object' && typeof (error as { message?: unknown }).message === 'string') {
      return (error as { message: string }).message;
    }
    if (typeof error === 'string') return error;
    if (typeof parsed.message === 'string') return parsed.message;
    if (Array.isArray(parsed.errors) && parsed.errors.length > 0) return parsed.errors.map(String).join('; ');
    return trimmed.slice(0, 300);
  } catch {
    return trimmed.slice(0, 300);
  }
}
