import { CONTACT_OPTIONS_PATH, CONTACT_QUERY_PARAMETERS } from './contact-query-schema.js';
import {
  OPERATOR_NAMES,
  operatorOption,
  type OperatorName,
  type OperatorOption,
  type ParameterType,
  type QueryParameter,
} from './query-parameter.js';

/**
 * Operators an organization does not offer, by parameter: catalogues vary by organization. A name that
 * several record types' catalogues share (`Last Modified Date`) is withheld from each of them.
 */
export type WithheldOperators = Readonly<Record<string, readonly OperatorName[]>>;

/** One record type's filter parameters in one organization: the simulated ones, less any withheld operators. */
export class QueryCatalog<Facts> {
  readonly parameters: readonly QueryParameter<Facts>[];
  private readonly byName: ReadonlyMap<string, QueryParameter<Facts>>;

  /**
   * @param optionsPath the route that serves this catalogue (`/api/Contact/QueryOptions`), named in the 400
   *   for an unknown parameter.
   * @param withheld entries naming a parameter of another record type are left to that type's catalogue
   *   (`requireWithheldParametersExist` refuses names no catalogue has).
   */
  constructor(
    parameters: readonly QueryParameter<Facts>[],
    readonly optionsPath: string,
    withheld: WithheldOperators = {},
  ) {
    this.parameters = parameters.map((parameter) => {
      const gone = withheld[parameter.parameter] ?? [];
      return gone.length === 0 ? parameter : { ...parameter, operators: parameter.operators.filter((operator) => !gone.includes(operator)) };
    });
    this.byName = new Map(this.parameters.map((parameter) => [parameter.parameter, parameter]));
  }

  /** Exact (case-sensitive) lookup, as the real API rejects a parameter with the wrong casing. */
  find(name: string): QueryParameter<Facts> | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** Body of the record type's `GET .../QueryOptions`. */
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

/** Refuses `withheldOperators` naming a parameter no catalogue has: a misspelt name would withhold nothing. */
export function requireWithheldParametersExist(withheld: WithheldOperators, catalogs: readonly { has(name: string): boolean }[]): void {
  for (const name of Object.keys(withheld)) {
    if (!catalogs.some((catalog) => catalog.has(name))) throw new RangeError(`withheldOperators names no parameter "${name}"`);
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
  return new QueryCatalog(CONTACT_QUERY_PARAMETERS, CONTACT_OPTIONS_PATH).response();
}
