import { badRequest, requireArray, requireObject } from './close-errors.js';
import { resolveMoment } from './moments.js';
import type { ValueKind } from './object-schemas.js';
import { compileTextMatcher, CONDITION_TEXT_MODES } from './text-matching.js';

/** Tests one field value (already read by the field's accessor). */
export type ValueTest = (value: unknown) => boolean;

export interface ConditionContext {
  nowMicros: number;
  currentUserId: string;
}

/** Which condition types apply to which kinds of field; anything else is a 400. */
const APPLICABLE: Record<string, readonly ValueKind[]> = {
  text: ['text', 'choices'],
  term: ['text', 'choices', 'reference', 'user', 'number', 'hidden'],
  reference: ['reference', 'user'],
  number_range: ['number'],
  moment_range: ['datetime', 'date'],
  // Close documents the condition ("a yes/no value") but no boolean field type: it applies to hidden fields' stored values.
  boolean: ['hidden'],
  current_user: ['user'],
  exists: ['text', 'choices', 'reference', 'user', 'number', 'datetime', 'date', 'hidden'],
};

/**
 * Compiles a field condition for a field of `kind`. Null, missing, empty strings and empty lists
 * never match (except under negation); list values match when any element does.
 */
export function compileCondition(raw: unknown, kind: ValueKind, fieldLabel: string, context: ConditionContext, path: string): ValueTest {
  const condition = requireObject(raw, path);
  const type = condition['type'];
  const kinds = typeof type === 'string' ? APPLICABLE[type] : undefined;
  if (!kinds) {
    throw badRequest(`Unknown condition type ${JSON.stringify(type)}; expected one of ${Object.keys(APPLICABLE).join(', ')}.`, `${path}.type`);
  }
  if (!kinds.includes(kind)) {
    throw badRequest(`Condition type "${String(type)}" cannot be used with ${fieldLabel} (a ${kind} field).`, `${path}.type`);
  }
  switch (type) {
    case 'text': {
      const matches = compileTextMatcher(condition['mode'], condition['value'], CONDITION_TEXT_MODES, path);
      return (value) => {
        const texts = valuesOf(value).filter((item): item is string => typeof item === 'string');
        return texts.length > 0 && matches(texts);
      };
    }
    case 'term': {
      const wanted = new Set(requireArray(condition['values'], `${path}.values`).map(termKey));
      return (value) => valuesOf(value).some((item) => wanted.has(termKey(item)));
    }
    case 'reference': {
      const ids = requireArray(condition['object_ids'], `${path}.object_ids`);
      if (!ids.every((id) => typeof id === 'string')) throw badRequest(`${path}.object_ids must be a list of ids.`, `${path}.object_ids`);
      const wanted = new Set(ids);
      return (value) => valuesOf(value).some((item) => typeof item === 'string' && wanted.has(item));
    }
    case 'number_range': {
      const bound = (name: string): number | undefined => {
        const value = condition[name];
        if (value === undefined || value === null) return undefined;
        if (typeof value !== 'number' || !Number.isFinite(value)) throw badRequest(`${path}.${name} must be a number.`, `${path}.${name}`);
        return value;
      };
      const [gt, gte, lt, lte] = [bound('gt'), bound('gte'), bound('lt'), bound('lte')];
      return (value) =>
        typeof value === 'number' &&
        (gt === undefined || value > gt) &&
        (gte === undefined || value >= gte) &&
        (lt === undefined || value < lt) &&
        (lte === undefined || value <= lte);
    }
    case 'moment_range': {
      const { low, high } = momentBounds(condition, context.nowMicros, path);
      return (value) => typeof value === 'number' && value >= low && value < high;
    }
    case 'boolean': {
      const wanted = condition['value'];
      if (typeof wanted !== 'boolean') throw badRequest(`${path}.value must be true or false.`, `${path}.value`);
      return (value) => value === wanted;
    }
    case 'current_user':
      return (value) => value === context.currentUserId;
    case 'exists':
      return (value) => valuesOf(value).some((item) => item !== '');
  }
  throw badRequest(`Unknown condition type ${JSON.stringify(type)}.`, `${path}.type`);
}

/** A moment_range as [low, high) in microseconds; a missing or null side is unbounded. */
export function momentBounds(condition: Record<string, unknown>, nowMicros: number, path: string): { low: number; high: number } {
  const side = (name: string, open: number): number => {
    const moment = condition[name];
    return moment === undefined || moment === null ? open : resolveMoment(moment, nowMicros, `${path}.${name}`);
  };
  return { low: side('on_or_after', -Infinity), high: side('before', Infinity) };
}

function valuesOf(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function termKey(value: unknown): string {
  return typeof value === 'string' ? `s:${value}` : `${typeof value}:${String(value)}`;
}
