import { BulkExportError } from '../../errors/index.js';
import type { RequestBudget } from '../../ratelimit/request-budget.js';
import type { BackoffPolicy } from '../http/backoff.js';
import { SourceHttpClient, type SourceHttpClientOptions } from '../http/source-http-client.js';
import { closeAdvice } from './close-advice.js';
import { credentialFingerprint } from '../credential-fingerprint.js';
import { closeAuthorization } from './close-authorization.js';
import { CLOSE_RATE_LIMIT_DIALECT } from './close-rate-limit.js';
import { parseCustomFieldPage, type CloseCustomField } from './close-custom-fields.js';
import type { CloseQueryNode } from './close-query.js';

/** Body of `POST /data/search/` (docs/sources/close.md, "Evidence: requests and paging"). */
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
  /** The credential: an API key, or `Bearer <access token>` for an OAuth 2.0 access token (see closeAuthorization). */
  apiKey: string;
  /** The credential read again, after a 401 (see SourceHttpClientOptions.reauthorize). */
  rereadApiKey?: () => Promise<string>;
  budget?: RequestBudget;
  /** One try, whole answer included; default 60 s (SOURCE_REQUEST_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Tries per request against transient failures; default 8 (SOURCE_REQUEST_ATTEMPTS). */
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  onRetry?: SourceHttpClientOptions['onRetry'];
}

const SEARCH_PATH = '/data/search/';
const CONTACT_CUSTOM_FIELDS_PATH = '/custom_field/contact/';
/** Fields per page of the custom field list: the documented default of Close's `_limit`. */
const CUSTOM_FIELD_PAGE = 100;

/**
 * Close's contact search and contact custom field list, authorized by an API key (HTTP Basic, the key as the
 * user name, an empty password) or an OAuth 2.0 access token (`Bearer`).
 */
export class CloseClient {
  private readonly http: SourceHttpClient;

  constructor(options: CloseClientOptions) {
    this.http = new SourceHttpClient({
      sourceName: 'Close',
      baseUrl: options.baseUrl,
      authorization: closeAuthorization(options.apiKey),
      // The budget limits each key too (and its organization): it is told which credential each request carries.
      credentialFingerprint: credentialFingerprint(options.apiKey),
      ...(options.rereadApiKey ? { reauthorize: async () => closeRequestAuthorization(await options.rereadApiKey!()) } : {}),
      adviceFor: closeAdvice,
      budget: options.budget,
      timeoutMs: options.timeoutMs,
      maxAttempts: options.maxAttempts,
      backoff: options.backoff,
      onRetry: options.onRetry,
      rateLimitDialect: CLOSE_RATE_LIMIT_DIALECT,
    });
  }

  /** `rawRows`: also return each contact's bytes as received (`rawData`). */
  async search<T extends Record<string, unknown>>(
    body: CloseSearchBody,
    signal?: AbortSignal,
    options: { rawRows?: boolean } = {},
  ): Promise<CloseSearchResponse<T>> {
    const request = { method: 'POST', path: SEARCH_PATH, body, endpoint: `POST ${SEARCH_PATH}` } as const;
    if (!options.rawRows) return checkedResponse<T>(await this.http.requestJson<unknown>(request, signal));
    const { value, rawItems } = await this.http.requestJsonWithRawItems<unknown>(request, 'data', signal);
    const result = checkedResponse<T>(value);
    if (rawItems) result.rawData = rawItems;
    return result;
  }

  /**
   * Every contact custom field of the organization (`GET /custom_field/contact/`), paged like Close's
   * other list endpoints: `_skip`/`_limit` in the query, `{"has_more": bool, "data": [...]}` back. Pages
   * follow each other by the number of fields received (a server may send fewer than asked), until
   * `has_more` is false, or, without `has_more`, until a page is short. A field on two pages (one was
   * created meanwhile) is kept once.
   */
  async listContactCustomFields(signal?: AbortSignal): Promise<CloseCustomField[]> {
    const fields = new Map<string, CloseCustomField>();
    for (let skip = 0; ;) {
      const answer = await this.http.requestJson<unknown>(
        {
          method: 'GET',
          path: CONTACT_CUSTOM_FIELDS_PATH,
          query: { _skip: skip, _limit: CUSTOM_FIELD_PAGE },
          endpoint: `GET ${CONTACT_CUSTOM_FIELDS_PATH}`,
        },
        signal,
      );
      const page = parseCustomFieldPage(answer, `GET ${CONTACT_CUSTOM_FIELDS_PATH}`);
      for (const field of page.fields) if (!fields.has(field.id)) fields.set(field.id, field);
      const more = page.hasMore ?? page.fields.length >= CUSTOM_FIELD_PAGE;
      if (!more) return [...fields.values()];
      if (page.fields.length === 0) {
        throw new BulkExportError(
          'UNEXPECTED_RESPONSE',
          `Close answered GET ${CONTACT_CUSTOM_FIELDS_PATH}?_skip=${skip} with no fields but "has_more": true; try again later.`,
        );
      }
      skip += page.fields.length;
    }
  }
}

function checkedResponse<T>(response: unknown): CloseSearchResponse<T> {
  const body = response as Partial<CloseSearchResponse<T>> | null;
  if (
    !body ||
    typeof body !== 'object' ||
    !Array.isArray(body.data) ||
    !(body.cursor === null || body.cursor === undefined || typeof body.cursor === 'string')
  ) {
    throw new BulkExportError(
      'UNEXPECTED_RESPONSE',
      `Close answered POST ${SEARCH_PATH} without a "data" list and a "cursor", so nothing can be read from it. ` +
        'Check that CLOSE_BASE_URL points at the Close API (https://api.close.com/api/v1), not at a proxy or another service.',
    );
  }
  const result: CloseSearchResponse<T> = { data: body.data, cursor: body.cursor ?? null };
  if (body.count && typeof body.count.total === 'number') result.count = body.count;
  return result;
}

/** The Authorization header for a Close credential, and the credential's fingerprint (its key's budget). */
function closeRequestAuthorization(credential: string): { authorization: string; credentialFingerprint: string } {
  return { authorization: closeAuthorization(credential), credentialFingerprint: credentialFingerprint(credential) };
}
