import type { RateLimitType } from './rate-limiter.js';

export interface CloseSimulatorStats {
  requests: number;
  /** By HTTP status; 0 counts requests whose connection was dropped without a response. */
  byStatus: Record<number, number>;
  /** Contacts returned in `data`. */
  rowsServed: number;
  /** Requests refused because their cursor was older than `cursorTtlMs`. */
  cursorsExpired: number;
  /** Requests refused because their walk had served `maxObjectsPerWalk` (`walkCapShape: 'refuse'`). */
  walksRefusedAtCap: number;
  /** Requests of `GET /custom_field/contact/` answered. */
  customFieldListings: number;
  /** 429 answers, by the `rate_limit_type` they gave: a key's budget or the organization's ran out. */
  rateLimited: Record<RateLimitType, number>;
}

export function emptyStats(): CloseSimulatorStats {
  return {
    requests: 0,
    byStatus: {},
    rowsServed: 0,
    cursorsExpired: 0,
    walksRefusedAtCap: 0,
    customFieldListings: 0,
    rateLimited: { key: 0, organization: 0 },
  };
}

export function countStatus(stats: CloseSimulatorStats, status: number): void {
  stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1;
}

/** Clears counters in place, so references held by callers stay live. */
export function resetStats(stats: CloseSimulatorStats): void {
  stats.requests = 0;
  stats.byStatus = {};
  stats.rowsServed = 0;
  stats.cursorsExpired = 0;
  stats.walksRefusedAtCap = 0;
  stats.customFieldListings = 0;
  stats.rateLimited = { key: 0, organization: 0 };
}
