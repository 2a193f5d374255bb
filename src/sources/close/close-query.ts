import { InvalidInputError } from '../../errors/index.js';
import { parseIsoMicros } from '../../time/iso-instant.js';

/**
 * Close's contact query language (docs/sources/close.md, "Evidence: query language"): a JSON tree that
 * the exporter builds for every request and into which a user's own query (`--query FILE.json`) is
 * ANDed. A user query is checked here, before anything is enqueued, against the node and condition
 * types the API documents; field names and ids are left to the API, which the planner asks first.
 */
export type CloseQueryNode = { type: string; negate?: boolean } & Record<string, unknown>;

export const QUERY_NODE_TYPES = ['and', 'or', 'object_type', 'id', 'text', 'field_condition', 'has_related', 'match_all'] as const;
export const CONDITION_TYPES = ['text', 'term', 'reference', 'number_range', 'moment_range', 'exists', 'boolean', 'current_user'] as const;
export const FIELD_TYPES = ['regular_field', 'custom_field'] as const;
export const MOMENT_TYPES = ['fixed_utc', 'fixed_local_date', 'now', 'offset'] as const;
export const QUERY_TEXT_MODES = ['full_words', 'phrase'] as const;
export const CONDITION_TEXT_MODES = ['full_words', 'phrase', 'exact_value', 'beginning_of_words'] as const;

export const OBJECT_TYPE_CONTACT: CloseQueryNode = { type: 'object_type', object_type: 'contact' };

export const DATE_CREATED_FIELD = { type: 'regular_field', object_type: 'contact', field_name: 'date_created' } as const;

/** The contact's own timestamp field as a query/sort field: `date_created` (full exports) or `date_updated` (incremental). */
export function contactDateField(fieldName: 'date_created' | 'date_updated'): { type: 'regular_field'; object_type: 'contact'; field_name: string } {
  return { type: 'regular_field', object_type: 'contact', field_name: fieldName };
}

/** `sort` on the contact's own `date_created`: the only stable order Close documents for paging. */
export function sortByDateCreated(direction: 'asc' | 'desc' = 'asc'): unknown[] {
  return [{ direction, field: DATE_CREATED_FIELD }];
}

/** `sort` on one of the contact's timestamps (ties are left to Close; the keyset never relies on their order). */
export function sortByDateField(fieldName: 'date_created' | 'date_updated', direction: 'asc' | 'desc' = 'asc'): unknown[] {
  return fieldName === 'date_created' ? sortByDateCreated(direction) : [{ direction, field: contactDateField(fieldName) }];
}

export interface WindowQueryArgs {
  /** The timestamp the window bounds; default `date_created`. */
  field?: 'date_created' | 'date_updated';
  /** Inclusive lower bound of `date_created` (ISO 8601); null = none. */
  onOrAfter: string | null;
  /** Exclusive upper bound of `date_created` (ISO 8601); null = none. */
  before: string | null;
  /** The user's query (already validated), ANDed in; null = every contact. */
  userQuery: CloseQueryNode | null;
  /** Contacts to leave out by id (used to step past ones already read at a shared timestamp). */
  excludeIds?: readonly string[];
}

/**
 * AND of: `object_type` contact, a `moment_range` on `date_created` (or `field`; only the bounds that are set),
 * the user's query, and a negated OR of `id` queries for `excludeIds`.
 */
export function windowQuery(args: WindowQueryArgs): CloseQueryNode {
  const queries: CloseQueryNode[] = [OBJECT_TYPE_CONTACT];
  if (args.onOrAfter !== null || args.before !== null) {
    const condition: Record<string, unknown> = { type: 'moment_range' };
    if (args.onOrAfter !== null) condition.on_or_after = { type: 'fixed_utc', value: args.onOrAfter };
    if (args.before !== null) condition.before = { type: 'fixed_utc', value: args.before };
    const field = args.field === undefined || args.field === 'date_created' ? DATE_CREATED_FIELD : contactDateField(args.field);
    queries.push({ type: 'field_condition', field, condition });
  }
  if (args.userQuery) queries.push(args.userQuery);
  if (args.excludeIds && args.excludeIds.length > 0) {
    queries.push({ type: 'or', negate: true, queries: args.excludeIds.map((id) => ({ type: 'id', value: id })) });
  }
  return { type: 'and', queries };
}

/**
 * Reads a `--query` file: a query node, or a request body holding one under `query` (what Close's
 * "Copy Filters" gives). Throws an InvalidInputError naming the file and the offending path.
 */
export function parseUserQuery(text: string, fileName: string): CloseQueryNode {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new InvalidInputError(`--query ${fileName} is not valid JSON (${(error as Error).message}).`);
  }
  const node = isObject(parsed) && !('type' in parsed) && 'query' in parsed ? parsed.query : parsed;
  const problem = queryProblem(node, 'query');
  if (problem) throw new InvalidInputError(`--query ${fileName} is not a valid Close query: ${problem}`);
  return node as CloseQueryNode;
}

/** The first problem of a query tree as "path: what is wrong; what is valid", or null if none. */
export function queryProblem(raw: unknown, path: string): string | null {
  if (!isObject(raw)) return `${path} must be a JSON object with a "type".`;
  if (raw.negate !== undefined && raw.negate !== null && typeof raw.negate !== 'boolean') return `${path}.negate must be true or false.`;
  const type = raw.type;
  switch (type) {
    case 'and':
    case 'or': {
      if (!Array.isArray(raw.queries)) return `${path}.queries must be a list of queries.`;
      for (const [k, child] of raw.queries.entries()) {
        const problem = queryProblem(child, `${path}.queries[${k}]`);
        if (problem) return problem;
      }
      return null;
    }
    case 'object_type':
      return typeof raw.object_type === 'string' ? null : `${path}.object_type must be a string such as "contact".`;
    case 'id':
      return typeof raw.value === 'string' && raw.value !== '' ? null : `${path}.value must be an id such as "cont_...".`;
    case 'text':
      return textProblem(raw, path, QUERY_TEXT_MODES);
    case 'field_condition':
      return fieldProblem(raw.field, `${path}.field`) ?? conditionProblem(raw.condition, `${path}.condition`);
    case 'has_related': {
      if (typeof raw.related_object_type !== 'string') return `${path}.related_object_type must be a string such as "lead".`;
      if (raw.this_object_type !== undefined && typeof raw.this_object_type !== 'string')
        return `${path}.this_object_type must be a string such as "contact".`;
      return queryProblem(raw.related_query, `${path}.related_query`);
    }
    case 'match_all':
      return null;
    default:
      return `${path}.type ${JSON.stringify(type)} is not a supported query type; use one of ${QUERY_NODE_TYPES.join(', ')}.`;
  }
}

function fieldProblem(raw: unknown, path: string): string | null {
  if (!isObject(raw)) return `${path} must be an object with a "type" (${FIELD_TYPES.join(' or ')}).`;
  switch (raw.type) {
    case 'regular_field':
      if (typeof raw.object_type !== 'string') return `${path}.object_type must be a string such as "contact".`;
      return typeof raw.field_name === 'string' ? null : `${path}.field_name must be a string such as "title".`;
    case 'custom_field':
      return typeof raw.custom_field_id === 'string' ? null : `${path}.custom_field_id must be a string such as "cf_...".`;
    default:
      return `${path}.type ${JSON.stringify(raw.type)} is not a supported field type; use one of ${FIELD_TYPES.join(', ')}.`;
  }
}

function conditionProblem(raw: unknown, path: string): string | null {
  if (!isObject(raw)) return `${path} must be an object with a "type" (one of ${CONDITION_TYPES.join(', ')}).`;
  switch (raw.type) {
    case 'text':
      return textProblem(raw, path, CONDITION_TEXT_MODES);
    case 'term':
      return Array.isArray(raw.values) ? null : `${path}.values must be a list.`;
    case 'reference':
      if (raw.reference_type !== undefined && typeof raw.reference_type !== 'string') return `${path}.reference_type must be a string.`;
      return Array.isArray(raw.object_ids) && raw.object_ids.every((id) => typeof id === 'string')
        ? null
        : `${path}.object_ids must be a list of ids.`;
    case 'number_range': {
      const bounds = ['gt', 'gte', 'lt', 'lte'].filter((name) => raw[name] !== undefined && raw[name] !== null);
      if (bounds.length === 0) return `${path} needs at least one of gt, gte, lt, lte.`;
      const bad = bounds.find((name) => typeof raw[name] !== 'number' || !Number.isFinite(raw[name]));
      return bad ? `${path}.${bad} must be a number.` : null;
    }
    case 'moment_range':
      if ((raw.on_or_after ?? null) === null && (raw.before ?? null) === null) return `${path} needs on_or_after or before.`;
      return momentProblem(raw.on_or_after, `${path}.on_or_after`) ?? momentProblem(raw.before, `${path}.before`);
    case 'boolean':
      return typeof raw.value === 'boolean' ? null : `${path}.value must be true or false.`;
    case 'exists':
    case 'current_user':
      return null;
    default:
      return `${path}.type ${JSON.stringify(raw.type)} is not a supported condition type; use one of ${CONDITION_TYPES.join(', ')}.`;
  }
}

function momentProblem(raw: unknown, path: string): string | null {
  if (raw === undefined || raw === null) return null;
  if (!isObject(raw)) return `${path} must be a moment object with a "type" (one of ${MOMENT_TYPES.join(', ')}).`;
  switch (raw.type) {
    case 'fixed_utc':
      return typeof raw.value === 'string' && parseIsoMicros(raw.value) !== null ? null : `${path}.value must be an ISO 8601 date-time.`;
    case 'fixed_local_date':
      if (typeof raw.value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw.value) || parseIsoMicros(raw.value) === null)
        return `${path}.value must be a date YYYY-MM-DD.`;
      return raw.which === undefined || raw.which === 'start' || raw.which === 'end' ? null : `${path}.which must be "start" or "end".`;
    case 'now':
      return null;
    case 'offset':
      if (typeof raw.value !== 'number' && typeof raw.value !== 'string')
        return `${path}.value must be milliseconds or an ISO 8601 duration such as "-P30D".`;
      return raw.moment === undefined || raw.moment === null ? null : momentProblem(raw.moment, `${path}.moment`);
    default:
      return `${path}.type ${JSON.stringify(raw.type)} is not a supported moment type; use one of ${MOMENT_TYPES.join(', ')}.`;
  }
}

function textProblem(raw: Record<string, unknown>, path: string, modes: readonly string[]): string | null {
  if (typeof raw.value !== 'string' || raw.value.trim() === '') return `${path}.value must be a non-empty string.`;
  if (raw.mode !== undefined && !modes.includes(raw.mode as string)) {
    return `${path}.mode ${JSON.stringify(raw.mode)} is not a supported text mode here; use one of ${modes.join(', ')}.`;
  }
  return null;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
