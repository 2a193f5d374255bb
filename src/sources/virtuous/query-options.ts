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
