export interface VirtuousSimulatorStats {
  requests: number;
  /** By HTTP status; 0 counts requests whose connection was dropped without a response. */
  byStatus: Record<number, number>;
  /** By route: 'query', 'fullContact', 'queryOptions', 'getContact', 'giftQuery', 'fullGift', 'giftQueryOptions', 'unknown'. */
  byRoute: Record<string, number>;
  /** Records returned: contacts and gifts (list items, plus one per successful GET of a contact by id). */
  rowsServed: number;
}

export function emptyStats(): VirtuousSimulatorStats {
  return { requests: 0, byStatus: {}, byRoute: {}, rowsServed: 0 };
}

export function countRequest(stats: VirtuousSimulatorStats, route: string): void {
  stats.requests++;
  stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
}

export function countStatus(stats: VirtuousSimulatorStats, status: number): void {
  stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
}

/** Clears counters in place, so references held by callers stay live. */
export function resetStats(stats: VirtuousSimulatorStats): void {
  stats.requests = 0;
  stats.byStatus = {};
  stats.byRoute = {};
  stats.rowsServed = 0;
}
