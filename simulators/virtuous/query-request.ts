import { compileGroup, type CompiledGroup, type FilterSettings, type RecordIdIndex } from './filter-evaluator.js';
import { badRequest, structuredError } from './request-error.js';
import type { SortOptions, SortOrder } from './sort-order.js';

/** A validated `POST .../Query` request (contacts, gifts). `groups` empty = every record. */
export interface RecordQuery<Facts> {
  groups: CompiledGroup<Facts>[];
  /** Whether records out of default queries are included: archived contacts, with `includeArchived: true`. */
  includeHidden: boolean;
  sortBy: SortOrder<Facts>;
  descending: boolean;
  skip: number;
  take: number;
}

/** What the real API pages when `take` is omitted (docs/sources/virtuous.md, "Evidence: requests"). */
export const DEFAULT_TAKE = 10;

export interface QueryRequestInput<Facts> {
  searchParams: URLSearchParams;
  body: string;
  maxTake: number;
  ids: RecordIdIndex;
  filter: FilterSettings<Facts>;
  sorts: SortOptions<Facts>;
  /**
   * Whether the record type can be archived, so that `includeArchived` brings archived records back
   * (contacts). Otherwise the key is ignored, whatever it holds: no archived state is evidenced for gifts.
   */
  archivable: boolean;
}

/** Parses paging (query string) and filter (JSON body); throws `SimulatorRequestError` for a 400. */
export function parseQueryRequest<Facts>(input: QueryRequestInput<Facts>): RecordQuery<Facts> {
  const { skip, take } = parsePaging(input.searchParams, input.maxTake);
  const body = parseBody(input.body);
  const groups = arrayField(body, 'groups', 'groups').map((group, groupIndex) => {
    if (typeof group !== 'object' || group === null || Array.isArray(group)) {
      throw badRequest(`groups[${groupIndex}] must be an object with a "conditions" array.`);
    }
    const conditions = arrayField(group as Record<string, unknown>, 'conditions', `groups[${groupIndex}].conditions`);
    return compileGroup(conditions, groupIndex, input.ids, input.filter);
  });
  return {
    groups,
    includeHidden: input.archivable && booleanField(body, 'includeArchived'),
    sortBy: sortOrder(body['sortBy'], input.sorts),
    descending: booleanField(body, 'descending'),
    skip,
    take,
  };
}

function parsePaging(searchParams: URLSearchParams, maxTake: number): { skip: number; take: number } {
  const lookup = (name: string): string | undefined => {
    for (const [key, value] of searchParams) if (key.toLowerCase() === name) return value;
    return undefined;
  };
  const skipText = lookup('skip');
  const takeText = lookup('take');
  const skip = skipText === undefined || skipText === '' ? 0 : parseWholeNumber(skipText);
  if (skip === undefined) throw badRequest(`The request is invalid: skip must be a non-negative integer.`);
  const take = takeText === undefined || takeText === '' ? Math.min(DEFAULT_TAKE, maxTake) : parseWholeNumber(takeText);
  if (take === undefined) throw badRequest(`The request is invalid: take must be a non-negative integer, ${maxTake} or fewer.`);
  if (take > maxTake) throw badRequest(`The request is invalid: take must be ${maxTake} or fewer.`);
  return { skip, take };
}

function parseWholeNumber(text: string): number | undefined {
  if (!/^\s*\+?\d+\s*$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

function parseBody(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw badRequest(`The request body is not valid JSON: ${(error as Error).message}`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest('The request body must be a JSON object.');
  return parsed as Record<string, unknown>;
}

function arrayField(record: Record<string, unknown>, key: string, label: string): unknown[] {
  const value = record[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw badRequest(`${label} must be an array.`);
  return value;
}

function booleanField(record: Record<string, unknown>, key: string): boolean {
  const value = record[key];
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw badRequest(`${key} must be true or false.`);
}

function sortOrder<Facts>(value: unknown, sorts: SortOptions<Facts>): SortOrder<Facts> {
  if (value === undefined || value === null || value === '') return 'id';
  const order = typeof value === 'string' ? sorts.byName.get(value.trim().toLowerCase()) : undefined;
  if (!order) {
    throw structuredError(400, 'INVALID_SORT', `Unknown sortBy '${String(value)}'. Use ${sorts.hint}.`, [
      { target: 'sortBy', message: 'Unknown sort field' },
    ]);
  }
  return order;
}
