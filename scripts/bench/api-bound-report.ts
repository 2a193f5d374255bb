// The API-bound tables: each export's wall time next to the physical minimum, and its requests per row
// next to the fewest that carry the rows, with the naive loop beside them.
import { apiBoundBudget, BUSIEST_PAGES_PER_SECOND, minimumSchedule, VIRTUOUS_REAL } from './api-bound-budget.js';
import type { ApiBoundResult, ApiBoundRun } from './api-bound.js';
import { count, fixed, percent, table, thousands, verdict, withinShare } from './report.js';
import { TARGETS } from './targets.js';

const signed = (share: number, digits = 1) => `${share >= 0 ? '+' : ''}${percent(share, digits)}`;

/** The requests target for an export of `contacts`, when the issue sets one for that size. */
export function requestsTargetFor(contacts: number): number | undefined {
  return TARGETS.requestsPerRowExcess.find((target) => target.contacts === contacts)?.excess;
}

export function renderApiBound(result: ApiBoundResult): string[] {
  const { shape, format, alignment } = result.options;
  const { contacts, pageSize } = shape;
  // The budget of a client with few requests in flight: time shrunk the most.
  const budget = apiBoundBudget(shape, 1);
  const out: string[] = [];
  const perSecond = (budget.limit * 1000) / budget.windowMs;
  const realPerSecond = (VIRTUOUS_REAL.requests * 1000) / VIRTUOUS_REAL.windowMs;
  out.push(
    `### API-bound, ${alignment} windows: ${count(contacts)} contacts (abbreviated pages, ${format}), budget ${budget.limit} requests per window of ${fixed(budget.windowMs / 1000, 0)} s or more, data pages ${budget.pageLatencyMs} ms or more`,
  );
  out.push('');
  out.push(
    `Virtuous's ${thousands(VIRTUOUS_REAL.requests)} requests per hour with ${fixed(VIRTUOUS_REAL.pageLatencyMs / 1000, 0)} s FullContact pages, with time running ${fixed(budget.timeScale, 1)}x faster: ` +
      `${fixed(perSecond, 1)} requests/s (Virtuous ${fixed(realPerSecond, 2)}/s) and ${budget.pageLatencyMs} ms pages, so that rate × latency = ${fixed(budget.saturatingInFlight, 2)} requests in flight saturate the budget, as against the API. ` +
      `A window holds ${budget.limit} requests (Virtuous ${thousands(VIRTUOUS_REAL.requests)}); the ${thousands(budget.pages)} pages fill ${Math.ceil(budget.pages / budget.limit)} windows and leave room in the last for ${budget.limit * Math.ceil(budget.pages / budget.limit) - budget.pages} more requests. ` +
      `Planning's take=1 probes and QueryOptions are answered without latency but count against the budget. ` +
      `Time is shrunk at most ${fixed(budget.timeScale, 1)}x, as a worker's own time per page (parsing, Redis, encoding: 10–20 ms) does not shrink with it; ` +
      `a fleet whose requests in flight would ask for more than ${BUSIEST_PAGES_PER_SECOND} pages per second (in flight ÷ latency) runs with time shrunk less (longer windows and pages, same requests per window, same rate × latency), ` +
      `as the simulator shares the machine's cores with the workers (about 40–65 ms of CPU per page), which the real API's latency leaves idle. "Cores busy" is both cores from the start to the commit, on average and in the busiest second.`,
  );
  out.push('');
  const budgetOnly = minimumSchedule(budget.pages, Infinity, budget, 0, 'clock').wallMs / 1000;
  out.push(
    `Minimum: when the last of the ${thousands(budget.pages)} pages (ceil(rows ÷ ${pageSize})) can be answered at the earliest by a perfect client with as many requests in flight as the run ` +
      `(no planning, the next request sent the moment an answer is in, counted 1 ms later), from the run's start, the server's first window fresh (a whole window at once, ` +
      `ending ${alignment === 'clock' ? 'at the next multiple of the window since the Unix epoch' : 'a window after the first request'}). ` +
      `A spent window's successor starts at the reset the headers report, the window's end rounded up to a whole second: no client reading them knows it sooner` +
      (alignment === 'clock'
        ? '. '
        : `; as a window opens with its first request, which arrives after that reset, it ends just after a whole second and its reset is reported up to a second late: every client pays that, once per window (in a real hour, 0.03%). `) +
      `With any number in flight and a window of ${fixed(budget.windowMs / 1000, 0)} s ending on a whole second it is ${budget.pageLatencyMs} ms + (ceil(${budget.pages} ÷ ${budget.limit}) − 1) × ${fixed(budget.windowMs / 1000, 0)} s = ${fixed(budgetOnly)} s; ` +
      `the rate formula, pages ÷ rate = ${fixed(budget.pages / perSecond)} s, ignores the first window's allowance.`,
  );
  out.push('');
  const runs = [...result.fleets, ...(result.naive ? [result.naive] : [])];
  out.push(
    table(
      [
        'run',
        'in flight',
        'window s / page ms (time x)',
        'cores busy: mean / busiest second',
        'wall s',
        'minimum s',
        'excess',
        `target ≤${percent(TARGETS.apiBoundWallExcess)}, no 429`,
        '429s',
        'windows used (min)',
        'planning s',
        'between windows s',
        'last answer → commit s',
        'ranges',
        'minimum at its ranges s (excess)',
        'budget-only minimum s',
        'wall ÷ budget-only',
      ],
      runs.map(timeRow),
    ),
  );
  out.push('');
  const target = requestsTargetFor(contacts);
  out.push(
    table(
      [
        'run',
        'rows',
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
        target === undefined ? 'target (at 1M and 20k only)' : `target ≤+${percent(target)}`,
      ],
      runs.map((run) => requestRow(run, budget.pages, target)),
    ),
  );
  out.push('');
  out.push(
    "\"Between windows\": summed over window changes, from the reset a spent window's answers reported to the next window's first counted request (the fleet's own delay; the minimum has none). " +
      '"last answer → commit": encoding the last parts and committing. Requests are counted at the simulator (429s included) and classed by the recording proxy: ' +
      'QueryOptions, contact queries with take=1 (probes), and data pages (take > 1, short and empty last pages of ranges included); "sent by start" are those of validation and planning, counted in the bench process, where `start` runs. ' +
      "A request past the pages' windows costs a whole window here as against the API.",
  );
  out.push('');
  return out;
}

function timeRow(run: ApiBoundRun): (string | number)[] {
  const excess = run.wallSeconds / run.minimumSeconds - 1;
  const pass = run.ok && withinShare(excess, TARGETS.apiBoundWallExcess) && run.tooMany === 0;
  return [
    run.label,
    run.inFlight,
    `${fixed(run.budget.windowMs / 1000, 0)} / ${run.budget.pageLatencyMs} (${fixed(run.budget.timeScale, 1)}x)`,
    run.coresBusy ? `${percent(run.coresBusy.mean, 0)} / ${percent(run.coresBusy.busiestSecond, 0)}` : '',
    run.ok ? fixed(run.wallSeconds) : 'FAILED',
    fixed(run.minimumSeconds),
    run.ok ? signed(excess) : '',
    run.workers === 0 ? 'baseline' : run.ok ? verdict(pass) : (run.error ?? '').split('\n')[0]!.slice(0, 80),
    run.tooMany,
    `${run.windowsUsed} (${run.minimumWindows})`,
    run.workers === 0 ? '' : fixed(run.planningSeconds),
    fixed(run.betweenWindowsSeconds),
    run.workers === 0 ? '' : fixed(run.tailSeconds),
    run.workers === 0 ? '' : run.ranges,
    run.workers === 0 ? '' : `${fixed(run.rangesMinimumSeconds)} (${signed(run.wallSeconds / run.rangesMinimumSeconds - 1)})`,
    fixed(run.budgetOnlyMinimumSeconds),
    `${fixed(run.wallSeconds / run.budgetOnlyMinimumSeconds, 2)}x`,
  ];
}

function requestRow(run: ApiBoundRun, pages: number, target: number | undefined): (string | number)[] {
  const excess = run.requests / pages - 1;
  return [
    run.label,
    thousands(run.rows),
    thousands(pages),
    thousands(run.requests),
    run.workers === 0 ? '' : run.plannerRequests,
    run.classes.queryOptions,
    run.classes.probes,
    `${thousands(run.classes.dataPages)} (${run.classes.dataPages >= pages ? '+' : ''}${run.classes.dataPages - pages})`,
    run.classes.tooMany + run.classes.other,
    fixed(run.requests / Math.max(1, run.rows), 5),
    fixed(pages / Math.max(1, run.rows), 5),
    signed(excess),
    target === undefined || run.workers === 0 ? '' : verdict(withinShare(excess, target)),
  ];
}
