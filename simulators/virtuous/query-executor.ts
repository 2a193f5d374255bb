import type { CompiledGroup, RecordIdIndex } from './filter-evaluator.js';
import type { FilterRow } from './query-parameter.js';
import type { RecordQuery } from './query-request.js';
import type { SortOrder } from './sort-order.js';

/** Indices of the requested page, in response order, and the number of all matches. */
export interface QueryPage {
  indices: number[];
  total: number;
}

/**
 * What a query reads: records by index, their ids increasing with it, some of them hidden from queries
 * (archived contacts, which `includeArchived` brings back; deleted gifts, which nothing brings back).
 */
export interface QueryableStore<Facts> extends RecordIdIndex {
  idAt(index: number): number;
  isHidden(index: number): boolean;
  /** Records not hidden whose index is < `end`. */
  liveBefore(end: number): number;
  /** Index of the record not hidden of that 0-based rank; -1 if there are not that many. */
  selectLive(rank: number): number;
  facts(index: number): Facts;
}

/**
 * Runs a query. Id-ordered queries whose only conditions are id ranges (the exporter's keyset pages,
 * "max id" lookups, full scans) cost O(take + log n) via the hidden-record index; anything else scans the
 * candidate index range, generating records lazily.
 */
export function executeQuery<Facts>(store: QueryableStore<Facts>, query: RecordQuery<Facts>): QueryPage {
  const groups = query.groups.length > 0 ? query.groups : [{ start: 0, end: store.count, predicates: [] }];
  const single = groups.length === 1 ? groups[0]! : undefined;
  if (query.sortBy === 'id' && single && single.predicates.length === 0) return rangePage(store, query, single.start, single.end);
  if (query.sortBy === 'id') return idOrderedScan(store, query, groups);
  return sortedScan(store, query, query.sortBy, groups);
}

function rangePage<Facts>(store: QueryableStore<Facts>, query: RecordQuery<Facts>, start: number, end: number): QueryPage {
  const { skip, take, descending, includeHidden } = query;
  const indices: number[] = [];
  if (end <= start) return { indices, total: 0 };

  if (includeHidden) {
    const total = end - start;
    const count = Math.max(0, Math.min(take, total - skip));
    for (let k = 0; k < count; k++) indices.push(descending ? end - 1 - skip - k : start + skip + k);
    return { indices, total };
  }

  const liveBeforeStart = store.liveBefore(start);
  const liveBeforeEnd = store.liveBefore(end);
  const total = liveBeforeEnd - liveBeforeStart;
  if (skip >= total || take === 0) return { indices, total };
  const step = descending ? -1 : 1;
  let index = store.selectLive(descending ? liveBeforeEnd - 1 - skip : liveBeforeStart + skip);
  while (indices.length < take && index >= start && index < end) {
    if (!store.isHidden(index)) indices.push(index);
    index += step;
  }
  return { indices, total };
}

function idOrderedScan<Facts>(store: QueryableStore<Facts>, query: RecordQuery<Facts>, groups: CompiledGroup<Facts>[]): QueryPage {
  const { start, end } = hull(groups);
  const row = new LazyRow(store);
  const indices: number[] = [];
  let total = 0;
  const visit = (index: number): void => {
    if (!matches(store, query, groups, row, index)) return;
    if (total >= query.skip && indices.length < query.take) indices.push(index);
    total++;
  };
  if (query.descending) for (let index = end - 1; index >= start; index--) visit(index);
  else for (let index = start; index < end; index++) visit(index);
  return { indices, total };
}

function sortedScan<Facts>(
  store: QueryableStore<Facts>,
  query: RecordQuery<Facts>,
  sortKey: Exclude<SortOrder<Facts>, 'id'>,
  groups: CompiledGroup<Facts>[],
): QueryPage {
  const { start, end } = hull(groups);
  const row = new LazyRow(store);
  const matched: { index: number; key: string | number }[] = [];
  for (let index = start; index < end; index++) {
    if (matches(store, query, groups, row, index)) matched.push({ index, key: sortKey(row.facts()) });
  }
  const direction = query.descending ? -1 : 1;
  // Ties are broken by id (index order) so that paging through equal keys is stable.
  matched.sort((a, b) => direction * (a.key < b.key ? -1 : a.key > b.key ? 1 : a.index - b.index));
  return {
    indices: matched.slice(query.skip, query.skip + query.take).map((entry) => entry.index),
    total: matched.length,
  };
}

function matches<Facts>(
  store: QueryableStore<Facts>,
  query: RecordQuery<Facts>,
  groups: CompiledGroup<Facts>[],
  row: LazyRow<Facts>,
  index: number,
): boolean {
  if (!query.includeHidden && store.isHidden(index)) return false;
  row.moveTo(index);
  return groups.some((group) => index >= group.start && index < group.end && group.predicates.every((predicate) => predicate(row)));
}

function hull<Facts>(groups: CompiledGroup<Facts>[]): { start: number; end: number } {
  let start = Infinity;
  let end = -Infinity;
  for (const group of groups) {
    if (group.end <= group.start) continue;
    start = Math.min(start, group.start);
    end = Math.max(end, group.end);
  }
  return start < end ? { start, end } : { start: 0, end: 0 };
}

/** A reusable row whose facts are generated at most once per index, and only if a predicate or the sort needs them. */
class LazyRow<Facts> implements FilterRow<Facts> {
  private index = -1;
  private cached: Facts | undefined;
  id = 0;

  constructor(private readonly store: QueryableStore<Facts>) {}

  moveTo(index: number): void {
    if (index === this.index) return;
    this.index = index;
    this.id = this.store.idAt(index);
    this.cached = undefined;
  }

  facts(): Facts {
    this.cached ??= this.store.facts(this.index);
    return this.cached;
  }
}
