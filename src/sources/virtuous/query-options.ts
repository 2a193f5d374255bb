import { InvalidInputError } from '../../errors/index.js';
import type { VirtuousRecords } from './virtuous-records.js';

/** Response of `GET /api/Contact/QueryOptions` (and of each record type's QueryOptions). */
export interface VirtuousQueryOptions {
  options: VirtuousParameterOption[];
  operatorOptions?: unknown[];
}

export interface VirtuousParameterOption {
  parameter: string;
  type: string;
  operatorOptions: { operator: string; multipleValuesAllowed?: boolean; valueRequired?: boolean }[];
  valueOptions?: unknown[];
}

/**
 * How a keyset page bounds ids, with operators the organization offers for its id parameter:
 * the lower bound is exclusive (`GreaterThan last`, or `GreaterThanOrEqual last + 1`, the same on
 * integers), the upper bound inclusive (`LessThanOrEqual end`, or `LessThan end + 1`).
 */
export interface IdKeyset {
  parameter: string;
  after: 'GreaterThan' | 'GreaterThanOrEqual';
  upTo: 'LessThanOrEqual' | 'LessThan';
}

/** What QueryOptions is searched with: the record type's id parameter, and its names in messages. */
type RecordsAsked = Pick<VirtuousRecords, 'idParameter' | 'noun' | 'resource'>;

/**
 * Picks the numeric id parameter of the record type and the keyset operators it offers: the preferred
 * name (`Contact Id`, documented; `Gift Id`, seen) when offered, otherwise another spelling (`Id`,
 * `ContactId`, ...). Real catalogues give id parameters `Is`, `LessThan`, `LessThanOrEqual`, `GreaterThan`,
 * `GreaterThanOrEqual` and `Between` (docs/sources/virtuous.md, "Evidence: QueryOptions"); only operators
 * the catalogue lists are ever sent.
 */
export function findIdKeyset(queryOptions: VirtuousQueryOptions, records: RecordsAsked): IdKeyset {
  const candidates = (queryOptions.options ?? []).filter((option) => records.idParameter.spellings.test(option.parameter.trim()));
  const usable = candidates.flatMap((option): IdKeyset[] => {
    const after = offers(option, 'GreaterThan') ? 'GreaterThan' : offers(option, 'GreaterThanOrEqual') ? 'GreaterThanOrEqual' : null;
    const upTo = offers(option, 'LessThanOrEqual') ? 'LessThanOrEqual' : offers(option, 'LessThan') ? 'LessThan' : null;
    return after && upTo ? [{ parameter: option.parameter, after, upTo }] : [];
  });
  const chosen = usable.find((keyset) => keyset.parameter === records.idParameter.preferred) ?? usable[0];
  if (chosen) return chosen;
  const seen =
    candidates.length > 0 ? candidates.map(describeOffer).join('; ') : `no id parameter at all (parameters: ${parameterNames(queryOptions)})`;
  throw new InvalidInputError(
    `A keyset export needs a ${records.noun}-id parameter with a lower bound (GreaterThan or GreaterThanOrEqual) and an upper bound ` +
      `(LessThanOrEqual or LessThan), and this organization's GET ${records.resource}/QueryOptions offers ${seen}. ` +
      `Ask Virtuous support to enable them for the API user, or check the parameter with: bulk-export options --source virtuous${optionsRecords(records)}.`,
  );
}

/** The documented default name of the modification-date parameter. */
export const DEFAULT_MODIFIED_PARAMETER = 'Last Modified Date';

/**
 * The coarse date filter of incremental and `--since` exports: a lower bound on the modification date
 * with an operator the organization offers. It is only a pre-filter: the exact cut is made on each
 * record's own `modifiedDateTimeUtc` (see `ChangeCut`), because whether the parameter honours, ignores
 * or refuses a time of day is unknown. Its value is always a calendar date (`YYYY-MM-DD`).
 */
export interface ModifiedPrefilter {
  parameter: string;
  operator: 'OnOrAfter' | 'GreaterThanOrEqual' | 'After' | 'GreaterThan';
}

const PREFILTER_OPERATORS = ['OnOrAfter', 'GreaterThanOrEqual', 'After', 'GreaterThan'] as const;

/** Whether the prefilter's operator leaves out the day it names (`After`, `GreaterThan`). */
export function isExclusive(prefilter: ModifiedPrefilter): boolean {
  return prefilter.operator === 'After' || prefilter.operator === 'GreaterThan';
}

/**
 * Picks the modification-date parameter: `Last Modified Date` when offered, otherwise another Date
 * parameter whose name speaks of modification (`Last Modified DateTime UTC`, `Date Modified`, ...), with
 * a lower-bound operator (`OnOrAfter` preferred, then `GreaterThanOrEqual`, `After`, `GreaterThan`).
 */
export function findModifiedPrefilter(queryOptions: VirtuousQueryOptions, records: RecordsAsked): ModifiedPrefilter {
  const candidates = (queryOptions.options ?? []).filter(
    (option) =>
      option.parameter === DEFAULT_MODIFIED_PARAMETER || (/modif/i.test(option.parameter) && /date/i.test(`${option.type} ${option.parameter}`)),
  );
  const usable = candidates.flatMap((option): ModifiedPrefilter[] => {
    const operator = PREFILTER_OPERATORS.find((name) => offers(option, name));
    return operator ? [{ parameter: option.parameter, operator }] : [];
  });
  const chosen = usable.find((prefilter) => prefilter.parameter === DEFAULT_MODIFIED_PARAMETER) ?? usable[0];
  if (chosen) return chosen;
  const seen =
    candidates.length > 0
      ? candidates.map(describeOffer).join('; ')
      : `no modification-date parameter at all (parameters: ${parameterNames(queryOptions)})`;
  throw new InvalidInputError(
    `--since and --incremental need a modification-date parameter with a lower bound (${PREFILTER_OPERATORS.join(', ')}), ` +
      `and this organization's GET ${records.resource}/QueryOptions offers ${seen}. Run a full export instead, or check: bulk-export options --source virtuous${optionsRecords(records)}.`,
  );
}

function offers(option: VirtuousParameterOption, operator: string): boolean {
  return option.operatorOptions?.some((offered) => offered.operator === operator) ?? false;
}

function describeOffer(option: VirtuousParameterOption): string {
  const operators = (option.operatorOptions ?? []).map((offered) => offered.operator);
  return `"${option.parameter}" with ${operators.length > 0 ? operators.join(', ') : 'no operators'}`;
}

function parameterNames(queryOptions: VirtuousQueryOptions): string {
  const names = (queryOptions.options ?? []).map((option) => `"${option.parameter}"`);
  return names.length > 12 ? `${names.slice(0, 12).join(', ')}, ...` : names.join(', ') || 'none';
}

/** ` --records gifts` for another record type than contacts, in the `options` command a message suggests. */
function optionsRecords(records: RecordsAsked): string {
  return records.resource === '/api/Contact' ? '' : ` --records ${records.noun}s`;
}
