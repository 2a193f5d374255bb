import { accountOf } from '../accounts/account-name.js';
import type { Redis } from 'ioredis';
import { budgetKeyOf, budgetStateOf } from '../metrics/budget-state.js';
import { describeRange } from '../planning/export-range.js';
import { estimatedPageRequests } from '../planning/request-estimate.js';
import type { ExportPlan } from '../queue/operations/start-export.js';
import type { RateLimitSpec } from '../ratelimit/rate-limit-spec.js';
import { defaultRateLimit } from '../sources/export-budget.js';

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
    const key = budgetKeyOf(queuePrefix, spec);
    const [fields, [seconds, micros]] = await Promise.all([redis.hgetall(key), redis.time()]);
    const now = Number(seconds) * 1000 + Number(micros) / 1000;
    const state = budgetStateOf(key, spec.source.kind, accountOf(spec.source), rateLimit, fields, now);
    availableNow = Math.floor(state.tokens);
    const later = Math.max(0, pages - availableNow);
    budgetSeconds = later === 0 ? 0 : Math.ceil(state.waitMs / 1000 + (later * rateLimit.windowMs) / rateLimit.requests / 1000);
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

/** The estimate for people: one line a fact, then the ranges. */
export function formatPlanEstimate(estimate: PlanEstimate): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const lines = [
    'dry run: planned, nothing enqueued or written',
    `source       ${estimate.source} -> ${estimate.destination} (${estimate.format})`,
    `rows         about ${n(estimate.plannedRows)}${estimate.limit !== null ? ` (--limit ${n(estimate.limit)})` : ''} in ${n(estimate.ranges.length)} range(s)`,
    `requests     about ${n(estimate.requests.pages)} pages of up to ${n(estimate.pageSize)} records, after ${n(estimate.requests.planning)} for validation and planning`,
  ];
  const { rateLimit, availableNow } = estimate.budget;
  if (rateLimit && availableNow !== null && estimate.budgetSeconds !== null) {
    lines.push(
      `budget       ${n(rateLimit.requests)} requests per ${formatDuration(rateLimit.windowMs / 1000)}, ${n(availableNow)} available now`,
      `time         ${estimate.budgetSeconds === 0 ? 'the budget allows every page now: page latency and the fleet decide' : `at least ${formatDuration(estimate.budgetSeconds)} under the budget (then page latency and the fleet)`}`,
    );
  }
  for (const range of estimate.ranges) lines.push(`range ${String(range.index).padEnd(6)} ${range.bounds}  about ${n(range.estimatedRows)} rows`);
  return `${lines.join('\n')}\n`;
}

function formatDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds < 120) return `${Math.round(seconds)}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}min`;
  return `${(seconds / 3600).toFixed(1)}h`;
}
