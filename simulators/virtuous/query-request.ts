import { compileGroup, type CompiledGroup, type ContactIdIndex, type FilterSettings } from './filter-evaluator.js';
import { badRequest, structuredError } from './request-error.js';

export type SortKey = 'id' | 'lastName' | 'modified';

/** A validated `POST /api/Contact/Query` request. `groups` empty = every contact. */
export interface ContactQuery {
  groups: CompiledGroup[];
  includeArchived: boolean;
  sortBy: SortKey;
  descending: boolean;
  skip: number;
  take: number;
}

/** What the real API pages when `take` is omitted (docs/sources/virtuous.md, "Evidence: requests"). */
export const DEFAULT_TAKE = 10;

/**
 * sortBy values seen in working clients (matched case-insensitively); no official list exists. Only
 * `Id` / `Contact Id` are evidenced for contacts; the others were seen on other queries and are kept
 * because clients send them, not because a contact export may rely on them.
 */
const SORT_KEYS: ReadonlyMap<string, SortKey> = new Map([
  ['id', 'id'],
  ['contact id', 'id'],
  ['last name', 'lastName'],
  ['lastmodifieddate', 'modified'],
  ['last modified date', 'modified'],
  ['modifieddatetimeutc', 'modified'],
]);

export interface QueryRequestInput {
  searchParams: URLSearchParams;
  body: string;
  maxTake: number;
  ids: ContactIdIndex;
  filter: FilterSettings;
}

/** Parses paging (query string) and filter (JSON body); throws `SimulatorRequestError` for a 400. */
export function parseQueryRequest(input: QueryRequestInput): ContactQuery {
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
    includeArchived: booleanField(body, 'includeArchived'),
    sortBy: sortKey(body['sortBy']),
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

function sortKey(value: unknown): SortKey {
  if (value === undefined || value === null || value === '') return 'id';
  const key = typeof value === 'string' ? SORT_KEYS.get(value.trim().toLowerCase()) : undefined;
  if (!key) {
    throw structuredError(400, 'INVALID_SORT', `Unknown sortBy '${String(value)}'. Use Id, Contact Id, Last Name or Last Modified Date.`, [
      { target: 'sortBy', message: 'Unknown sort field' },
    ]);
  }
  return key;
}
