/**
 * A filter parameter as a QueryOptions catalogue describes it, and the operators it may offer
 * (docs/sources/virtuous.md, "Evidence: QueryOptions"), for any record type that follows the Query pattern.
 */

export type ParameterType = 'Int' | 'String' | 'Date' | 'Decimal' | 'List' | 'Boolean' | 'Object' | 'Lookup';

export const OPERATOR_NAMES = [
  'Is',
  'IsNot',
  'IsKnown',
  'IsNotKnown',
  'LessThan',
  'LessThanOrEqual',
  'GreaterThan',
  'GreaterThanOrEqual',
  'Contains',
  'StartsWith',
  'EndsWith',
  'IsTrue',
  'IsFalse',
  'IsSet',
  'IsNotSet',
  'In',
  'NotIn',
  'Between',
  'Before',
  'After',
  'IsAnyOf',
  'IsNoneOf',
  'Matches',
  'OnOrBefore',
  'OnOrAfter',
] as const;
export type OperatorName = (typeof OPERATOR_NAMES)[number];

export interface OperatorOption {
  operator: OperatorName;
  multipleValuesAllowed: boolean;
  valueRequired: boolean;
}

const MULTIPLE_VALUE_OPERATORS: ReadonlySet<OperatorName> = new Set(['In', 'NotIn', 'IsAnyOf', 'IsNoneOf']);
const VALUELESS_OPERATORS: ReadonlySet<OperatorName> = new Set(['IsKnown', 'IsNotKnown', 'IsTrue', 'IsFalse', 'IsSet', 'IsNotSet']);

export function operatorOption(operator: OperatorName): OperatorOption {
  return {
    operator,
    multipleValuesAllowed: MULTIPLE_VALUE_OPERATORS.has(operator),
    valueRequired: !VALUELESS_OPERATORS.has(operator),
  };
}

export function isOperatorName(name: unknown): name is OperatorName {
  return typeof name === 'string' && (OPERATOR_NAMES as readonly string[]).includes(name);
}

/** What a filter row offers a parameter: the record's id without generating anything, the rest on demand. */
export interface FilterRow<Facts> {
  readonly id: number;
  facts(): Facts;
}

/**
 * How a parameter reads its value, by kind. Text parameters read every value the record has for
 * them (e.g. the first names of all a contact's individuals); an empty list means "not known".
 */
export type ParameterReader<Facts> =
  /** `isRecordId`: the value is the record's own id, so conditions on it narrow the index range directly. */
  | { kind: 'number'; integer: boolean; isRecordId?: boolean; read: (row: FilterRow<Facts>) => number | null }
  | { kind: 'text'; read: (row: FilterRow<Facts>) => readonly string[] }
  | { kind: 'date'; read: (row: FilterRow<Facts>) => string | null }
  | { kind: 'list'; read: (row: FilterRow<Facts>) => readonly string[] }
  | { kind: 'boolean'; read: (row: FilterRow<Facts>) => boolean };

export interface QueryParameter<Facts> {
  parameter: string;
  type: ParameterType;
  operators: readonly OperatorName[];
  valueOptions: readonly string[];
  reader: ParameterReader<Facts>;
}

export const NUMBER_OPERATORS = ['Is', 'IsNot', 'LessThan', 'LessThanOrEqual', 'GreaterThan', 'GreaterThanOrEqual', 'Between'] as const;
/**
 * What real catalogues offer id parameters of type Int (a QueryOptions fixture of the same API family and
 * the vendor's workflow-tool node): no `In`, `NotIn` or `IsNot` (docs/sources/virtuous.md, "Evidence: QueryOptions").
 */
export const ID_OPERATORS = ['Is', 'LessThan', 'LessThanOrEqual', 'GreaterThan', 'GreaterThanOrEqual', 'Between'] as const;
export const TEXT_OPERATORS = ['Is', 'IsNot', 'Contains', 'StartsWith', 'EndsWith', 'IsKnown', 'IsNotKnown'] as const;
export const DATE_OPERATORS = ['Before', 'After', 'OnOrBefore', 'OnOrAfter', 'Between', 'IsKnown', 'IsNotKnown'] as const;
export const LOOKUP_OPERATORS = ['Is', 'IsNot', 'IsAnyOf', 'IsNoneOf'] as const;
