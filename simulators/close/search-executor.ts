import type { ContactStore } from './contact-store.js';
import { ContactRow } from './contact-row.js';
import type { CompiledQuery } from './query-compiler.js';
import { compareSorted, sortValues, type SortSpec, type SortValue } from './sort-spec.js';

/** The sort position after which a page starts (the last result of the previous page). */
export interface SearchAfter {
  index: number;
  values: readonly SortValue[];
}

export interface Page {
  indices: number[];
  /** Sort values of each returned contact (for the cursor). */
  values: SortValue[][];
  /** Whether more matches follow the page. */
  more: boolean;
  /** Number of all matches, when finding the page required counting them anyway. */
  total?: number;
}

/**
 * Finds up to `take` matches after `after` in sort order. Three strategies:
 * - sort on date_created alone (either direction): walk the (date_created, id) order from the binary
 *   searched cursor or date_created bound; only candidates are generated, so a keyset page costs
 *   O(log n + page) when the query is mostly the date_created window;
 * - no sort: the same in id order;
 * - any other sort: scan the date_created window, sort every match, slice after the cursor.
 */
export function findPage(store: ContactStore, query: CompiledQuery, sort: readonly SortSpec[], after: SearchAfter | undefined, take: number): Page {
  if (sort.length === 1 && sort[0]!.fieldName === 'date_created') return createdOrderPage(store, query, sort[0]!.direction, after, take);
  if (sort.length === 0) return idOrderPage(store, query, after, take);
  return sortedPage(store, query, sort, after, take);
}

/** Number of all matches. */
export function countMatches(store: ContactStore, query: CompiledQuery): number {
  const { low, high } = createdWindow(store, query);
  if (query.boundsOnly) return high - low;
  const row = new ContactRow(store);
  const order = store.createdOrder;
  let total = 0;
  for (let position = low; position < high; position++) if (query.matches(row.moveTo(order.indexAt(position)))) total++;
  return total;
}

function createdOrderPage(store: ContactStore, query: CompiledQuery, direction: 1 | -1, after: SearchAfter | undefined, take: number): Page {
  const order = store.createdOrder;
  const window = createdWindow(store, query);
  const row = new ContactRow(store);
  const page: Page = { indices: [], values: [], more: false };
  const afterCreated = typeof after?.values[0] === 'number' ? after.values[0] : undefined;
  const visit = (position: number): boolean => {
    const index = order.indexAt(position);
    if (!query.matches(row.moveTo(index))) return true;
    if (page.indices.length === take) {
      page.more = true;
      return false;
    }
    page.indices.push(index);
    page.values.push([order.createdAt(position)]);
    return true;
  };
  if (direction === 1) {
    let start = window.low;
    if (after && afterCreated !== undefined) start = Math.max(start, order.pairBound(afterCreated, store.orderKey(after.index), false));
    for (let position = start; position < window.high && visit(position); position++);
  } else {
    let end = window.high;
    if (after && afterCreated !== undefined) end = Math.min(end, order.pairBound(afterCreated, store.orderKey(after.index), true));
    for (let position = end - 1; position >= window.low && visit(position); position--);
  }
  return page;
}

function idOrderPage(store: ContactStore, query: CompiledQuery, after: SearchAfter | undefined, take: number): Page {
  const order = store.idOrder();
  let start = 0;
  if (after) {
    const key = store.orderKey(after.index);
    let high = order.length;
    while (start < high) {
      const middle = (start + high) >>> 1;
      if (store.orderKey(order[middle]!) <= key) start = middle + 1;
      else high = middle;
    }
  }
  const row = new ContactRow(store);
  const page: Page = { indices: [], values: [], more: false };
  for (let position = start; position < order.length; position++) {
    const index = order[position]!;
    if (!query.matches(row.moveTo(index))) continue;
    if (page.indices.length === take) {
      page.more = true;
      break;
    }
    page.indices.push(index);
    page.values.push([]);
  }
  return page;
}

function sortedPage(store: ContactStore, query: CompiledQuery, sort: readonly SortSpec[], after: SearchAfter | undefined, take: number): Page {
  const order = store.createdOrder;
  const { low, high } = createdWindow(store, query);
  const row = new ContactRow(store);
  const afterKey = after ? store.orderKey(after.index) : 0;
  const matches: { index: number; key: number; values: SortValue[] }[] = [];
  let total = 0;
  for (let position = low; position < high; position++) {
    const index = order.indexAt(position);
    if (!query.matches(row.moveTo(index))) continue;
    total++;
    const entry = { index, key: store.orderKey(index), values: sortValues(row, sort) };
    if (after && compareSorted(sort, entry.values, entry.key, after.values, afterKey) <= 0) continue;
    matches.push(entry);
  }
  matches.sort((a, b) => compareSorted(sort, a.values, a.key, b.values, b.key));
  const chosen = matches.slice(0, take);
  return { indices: chosen.map((entry) => entry.index), values: chosen.map((entry) => entry.values), more: matches.length > take, total };
}

/** Positions [low, high) of the date_created order that can hold matches. */
function createdWindow(store: ContactStore, query: CompiledQuery): { low: number; high: number } {
  const order = store.createdOrder;
  if (!(query.createdLow < query.createdHigh)) return { low: 0, high: 0 };
  const low = query.createdLow === -Infinity ? 0 : order.lowerBound(query.createdLow);
  const high = query.createdHigh === Infinity ? order.length : order.lowerBound(query.createdHigh);
  return { low, high: Math.max(low, high) };
}
