import type { VirtuousCondition, VirtuousQueryBody } from './virtuous-query.js';

export interface KeysetQueryArgs {
  idParameter: string;
  /** Exclusive lower bound (the keyset cursor); null = none. */
  afterId: number | null;
  /** Inclusive upper bound (end of the range); null = none. */
  upToId: number | null;
  includeArchived: boolean;
  sortBy: string;
  descending?: boolean;
}

/** A query over one id slice, sorted by id, that never needs `skip`. */
export function keysetQuery(args: KeysetQueryArgs): VirtuousQueryBody {
  const conditions: VirtuousCondition[] = [];
  if (args.afterId !== null) {
    conditions.push({ parameter: args.idParameter, operator: 'GreaterThan', value: String(args.afterId) });
  }
  if (args.upToId !== null) {
    conditions.push({ parameter: args.idParameter, operator: 'LessThanOrEqual', value: String(args.upToId) });
  }
  return {
    groups: conditions.length > 0 ? [{ conditions }] : [],
    sortBy: args.sortBy,
    descending: args.descending ?? false,
    includeArchived: args.includeArchived,
  };
}
