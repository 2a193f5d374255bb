import {
  dayOf,
  isAfter,
  isBefore,
  isOnOrAfter,
  isOnOrBefore,
  parseDateFilterValue,
  type DateFilterPrecision,
  type DateFilterValue,
} from './date-filter-value.js';
import type { QueryCatalog } from './query-options-catalog.js';
import { isOperatorName, operatorOption, type FilterRow, type OperatorName, type ParameterReader, type QueryParameter } from './query-parameter.js';
import { structuredError, type SimulatorRequestError } from './request-error.js';

export type RowPredicate<Facts> = (row: FilterRow<Facts>) => boolean;

/**
 * One filter group: records whose index lies in [start, end) (derived from conditions on the record's id
 * parameter, `Contact Id` or `Gift Id`) and that satisfy every predicate.
 */
export interface CompiledGroup<Facts> {
  start: number;
  end: number;
  predicates: RowPredicate<Facts>[];
}

/** Maps record ids to record indices (ids increase with the index). */
export interface RecordIdIndex {
  readonly count: number;
  /** Smallest index whose id is >= `id`, or `count`. */
  lowerBoundIndex(id: number): number;
}

/** What a condition is evaluated against: the simulator clock, the organization's date behaviour, the record type's catalogue. */
export interface FilterSettings<Facts> {
  nowMs: number;
  dateFilterPrecision: DateFilterPrecision;
  catalog: QueryCatalog<Facts>;
}

interface ConditionContext<Facts> extends FilterSettings<Facts> {
  target: string;
  parameter: QueryParameter<Facts>;
  operator: OperatorName;
  condition: Record<string, unknown>;
}

/** Validates the conditions of one group (ANDed) and compiles them; throws INVALID_FILTER errors. */
export function compileGroup<Facts>(
  conditions: readonly unknown[],
  groupIndex: number,
  ids: RecordIdIndex,
  settings: FilterSettings<Facts>,
): CompiledGroup<Facts> {
  const group: CompiledGroup<Facts> = { start: 0, end: ids.count, predicates: [] };
  conditions.forEach((condition, conditionIndex) => {
    const context = resolveCondition(condition, `groups[${groupIndex}].conditions[${conditionIndex}]`, settings);
    const { reader } = context.parameter;
    if (reader.kind === 'number' && reader.isRecordId && narrowIdRange(group, context, ids)) return;
    group.predicates.push(compilePredicate(context, reader));
  });
  return group;
}

function resolveCondition<Facts>(condition: unknown, target: string, settings: FilterSettings<Facts>): ConditionContext<Facts> {
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) {
    throw invalidFilter(`${target} must be an object with "parameter" and "operator".`, { target, message: 'Not an object' });
  }
  const record = condition as Record<string, unknown>;
  const parameterName = record['parameter'];
  const parameter = typeof parameterName === 'string' ? settings.catalog.find(parameterName) : undefined;
  if (!parameter) {
    const shown = String(parameterName);
    throw invalidFilter(`Unknown filter parameter '${shown}'. See GET ${settings.catalog.optionsPath} for the valid parameters.`, {
      target: `${target}.parameter`,
      parameter: shown,
      message: 'Unknown parameter',
    });
  }
  const operatorName = record['operator'];
  if (!isOperatorName(operatorName) || !parameter.operators.includes(operatorName)) {
    const shown = String(operatorName);
    throw invalidFilter(
      `Operator '${shown}' is not valid for parameter '${parameter.parameter}'. Valid operators: ${parameter.operators.join(', ')}.`,
      {
        target: `${target}.operator`,
        parameter: parameter.parameter,
        operator: shown,
        message: isOperatorName(operatorName) ? 'Operator not allowed for this parameter' : 'Unknown operator',
      },
    );
  }
  return { ...settings, target, parameter, operator: operatorName, condition: record };
}

/** Applies an id condition to the group's index range; false when it needs a predicate instead. */
function narrowIdRange<Facts>(group: CompiledGroup<Facts>, context: ConditionContext<Facts>, ids: RecordIdIndex): boolean {
  const narrow = (fromId: number | undefined, throughId: number | undefined): void => {
    if (fromId !== undefined) group.start = Math.max(group.start, ids.lowerBoundIndex(fromId));
    if (throughId !== undefined) group.end = Math.min(group.end, ids.lowerBoundIndex(throughId + 1));
  };
  const value = (): number => numberValue(context, 'value', true);
  switch (context.operator) {
    case 'Is': {
      const id = value();
      narrow(id, id);
      return true;
    }
    case 'GreaterThan':
      narrow(value() + 1, undefined);
      return true;
    case 'GreaterThanOrEqual':
      narrow(value(), undefined);
      return true;
    case 'LessThan':
      narrow(undefined, value() - 1);
      return true;
    case 'LessThanOrEqual':
      narrow(undefined, value());
      return true;
    case 'Between':
      narrow(value(), numberValue(context, 'secondaryValue', true));
      return true;
    case 'In': {
      // The range is only the hull of the listed ids; the predicate (added by the caller) does the rest.
      const listed = numberList(context, true);
      narrow(
        listed.reduce((a, b) => Math.min(a, b)),
        listed.reduce((a, b) => Math.max(a, b)),
      );
      return false;
    }
    default:
      return false;
  }
}

function compilePredicate<Facts>(context: ConditionContext<Facts>, reader: ParameterReader<Facts>): RowPredicate<Facts> {
  switch (reader.kind) {
    case 'number':
      return numberPredicate(context, reader.read, reader.integer);
    case 'text':
      return textPredicate(context, reader.read);
    case 'date':
      return datePredicate(context, reader.read);
    case 'list':
      return listPredicate(context, reader.read);
    case 'boolean':
      return booleanPredicate(context, reader.read);
  }
}

function numberPredicate<Facts>(
  context: ConditionContext<Facts>,
  read: (row: FilterRow<Facts>) => number | null,
  integer: boolean,
): RowPredicate<Facts> {
  const value = (): number => numberValue(context, 'value', integer);
  switch (context.operator) {
    case 'Is': {
      const v = value();
      return (row) => read(row) === v;
    }
    case 'IsNot': {
      const v = value();
      return (row) => read(row) !== v;
    }
    case 'LessThan': {
      const v = value();
      return (row) => compareKnown(read(row), (x) => x < v);
    }
    case 'LessThanOrEqual': {
      const v = value();
      return (row) => compareKnown(read(row), (x) => x <= v);
    }
    case 'GreaterThan': {
      const v = value();
      return (row) => compareKnown(read(row), (x) => x > v);
    }
    case 'GreaterThanOrEqual': {
      const v = value();
      return (row) => compareKnown(read(row), (x) => x >= v);
    }
    case 'Between': {
      const low = value();
      const high = numberValue(context, 'secondaryValue', integer);
      return (row) => compareKnown(read(row), (x) => x >= low && x <= high);
    }
    case 'In': {
      const set = new Set(numberList(context, integer));
      return (row) => set.has(read(row) ?? NaN);
    }
    case 'NotIn': {
      const set = new Set(numberList(context, integer));
      return (row) => !set.has(read(row) ?? NaN);
    }
    case 'IsKnown':
      return (row) => read(row) !== null;
    case 'IsNotKnown':
      return (row) => read(row) === null;
    default:
      throw unsupported(context);
  }
}

function textPredicate<Facts>(context: ConditionContext<Facts>, read: (row: FilterRow<Facts>) => readonly string[]): RowPredicate<Facts> {
  const anyValue =
    (test: (candidate: string) => boolean): RowPredicate<Facts> =>
    (row) =>
      read(row).some((candidate) => test(candidate.toLowerCase()));
  const value = (): string => requiredText(context, 'value').toLowerCase();
  switch (context.operator) {
    case 'Is': {
      const v = value();
      return anyValue((x) => x === v);
    }
    case 'IsNot': {
      const v = value();
      const is = anyValue((x) => x === v);
      return (row) => !is(row);
    }
    case 'Contains': {
      const v = value();
      return anyValue((x) => x.includes(v));
    }
    case 'StartsWith': {
      const v = value();
      return anyValue((x) => x.startsWith(v));
    }
    case 'EndsWith': {
      const v = value();
      return anyValue((x) => x.endsWith(v));
    }
    case 'IsAnyOf': {
      const set = lowerCaseSet(context);
      return anyValue((x) => set.has(x));
    }
    case 'IsNoneOf': {
      const set = lowerCaseSet(context);
      const any = anyValue((x) => set.has(x));
      return (row) => !any(row);
    }
    case 'IsKnown':
      return (row) => read(row).length > 0;
    case 'IsNotKnown':
      return (row) => read(row).length === 0;
    default:
      throw unsupported(context);
  }
}

function datePredicate<Facts>(context: ConditionContext<Facts>, read: (row: FilterRow<Facts>) => string | null): RowPredicate<Facts> {
  const value = (key: 'value' | 'secondaryValue' = 'value'): DateFilterValue => dateValue(context, key);
  const known =
    (test: (canonical: string) => boolean): RowPredicate<Facts> =>
    (row) => {
      const canonical = read(row);
      return canonical !== null && test(canonical);
    };
  switch (context.operator) {
    case 'Before': {
      const v = value();
      return known((x) => isBefore(x, v));
    }
    case 'After': {
      const v = value();
      return known((x) => isAfter(x, v));
    }
    case 'OnOrBefore': {
      const v = value();
      return known((x) => isOnOrBefore(x, v));
    }
    case 'OnOrAfter': {
      const v = value();
      return known((x) => isOnOrAfter(x, v));
    }
    case 'Between': {
      const low = value();
      const high = value('secondaryValue');
      return known((x) => isOnOrAfter(x, low) && isOnOrBefore(x, high));
    }
    case 'IsKnown':
      return (row) => read(row) !== null;
    case 'IsNotKnown':
      return (row) => read(row) === null;
    default:
      throw unsupported(context);
  }
}

function listPredicate<Facts>(context: ConditionContext<Facts>, read: (row: FilterRow<Facts>) => readonly string[]): RowPredicate<Facts> {
  const set = lowerCaseSet(context);
  const any: RowPredicate<Facts> = (row) => read(row).some((item) => set.has(item.toLowerCase()));
  switch (context.operator) {
    case 'IsAnyOf':
      return any;
    case 'IsNoneOf':
      return (row) => !any(row);
    default:
      throw unsupported(context);
  }
}

function booleanPredicate<Facts>(context: ConditionContext<Facts>, read: (row: FilterRow<Facts>) => boolean): RowPredicate<Facts> {
  switch (context.operator) {
    case 'IsTrue':
      return (row) => read(row);
    case 'IsFalse':
      return (row) => !read(row);
    default:
      throw unsupported(context);
  }
}

function compareKnown(value: number | null, test: (value: number) => boolean): boolean {
  return value !== null && test(value);
}

function optionalText<Facts>(context: ConditionContext<Facts>, key: 'value' | 'secondaryValue'): string | undefined {
  const raw = context.condition[key];
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  throw invalidValue(context, key, `'${key}' must be a string`);
}

function requiredText<Facts>(context: ConditionContext<Facts>, key: 'value' | 'secondaryValue'): string {
  const text = optionalText(context, key);
  if (text === undefined || text.trim() === '') {
    const what = key === 'secondaryValue' ? `'secondaryValue' (the upper bound)` : `a 'value'`;
    throw invalidValue(context, key, `Operator '${context.operator}' requires ${what}`);
  }
  return text;
}

/** `values`, or a lone `value` when `values` is absent. */
function textList<Facts>(context: ConditionContext<Facts>): string[] {
  const raw = context.condition['values'];
  if (Array.isArray(raw) && raw.length > 0) {
    return raw.map((item) => {
      if (typeof item === 'string' || typeof item === 'number') return String(item);
      throw invalidValue(context, 'values', `'values' must contain strings`);
    });
  }
  const single = optionalText(context, 'value');
  if (single !== undefined && single.trim() !== '') return [single];
  throw invalidValue(context, 'values', `Operator '${context.operator}' requires a non-empty 'values' array`);
}

function lowerCaseSet<Facts>(context: ConditionContext<Facts>): Set<string> {
  return new Set(textList(context).map((value) => value.toLowerCase()));
}

function numberValue<Facts>(context: ConditionContext<Facts>, key: 'value' | 'secondaryValue', integer: boolean): number {
  return parseNumber(context, requiredText(context, key), key, integer);
}

function numberList<Facts>(context: ConditionContext<Facts>, integer: boolean): number[] {
  return textList(context).map((text) => parseNumber(context, text, 'values', integer));
}

function parseNumber<Facts>(context: ConditionContext<Facts>, text: string, key: string, integer: boolean): number {
  const pattern = integer ? /^\s*[+-]?\d+\s*$/ : /^\s*[+-]?(\d+\.?\d*|\.\d+)\s*$/;
  if (!pattern.test(text)) {
    throw invalidValue(context, key, `'${text}' is not a valid ${context.parameter.type} value for '${context.parameter.parameter}'`);
  }
  return Number(text);
}

function dateValue<Facts>(context: ConditionContext<Facts>, key: 'value' | 'secondaryValue'): DateFilterValue {
  const text = requiredText(context, key);
  const parsed = parseDateFilterValue(text, context.nowMs);
  if (!parsed) {
    throw invalidValue(
      context,
      key,
      `'${text}' is not a valid date for '${context.parameter.parameter}' (use ISO 8601 or a relative date such as "30 Days Ago")`,
    );
  }
  if (parsed.kind === 'instant' && context.dateFilterPrecision === 'date-only') {
    throw invalidValue(
      context,
      key,
      `'${text}' is not a valid date for '${context.parameter.parameter}': give a date without a time of day (yyyy-MM-dd)`,
    );
  }
  return context.dateFilterPrecision === 'day' ? dayOf(parsed) : parsed;
}

function invalidValue<Facts>(context: ConditionContext<Facts>, key: string, message: string): SimulatorRequestError {
  return invalidFilter(`${message}.`, {
    target: `${context.target}.${key}`,
    parameter: context.parameter.parameter,
    operator: context.operator,
    message,
  });
}

function unsupported<Facts>(context: ConditionContext<Facts>): SimulatorRequestError {
  return invalidValue(
    context,
    'operator',
    `Operator '${context.operator}' (${JSON.stringify(operatorOption(context.operator))}) is not supported here`,
  );
}

function invalidFilter(message: string, detail: { target: string; message: string; parameter?: string; operator?: string }): SimulatorRequestError {
  return structuredError(400, 'INVALID_FILTER', message, [detail]);
}
