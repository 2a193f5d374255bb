import { BulkExportError } from '../../errors/index.js';
import type { RequestBudget } from '../../ratelimit/request-budget.js';
import type { AttemptBudget } from '../http/attempt-budget.js';
import type { BackoffPolicy } from '../http/backoff.js';
import { SourceHttpClient, type SourceHttpClientOptions, type SourceRequest } from '../http/source-http-client.js';
import type { VirtuousQueryOptions } from './query-options.js';
import type { VirtuousQueryBody, VirtuousQueryEnvelope } from './virtuous-query.js';
import { virtuousAdvice } from './virtuous-advice.js';
import { VIRTUOUS_CONTACTS, type VirtuousRecords } from './virtuous-records.js';

export interface VirtuousClientOptions {
  baseUrl: string;
  /** The record type whose endpoints it asks. @defaultValue contacts (`VIRTUOUS_CONTACTS`) */
  records?: VirtuousRecords;
  token: string;
  /** The token read again, after a 401 (see SourceHttpClientOptions.reauthorize). */
  rereadToken?: () => Promise<string>;
  budget?: RequestBudget;
  /** One try, whole answer included; default 60 s (SOURCE_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Tries per request against transient failures; default 8 (SOURCE_REQUEST_ATTEMPTS). */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  onRetry?: SourceHttpClientOptions['onRetry'];
}

/** How one query is paged and tried. */
export interface VirtuousPageRequest {
  skip?: number;
  take: number;
  /** Full records (`/Query/FullContact`, `/Query/FullGift`) instead of abbreviated ones. */
  full: boolean;
  /** Each item's bytes as received, too (`rawList`). */
  rawRows?: boolean;
  /** Tries shared with the other takes of the same page (see `AttemptBudget`). */
  attempts?: AttemptBudget;
  /** Give up at this take after this many failed tries, leaving the rest of `attempts` to a smaller take. */
  maxAttempts?: number;
}

const WRONG_SERVICE_ADVICE =
  'Check that VIRTUOUS_BASE_URL points at the Virtuous API (https://api.virtuoussoftware.com), not at a proxy or another service.';

/** The three Virtuous endpoints of one record type the exporter uses: QueryOptions, Query and the full records' Query. */
export class VirtuousClient {
  private readonly http: SourceHttpClient;
  readonly records: VirtuousRecords;

  constructor(options: VirtuousClientOptions) {
    this.records = options.records ?? VIRTUOUS_CONTACTS;
    this.http = new SourceHttpClient({
      sourceName: 'Virtuous',
      baseUrl: options.baseUrl,
      authorization: `Bearer ${options.token}`,
      ...(options.rereadToken ? { reauthorize: async () => ({ authorization: `Bearer ${await options.rereadToken!()}` }) } : {}),
      adviceFor: virtuousAdvice,
      budget: options.budget,
      timeoutMs: options.timeoutMs,
      maxAttempts: options.maxAttempts,
      backoff: options.backoff,
      onRetry: options.onRetry,
    });
  }

  /** Tries of one request (one page, across every take) against transient failures. */
  get maxAttempts(): number {
    return this.http.maxAttempts;
  }

  async queryOptions(signal?: AbortSignal): Promise<VirtuousQueryOptions> {
    const path = `${this.records.resource}/QueryOptions`;
    const endpoint = `GET ${path}`;
    return checkedQueryOptions(await this.http.requestJson<unknown>({ method: 'GET', path, endpoint }, signal), endpoint);
  }

  async query<T>(body: VirtuousQueryBody, page: VirtuousPageRequest, signal?: AbortSignal): Promise<VirtuousQueryEnvelope<T>> {
    const path = `${this.records.resource}${page.full ? this.records.fullQuery : '/Query'}`;
    const endpoint = `POST ${path}`;
    const request: SourceRequest = {
      method: 'POST',
      path,
      query: { skip: page.skip ?? 0, take: page.take },
      body,
      endpoint,
      ...(page.attempts === undefined ? {} : { attempts: page.attempts }),
      ...(page.maxAttempts === undefined ? {} : { maxAttempts: page.maxAttempts }),
    };
    if (!page.rawRows) return checkedEnvelope<T>(await this.http.requestJson<unknown>(request, signal), endpoint);
    const { value, rawItems } = await this.http.requestJsonWithRawItems<unknown>(request, 'list', signal);
    const envelope = checkedEnvelope<T>(value, endpoint);
    return rawItems ? { ...envelope, rawList: rawItems } : envelope;
  }
}

/**
 * The envelope `{"list": [...], "total": n}` every query is answered with (docs/sources/virtuous.md,
 * "Evidence: answers"): anything else (a gateway's own JSON, another API) is refused by name instead of
 * failing later on a missing field.
 */
function checkedEnvelope<T>(answer: unknown, endpoint: string): VirtuousQueryEnvelope<T> {
  const body = answer as Partial<Record<'list' | 'total', unknown>> | null;
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  if (!isObject || !Array.isArray(body.list)) {
    throw unexpectedAnswer(endpoint, `without a "list" array`, answer);
  }
  if (typeof body.total !== 'number' || !Number.isSafeInteger(body.total) || body.total < 0) {
    throw unexpectedAnswer(endpoint, `with a "total" of ${JSON.stringify(body.total) ?? 'nothing'}, not a count`, answer);
  }
  return { list: body.list as T[], total: body.total };
}

function checkedQueryOptions(answer: unknown, endpoint: string): VirtuousQueryOptions {
  const options = (answer as { options?: unknown } | null)?.options;
  const wellFormed = Array.isArray(options) && options.every((option) => typeof (option as { parameter?: unknown } | null)?.parameter === 'string');
  if (!wellFormed) throw unexpectedAnswer(endpoint, 'without an "options" list of parameters', answer);
  return answer as VirtuousQueryOptions;
}

function unexpectedAnswer(endpoint: string, problem: string, answer: unknown): BulkExportError {
  return new BulkExportError(
    'UNEXPECTED_RESPONSE',
    `Virtuous answered ${endpoint} ${problem} (the answer's shape: ${shapeOf(answer)}), so nothing can be read from it. ${WRONG_SERVICE_ADVICE}`,
  );
}

/** `{list, total}`, `[...]`, `null`: what the answer holds, without its values (which could be anything). */
function shapeOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null || typeof value !== 'object') return value === null ? 'null' : `a ${typeof value}`;
  const keys = Object.keys(value);
  return keys.length === 0 ? '{}' : `{${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', ...' : ''}}`;
}
