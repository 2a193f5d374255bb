import { formatIsoMicros } from '../../planning/time-window-splitter.js';
import type { ModifiedDateFilter } from './query-options.js';
import type { VirtuousCondition, VirtuousConditionGroup, VirtuousQueryBody } from './virtuous-query.js';

export interface KeysetQueryArgs {
  idParameter: string;
  /** Exclusive lower bound (the keyset cursor); null = none. */
  afterId: number | null;
  /** Inclusive upper bound (end of the range); null = none. */
  upToId: number | null;
  includeArchived: boolean;
  sortBy: string;
  descending?: boolean;
  /** The user's `--where` groups (ORed); the keyset conditions are ANDed into each. Empty/absent = every contact. */
  groups?: readonly VirtuousConditionGroup[];
}

/**
 * `groups` with `conditions` ANDed into every one of them: (G1 AND c) OR (G2 AND c). Without user
 * groups, one group of `conditions` (or none at all: every contact).
 */
export function withConditions(groups: readonly VirtuousConditionGroup[] | undefined, conditions: readonly VirtuousCondition[]): VirtuousConditionGroup[] {
  if (!groups || groups.length === 0) return conditions.length > 0 ? [{ conditions: [...conditions] }] : [];
  return groups.map((group) => ({ conditions: [...group.conditions, ...conditions] }));
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
    groups: withConditions(args.groups, conditions),
    sortBy: args.sortBy,
    descending: args.descending ?? false,
    includeArchived: args.includeArchived,
  };
}

export interface ModifiedQueryArgs {
  filter: ModifiedDateFilter;
  idParameter: string;
  /** Inclusive lower bound (microseconds); null = none. */
  fromMicros: number | null;
  /** Exclusive upper bound (microseconds); null = none. */
  beforeMicros: number | null;
  /** Contacts to leave out by id: the ones already read at `fromMicros`. */
  excludeIds?: readonly string[];
  sortBy: string;
  descending?: boolean;
  groups?: readonly VirtuousConditionGroup[];
}

/**
 * A query over one modification-time slice [from, before), sorted by modification date, that never
 * needs `skip`: the walk restarts at the last timestamp read and leaves out (`NotIn`) the ids already
 * read there. Always `includeArchived: true`, so an archive (which bumps the modification date) is seen.
 */
export function modifiedQuery(args: ModifiedQueryArgs): VirtuousQueryBody {
  const { filter } = args;
  const conditions: VirtuousCondition[] = [];
  if (args.fromMicros !== null) {
    conditions.push(
      filter.lower === 'OnOrAfter'
        ? { parameter: filter.parameter, operator: 'OnOrAfter', value: virtuousInstant(args.fromMicros) }
        : { parameter: filter.parameter, operator: 'After', value: virtuousInstantLessOneTick(args.fromMicros) },
    );
  }
  if (args.beforeMicros !== null) {
    conditions.push(
      filter.upper === 'Before'
        ? { parameter: filter.parameter, operator: 'Before', value: virtuousInstant(args.beforeMicros) }
        : { parameter: filter.parameter, operator: 'OnOrBefore', value: virtuousInstantLessOneTick(args.beforeMicros) },
    );
  }
  if (args.excludeIds && args.excludeIds.length > 0) {
    conditions.push({ parameter: args.idParameter, operator: 'NotIn', values: [...args.excludeIds] });
  }
  return {
    groups: withConditions(args.groups, conditions),
    sortBy: args.sortBy,
    descending: args.descending ?? false,
    includeArchived: true,
  };
}

/**
 * An instant as Virtuous writes its own timestamps: UTC without a zone suffix, here with six
 * fractional digits (`2024-11-30T14:20:56.353333`).
 */
export function virtuousInstant(micros: number): string {
  return formatIsoMicros(micros).slice(0, 26);
}

/** 100 ns (one .NET tick, Virtuous' resolution) before `micros`: `After` this = `OnOrAfter micros`. */
export function virtuousInstantLessOneTick(micros: number): string {
  return `${virtuousInstant(micros - 1)}9`;
}
