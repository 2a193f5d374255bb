import type { ContactFacts } from './contact-facts.js';
import { canonicalTimestamp } from './dotnet-timestamp.js';
import { PREFERRED_CHANNELS, TAGS } from './generator-vocabulary.js';

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

/** What a filter row offers a parameter: the id without generating anything, the rest on demand. */
export interface FilterRow {
  readonly id: number;
  facts(): ContactFacts;
}

/**
 * How a parameter reads its value, by kind. Text parameters read every value the contact has for
 * them (e.g. the first names of all its individuals); an empty list means "not known".
 */
export type ParameterReader =
  /** `isContactId`: the value is the contact id, so conditions on it narrow the index range directly. */
  | { kind: 'number'; integer: boolean; isContactId?: boolean; read: (row: FilterRow) => number | null }
  | { kind: 'text'; read: (row: FilterRow) => readonly string[] }
  | { kind: 'date'; read: (row: FilterRow) => string | null }
  | { kind: 'list'; read: (row: FilterRow) => readonly string[] }
  | { kind: 'boolean'; read: (row: FilterRow) => boolean };

export interface QueryParameter {
  parameter: string;
  type: ParameterType;
  operators: readonly OperatorName[];
  valueOptions: readonly string[];
  reader: ParameterReader;
}

const NUMBER_OPERATORS = ['Is', 'IsNot', 'LessThan', 'LessThanOrEqual', 'GreaterThan', 'GreaterThanOrEqual', 'Between'] as const;
/**
 * What real catalogues offer id parameters of type Int (a QueryOptions fixture of the same API family and
 * the vendor's workflow-tool node): no `In`, `NotIn` or `IsNot` (docs/sources/virtuous.md, "Evidence: QueryOptions").
 */
export const ID_OPERATORS = ['Is', 'LessThan', 'LessThanOrEqual', 'GreaterThan', 'GreaterThanOrEqual', 'Between'] as const;
const TEXT_OPERATORS = ['Is', 'IsNot', 'Contains', 'StartsWith', 'EndsWith', 'IsKnown', 'IsNotKnown'] as const;
const DATE_OPERATORS = ['Before', 'After', 'OnOrBefore', 'OnOrAfter', 'Between', 'IsKnown', 'IsNotKnown'] as const;
const LOOKUP_OPERATORS = ['Is', 'IsNot', 'IsAnyOf', 'IsNoneOf'] as const;

const known = (value: string | null | undefined): readonly string[] => (value ? [value] : []);

/** The filter parameters of the simulated organization, including two custom fields. */
export const QUERY_PARAMETERS: readonly QueryParameter[] = [
  {
    parameter: 'Contact Id',
    type: 'Int',
    operators: ID_OPERATORS,
    valueOptions: [],
    reader: { kind: 'number', integer: true, isContactId: true, read: (row) => row.id },
  },
  {
    parameter: 'Contact Type',
    type: 'Lookup',
    operators: LOOKUP_OPERATORS,
    valueOptions: ['Household', 'Organization', 'Foundation'],
    reader: { kind: 'text', read: (row) => [row.facts().contactType] },
  },
  {
    parameter: 'Create Date',
    type: 'Date',
    operators: DATE_OPERATORS,
    valueOptions: [],
    reader: { kind: 'date', read: (row) => canonicalTimestamp(row.facts().created) },
  },
  {
    parameter: 'Last Modified Date',
    type: 'Date',
    operators: DATE_OPERATORS,
    valueOptions: [],
    reader: { kind: 'date', read: (row) => canonicalTimestamp(row.facts().modified) },
  },
  {
    parameter: 'Tag',
    type: 'List',
    operators: ['IsAnyOf', 'IsNoneOf'],
    valueOptions: TAGS,
    reader: { kind: 'list', read: (row) => row.facts().tags },
  },
  {
    parameter: 'First Name',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => row.facts().individuals.map((person) => person.firstName) },
  },
  {
    parameter: 'Last Name',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => row.facts().individuals.map((person) => person.lastName) },
  },
  {
    parameter: 'Email Address',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => row.facts().individuals.flatMap((person) => known(person.email?.value)) },
  },
  {
    parameter: 'Phone Number',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => row.facts().individuals.flatMap((person) => known(person.phone?.value)) },
  },
  {
    parameter: 'City',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => known(row.facts().location?.city) },
  },
  {
    parameter: 'State',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => known(row.facts().location?.state) },
  },
  {
    parameter: 'Is Private',
    type: 'Boolean',
    operators: ['IsTrue', 'IsFalse'],
    valueOptions: [],
    reader: { kind: 'boolean', read: (row) => row.facts().isPrivate },
  },
  {
    parameter: 'Preferred Channel',
    type: 'Lookup',
    operators: [...LOOKUP_OPERATORS, 'IsKnown', 'IsNotKnown'],
    valueOptions: PREFERRED_CHANNELS,
    reader: { kind: 'text', read: (row) => known(row.facts().preferredChannel) },
  },
  {
    parameter: 'Volunteer Hours',
    type: 'Decimal',
    operators: [...NUMBER_OPERATORS, 'IsKnown', 'IsNotKnown'],
    valueOptions: [],
    reader: { kind: 'number', integer: false, read: (row) => row.facts().volunteerHours },
  },
];

/** Operators an organization does not offer, by parameter: catalogues vary by organization. */
export type WithheldOperators = Readonly<Record<string, readonly OperatorName[]>>;

/** One organization's filter parameters: the simulated ones, less any withheld operators. */
export class QueryCatalog {
  readonly parameters: readonly QueryParameter[];
  private readonly byName: ReadonlyMap<string, QueryParameter>;

  constructor(withheld: WithheldOperators = {}) {
    for (const name of Object.keys(withheld)) {
      if (!QUERY_PARAMETERS.some((parameter) => parameter.parameter === name)) throw new RangeError(`withheldOperators names no parameter "${name}"`);
    }
    this.parameters = QUERY_PARAMETERS.map((parameter) => {
      const gone = withheld[parameter.parameter] ?? [];
      return gone.length === 0 ? parameter : { ...parameter, operators: parameter.operators.filter((operator) => !gone.includes(operator)) };
    });
    this.byName = new Map(this.parameters.map((parameter) => [parameter.parameter, parameter]));
  }

  /** Exact (case-sensitive) lookup, as the real API rejects a parameter with the wrong casing. */
  find(name: string): QueryParameter | undefined {
    return this.byName.get(name);
  }

  /** Body of `GET /api/Contact/QueryOptions`. */
  response(): QueryOptionsResponse {
    return {
      options: this.parameters.map((parameter) => ({
        parameter: parameter.parameter,
        type: parameter.type,
        operatorOptions: parameter.operators.map(operatorOption),
        valueOptions: [...parameter.valueOptions],
      })),
      operatorOptions: OPERATOR_NAMES.map(operatorOption),
    };
  }
}

export interface QueryOptionsResponse {
  options: {
    parameter: string;
    type: ParameterType;
    operatorOptions: OperatorOption[];
    valueOptions: string[];
  }[];
  operatorOptions: OperatorOption[];
}

/** Body of `GET /api/Contact/QueryOptions` of an organization offering every simulated operator. */
export function queryOptionsResponse(): QueryOptionsResponse {
  return new QueryCatalog().response();
}
