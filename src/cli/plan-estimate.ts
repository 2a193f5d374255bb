import type { PlanEstimate } from '../queue/operations/plan-estimate.js';

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
