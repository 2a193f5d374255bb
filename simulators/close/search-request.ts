import { createHash } from 'node:crypto';
import { badRequest, requireObject } from './close-errors.js';
import { parseProjection, type Projection, type ProjectionContext } from './field-projection.js';
import { compileQuery, type CompiledQuery, type QueryContext } from './query-compiler.js';
import { parseSort, type SortSpec } from './sort-spec.js';

/** `_limit` when the request has none. */
export const DEFAULT_LIMIT = 100;

export interface SearchRequest {
  query: CompiledQuery;
  projection: Projection;
  limit: number;
  cursor: string | undefined;
  sort: SortSpec[];
  resultsLimit: number | undefined;
  includeCounts: boolean;
  /** Fingerprint of what defines the result set (query, sort, results_limit): a cursor is bound to it. */
  digest: string;
}

export interface SearchRequestContext extends QueryContext, ProjectionContext {
  maxLimit: number;
}

/**
 * Validates the body of `POST /api/v1/data/search/`: `query`, `_fields`, `_limit`, `cursor`, `sort`,
 * `results_limit`, `include_counts`; other top-level keys are ignored, and null reads as absent.
 */
export function parseSearchRequest(text: string, context: SearchRequestContext): SearchRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw badRequest('The request body is not valid JSON.');
  }
  const body = requireObject(parsed, 'body');
  const limit = optionalInteger(body['_limit'], '_limit', 1) ?? DEFAULT_LIMIT;
  if (limit > context.maxLimit) throw badRequest(`_limit must be ${context.maxLimit} or less, got ${limit}.`, '_limit');
  const cursor = body['cursor'];
  if (cursor !== undefined && cursor !== null && (typeof cursor !== 'string' || cursor === ''))
    throw badRequest('cursor must be a string.', 'cursor');
  const includeCounts = body['include_counts'];
  if (includeCounts !== undefined && includeCounts !== null && typeof includeCounts !== 'boolean') {
    throw badRequest('include_counts must be true or false.', 'include_counts');
  }
  const resultsLimit = optionalInteger(body['results_limit'], 'results_limit', 0);
  const contact = context.schemas.get('contact')!;
  return {
    query: compileQuery(body['query'], context),
    projection: parseProjection(body['_fields'], context),
    limit,
    cursor: typeof cursor === 'string' ? cursor : undefined,
    sort: parseSort(body['sort'], contact),
    resultsLimit,
    includeCounts: includeCounts === true,
    digest: createHash('sha256')
      .update(stableJson([body['query'], body['sort'] ?? null, resultsLimit ?? null]))
      .digest('base64url')
      .slice(0, 16),
  };
}

function optionalInteger(value: unknown, name: string, minimum: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum) {
    throw badRequest(`${name} must be an integer >= ${minimum}, got ${JSON.stringify(value)}.`, name);
  }
  return value;
}

/** JSON with object keys sorted, so that key order does not change a fingerprint. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${stableJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
