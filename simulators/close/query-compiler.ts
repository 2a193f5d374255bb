import { badRequest, requireArray, requireObject, requireString } from './close-errors.js';
import type { ContactRow } from './contact-row.js';
import { compileCondition, momentBounds, type ConditionContext } from './field-conditions.js';
import { KNOWN_OBJECT_TYPES, type FieldAccess, type ObjectSchema } from './object-schemas.js';
import { compileTextMatcher, QUERY_TEXT_MODES } from './text-matching.js';

type Predicate = (target: unknown) => boolean;

/** A validated contact query. */
export interface CompiledQuery {
  matches(row: ContactRow): boolean;
  /**
   * date_created bounds [low, high) (microseconds) implied by top-level ANDed `moment_range`
   * conditions on the contact's date_created: every match lies inside, so only that slice of the
   * date_created order needs looking at.
   */
  createdLow: number;
  createdHigh: number;
  /** True when nothing but those bounds (and `object_type: contact`) constrains the result. */
  boundsOnly: boolean;
}

export interface QueryContext extends ConditionContext {
  schemas: ReadonlyMap<string, ObjectSchema>;
}

/**
 * Validates and compiles the `query` tree: and/or (with `queries`), object_type, id, text,
 * field_condition, has_related and match_all, each with optional `negate`. Anything unknown is a
 * 400 naming the path of the offending node.
 */
export function compileQuery(raw: unknown, context: QueryContext): CompiledQuery {
  if (raw === undefined || raw === null) throw badRequest('query is required.', 'query');
  const contact = context.schemas.get('contact')!;
  const state = { sawObjectType: false };
  const predicate = compileNode(raw, contact, context, 'query', state);
  if (!state.sawObjectType) {
    throw badRequest('The query must include an object_type query, e.g. {"type": "object_type", "object_type": "contact"}.', 'query');
  }
  const bounds = { low: -Infinity, high: Infinity, boundsOnly: true };
  collectCreatedBounds(raw, context, bounds, 'query');
  return {
    matches: (row) => predicate(row),
    createdLow: bounds.low,
    createdHigh: bounds.high,
    boundsOnly: bounds.boundsOnly,
  };
}

function compileNode(
  raw: unknown,
  schema: ObjectSchema,
  context: QueryContext,
  path: string,
  state: { sawObjectType: boolean } | undefined,
): Predicate {
  const node = requireObject(raw, path);
  const negate = node['negate'];
  if (negate !== undefined && negate !== null && typeof negate !== 'boolean')
    throw badRequest(`${path}.negate must be true or false.`, `${path}.negate`);
  const predicate = compilePositive(node, schema, context, path, state);
  return negate === true ? (target) => !predicate(target) : predicate;
}

function compilePositive(
  node: Record<string, unknown>,
  schema: ObjectSchema,
  context: QueryContext,
  path: string,
  state: { sawObjectType: boolean } | undefined,
): Predicate {
  const type = node['type'];
  switch (type) {
    case 'and':
    case 'or': {
      const children = requireArray(node['queries'], `${path}.queries`).map((child, k) =>
        compileNode(child, schema, context, `${path}.queries[${k}]`, state),
      );
      return type === 'and' ? (target) => children.every((child) => child(target)) : (target) => children.some((child) => child(target));
    }
    case 'object_type': {
      const objectType = requireString(node['object_type'], `${path}.object_type`);
      if (!KNOWN_OBJECT_TYPES.has(objectType)) throw badRequest(`Unknown object type "${objectType}".`, `${path}.object_type`);
      if (state) state.sawObjectType = true;
      const matches = objectType === schema.objectType;
      return () => matches;
    }
    case 'id': {
      const value = requireString(node['value'], `${path}.value`);
      const idOf = schema.idOf;
      if (!idOf) throw badRequest(`The id query is not supported for ${schema.objectType}.`, `${path}.type`);
      return (target) => idOf(target) === value;
    }
    case 'text': {
      const matches = compileTextMatcher(node['mode'], node['value'], QUERY_TEXT_MODES, path);
      return (target) => matches(schema.searchText(target));
    }
    case 'field_condition': {
      const { access, label } = resolveField(node['field'], schema, `${path}.field`);
      const test = compileCondition(node['condition'], access.kind, label, context, `${path}.condition`);
      return (target) => test(access.read(target));
    }
    case 'has_related': {
      const thisType = node['this_object_type'];
      if (thisType !== undefined && thisType !== schema.objectType) {
        throw badRequest(`this_object_type must be "${schema.objectType}" here, got ${JSON.stringify(thisType)}.`, `${path}.this_object_type`);
      }
      const relatedType = requireString(node['related_object_type'], `${path}.related_object_type`);
      const relation = schema.relations.get(relatedType);
      const related = context.schemas.get(relatedType);
      if (!relation || !related) {
        const supported = [...schema.relations.keys()].join(', ') || 'none';
        throw badRequest(
          `has_related from ${schema.objectType} to "${relatedType}" is not supported (supported: ${supported}).`,
          `${path}.related_object_type`,
        );
      }
      const inner = compileNode(node['related_query'], related, context, `${path}.related_query`, undefined);
      return (target) => relation.items(target).some(inner);
    }
    case 'match_all':
      return () => true;
    default:
      throw badRequest(
        `Unknown query type ${JSON.stringify(type)}; expected and, or, object_type, id, text, field_condition, has_related or match_all.`,
        `${path}.type`,
      );
  }
}

/** Resolves `{"type":"regular_field",...}` or `{"type":"custom_field",...}` against the current object type. */
export function resolveField(raw: unknown, schema: ObjectSchema, path: string): { access: FieldAccess; label: string } {
  const field = requireObject(raw, path);
  if (field['type'] === 'regular_field') {
    const objectType = requireString(field['object_type'], `${path}.object_type`);
    const name = requireString(field['field_name'], `${path}.field_name`);
    if (objectType !== schema.objectType) {
      throw badRequest(
        `Field "${name}" of object type "${objectType}" cannot be used on ${schema.objectType}; use a has_related query for related objects.`,
        `${path}.object_type`,
      );
    }
    const access = schema.fields.get(name);
    if (!access) {
      throw badRequest(
        `Unknown field "${name}" for object type "${objectType}"; known: ${[...schema.fields.keys()].join(', ')}.`,
        `${path}.field_name`,
      );
    }
    return { access, label: `${objectType}.${name}` };
  }
  if (field['type'] === 'custom_field') {
    const id = requireString(field['custom_field_id'], `${path}.custom_field_id`);
    const access = schema.customFields.get(id);
    if (!access) throw badRequest(`Unknown ${schema.objectType} custom field "${id}".`, `${path}.custom_field_id`);
    return { access, label: `custom field ${id}` };
  }
  throw badRequest(`Unknown field type ${JSON.stringify(field['type'])}; expected regular_field or custom_field.`, `${path}.type`);
}

/** Intersects the date_created bounds of top-level (non-negated) ANDed conditions; see CompiledQuery. */
function collectCreatedBounds(raw: unknown, context: QueryContext, bounds: { low: number; high: number; boundsOnly: boolean }, path: string): void {
  const node = raw as Record<string, unknown>;
  if (node['negate'] === true) {
    bounds.boundsOnly = false;
    return;
  }
  if (node['type'] === 'and') {
    (node['queries'] as unknown[]).forEach((child, k) => collectCreatedBounds(child, context, bounds, `${path}.queries[${k}]`));
    return;
  }
  if (node['type'] === 'object_type' && node['object_type'] === 'contact') return;
  const field = node['field'] as Record<string, unknown> | undefined;
  const condition = node['condition'] as Record<string, unknown> | undefined;
  if (
    node['type'] === 'field_condition' &&
    field?.['type'] === 'regular_field' &&
    field['object_type'] === 'contact' &&
    field['field_name'] === 'date_created' &&
    condition?.['type'] === 'moment_range'
  ) {
    const { low, high } = momentBounds(condition, context.nowMicros, `${path}.condition`);
    bounds.low = Math.max(bounds.low, low);
    bounds.high = Math.min(bounds.high, high);
    return;
  }
  bounds.boundsOnly = false;
}
