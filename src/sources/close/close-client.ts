import { BulkExportError, SourceRequestError } from '../../errors/index.js';
import type { RequestBudget } from '../../ratelimit/request-budget.js';
import type { BackoffPolicy } from '../http/backoff.js';
import { SourceHttpClient, type SourceHttpClientOptions } from '../http/source-http-client.js';
import { closeAdvice } from './close-advice.js';
import type { CloseQueryNode } from './close-query.js';

export const DEFAULT_CLOSE_BASE_URL = 'https://api.close.com/api/v1';
export const CLOSE_CREDENTIAL_VARIABLE = 'CLOSE_API_KEY';

/** Base URL of the Close API from `CLOSE_BASE_URL` (default `https://api.close.com/api/v1`), without a trailing slash. */
export function closeBaseUrl(variables: NodeJS.ProcessEnv): string {
  return (variables.CLOSE_BASE_URL || DEFAULT_CLOSE_BASE_URL).replace(/\/+$/, '');
}

/** Body of `POST /data/search/` (shared/docs/source-apis.md). */
export interface CloseSearchBody {
  query: CloseQueryNode;
  _fields?: { contact: string[] };
  _limit?: number;
  cursor?: string;
  sort?: unknown[];
  results_limit?: number;
  include_counts?: boolean;
}

export interface CloseSearchResponse<T> {
  data: T[];
  /** Next page of this walk; null = the walk is over (no more matches, or the walk's cap was reached). */
  cursor: string | null;
  count?: { limited: number; total: number };
  /** Each item of `data` exactly as received, when asked for and found (not part of the API's answer). */
  rawData?: Uint8Array[];
}

export interface CloseClientOptions {
  baseUrl: string;
  apiKey: string;
  budget?: RequestBudget;
  /** Per attempt; default 60 s. */
  timeoutMs?: number;
  /** Attempts per request for transient failures; default 8. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  onRetry?: SourceHttpClientOptions['onRetry'];
}

const SEARCH_PATH = '/data/search/';

/** Close's contact search, with HTTP Basic auth (API key as the user name, empty password). */
export class CloseClient {
  private readonly http: SourceHttpClient;

  constructor(options: CloseClientOptions) {
    this.http = new SourceHttpClient({
      sourceName: 'Close',
      baseUrl: options.baseUrl,
      authorization: `Basic ${Buffer.from(`${options.apiKey}:`).toString('base64')}`,
      adviceFor: closeAdvice,
      budget: options.budget,
      timeoutMs: options.timeoutMs,
      maxAttempts: options.maxAttempts,
      backoff: options.backoff,
      onRetry: options.onRetry,
    });
  }

  /** `rawRows`: also return each contact's bytes as received (`rawData`). */
  async search<T extends Record<string, unknown>>(body: CloseSearchBody, signal?: AbortSignal, options: { rawRows?: boolean } = {}): Promise<CloseSearchResponse<T>> {
    const request = { method: 'POST', path: SEARCH_PATH, body, endpoint: `POST ${SEARCH_PATH}` } as const;
    if (!options.rawRows) return checkedResponse<T>(await this.http.requestJson<unknown>(request, signal));
    const { value, rawItems } = await this.http.requestJsonWithRawItems<unknown>(request, 'data', signal);
    const result = checkedResponse<T>(value);
    if (rawItems) result.rawData = rawItems;
    return result;
  }
}

function checkedResponse<T>(response: unknown): CloseSearchResponse<T> {
  const body = response as Partial<CloseSearchResponse<T>> | null;
  if (!body || typeof body !== 'object' || !Array.isArray(body.data) || !(body.cursor === null || body.cursor === undefined || typeof body.cursor === 'string')) {
    throw new BulkExportError('UNEXPECTED_RESPONSE', `Close answered POST ${SEARCH_PATH} without a "data" list and a "cursor"; check CLOSE_BASE_URL.`);
  }
  const result: CloseSearchResponse<T> = { data: body.data, cursor: body.cursor ?? null };
  if (body.count && typeof body.count.total === 'number') result.count = body.count;
  return result;
}

/** A 400 about the cursor: it expired (Close keeps one for about 30 s) or is otherwise no longer usable. */
export function isCursorRefusal(error: unknown): boolean {
  return error instanceof SourceRequestError && error.status === 400 && /cursor/i.test(error.apiMessage);
}
