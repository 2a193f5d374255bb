import type { RequestBudget } from '../../ratelimit/request-budget.js';
import type { BackoffPolicy } from '../http/backoff.js';
import { SourceHttpClient, type SourceHttpClientOptions, type SourceRequest } from '../http/source-http-client.js';
import type { VirtuousQueryOptions } from './query-options.js';
import type { VirtuousQueryBody, VirtuousQueryEnvelope } from './virtuous-query.js';
import { virtuousAdvice } from './virtuous-advice.js';

export interface VirtuousClientOptions {
  baseUrl: string;
  token: string;
  budget?: RequestBudget;
  /** Per attempt; default 60 s. */
  timeoutMs?: number;
  /** Attempts per request for transient failures; default 8. */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  onRetry?: SourceHttpClientOptions['onRetry'];
}

/** The three Virtuous Contact endpoints the exporter uses. */
export class VirtuousClient {
  private readonly http: SourceHttpClient;

  constructor(options: VirtuousClientOptions) {
    this.http = new SourceHttpClient({
      sourceName: 'Virtuous',
      baseUrl: options.baseUrl,
      authorization: `Bearer ${options.token}`,
      adviceFor: virtuousAdvice,
      budget: options.budget,
      timeoutMs: options.timeoutMs,
      maxAttempts: options.maxAttempts,
      backoff: options.backoff,
      onRetry: options.onRetry,
    });
  }

  queryOptions(signal?: AbortSignal): Promise<VirtuousQueryOptions> {
    return this.http.requestJson({ method: 'GET', path: '/api/Contact/QueryOptions' }, signal);
  }

  async query<T>(
    body: VirtuousQueryBody,
    page: { skip?: number; take: number; fullContact: boolean; maxAttempts?: number; rawRows?: boolean },
    signal?: AbortSignal,
  ): Promise<VirtuousQueryEnvelope<T>> {
    const path = page.fullContact ? '/api/Contact/Query/FullContact' : '/api/Contact/Query';
    const request: SourceRequest = {
      method: 'POST',
      path,
      query: { skip: page.skip ?? 0, take: page.take },
      body,
      endpoint: `POST ${path}`,
      ...(page.maxAttempts === undefined ? {} : { maxAttempts: page.maxAttempts }),
    };
    if (!page.rawRows) return this.http.requestJson(request, signal);
    const { value, rawItems } = await this.http.requestJsonWithRawItems<VirtuousQueryEnvelope<T>>(request, 'list', signal);
    return rawItems ? { ...value, rawList: rawItems } : value;
  }
}
