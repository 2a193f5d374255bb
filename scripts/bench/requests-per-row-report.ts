// The requests-per-row table: what an export spends of the budget per row it exports, against the minimum.
import { requestsTargetFor } from './api-bound-report.js';
import { count, fixed, percent, table, thousands, verdict, withinShare } from './report.js';
import type { RequestsPerRowRun } from './requests-per-row.js';

export function renderRequestsPerRow(runs: readonly RequestsPerRowRun[], pageSize: number): string[] {
  if (runs.length === 0) return [];
  const first = runs[0]!;
  const out: string[] = [];
  out.push(
    `### Requests per row: unthrottled simulator, ${first.format}, ${first.workers} workers x ${first.concurrency}, page size ${pageSize}, every request counted at the simulator`,
  );
  out.push('');
  out.push(
    table(
      [
        'contacts',
        'rows',
        'ranges',
        'pages (min)',
        'requests at the simulator',
        'sent by start',
        'QueryOptions',
        'take=1 probes',
        'data pages (over min)',
        '429s + other',
        'requests per row',
        'minimum per row',
        'excess',
        'target',
      ],
      runs.map((run) => {
        const excess = run.requests / run.pages - 1;
        const target = requestsTargetFor(run.contacts);
        return [
          count(run.contacts),
          run.ok ? thousands(run.rows) : `FAILED: ${(run.error ?? '').split('\n')[0]!.slice(0, 60)}`,
          run.ranges,
          thousands(run.pages),
          thousands(run.requests),
          run.plannerRequests,
          run.classes.queryOptions,
          run.classes.probes,
          `${thousands(run.classes.dataPages)} (+${run.classes.dataPages - run.pages})`,
          run.classes.tooMany + run.classes.other,
          fixed(run.requests / Math.max(1, run.rows), 5),
          fixed(run.pages / Math.max(1, run.rows), 5),
          `${excess >= 0 ? '+' : ''}${percent(excess, 1)}`,
          target === undefined ? '' : `≤+${percent(target)} ${run.ok ? verdict(withinShare(excess, target)) : ''}`,
        ];
      }),
    ),
  );
  out.push('');
  out.push(
    'Minimum: ceil(rows ÷ page size) requests, the full pages and one shorter last page. Requests are counted at the simulator and classed by path and take ' +
      "(the recording proxy): QueryOptions, take=1 probes (planning bounds and counts), data pages (take > 1: every range's pages, its short or empty last page included). " +
      '"Sent by start": validation and planning, counted in the bench process where `start` runs; the rest the workers sent.',
  );
  out.push('');
  return out;
}
