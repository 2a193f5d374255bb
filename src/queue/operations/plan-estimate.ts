import type { Redis } from 'ioredis';
import { budgetSecondsFor, readExportBudgetStates, requestsAvailableNow } from '../../metrics/budget-state.js';
import { describeRange } from '../../planning/export-range.js';
import { estimatedPageRequests } from '../../planning/request-estimate.js';
import type { ExportPlan } from './start-export.js';
import type { RateLimitSpec } from '../../ratelimit/rate-limit-spec.js';
import { defaultRateLimit } from '../../sources/export-budget.js';

/** What `start --dry-run` reports: the plan, and the requests and time it should take under the budget as it stands. */
export interface PlanEstimate {
  dryRun: true;
  source: string;
  table: string;
  /** Where the export would go; its id is made anew by the `start` that runs it. */
  destination: string;
  format: string;
  plannedRows: number;
  limit: number | null;
  pageSize: number;
  ranges: { index: number; bounds: string; estimatedRows: number }[];
  requests: {
    /** Sent by this dry run (validation and planning); a `start` sends as many again. */
    planning: number;
    /** The pages the ranges should take. */
    pages: number;
  };
  budget: {
    rateLimit: RateLimitSpec | null;
    /** Requests the shared budget allows at once now (after the server's window, a pause, other exports). */
    availableNow: number | null;
  };
  /**
   * The least time the pages need under the budget: zero while they fit in what it allows now, else the
   * rest at its rate. Page latency and the fleet's size add to it.
   */
  budgetSeconds: number | null;
}

export async function estimatePlan(plan: ExportPlan, redis: Redis, queuePrefix: string): Promise<PlanEstimate> {
  const { spec, ranges, pageSize } = plan;
  const rateLimit = spec.rateLimit ?? defaultRateLimit(spec.source.kind) ?? null;
  const pages = estimatedPageRequests(ranges, pageSize);
  let availableNow: number | null = null;
  let budgetSeconds: number | null = null;
  if (rateLimit) {
    // Every budget the pages take from (the account's; a key's too where the source limits keys): the binding one decides.
    const states = await readExportBudgetStates(redis, queuePrefix, spec, rateLimit);
    availableNow = requestsAvailableNow(states);
    budgetSeconds = Math.ceil(budgetSecondsFor(states, pages));
  }
  return {
    dryRun: true,
    source: spec.source.kind,
    table: spec.table,
    destination: `s3://${spec.destination.bucket}/${spec.folder.replace(/export_id=[^/]+$/, 'export_id=<new id>')}/`,
    format: spec.format + (spec.gzip ? '.gz' : ''),
    plannedRows: spec.plannedRows,
    limit: spec.limit ?? null,
    pageSize,
    ranges: ranges.map((range) => ({ index: range.index, bounds: describeRange(range), estimatedRows: range.estimatedRows })),
    requests: { planning: plan.planningRequests, pages },
    budget: { rateLimit, availableNow },
    budgetSeconds,
  };
}
