import { InvalidInputError } from '../../errors/index.js';
import { closeMatches, suggestionText } from '../suggestions.js';
import type { VirtuousParameterOption, VirtuousQueryOptions } from './query-options.js';
import type { VirtuousCondition, VirtuousConditionGroup } from './virtuous-query.js';

/**
 * Targeted Virtuous exports: `--where "PARAMETER OPERATOR VALUE"` conditions, checked against the
 * organization's `GET /api/Contact/QueryOptions` before anything is enqueued.
 *
 * Syntax:
 * - `PARAMETER OPERATOR VALUE`, e.g. `Contact Type Is Household`, `Create Date OnOrAfter 2024-01-01`.
 *   The parameter is the organization's display name (spaces allowed; case is corrected to the
 *   catalogue's spelling); quote it (`"Is Member" IsTrue`) when it contains an operator name.
 * - Multi-value operators (`IsAnyOf`, `IsNoneOf`, `In`, `NotIn`) take a comma-separated list; quote
 *   items that contain commas: `Tag IsAnyOf "Major Donor","Board"`. `Tag IsAnyOf Major Donor` is the
 *   one value `Major Donor`.
 * - `Between` takes two values: `Create Date Between 2024-01-01, 2024-06-30` (or `... and ...`).
 * - Operators without a value (`IsKnown`, `IsTrue`, `IsSet`, ...) take none.
 * - `--where` is repeatable; its conditions are ANDed. `--where-group "C1; C2"` (repeatable) is one
 *   OR alternative whose conditions (separated by `;`) are ANDed; the `--where` conditions are ANDed
 *   into every group: `--where A --where-group "B; C" --where-group D` = (A and B and C) or (A and D).
 */

/** The 25 operator names of the Virtuous query language. */
export const VIRTUOUS_OPERATORS = [
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

/** Operators whose condition carries a `values` list. */
export const MULTI_VALUE_OPERATORS: readonly string[] = ['IsAnyOf', 'IsNoneOf', 'In', 'NotIn'];
/** Operators without a value. */
export const VALUELESS_OPERATORS: readonly string[] = ['IsKnown', 'IsNotKnown', 'IsTrue', 'IsFalse', 'IsSet', 'IsNotSet'];

/** A condition as written, before it is checked against QueryOptions. */
export interface ParsedWhere {
  /** The clause as the user wrote it (for messages). */
  text: string;
  parameter: string;
  operator: string;
  /** The value part, unparsed (lists and pairs are split once the operator is known). */
  rest: string;
}

/**
 * Splits `PARAMETER OPERATOR VALUE`. The parameter is a quoted name, else the longest of
 * `knownParameters` the clause starts with (case-insensitive), else the words before the first word
 * that is an operator name. Throws when no operator can be found.
 */
export function parseWhere(text: string, knownParameters: readonly string[] = []): ParsedWhere {
  const clause = text.trim();
  if (clause === '') throw new InvalidInputError('--where is empty: write PARAMETER OPERATOR VALUE, e.g. --where "Tag IsAnyOf Major Donor".');
  let parameter: string | undefined;
  let remainder = '';
  if (clause.startsWith('"')) {
    const end = clause.indexOf('"', 1);
    if (end < 0) throw new InvalidInputError(`--where "${clause}": the quoted parameter name has no closing quote.`);
    parameter = clause.slice(1, end);
    remainder = clause.slice(end + 1).trim();
  } else {
    const lower = clause.toLowerCase();
    const known = [...knownParameters]
      .sort((a, b) => b.length - a.length)
      .find((name) => lower.startsWith(name.toLowerCase()) && /^\s/.test(clause.slice(name.length)));
    if (known) {
      parameter = clause.slice(0, known.length);
      remainder = clause.slice(known.length).trim();
    } else {
      const words = clause.split(/\s+/);
      const at = words.findIndex((word, k) => k > 0 && isOperatorName(word));
      if (at < 0) {
        throw new InvalidInputError(
          `--where "${clause}" has no operator: write PARAMETER OPERATOR VALUE with OPERATOR one of ${VIRTUOUS_OPERATORS.join(', ')} ` +
            '(see the parameters and their operators with: bulk-export options --source virtuous).',
        );
      }
      parameter = words.slice(0, at).join(' ');
      remainder = words.slice(at).join(' ');
    }
  }
  const match = /^(\S+)\s*([\s\S]*)$/.exec(remainder);
  if (!parameter || !match) {
    throw new InvalidInputError(
      `--where "${clause}" needs a parameter and an operator: write PARAMETER OPERATOR VALUE, e.g. "Tag IsAnyOf Major Donor".`,
    );
  }
  return { text: clause, parameter, operator: match[1]!, rest: match[2]!.trim() };
}

/** Splits a `--where-group` into its `;`-separated clauses (quotes respected). */
export function splitGroup(text: string): string[] {
  const clauses = splitOutsideQuotes(text, ';')
    .map((clause) => clause.trim())
    .filter((clause) => clause !== '');
  if (clauses.length === 0)
    throw new InvalidInputError('--where-group is empty: give conditions separated by ";", e.g. --where-group "State Is CA; Tag IsAnyOf Board".');
  return clauses;
}

/**
 * The value list of a multi-value operator: comma-separated, items optionally in double quotes
 * (`\"` inside quotes is a quote).
 */
export function parseValueList(text: string): string[] {
  return splitOutsideQuotes(text, ',')
    .map(unquote)
    .filter((value) => value !== '');
}

function isOperatorName(word: string): boolean {
  return VIRTUOUS_OPERATORS.some((operator) => operator.toLowerCase() === word.toLowerCase());
}

function splitOutsideQuotes(text: string, separator: string): string[] {
  const pieces: string[] = [];
  let current = '';
  let quoted = false;
  for (let k = 0; k < text.length; k++) {
    const char = text[k]!;
    if (char === '\\' && quoted && text[k + 1] === '"') {
      current += '\\"';
      k += 1;
    } else if (char === '"') {
      quoted = !quoted;
      current += char;
    } else if (char === separator && !quoted) {
      pieces.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (quoted) throw new InvalidInputError(`Unbalanced double quotes in ${JSON.stringify(text)}.`);
  pieces.push(current);
  return pieces;
}

function unquote(raw: string): string {
  const value = raw.trim();
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) return value.slice(1, -1).replace(/\\"/g, '"');
  return value;
}

/** Checks one parsed clause against QueryOptions and turns it into a request condition. */
export function resolveWhere(parsed: ParsedWhere, queryOptions: VirtuousQueryOptions, warnings: string[] = []): VirtuousCondition {
  const options = queryOptions.options ?? [];
  const option = findParameter(parsed, options);
  const operators = (option.operatorOptions ?? []).map((o) => o.operator);
  const operator =
    operators.find((name) => name === parsed.operator) ?? operators.find((name) => name.toLowerCase() === parsed.operator.toLowerCase());
  if (!operator) {
    throw new InvalidInputError(
      `--where "${parsed.text}": "${parsed.operator}" is not an operator of "${option.parameter}" (${option.type}); ` +
        suggestionText(parsed.operator, operators, `operators of "${option.parameter}"`),
    );
  }
  const details = option.operatorOptions.find((o) => o.operator === operator)!;
  const multiple = details.multipleValuesAllowed ?? MULTI_VALUE_OPERATORS.includes(operator);
  const required = details.valueRequired ?? !VALUELESS_OPERATORS.includes(operator);
  const where = `--where "${parsed.text}"`;
  if (!required) {
    if (parsed.rest !== '') throw new InvalidInputError(`${where}: ${operator} takes no value; remove "${parsed.rest}".`);
    return { parameter: option.parameter, operator };
  }
  if (parsed.rest === '')
    throw new InvalidInputError(`${where}: ${operator} needs a value, e.g. "${option.parameter} ${operator} ${exampleValue(option, multiple)}".`);
  let condition: VirtuousCondition;
  if (multiple) {
    const values = parseValueList(parsed.rest);
    if (values.length === 0) throw new InvalidInputError(`${where}: ${operator} needs at least one value.`);
    condition = { parameter: option.parameter, operator, values };
  } else if (operator === 'Between') {
    const pair = /,/.test(parsed.rest) ? parseValueList(parsed.rest) : parsed.rest.split(/\s+and\s+/i).map(unquote);
    if (pair.length !== 2 || pair.some((value) => value === '')) {
      throw new InvalidInputError(
        `${where}: Between needs two values, e.g. "${option.parameter} Between ${exampleValue(option, false)}, ${exampleValue(option, false)}".`,
      );
    }
    condition = { parameter: option.parameter, operator, value: pair[0]!, secondaryValue: pair[1]! };
  } else {
    condition = { parameter: option.parameter, operator, value: unquote(parsed.rest) };
  }
  checkValues(condition, option, where);
  warnAboutValueOptions(condition, option, where, warnings);
  return condition;
}

function findParameter(parsed: ParsedWhere, options: readonly VirtuousParameterOption[]): VirtuousParameterOption {
  const exact = options.find((option) => option.parameter === parsed.parameter);
  if (exact) return exact;
  const folded = options.filter((option) => option.parameter.toLowerCase() === parsed.parameter.toLowerCase());
  if (folded.length === 1) return folded[0]!;
  const names = options.map((option) => option.parameter);
  throw new InvalidInputError(
    `--where "${parsed.text}": unknown parameter "${parsed.parameter}" (not in this organization's GET /api/Contact/QueryOptions); ` +
      suggestionText(parsed.parameter, names, 'parameters'),
  );
}

/** Cheap checks of the types QueryOptions states; everything else (dates, relative dates) is left to the API. */
function checkValues(condition: VirtuousCondition, option: VirtuousParameterOption, where: string): void {
  const values = [condition.value, condition.secondaryValue, ...(condition.values ?? [])].filter((value): value is string => value !== undefined);
  if (option.type === 'Int' || option.type === 'Decimal') {
    const pattern = option.type === 'Int' ? /^[+-]?\d+$/ : /^[+-]?(\d+\.?\d*|\.\d+)$/;
    const bad = values.find((value) => !pattern.test(value.trim()));
    if (bad !== undefined)
      throw new InvalidInputError(`${where}: "${bad}" is not a${option.type === 'Int' ? 'n Int' : ' Decimal'} value for "${option.parameter}".`);
  }
}

function warnAboutValueOptions(condition: VirtuousCondition, option: VirtuousParameterOption, where: string, warnings: string[]): void {
  const offered = (option.valueOptions ?? []).filter((value): value is string => typeof value === 'string');
  if (offered.length === 0) return;
  const lower = new Set(offered.map((value) => value.toLowerCase()));
  for (const value of [condition.value, ...(condition.values ?? [])]) {
    if (value === undefined || lower.has(value.toLowerCase())) continue;
    const close = closeMatches(value, offered);
    warnings.push(
      `${where}: "${value}" is not among the values QueryOptions offers for "${option.parameter}"` +
        (close.length > 0
          ? ` (did you mean ${close
              .slice(0, 3)
              .map((v) => `"${v}"`)
              .join(' or ')}?)`
          : '') +
        '; it may match nothing.',
    );
  }
}

function exampleValue(option: VirtuousParameterOption, multiple: boolean): string {
  const offered = (option.valueOptions ?? []).filter((value): value is string => typeof value === 'string');
  if (offered.length > 0)
    return multiple
      ? offered
          .slice(0, 2)
          .map((value) => `"${value}"`)
          .join(',')
      : offered[0]!;
  switch (option.type) {
    case 'Date':
      return '2024-01-01';
    case 'Int':
    case 'Decimal':
      return '100';
    default:
      return multiple ? '"A","B"' : 'VALUE';
  }
}

/**
 * The condition groups of a targeted export: each `--where-group` is one OR alternative, with every
 * `--where` condition ANDed into it; only `--where`: one group. Empty = every contact.
 */
export function buildWhereGroups(
  where: readonly string[],
  whereGroups: readonly string[],
  queryOptions: VirtuousQueryOptions,
  warnings: string[] = [],
): VirtuousConditionGroup[] {
  const names = (queryOptions.options ?? []).map((option) => option.parameter);
  const resolve = (text: string) => resolveWhere(parseWhere(text, names), queryOptions, warnings);
  const common = where.map(resolve);
  if (whereGroups.length === 0) return common.length > 0 ? [{ conditions: common }] : [];
  return whereGroups.map((group) => ({ conditions: [...common, ...splitGroup(group).map(resolve)] }));
}
