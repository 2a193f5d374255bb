/**
 * `npm run bench`: how fast, how frugal and how budget-true the exporter is, measured end to end on
 * this machine, against a floor and a naive baseline measured in the same run. Not part of `npm test`.
 *
 *   npm run bench                      # the full matrix (1M contacts; memory at 5M NDJSON); about 20 min on 2 cores, 8 more for accounts
 *   npm run bench -- --quick           # 100k contacts, 500k for memory, short throttled scenarios (~3 min, 2 more for accounts)
 *   npm run bench -- --only e2e,floor --formats parquet --workers 1,2 --contacts 200000
 *   npm run bench -- --profile         # also profile a 1-worker run per format (node --cpu-prof) and list the top self time
 *   npm run bench -- --only api-bound,requests   # budget-bound wall time and requests per row (~15 min; --quick ~4 min)
 *   npm run bench -- --only timing     # a fleet's reaction at a window's reset and after a 429, simulator page latency (~1 min)
 *   npm run bench -- --only liveness   # how fast a SIGKILLed worker's ranges move on, an export with workers killed in turn (~1 min)
 *   npm run bench -- --only accounts   # many accounts on one fleet (~8 min; --quick ~2 min): a large API-bound export with 20
 *                                      # small ones of other accounts started 5 s after it, each against its own minimum alone;
 *                                      # 500 accounts x 2k contacts (Redis memory per account and per export, worker RSS);
 *                                      # Redis CPU per page and the command mix (--quick: 300k + 10 small, 100 accounts)
 *
 * Options: --contacts N, --big N (0 = no memory run), --workers 1,2,4, --formats parquet,ndjson,
 * --concurrency N (per worker, default 4; the api-bound, liveness and accounts fleets are fixed), --only floor,naive,e2e,scaling,requests,memory,latency,budget,api-bound,timing,liveness,accounts,profile,
 * --cap-cores N (CPU limit of each worker in the scaling runs, default 0.5), --full-contact (FullContact records),
 * --pages live,replay (default both: the simulator generating every page, then replaying recorded ones),
 * --redis-url URL (default: a private redis-server, so INFO commandstats counts only us),
 * --json FILE (every figure), --timeout SECONDS (per export).
 *
 * Unthrottled runs pass --rate-limit 1000000/1h, the budget the simulator advertises when it enforces
 * none (the product's Virtuous default, 5,000 requests per hour, would hold a 5M-row export to
 * 5,000 pages an hour once the first 5,000 are spent).
 *
 * Processes: the simulator and s3rver run in a services process of their own, every worker is a real
 * `bin/bulk-export.js worker` process with its own queue prefix per scenario, Redis is a private
 * redis-server, and `start` (planning) runs in this process. Worker CPU is read from /proc/<pid>/stat
 * (every thread, so the Parquet encoding thread too) from "worker ready" to the commit, peak RSS from
 * VmHWM, just before the worker is stopped.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PartFormat } from '../src/sinks/part-format.js';
import { BenchContext } from './bench/context.js';
import { runExport, type ExportRunResult } from './bench/export-run.js';
import { runPageLoop } from './bench/page-loop-client.js';
import { loadAverageText, machineInfo } from './bench/proc.js';
import { summariseProfiles, type ProfileSummary } from './bench/profile.js';
import { CpuCap } from './bench/cpu-cap.js';
import { renderEndToEnd, type EndToEndPass, type PageSource } from './bench/end-to-end-report.js';
import { renderScaling, type ScalingResult } from './bench/scaling-report.js';
import { count, fixed, percent, table, thousands, verdict } from './bench/report.js';
import { TARGETS } from './bench/targets.js';
import type { StartedSimulator } from './bench/services-protocol.js';
import { sampleFleet, sampleNaive, type Budget, type FleetSample, type NaiveSample } from './bench/throttled.js';
import type { RateWindowAlignment } from '../simulators/virtuous/rate-window.js';
import type { ApiBoundShape } from './bench/api-bound-budget.js';
import { runApiBound, type ApiBoundFleet, type ApiBoundResult } from './bench/api-bound.js';
import { renderApiBound } from './bench/api-bound-report.js';
import { runRequestsPerRow, type RequestsPerRowRun } from './bench/requests-per-row.js';
import { renderRequestsPerRow } from './bench/requests-per-row-report.js';
import { renderFullContactMemory, runFullContactMemory, type FullContactMemory } from './bench/full-contact-memory.js';
import { runTiming, type TimingResult } from './bench/timing.js';
import { renderTiming } from './bench/timing-report.js';
import { runLiveness, type LivenessResult } from './bench/liveness.js';
import { renderLiveness } from './bench/liveness-report.js';
import { runAccounts, type AccountsResult, type AccountsShape } from './bench/accounts.js';
import { renderAccounts } from './bench/accounts-report.js';

const SECTIONS = [
  'floor',
  'naive',
  'e2e',
  'scaling',
  'requests',
  'memory',
  'latency',
  'budget',
  'api-bound',
  'timing',
  'liveness',
  'accounts',
  'profile',
] as const;
type Section = (typeof SECTIONS)[number];

interface Settings {
  quick: boolean;
  sequential: boolean;
  contacts: number;
  big: number;
  workers: number[];
  formats: PartFormat[];
  concurrency: number;
  /** Floor, naive loop, end-to-end and scaling runs read FullContact records. */
  fullContact: boolean;
  pages: PageSource[];
  scaling: { capCores: number; workers: number[] };
  sections: Set<Section>;
  redisUrl?: string;
  json?: string;
  timeoutMs: number;
  latency: { contacts: number; budget: Budget; latencyMs: [number, number]; durationMs: number; workers: number; concurrency: number };
  budget: { contacts: number; budget: Budget; durationMs: number; fleets: number[]; concurrency: number };
  apiBound: { shape: ApiBoundShape; alignments: RateWindowAlignment[]; fleets: ApiBoundFleet[]; format: PartFormat };
  requests: { sizes: number[]; workers: number; concurrency: number; format: PartFormat; pageSize: number };
  fullContactMemory: { contacts: number; rangeRows: number };
  accounts: AccountsShape;
}

function readSettings(): Settings {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      contacts: { type: 'string' },
      big: { type: 'string' },
      workers: { type: 'string' },
      formats: { type: 'string' },
      concurrency: { type: 'string' },
      pages: { type: 'string' },
      'cap-cores': { type: 'string' },
      'full-contact': { type: 'boolean', default: false },
      only: { type: 'string' },
      profile: { type: 'boolean', default: false },
      sequential: { type: 'boolean', default: false },
      'redis-url': { type: 'string' },
      json: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'Usage: npm run bench -- [--quick] [--contacts N] [--big N] [--workers 1,2,4] [--formats parquet,ndjson] [--concurrency N] [--pages live,replay] [--full-contact]\n' +
        '  [--only floor,naive,e2e,scaling,requests,memory,latency,budget,api-bound,timing,liveness,accounts,profile] [--cap-cores 0.5] [--profile] [--redis-url URL] [--json FILE] [--timeout SECONDS]',
    );
    process.exit(0);
  }
  const number = (text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const value = Number(text.replace(/_/g, ''));
    if (!Number.isFinite(value) || value < 0) throw new Error(`not a number: ${text}`);
    return value;
  };
  const quick = values.quick ?? false;
  const sections = new Set<Section>(
    values.only
      ? values.only.split(',').map((name) => {
          if (!(SECTIONS as readonly string[]).includes(name)) throw new Error(`--only takes ${SECTIONS.join(', ')}; got ${name}`);
          return name as Section;
        })
      : SECTIONS.filter((section) => section !== 'profile'),
  );
  if (values.profile) sections.add('profile');
  const formats = (values.formats ?? 'parquet,ndjson').split(',').map((format) => {
    if (format !== 'parquet' && format !== 'ndjson') throw new Error(`--formats takes parquet and ndjson; got ${format}`);
    return format as PartFormat;
  });
  const pages = (values.pages ?? 'live,replay').split(',').map((mode) => {
    if (mode !== 'live' && mode !== 'replay') throw new Error(`--pages takes live and replay; got ${mode}`);
    return mode as PageSource;
  });
  // The throttled scenarios keep the real budget's rate, 5,000 requests per hour, in short windows
  // (25 per 18 s is the hour shrunk 200 times), so they take about a minute each.
  const rate: Budget = { limit: 25, windowMs: 18_000 };
  return {
    quick,
    sequential: values.sequential ?? false,
    contacts: number(values.contacts, quick ? 100_000 : 1_000_000),
    big: number(values.big, quick ? 500_000 : 5_000_000),
    workers: (values.workers ?? '1,2,4').split(',').map((text) => number(text, 1)),
    formats,
    concurrency: number(values.concurrency, 4),
    fullContact: values['full-contact'] ?? false,
    pages,
    scaling: { capCores: number(values['cap-cores'], 0.5), workers: [1, 2, 3] },
    sections,
    ...(values['redis-url'] ? { redisUrl: values['redis-url'] } : {}),
    ...(values.json ? { json: values.json } : {}),
    timeoutMs: number(values.timeout, quick ? 120 : 300) * 1000,
    latency: {
      contacts: 300_000,
      budget: rate,
      latencyMs: [1000, 2000],
      durationMs: quick ? 40_000 : 76_000,
      workers: 2,
      concurrency: 4,
    },
    budget: {
      contacts: 300_000,
      budget: { limit: 40, windowMs: 4000 },
      durationMs: quick ? 16_000 : 26_000,
      fleets: [1, 4, 8],
      concurrency: 2,
    },
    // 1M contacts, as the requests target, over 5 windows; pages of at least 400 ms (30 s windows), longer
    // for fleets with many requests in flight (see BUSIEST_PAGES_PER_SECOND); abbreviated pages keep CPU low
    // enough that only the budget and the latency decide (FullContact would need ~50 CPU s per run). One and
    // two workers run 4 ranges at once: one worker then has 4 requests in flight, above the 2.8 that saturate
    // the budget (the product's default of 2 per worker cannot); eight workers run the default 2 (16 in flight).
    apiBound: {
      shape: {
        contacts: quick ? 300_000 : 1_000_000,
        pageSize: 1000,
        windows: quick ? 3 : 5,
        minPageLatencyMs: 400,
        requestMargin: TARGETS.requestsPerRowExcess[0]!.excess,
      },
      // Clock windows end on whole seconds, as their resets say; windows opened by a first request end a
      // fraction of a second after the reset a client can know, which costs up to a second per window.
      alignments: quick ? ['clock'] : ['clock', 'first-request'],
      fleets: [
        { workers: 1, concurrency: 4 },
        { workers: 2, concurrency: 4 },
        { workers: 8, concurrency: 2 },
      ],
      format: 'parquet',
    },
    // The sizes the requests targets name; NDJSON, as requests do not depend on the format.
    requests: {
      sizes: TARGETS.requestsPerRowExcess.map((target) => target.contacts),
      workers: 2,
      concurrency: number(values.concurrency, 4),
      format: 'ndjson',
      pageSize: 1000,
    },
    // Ranges of 50,000 rows fill whole parts (5,000 FullContact rows by default), 4 at once: the most one worker holds.
    fullContactMemory: { contacts: quick ? 100_000 : 200_000, rangeRows: quick ? 25_000 : 50_000 },
    // The api-bound section's budget and latency for every account (2 workers x 4: 8 in flight, pages of 408 ms,
    // windows of 30 s at 1M); the small exports 5 s after the large one, while it spends its first window.
    accounts: {
      large: {
        contacts: quick ? 300_000 : 1_000_000,
        pageSize: 1000,
        windows: quick ? 3 : 5,
        minPageLatencyMs: 400,
        requestMargin: TARGETS.requestsPerRowExcess[0]!.excess,
      },
      small: { accounts: quick ? 10 : 20, contacts: 20_000, startAfterMs: 5_000 },
      many: { accounts: quick ? 100 : 500, contacts: 2_000, startsAtOnce: 4 },
      workers: 2,
      concurrency: 4,
      format: 'parquet',
      alignment: 'clock',
    },
  };
}

/** Range and part size of the memory comparison, from the smaller export's size (50,000 and 10,000 rows at 1M). */
function memoryShape(contacts: number): { rangeRows: number; partRows: number } {
  return { rangeRows: Math.max(5000, Math.round(contacts / 20)), partRows: Math.max(1000, Math.round(contacts / 100 / 1000) * 1000) };
}

const progress = (text: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)} load ${loadAverageText()}] ${text}\n`);

interface Results {
  passes: EndToEndPass[];
  scaling?: ScalingResult;
  memory?: { small?: ExportRunResult; big: ExportRunResult };
  latency?: { fleet: FleetSample; naive: NaiveSample };
  budget: FleetSample[];
  requests: RequestsPerRowRun[];
  apiBound: ApiBoundResult[];
  fullContactMemory?: FullContactMemory;
  timing?: TimingResult;
  liveness?: LivenessResult;
  accounts?: AccountsResult;
  profiles: { format: PartFormat; run: ExportRunResult; summary: ProfileSummary }[];
}

/** The floor, the naive loop and every export of the matrix against one simulator. */
async function runEndToEndPass(context: BenchContext, settings: Settings, simulator: StartedSimulator, pass: EndToEndPass): Promise<void> {
  const served = pass.pageSource === 'live' ? 'live pages' : 'replayed pages';
  if (settings.sections.has('floor')) {
    // The floor's CPU varies by ±20% from run to run; the cheaper of two runs is kept, which makes
    // every ratio against it stricter.
    progress(`floor (${served}): fetch + JSON.parse of ${count(settings.contacts)} contacts, twice`);
    const floors = [];
    for (let run = 0; run < 2; run++)
      floors.push(await runPageLoop({ mode: 'floor', url: simulator.url, token: simulator.token, take: 1000, fullContact: settings.fullContact }));
    pass.floor = floors.reduce((best, floor) => (floor.cpuSeconds / floor.rows < best.cpuSeconds / best.rows ? floor : best));
  }
  if (settings.sections.has('naive')) {
    progress(`naive (${served}): one process, take=1000, id cursor, NDJSON to a local file`);
    const outFile = join(tmpdir(), `bulk-export-bench-naive-${process.pid}.ndjson`);
    try {
      pass.naive = await runPageLoop({
        mode: 'naive',
        url: simulator.url,
        token: simulator.token,
        take: 1000,
        outFile,
        fullContact: settings.fullContact,
      });
    } finally {
      await rm(outFile, { force: true });
    }
  }
  if (!settings.sections.has('e2e')) return;
  for (const format of settings.formats) {
    for (const workers of settings.workers) {
      progress(`e2e (${served}): ${format}, ${workers} worker(s) x ${settings.concurrency}, ${count(settings.contacts)} contacts`);
      const result = await runExport(context, {
        label: `${pass.pageSource}-${format}-${workers}w`,
        simulator,
        contacts: settings.contacts,
        format,
        workers,
        concurrency: settings.concurrency,
        timeoutMs: settings.timeoutMs,
        fullContact: settings.fullContact,
      });
      progress(`   ${result.ok ? `${thousands(result.rowsPerSecond)} rows/s, ${fixed(result.wallSeconds)} s` : `FAILED: ${result.error}`}`);
      if (result.roundTrips)
        progress(
          `   Redis round trips by client: ${[...result.roundTrips.byClient].map(([name, calls]) => `${name} ${calls}`).join(', ')}; inside scripts ${result.roundTrips.insideScripts}; pages ${result.pages}`,
        );
      pass.e2e.push(result);
    }
  }
}

async function main(): Promise<void> {
  const settings = readSettings();
  const machine = machineInfo();
  const benchStarted = performance.now();
  const results: Results = { passes: [], budget: [], requests: [], apiBound: [], profiles: [] };
  const context = await BenchContext.create(settings.redisUrl ? { redisUrl: settings.redisUrl } : {});
  progress(`Redis: ${context.redis.origin}; services pid ${context.services.pid}`);
  const { services } = context;
  try {
    // Milliseconds of reaction: first, while nothing else of the bench runs.
    if (settings.sections.has('timing')) results.timing = await runTiming(context.redis.url, progress);
    // Handover milliseconds and wall times of exports with workers killed: next, still alone on the machine.
    if (settings.sections.has('liveness')) results.liveness = await runLiveness(context, progress);
    const needsMain =
      ['floor', 'naive', 'e2e', 'profile', 'scaling'].some((section) => settings.sections.has(section as Section)) ||
      (settings.sections.has('memory') && settings.big > 0);
    const endToEnd = ['floor', 'naive', 'e2e'].some((section) => settings.sections.has(section as Section));
    // Live: the simulator generates and serialises every page, as the API does. Replay: it answers from
    // the bytes it first served (as a caching proxy in front of the API would), after one unmeasured pass
    // of each request pattern, so that the workers rather than the simulator get the cores. Every run of
    // a pass (floor, naive, exports) is served the same way.
    let simulator: StartedSimulator | undefined;
    let replaySimulator: StartedSimulator | undefined;
    const warmReplaySimulator = async (): Promise<StartedSimulator> => {
      const replay = await services.startSimulator({ contacts: settings.contacts, replayCache: true });
      progress(`replay warm-up: recording the pages of ${count(settings.contacts)} contacts (not measured)`);
      await runPageLoop({ mode: 'floor', url: replay.url, token: replay.token, take: 1000, fullContact: settings.fullContact });
      const warmUp = await runExport(context, {
        label: 'warm-up',
        simulator: replay,
        contacts: settings.contacts,
        format: 'ndjson',
        workers: 1,
        concurrency: settings.concurrency,
        timeoutMs: settings.timeoutMs,
        fullContact: settings.fullContact,
      });
      if (!warmUp.ok) throw new Error(`the warm-up export failed: ${warmUp.error}`);
      return replay;
    };
    for (const pageSource of needsMain ? settings.pages : []) {
      const passSimulator =
        pageSource === 'replay' ? (replaySimulator = await warmReplaySimulator()) : await services.startSimulator({ contacts: settings.contacts });
      simulator ??= passSimulator;
      if (!endToEnd) break;
      const pass: EndToEndPass = { pageSource, e2e: [] };
      results.passes.push(pass);
      await runEndToEndPass(context, settings, passSimulator, pass);
    }
    if (settings.sections.has('scaling')) {
      const unavailable = CpuCap.unavailableReason();
      if (unavailable) {
        progress(`scaling: skipped, worker CPU cannot be capped here (${unavailable})`);
        results.scaling = { capCores: settings.scaling.capCores, runs: [], unavailable };
      } else {
        replaySimulator ??= await warmReplaySimulator();
        results.scaling = { capCores: settings.scaling.capCores, runs: [] };
        for (const format of settings.formats) {
          for (const workers of settings.scaling.workers) {
            progress(
              `scaling: ${format}, ${workers} worker(s) x ${settings.concurrency}, each capped at ${settings.scaling.capCores} core, replayed pages`,
            );
            const run = await runExport(context, {
              label: `scaling-${format}-${workers}w`,
              simulator: replaySimulator,
              contacts: settings.contacts,
              format,
              workers,
              concurrency: settings.concurrency,
              timeoutMs: settings.timeoutMs * 2,
              cpuCapCores: settings.scaling.capCores,
              fullContact: settings.fullContact,
            });
            progress(`   ${run.ok ? `${thousands(run.rowsPerSecond)} rows/s, ${fixed(run.wallSeconds)} s` : `FAILED: ${run.error}`}`);
            results.scaling.runs.push(run);
          }
        }
      }
    }
    if (settings.sections.has('requests')) {
      for (const contacts of settings.requests.sizes) {
        const { workers, concurrency, format, pageSize } = settings.requests;
        progress(`requests: ${count(contacts)} contacts, ${format}, ${workers} workers x ${concurrency}, unthrottled, every request recorded`);
        const run = await runRequestsPerRow(context, { contacts, workers, concurrency, format, pageSize, timeoutMs: settings.timeoutMs });
        progress(`   ${run.ok ? `${run.requests} requests for ${run.pages} pages` : `FAILED: ${run.error}`}`);
        results.requests.push(run);
      }
    }
    // The memory run (long, CPU-bound) and the throttled scenarios (mostly waiting on the budget and the
    // latency) run side by side, each with its own Redis and services process, to stay within 10 minutes;
    // --sequential runs them one after the other.
    const memoryWork = async () => {
      if (!settings.sections.has('memory')) return;
      const { contacts: fullContacts, rangeRows: fullRangeRows } = settings.fullContactMemory;
      progress(
        `memory: FullContact parquet, 1 worker x ${settings.concurrency}, ${count(fullContacts)} contacts, ranges of ${thousands(fullRangeRows)} rows`,
      );
      results.fullContactMemory = await runFullContactMemory(context, {
        contacts: fullContacts,
        rangeRows: fullRangeRows,
        concurrency: settings.concurrency,
        timeoutMs: settings.timeoutMs,
      });
      progress(
        `   ${results.fullContactMemory.run.ok ? `peak RSS ${fixed(results.fullContactMemory.run.peakRssMb, 0)} MB` : `FAILED: ${results.fullContactMemory.run.error}`}`,
      );
      if (settings.big <= 0) return;
      // Both exports with the same settings, so that only the export's size differs: ranges of
      // contacts/20 rows (50,000 at 1M) cut into parts of contacts/100 (10,000), so every range fills
      // several whole parts at either size and a worker holds at most `concurrency` parts of rows.
      const memoryWorkers = Math.min(2, Math.max(...settings.workers));
      const { rangeRows, partRows } = memoryShape(settings.contacts);
      let small: ExportRunResult | undefined;
      if (simulator) {
        progress(`memory: ndjson, ${memoryWorkers} workers, ${count(settings.contacts)} contacts, parts of ${thousands(partRows)} rows`);
        small = await runExport(context, {
          label: `mem-small`,
          simulator,
          contacts: settings.contacts,
          format: 'ndjson',
          workers: memoryWorkers,
          concurrency: settings.concurrency,
          rangeRows,
          partRows,
          timeoutMs: settings.timeoutMs,
        });
        progress(`   ${small.ok ? `${thousands(small.rowsPerSecond)} rows/s, peak RSS ${fixed(small.peakRssMb, 0)} MB` : `FAILED: ${small.error}`}`);
      }
      progress(`memory: ndjson, ${memoryWorkers} workers, ${count(settings.big)} contacts`);
      const bigSimulator = await services.startSimulator({ contacts: settings.big });
      const big = await runExport(context, {
        label: `mem-big`,
        simulator: bigSimulator,
        contacts: settings.big,
        format: 'ndjson',
        workers: memoryWorkers,
        concurrency: settings.concurrency,
        rangeRows,
        partRows,
        timeoutMs: settings.timeoutMs * Math.max(1, settings.big / settings.contacts),
        onProgress: progress,
      });
      await services.closeSimulator(bigSimulator.id);
      progress(`   ${big.ok ? `${thousands(big.rowsPerSecond)} rows/s, peak RSS ${fixed(big.peakRssMb, 0)} MB` : `FAILED: ${big.error}`}`);
      results.memory = { ...(small ? { small } : {}), big };
    };
    const throttledWork = async () => {
      if (!settings.sections.has('latency') && !settings.sections.has('budget')) return;
      const throttledContext = await BenchContext.create(settings.redisUrl ? { redisUrl: settings.redisUrl } : {});
      try {
        if (settings.sections.has('latency')) {
          const { latency } = settings;
          progress(
            `latency: ${latency.latencyMs.join('-')} ms per page, ${latency.budget.limit} requests per ${latency.budget.windowMs / 1000} s; fleet and naive loop side by side for ${latency.durationMs / 1000} s`,
          );
          const [fleet, naive] = await Promise.all([
            sampleFleet(throttledContext, {
              label: 'latency',
              contacts: latency.contacts,
              budget: latency.budget,
              workers: latency.workers,
              concurrency: latency.concurrency,
              format: 'parquet',
              fullContact: true,
              pageSize: 1000,
              rangeRows: 25_000,
              partRows: 5000,
              durationMs: latency.durationMs,
              latencyMs: latency.latencyMs,
            }),
            sampleNaive(throttledContext, {
              contacts: latency.contacts,
              budget: latency.budget,
              latencyMs: latency.latencyMs,
              fullContact: true,
              durationMs: latency.durationMs,
            }),
          ]);
          results.latency = { fleet, naive };
        }
        if (settings.sections.has('budget')) {
          const { budget } = settings;
          for (const workers of budget.fleets) {
            progress(
              `budget: ${workers} worker(s) x ${budget.concurrency} against ${budget.budget.limit} requests per ${budget.budget.windowMs / 1000} s for ${budget.durationMs / 1000} s`,
            );
            const sample = await sampleFleet(throttledContext, {
              label: `budget-${workers}w`,
              contacts: budget.contacts,
              budget: budget.budget,
              workers,
              concurrency: budget.concurrency,
              format: 'ndjson',
              fullContact: false,
              pageSize: 250,
              rangeRows: 12_500,
              partRows: 5000,
              durationMs: budget.durationMs,
            });
            progress(
              `   windows ${sample.use.perWindow.map((share) => percent(share)).join(' ')}; 429s ${sample.use.tooMany}${sample.error ? `; ERROR ${sample.error}` : ''}`,
            );
            results.budget.push(sample);
          }
        }
      } finally {
        await throttledContext.close();
      }
    };
    if (settings.sequential) {
      await memoryWork();
      await throttledWork();
    } else {
      await Promise.all([memoryWork(), throttledWork()]);
    }
    // Alone on the machine, after everything else of the bench: its wall times are the measurement.
    if (settings.sections.has('api-bound')) {
      const { shape, alignments, fleets, format } = settings.apiBound;
      for (const alignment of alignments) {
        results.apiBound.push(await runApiBound(context, { shape, alignment, fleets, format, progress }));
      }
    }
    // Wall times against minima too, and Redis's own CPU and memory: alone on the machine as well.
    if (settings.sections.has('accounts')) results.accounts = await runAccounts(context, settings.accounts, progress);

    if (simulator && settings.sections.has('profile')) {
      for (const format of settings.formats) {
        // BENCH_PROFILE_DIR keeps the .cpuprofile files (open them in Chrome DevTools or speedscope).
        const kept = process.env.BENCH_PROFILE_DIR;
        const directory = kept ? join(kept, format) : await mkdtemp(join(tmpdir(), `bulk-export-bench-prof-${format}-`));
        if (kept) await mkdir(directory, { recursive: true });
        try {
          progress(`profile: ${format}, 1 worker under node --cpu-prof, ${count(settings.contacts)} contacts`);
          const run = await runExport(context, {
            label: `prof-${format}`,
            simulator,
            contacts: settings.contacts,
            format,
            workers: 1,
            concurrency: settings.concurrency,
            timeoutMs: settings.timeoutMs * 2,
            cpuProfileDir: directory,
          });
          if (!run.ok) progress(`   profile run failed: ${run.error}`);
          results.profiles.push({ format, run, summary: await summariseProfiles(directory, run.window) });
        } finally {
          if (!kept) await rm(directory, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await context.close();
  }
  const elapsed = (performance.now() - benchStarted) / 1000;
  console.log(render(settings, machine, results, elapsed));
  if (settings.json)
    await writeFile(
      settings.json,
      JSON.stringify({ machine, settings: { ...settings, sections: [...settings.sections] }, results, elapsed }, null, 2),
    );
}

function render(settings: Settings, machine: ReturnType<typeof machineInfo>, results: Results, elapsedSeconds: number): string {
  const out: string[] = [];
  out.push(
    `Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB.toFixed(1)} GiB, Node ${machine.node}, Linux ${machine.kernel}`,
  );
  out.push(
    `Load average at start: ${machine.loadAverage.map((value) => value.toFixed(2)).join(' / ')} (1 / 5 / 15 min); at end: ${loadAverageText()}; ${machine.at}`,
  );
  out.push(
    `Run: ${settings.quick ? '--quick, ' : ''}${count(settings.contacts)} ${settings.fullContact ? 'FullContact ' : ''}contacts, ${settings.concurrency} ranges at once per worker, bench took ${fixed(elapsedSeconds / 60, 1)} min`,
  );
  out.push('');

  for (const pass of results.passes) out.push(...renderEndToEnd(pass, settings));
  if (results.scaling) out.push(...renderScaling(results.scaling, settings.contacts, machine.cores));
  out.push(...renderRequestsPerRow(results.requests, settings.requests.pageSize));
  if (results.fullContactMemory) out.push(...renderFullContactMemory(results.fullContactMemory));

  if (results.memory) {
    const { small, big } = results.memory;
    out.push(
      `### Memory: NDJSON, ${big.workers} workers x ${big.concurrency}, the same settings for both sizes (--range-rows ${thousands(memoryShape(settings.contacts).rangeRows)} --part-rows ${thousands(memoryShape(settings.contacts).partRows)})`,
    );
    out.push('');
    const rows = [small, big]
      .filter((run): run is ExportRunResult => run !== undefined)
      .map((run) => [
        count(run.contacts),
        run.ok ? thousands(run.rowsPerSecond) : 'FAILED',
        fixed(run.wallSeconds),
        run.ranges,
        run.parts,
        run.perWorker.map((figures) => fixed(figures.peakRssMb, 0)).join(' / '),
        fixed(run.peakRssMb, 0),
        run.perWorker.map((figures) => `${fixed(figures.halfPeaksMb[0], 0)} → ${fixed(figures.halfPeaksMb[1], 0)}`).join(' / '),
        run.roundTrips ? fixed(run.roundTrips.workers / run.pages, 1) : 'n/a',
      ]);
    out.push(
      table(
        [
          'contacts',
          'rows/s',
          'wall s',
          'ranges',
          'parts',
          'peak RSS per worker MB',
          'max',
          'highest RSS 1st half → 2nd half',
          'Redis round trips/page',
        ],
        rows,
      ),
    );
    if (small && small.ok && big.ok) {
      const growth = big.peakRssMb / small.peakRssMb - 1;
      out.push('');
      if (!settings.sequential && results.budget.length + (results.latency ? 1 : 0) > 0)
        out.push(
          `The ${count(big.contacts)} run shared the machine with the throttled scenarios below (its rows/s is not comparable; its memory is).`,
        );
      out.push(
        `Peak RSS ${count(big.contacts)} vs ${count(small.contacts)}: ${growth >= 0 ? '+' : ''}${percent(growth, 1)} (target flat, ≤+${percent(TARGETS.rssGrowth)}): ${verdict(growth <= TARGETS.rssGrowth)}; ` +
          `≤${TARGETS.peakRssMb} MB per worker: ${verdict(Math.max(big.peakRssMb, small.peakRssMb) <= TARGETS.peakRssMb)}. ` +
          `An idle worker (at "worker ready") peaks at ${fixed(Math.max(...big.perWorker.map((figures) => figures.readyPeakRssMb)), 0)} MB.`,
      );
    }
    if (big.ok) {
      // Separate runs differ by their length too (a longer run meets more of the GC's and allocator's rare
      // highs); within one run, the second half carries the same load after more rows, so a cost per row
      // would show there.
      const halves = big.perWorker.map((figures) => figures.halfPeaksMb[1] / figures.halfPeaksMb[0] - 1);
      const worst = Math.max(...halves);
      out.push(
        `Within the ${count(big.contacts)} run, highest RSS of the second half vs the first, per worker: ` +
          `${halves.map((growth) => `${growth >= 0 ? '+' : ''}${percent(growth, 1)}`).join(' / ')} (flat, ≤+${percent(TARGETS.rssGrowth)}): ${verdict(worst <= TARGETS.rssGrowth)}.`,
      );
    }
    out.push('');
  }

  if (results.latency) {
    const { fleet, naive } = results.latency;
    const { budget, latencyMs } = settings.latency;
    const perHour = (budget.limit * 3_600_000) / budget.windowMs;
    out.push(
      `### Slow API: ${latencyMs.join('–')} ms per page (FullContact), budget ${budget.limit} requests per ${budget.windowMs / 1000} s (= ${thousands(perHour)}/hour, the hour shrunk ${fixed(3_600_000 / budget.windowMs, 0)}x)`,
    );
    out.push('');
    const naiveRate = naive.loop.rows / naive.loop.wallSeconds;
    out.push(
      table(
        ['who', 'windows measured', 'budget used per window', 'min', 'over time', '429s', 'rows/s', 'target ≥98% per window'],
        [
          [
            `fleet: ${fleet.workers} workers x ${fleet.concurrency}`,
            fleet.use.measured.length,
            fleet.use.perWindow.map((share) => percent(share)).join(' '),
            percent(fleet.use.minShare),
            percent(fleet.use.timeShare),
            fleet.use.tooMany,
            thousands(fleet.rowsServed / (settings.latency.durationMs / 1000)),
            fleet.error ? `ERROR ${fleet.error.split('\n')[0]}` : verdict(fleet.use.minShare >= TARGETS.budgetPerWindow),
          ],
          [
            'naive loop (1 request at a time)',
            naive.use.measured.length,
            naive.use.perWindow.map((share) => percent(share)).join(' '),
            percent(naive.use.minShare),
            percent(naive.use.timeShare),
            naive.use.tooMany,
            thousands(naiveRate),
            `cannot: ${percent(naive.use.meanShare)}`,
          ],
        ],
      ),
    );
    out.push('');
    out.push(
      "Windows are the server's (grouped by the X-RateLimit-Reset of every answer); the first (start-up and planning) and the last (cut off) are not measured. " +
        '"Over time" counts the gaps between windows as unused budget: after a spent window the fleet waits for the whole-second reset and one probe (1–2 s here), a fixed cost that does not shrink with the time scale.',
    );
    out.push('');
  }

  if (results.budget.length > 0) {
    const { budget } = settings.budget;
    out.push(
      `### Shared budget: ${budget.limit} requests per ${budget.windowMs / 1000} s on the simulator and in --rate-limit, page size 250, no latency`,
    );
    out.push('');
    out.push(
      table(
        ['workers', 'windows measured', 'budget used per window', 'min', 'over time', '429s', 'target ≥98% per window, no 429'],
        results.budget.map((sample) => [
          `${sample.workers} x ${sample.concurrency}`,
          sample.use.measured.length,
          sample.use.perWindow.map((share) => percent(share)).join(' '),
          percent(sample.use.minShare),
          percent(sample.use.timeShare),
          sample.use.tooMany,
          sample.error
            ? `ERROR ${sample.error.split('\n')[0]}`
            : verdict(sample.use.minShare >= TARGETS.budgetPerWindow && sample.use.tooMany === 0 && sample.use.measured.length > 0),
        ]),
      ),
    );
    out.push('');
  }

  for (const apiBound of results.apiBound) out.push(...renderApiBound(apiBound));
  if (results.timing) out.push(...renderTiming(results.timing));
  if (results.liveness) out.push(...renderLiveness(results.liveness));
  if (results.accounts) out.push(...renderAccounts(results.accounts));

  for (const { format, run, summary } of results.profiles) {
    out.push(
      `### CPU profile: ${format}, 1 worker x ${run.concurrency}, ${count(run.rows)} rows, ${fixed(run.wallSeconds)} s (samples from start to commit only)`,
    );
    out.push('');
    out.push(
      `Samples (wall time between samples of a busy thread, so shares matter more than seconds): ${summary.threads
        .filter((thread) => thread.ms > 0)
        .map((thread) => `${thread.role} ${fixed(thread.ms / 1000, 1)} s`)
        .join(', ')}; /proc counted ${fixed(run.workerCpuSeconds, 1)} CPU s.`,
    );
    out.push('');
    out.push(
      table(
        ['self', 'share', 'function', 'thread', 'where', 'called mostly from'],
        summary.functions.map((entry) => [
          `${fixed(entry.ms / 1000, 2)} s`,
          percent(entry.ms / summary.totalMs, 1),
          entry.name,
          entry.thread,
          entry.where,
          entry.caller,
        ]),
      ),
    );
    out.push('');
    out.push(`By area: ${summary.areas.map((area) => `${area.area} ${percent(area.ms / summary.totalMs)}`).join(', ')}`);
    out.push('');
  }
  return out.join('\n');
}

await main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
