// The accounts tables: a large export and many small ones of other accounts sharing one fleet, each
// against its own minimum alone; hundreds of accounts' exports with Redis memory and worker RSS; Redis
// CPU per page and what one Redis core serves.
import { minimumSchedule, VIRTUOUS_REAL } from './api-bound-budget.js';
import type { KeyGroup } from './redis-usage.js';
import type { AccountExport, AccountsResult, AccountsShape, ManyAccountsResult, RedisCpuFigures, SharingRun } from './accounts.js';
import { count, fixed, percent, table, thousands } from './report.js';
import { TARGETS } from './targets.js';

const firstLine = (text: string) => text.split('\n')[0]!;
const mb = (bytes: number) => fixed(bytes / 2 ** 20, 1);
const kb = (bytes: number) => fixed(bytes / 1024, 1);
const judged = (pass: boolean) => (pass ? 'PASS' : 'FAIL');
/** Close: 20 requests per second per key, the example its documentation gives (the product's default). */
const CLOSE_REQUESTS_PER_SECOND = 20;
const VIRTUOUS_REQUESTS_PER_SECOND = (VIRTUOUS_REAL.requests * 1000) / VIRTUOUS_REAL.windowMs;

const ratioOf = (one: AccountExport) => one.wallSeconds / one.minimumSeconds;

function exactText(one: AccountExport): string {
  if (one.error) return `**no**: ${firstLine(one.error)}`;
  if (!one.exactness) return 'not read';
  return one.exactness.exact ? `yes (${thousands(one.exactness.rows)})` : `**no**: ${one.exactness.problem}`;
}

function exportRows(run: SharingRun, target: (one: AccountExport) => number | undefined): (string | number)[][] {
  return run.exports.map((one) => {
    const limit = target(one);
    const ratio = ratioOf(one);
    return [
      one.account,
      thousands(one.contacts),
      one.ranges,
      fixed(one.wallSeconds),
      fixed(one.minimumSeconds),
      `${fixed(ratio, 2)}x`,
      limit === undefined ? '' : `≤${limit}x: ${judged(Number.isFinite(ratio) && ratio <= limit)}`,
      fixed(one.fleetMinimumSeconds),
      fixed(one.firstPageSeconds),
      one.requests,
      one.dataPages,
      one.tooMany,
      `${one.windowsUsed} (${one.minimumWindows})`,
      `${one.slotsGivenBack.budget} / ${one.slotsGivenBack.turn}`,
      one.exactness?.parts === undefined ? '' : `${one.exactness.parts} (${one.exactness.shortParts})`,
      exactText(one),
    ];
  });
}

const EXPORT_HEADERS = [
  'account',
  'contacts',
  'ranges',
  'wall s',
  'minimum alone s',
  'ratio',
  'target',
  'minimum, every slot s',
  'first page after s',
  'requests',
  'data pages',
  '429s',
  'windows used (minimum)',
  'slots given back: budget / turn',
  'parts (short)',
  'exact (rows read back)',
];

export function renderAccounts(result: AccountsResult): string[] {
  const { shape, budget, yieldAfterMs } = result;
  const targets = TARGETS.accounts;
  const inFlight = shape.workers * shape.concurrency;
  const out: string[] = [];
  out.push(
    `### Accounts: a large export and ${shape.small.accounts} small ones of other accounts on one fleet (${shape.workers} workers x ${shape.concurrency}, ${shape.format})`,
  );
  out.push('');
  out.push(
    `Every account is an organization of its own at the simulator, with its own token (in CREDENTIALS_DIR/virtuous/<account>, where the workers read it) and its own rate window: ` +
      `${budget.limit} requests per ${fixed(budget.windowMs / 1000, 0)} s (${shape.alignment} windows), Virtuous's ${thousands(VIRTUOUS_REAL.requests)} per hour with time running ${fixed(budget.timeScale, 1)}x faster, ` +
      `and data pages answered ${budget.pageLatencyMs} ms after they are counted (Virtuous's 2 s FullContact pages shrunk alike), as in the api-bound section; every export passes \`--rate-limit ${budget.limit}/${budget.windowMs / 1000}s\`. ` +
      `The workers run with BUDGET_YIELD_AFTER_MS=${yieldAfterMs}: the default 2 s shrunk with time like the API's, so that a range waits in place for the same share of a page's time as it would against Virtuous. ` +
      `Account \`large\` exports ${count(shape.large.contacts)} contacts (${budget.pages} pages, ${Math.ceil(budget.pages / budget.limit)} windows of its budget); ${shape.small.accounts} accounts of ${count(shape.small.contacts)} contacts each start ${fixed(shape.small.startAfterMs / 1000, 0)} s after it, all at once. ` +
      `Each run has a simulator (fresh windows), a queue prefix and workers of its own.`,
  );
  out.push('');
  out.push(
    `Minimum alone: the api-bound model (a perfect client against the same windows and latency, from the export's own \`start\`; no planning, no commit) with as many requests in flight as the export had ranges, at most the fleet's ${inFlight} slots: ` +
      `planning gives an export at most one range per 40 pages, so a ${count(shape.small.contacts)} export is one range and reads its ${Math.ceil(shape.small.contacts / shape.large.pageSize)} pages one after the other. ` +
      `"Every slot" is the same model with ${inFlight} requests in flight. "First page after": from \`start\` to the simulator's first answer to one of its data pages (planning, then the wait for a slot). ` +
      `"Slots given back": lines in its ranges' job logs, \`budget spent: slot given back until ...\` (its account's budget would have kept a request waiting longer than BUDGET_YIELD_AFTER_MS) and \`slot given to an earlier turn ...\` (another export's first ranges were waiting); each writes what the range read as a part. "Parts (short)": the manifest's parts, and how many hold fewer rows than the export's part size. Exactness: the manifest's parts read back in DuckDB, every id against the organization's (archived included).`,
  );
  out.push('');
  if (result.alone) {
    out.push(`**Alone** (the model's check): \`large\` alone on the fleet, then one small export alone.`);
    out.push('');
    if (result.alone.error) out.push(`ERROR: ${firstLine(result.alone.error)}`);
    out.push(
      table(
        EXPORT_HEADERS,
        exportRows(result.alone, () => undefined),
      ),
    );
    out.push('');
  }
  const together = result.together;
  if (together) {
    out.push(`**Together**: \`large\` first, the ${shape.small.accounts} small exports ${fixed(shape.small.startAfterMs / 1000, 0)} s later.`);
    out.push('');
    if (together.error) out.push(`ERROR: ${firstLine(together.error)}`);
    out.push(
      table(
        EXPORT_HEADERS,
        exportRows(together, (one) => (one.role === 'large' ? targets.largeWallRatio : targets.smallWallRatio)),
      ),
    );
    out.push('');
    out.push(...renderSharingTargets(result, together));
  }
  out.push(...renderRedisCpu(result));
  if (result.many) out.push(...renderMany(result.many, shape));
  return out;
}

function renderSharingTargets(result: AccountsResult, together: SharingRun): string[] {
  const { shape, budget } = result;
  const targets = TARGETS.accounts;
  const inFlight = shape.workers * shape.concurrency;
  const out: string[] = [];
  const smalls = together.exports.filter((one) => one.role === 'small');
  const large = together.exports.find((one) => one.role === 'large');
  const largeAlone = result.alone?.exports.find((one) => one.role === 'large');
  const smallAlone = result.alone?.exports.find((one) => one.role === 'small');
  const ratios = smalls.map(ratioOf).sort((a, b) => a - b);
  const within = ratios.filter((ratio) => ratio <= targets.smallWallRatio).length;
  const tooMany = together.exports.reduce((sum, one) => sum + one.tooMany, 0);
  const exact = together.exports.filter((one) => one.exactness?.exact && !one.error).length;
  const largeRatio = large ? ratioOf(large) : NaN;
  out.push(
    table(
      ['target', 'measured', 'verdict'],
      [
        [
          `every small export ≤${targets.smallWallRatio}x its minimum alone`,
          `${within} of ${smalls.length} within; ratios ${fixed(ratios[0], 2)}x (best), ${fixed(ratios[Math.floor(ratios.length / 2)], 2)}x (median), ${fixed(ratios.at(-1), 2)}x (worst)` +
            (smallAlone ? `; one alone: ${fixed(ratioOf(smallAlone), 2)}x` : ''),
          judged(smalls.length > 0 && within === smalls.length),
        ],
        [
          `the large export ≤${targets.largeWallRatio}x its minimum alone`,
          large
            ? `${fixed(large.wallSeconds)} s against ${fixed(large.minimumSeconds)} s: ${fixed(largeRatio, 3)}x` +
              (largeAlone
                ? `; alone ${fixed(largeAlone.wallSeconds)} s against ${fixed(largeAlone.minimumSeconds)} s: ${fixed(ratioOf(largeAlone), 3)}x`
                : '')
            : 'not run',
          judged(Number.isFinite(largeRatio) && largeRatio <= targets.largeWallRatio),
        ],
        ['no 429 anywhere', `${tooMany}`, judged(tooMany === 0 && together.exports.length > 0)],
        ['every export exact', `${exact} of ${together.exports.length}`, judged(exact === together.exports.length && together.exports.length > 0)],
      ],
    ),
  );
  out.push('');
  if (smalls.length > 0) {
    // What no scheduler could beat on this fleet, whatever the large export does: the small exports' pages on every slot.
    const smallPages = smalls.reduce((sum, one) => sum + one.pages, 0);
    const unlimited = { limit: Number.MAX_SAFE_INTEGER, windowMs: budget.windowMs, pageLatencyMs: budget.pageLatencyMs };
    const allSlots = minimumSchedule(smallPages, inFlight, unlimited).wallMs / 1000;
    const ranges = Math.max(...smalls.map((one) => one.ranges));
    const firstWave = Math.min(smalls.length, Math.floor(inFlight / Math.max(1, ranges)));
    const smallStart = Math.min(...smalls.map((one) => one.startedAtMs));
    const lastCommit = Math.max(...smalls.map((one) => one.committedAtMs ?? NaN));
    const minimum = smalls[0]!.minimumSeconds;
    out.push(
      `What the fleet allows: the ${smalls.length} small exports need ${thousands(smallPages)} pages of ${budget.pageLatencyMs} ms; on ${inFlight} slots, even with \`large\` given none, no scheduler finishes them all sooner than ${fixed(allSlots)} s after they start ` +
        `(${fixed(allSlots / minimum, 2)}x a small export's minimum alone). With ${ranges} range${ranges > 1 ? 's' : ''} each, ${firstWave} of them can run at once; the next ones start when a slot frees, at ${fixed(minimum)} s at the earliest, and finish at 2x or more: ` +
        `at most ${firstWave} of ${smalls.length} can meet ≤${targets.smallWallRatio}x on this fleet, however slots are shared. The last small export committed ${fixed((lastCommit - smallStart) / 1000)} s after they started.`,
    );
    out.push('');
  }
  return out;
}

function cpuRow(label: string, figures: RedisCpuFigures): (string | number)[] {
  const idle = figures.idleCpuPerSecond * figures.wallSeconds;
  const perPage = figures.cpuSeconds / Math.max(1, figures.dataPages);
  const netPerPage = Math.max(0, figures.cpuSeconds - idle) / Math.max(1, figures.dataPages);
  const pagesPerCore = 1 / netPerPage;
  return [
    label,
    thousands(figures.dataPages),
    fixed(figures.wallSeconds),
    fixed(figures.cpuSeconds, 2),
    fixed(figures.idleCpuPerSecond * 1000, 1),
    fixed(perPage * 1000, 2),
    fixed(netPerPage * 1000, 2),
    thousands(pagesPerCore),
    thousands(pagesPerCore / VIRTUOUS_REQUESTS_PER_SECOND),
    thousands(pagesPerCore / CLOSE_REQUESTS_PER_SECOND),
    thousands(figures.connections),
  ];
}

function renderRedisCpu(result: AccountsResult): string[] {
  const out: string[] = [];
  const runs: [string, RedisCpuFigures][] = [];
  if (result.alone && !result.alone.error) runs.push(['alone: `large`, then one small export', result.alone.redis]);
  if (result.together && !result.together.error) runs.push([`together: \`large\` + ${result.shape.small.accounts} small`, result.together.redis]);
  if (result.many && !result.many.error)
    runs.push([`many: ${result.many.accounts} accounts x ${count(result.many.contacts)}, unthrottled`, result.many.redis]);
  if (runs.length === 0) return out;
  out.push(`### Accounts: Redis CPU per page (the bench's private redis-server, INFO cpu, no AOF)`);
  out.push('');
  out.push(
    `Redis CPU (used_cpu_user + used_cpu_sys) from the first \`start\` to the last commit, over the data pages the simulator answered in that time (every account's; planning's probes not counted as pages). ` +
      `"Idle" is the same server with the run's workers started and nothing to do (roster beats, blocking reads), per second; "net of idle" takes it off over the run's wall time. ` +
      `One core serves 1 ÷ (net CPU per page) pages per second: the pages of that many Virtuous accounts at full budget (${fixed(VIRTUOUS_REQUESTS_PER_SECOND, 2)} requests/s each) or Close keys at ${CLOSE_REQUESTS_PER_SECOND}/s each. ` +
      `Planning and commits are in the figures: the many-accounts run, with two pages per export, shows what they weigh.`,
  );
  out.push('');
  out.push(
    table(
      [
        'run',
        'data pages',
        'wall s',
        'Redis CPU s',
        'idle CPU ms/s',
        'CPU ms/page',
        'net of idle ms/page',
        'pages/s one core',
        'Virtuous accounts at 5,000/h',
        'Close keys at 20/s',
        'connections opened',
      ],
      runs.map(([label, figures]) => cpuRow(label, figures)),
    ),
  );
  out.push('');
  const [label, figures] = runs[0]!;
  const totalUsec = figures.commands.reduce((sum, command) => sum + command.usec, 0);
  const pages = Math.max(1, figures.dataPages);
  out.push(
    `Command mix of the run "${label}" (INFO commandstats since CONFIG RESETSTAT at its start; a script's time is its EVALSHA's or EVAL's), per data page:`,
  );
  out.push('');
  out.push(
    table(
      ['command', 'calls/page', 'µs/page', 'share of command time'],
      figures.commands
        .filter((command) => command.usec / totalUsec >= 0.005)
        .map((command) => [command.command, fixed(command.calls / pages, 2), fixed(command.usec / pages, 1), percent(command.usec / totalUsec, 1)]),
    ),
  );
  out.push('');
  out.push(
    `Commands in all: ${fixed(figures.commands.reduce((sum, command) => sum + command.calls, 0) / pages, 1)} per page, ${fixed(totalUsec / pages, 0)} µs of command time per page of ${fixed((figures.cpuSeconds * 1e6) / pages, 0)} µs of CPU (the rest: reading and writing sockets, the event loop).`,
  );
  out.push('');
  return out;
}

/** What becomes of a group of keys once its exports are finished. */
type KeyFate = 'expires' | 'job: trimmed by retention' | 'stream: capped' | 'per export: until the retention' | 'stays: per account' | 'fleet';

function fateOf(group: KeyGroup): KeyFate {
  if (group.keys > 0 && group.expiring === group.keys) return 'expires';
  if (/:(exports|export-ranges|notifications):(<export>|completed$)/.test(group.shape)) return 'job: trimmed by retention';
  if (/:(exports|export-ranges|notifications):events$/.test(group.shape)) return 'stream: capped';
  // The registry's index (`{prefix}:exports`, one entry per export) and the records it lists go when a start's sweep forgets the export (EXPORT_RETENTION_MS).
  if (group.shape === '{prefix}:exports' || group.shape.includes('<export>')) return 'per export: until the retention';
  if (group.shape.includes('<account>')) return 'stays: per account';
  return 'fleet';
}

function renderMany(many: ManyAccountsResult, shape: AccountsShape): string[] {
  const { workers, concurrency } = shape;
  const targets = TARGETS.accounts;
  const out: string[] = [];
  out.push(
    `### Accounts: ${many.accounts} accounts, one export of ${count(many.contacts)} contacts each, ${workers} workers x ${concurrency} (unthrottled, no latency)`,
  );
  out.push('');
  out.push(
    `Each export as a partner application starts a customer's first sync: the account's credential handed over with \`start\` (sealed in Redis with CREDENTIALS_KEY, held by the export until it commits), ` +
      `\`--incremental\` (no watermark yet: everything is read, and the commit leaves one), \`--notify\` to a receiver in the bench process; ${shape.many.startsAtOnce} starts at once from the bench process, each account an organization of its own at the simulator. ` +
      `Redis memory is INFO memory \`used_memory\`, read before the first start (the workers ready), every 250 ms while they run, and once every notification arrived; the keys then are grouped by the shape of their names.`,
  );
  out.push('');
  if (many.error) out.push(`ERROR: ${firstLine(many.error)}`);
  const peakRss = Math.max(0, ...many.workerPeakRssMb);
  const grown = many.memory.afterBytes - many.memory.beforeBytes;
  const keyBytes = many.keys.reduce((sum, group) => sum + group.bytes, 0);
  const expiring = many.keys.reduce((sum, group) => sum + (group.expiring === group.keys ? group.bytes : 0), 0);
  out.push(
    table(
      [
        'accounts',
        'started',
        'committed',
        'exact',
        'starts s',
        'first start → last commit s',
        'start → commit s (median / 90th pct / slowest)',
        'requests',
        '429s',
        'notifications (committed)',
        'worker peak RSS MB',
        'highest RSS 1st half → 2nd half',
        `≤${targets.workerPeakRssMb} MB`,
        'all exact',
      ],
      [
        [
          many.accounts,
          many.started,
          many.committed,
          many.exact,
          fixed(many.startSeconds),
          fixed(many.wallSeconds),
          `${fixed(many.exportSeconds.median)} / ${fixed(many.exportSeconds.p90)} / ${fixed(many.exportSeconds.slowest)}`,
          thousands(many.requests),
          many.tooMany,
          `${many.notifications.received} (${many.notifications.committed})`,
          many.workerPeakRssMb.map((value) => fixed(value, 0)).join(' / '),
          (many.workerRssHalvesMb ?? []).map(([first, second]) => `${fixed(first, 0)} → ${fixed(second, 0)}`).join(' / '),
          judged(peakRss > 0 && peakRss <= targets.workerPeakRssMb),
          judged(many.exact === many.accounts),
        ],
      ],
    ),
  );
  out.push('');
  const slowest = many.slowest;
  if (slowest?.rangeFinishedAt !== undefined && slowest.commitActiveAt !== undefined) {
    const from = (at: number) => fixed((at - slowest.startedAtMs) / 1000);
    out.push(
      `The slowest export (${slowest.account}, ${fixed(slowest.seconds)} s from \`start\` to its commit): its range was taken ${from(slowest.rangeActiveAt!)} s after \`start\` and finished at ${from(slowest.rangeFinishedAt)} s; ` +
        `its export job (the commit) was taken at ${from(slowest.commitActiveAt)} s (attempt ${slowest.commitAttempts}) and finished at ${from(slowest.commitFinishedAt!)} s: ` +
        `it waited ${fixed((slowest.commitActiveAt - slowest.rangeFinishedAt) / 1000)} s in the export queue with its ranges done.`,
    );
    out.push('');
  }
  if (many.failures.length > 0) {
    out.push(`Failures (${many.failures.length}): ${many.failures.slice(0, 5).map(firstLine).join('; ')}${many.failures.length > 5 ? '; ...' : ''}`);
    out.push('');
  }
  out.push(
    table(
      ['Redis used_memory', 'MB', 'per account (÷ ' + many.accounts + ')'],
      [
        ['before (workers ready, nothing started)', mb(many.memory.beforeBytes), ''],
        [
          `peak while they ran (${many.memory.samples} samples, every 250 ms)`,
          mb(many.memory.peakBytes),
          `${kb((many.memory.peakBytes - many.memory.beforeBytes) / many.accounts)} KB above before`,
        ],
        ['after all committed', mb(many.memory.afterBytes), `${kb(grown / many.accounts)} KB above before`],
        ['keys after all committed (MEMORY USAGE, summed)', mb(keyBytes), `${kb(keyBytes / many.accounts)} KB`],
        ['of which keys that expire (all of their group)', mb(expiring), `${kb(expiring / many.accounts)} KB`],
      ],
    ),
  );
  out.push('');
  out.push(
    `What stays after the commits, by key (\`<export>\`, \`<account>\`, \`<dest>\` and \`<n>\` stand for every one). "Job": BullMQ trims finished jobs (their hash, logs and \`processed\` set, and their entry in the queue's \`completed\` set) after 7 days or beyond 5,000 per queue; "stream": each queue's events stream is capped (about 10,000 entries); "per export: until the retention": a start forgets the export once it finished longer than EXPORT_RETENTION_MS (14 days) ago; "stays": nothing removes it.`,
  );
  out.push('');
  out.push(
    table(
      ['key', 'keys', 'KB in all', 'bytes per export', 'expire (longest TTL)', 'after the export'],
      many.keys
        .filter((group) => group.bytes >= 1024 || group.keys >= many.accounts)
        .map((group) => [
          `\`${group.shape}\``,
          thousands(group.keys),
          kb(group.bytes),
          thousands(group.bytes / many.accounts),
          group.expiring === 0
            ? 'no'
            : `${group.expiring === group.keys ? 'all' : `${group.expiring} of ${group.keys}`} (${thousands(group.longestTtlSeconds)} s)`,
          fateOf(group),
        ]),
    ),
  );
  out.push('');
  const bytesOf = (groups: KeyGroup[], fate: KeyFate) =>
    groups.filter((group) => fateOf(group) === fate).reduce((sum, group) => sum + group.bytes, 0);
  const byFate = (fate: KeyFate) => bytesOf(many.keys, fate);
  const perExport = byFate('per export: until the retention') / many.accounts;
  const perExportLater = bytesOf(many.afterRetention.keys, 'per export: until the retention') / many.accounts;
  out.push(
    `Per finished export (one range, one part): ${thousands(perExport)} bytes stay until the retention (\`per export: until the retention\`), ${thousands(byFate('job: trimmed by retention') / many.accounts)} bytes of jobs go with BullMQ's retention, ` +
      `${thousands(byFate('stream: capped') / many.accounts)} bytes of events are capped; per account ${thousands(byFate('stays: per account') / many.accounts)} bytes stay (one set per account and table, not per export) and ${thousands(byFate('expires') / many.accounts)} bytes expire. ` +
      `A start's sweep a retention period (EXPORT_RETENTION_MS) later forgot ${many.afterRetention.forgotten} of ${many.committed} exports, and left ${thousands(perExportLater)} bytes per export of their keys: ` +
      (perExportLater === 0 && many.afterRetention.forgotten === many.committed
        ? 'bounded: jobs, streams, accounts, and the exports of one retention period.'
        : '**not bounded**: per-export keys outlive the retention.'),
  );
  out.push('');
  return out;
}
