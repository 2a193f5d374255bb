import { InvalidInputError } from '../../errors/index.js';

/** Response of `GET /api/Contact/QueryOptions`. */
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

/** The documented default name of the id parameter; organizations may spell it otherwise. */
export const DEFAULT_ID_PARAMETER = 'Contact Id';

const KEYSET_OPERATORS = ['GreaterThan', 'LessThanOrEqual'] as const;

/**
 * Picks the numeric contact-id parameter that supports the keyset operators: the documented
 * `Contact Id` when offered, otherwise another spelling (`Id`, `ContactId`, ...).
 */
export function findIdParameter(queryOptions: VirtuousQueryOptions): string {
  const candidates = (queryOptions.options ?? []).filter((option) =>
    /^(contact\s*)?id$/i.test(option.parameter.trim()),
  );
  const usable = candidates.filter((option) =>
    KEYSET_OPERATORS.every((operator) => option.operatorOptions?.some((o) => o.operator === operator)),
  );
  const chosen = usable.find((option) => option.parameter === DEFAULT_ID_PARAMETER) ?? usable[0];
  if (chosen) return chosen.parameter;
  const seen = candidates.map((option) => `"${option.parameter}"`).join(', ') || 'none';
  throw new InvalidInputError(
    `The organization's QueryOptions offer no contact-id parameter with the operators ${KEYSET_OPERATORS.join(' and ')} ` +
      `(id-like parameters seen: ${seen}); a keyset export cannot be planned. Check GET /api/Contact/QueryOptions.`,
  );
}

/** The documented default name of the modification-date parameter. */
export const DEFAULT_MODIFIED_PARAMETER = 'Last Modified Date';

/**
 * How an incremental export bounds the modification date, from the operators the organization offers:
 * - lower bound `OnOrAfter` (preferred): the walk restarts at the last timestamp read, inclusively, and
 *   leaves out the ids already read there, so no contact sharing that timestamp is skipped. With only
 *   `After`, the exporter asks `After (t - 100 ns)`, which is the same on Virtuous' 100 ns timestamp grid.
 * - upper bound `Before` (preferred, exclusive, like the windows), or `OnOrBefore (t - 100 ns)`.
 */
export interface ModifiedDateFilter {
  parameter: string;
  lower: 'OnOrAfter' | 'After';
  upper: 'Before' | 'OnOrBefore';
}

/**
 * Picks the modification-date parameter from QueryOptions: `Last Modified Date` when offered, otherwise
 * another Date parameter whose name speaks of modification (`Modified Date`, `Date Modified`, ...), with
 * a lower-bound and an upper-bound operator (see `ModifiedDateFilter`).
 */
export function findModifiedParameter(queryOptions: VirtuousQueryOptions): ModifiedDateFilter {
  const offered = (option: VirtuousParameterOption, operator: string) => option.operatorOptions?.some((o) => o.operator === operator) ?? false;
  const candidates = (queryOptions.options ?? []).filter(
    (option) => option.parameter === DEFAULT_MODIFIED_PARAMETER || (/modif/i.test(option.parameter) && /date/i.test(`${option.type} ${option.parameter}`)),
  );
  const usable = candidates
    .map((option) => {
      const lower = offered(option, 'OnOrAfter') ? 'OnOrAfter' : offered(option, 'After') ? 'After' : null;
      const upper = offered(option, 'Before') ? 'Before' : offered(option, 'OnOrBefore') ? 'OnOrBefore' : null;
      return lower && upper ? { parameter: option.parameter, lower, upper } as ModifiedDateFilter : null;
    })
    .filter((filter): filter is ModifiedDateFilter => filter !== null);
  const chosen = usable.find((filter) => filter.parameter === DEFAULT_MODIFIED_PARAMETER) ?? usable[0];
  if (chosen) return chosen;
  const seen = candidates.map((option) => `"${option.parameter}"`).join(', ') || 'none';
  throw new InvalidInputError(
    `The organization's QueryOptions offer no modification-date parameter with a lower bound (OnOrAfter or After) and an upper bound ` +
      `(Before or OnOrBefore) (modification parameters seen: ${seen}); --since and --incremental cannot be used. Check GET /api/Contact/QueryOptions.`,
  );
}
