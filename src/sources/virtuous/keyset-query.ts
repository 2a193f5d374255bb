import { isExclusive, type IdKeyset, type ModifiedPrefilter } from './query-options.js';
import type { VirtuousCondition, VirtuousConditionGroup, VirtuousQueryBody } from './virtuous-query.js';

export interface KeysetQueryArgs {
  keyset: IdKeyset;
  /** Exclusive lower bound (the keyset cursor); null = none. */
  afterId: number | null;
  /** Inclusive upper bound (end of the range); null = none. */
  upToId: number | null;
  /** Sent only for records that can be archived (contacts); absent = not sent. */
  includeArchived?: boolean;
  sortBy: string;
  descending?: boolean;
  /** The user's `--where` groups (ORed); the keyset conditions are ANDed into each. Empty/absent = every record. */
  groups?: readonly VirtuousConditionGroup[];
  /** Further conditions ANDed into every group, e.g. the modification-date pre-filter of an incremental export. */
  extra?: readonly VirtuousCondition[];
}

/**
 * `groups` with `conditions` ANDed into every one of them: (G1 AND c) OR (G2 AND c). Without user
 * groups, one group of `conditions` (or none at all: every contact).
 */
export function withConditions(
  groups: readonly VirtuousConditionGroup[] | undefined,
  conditions: readonly VirtuousCondition[],
): VirtuousConditionGroup[] {
  if (!groups || groups.length === 0) return conditions.length > 0 ? [{ conditions: [...conditions] }] : [];
  return groups.map((group) => ({ conditions: [...group.conditions, ...conditions] }));
}

/** A query over one id slice, sorted by id, that never needs `skip`. */
export function keysetQuery(args: KeysetQueryArgs): VirtuousQueryBody {
  const { keyset } = args;
  const conditions: VirtuousCondition[] = [];
  if (args.afterId !== null) {
    const value = keyset.after === 'GreaterThan' ? args.afterId : args.afterId + 1;
    conditions.push({ parameter: keyset.parameter, operator: keyset.after, value: String(value) });
  }
  if (args.upToId !== null) {
    const value = keyset.upTo === 'LessThanOrEqual' ? args.upToId : args.upToId + 1;
    conditions.push({ parameter: keyset.parameter, operator: keyset.upTo, value: String(value) });
  }
  conditions.push(...(args.extra ?? []));
  return {
    groups: withConditions(args.groups, conditions),
    sortBy: args.sortBy,
    descending: args.descending ?? false,
    ...(args.includeArchived === undefined ? {} : { includeArchived: args.includeArchived }),
  };
}

const MS_PER_DAY = 86_400_000;

/**
 * The modification-date pre-filter for contacts modified at or after `sinceMicros`: a calendar date
 * (never a time of day, which an organization may ignore or refuse) one whole day before the UTC day of
 * `since`, so that a parameter compared in another time zone than UTC still lets every wanted contact
 * through; `After`/`GreaterThan` get one day less again. It lets through more than wanted, never less:
 * the exact cut is made on each record's `modifiedDateTimeUtc`.
 */
export function prefilterCondition(prefilter: ModifiedPrefilter, sinceMicros: number): VirtuousCondition {
  const sinceDay = Math.floor(sinceMicros / 1000 / MS_PER_DAY);
  const day = sinceDay - 1 - (isExclusive(prefilter) ? 1 : 0);
  return { parameter: prefilter.parameter, operator: prefilter.operator, value: new Date(day * MS_PER_DAY).toISOString().slice(0, 10) };
}

/**
 * The earliest modification instant a contact that honestly passes `prefilterCondition(…, sinceMicros)`
 * can have: the pre-filter lets through local calendar days from the day before the UTC day of `since`
 * on, and a local day starts at most one day before the same UTC day. Anything modified earlier came
 * back although the API was asked to leave it out.
 */
export function prefilterFloorMicros(sinceMicros: number): number {
  const sinceDay = Math.floor(sinceMicros / 1000 / MS_PER_DAY);
  return (sinceDay - 2) * MS_PER_DAY * 1000;
}
