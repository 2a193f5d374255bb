// The API-bound runs: whole exports against a simulator that enforces a fixed-window budget and answers
// every data page after a latency, Virtuous's shrunk in time, so the budget rather than the CPU decides
// how long they take; and the naive loop against the same budget and latency.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PartFormat } from '../../src/sinks/part-format.js';
import type { RateWindowAlignment } from '../../simulators/virtuous/rate-window.js';
import { apiBoundBudget, minimumSchedule, type ApiBoundBudget, type ApiBoundShape } from './api-bound-budget.js';
import type { BenchContext } from './context.js';
import { runExport } from './export-run.js';
import { runPageLoop } from './page-loop-client.js';
import { busyShare, loadAverageText, systemCpu } from './proc.js';
import { classifyRequests, type RequestClasses } from './request-classes.js';
import type { AnswerRecord, StartedSimulator } from './services-protocol.js';
import { rateWindows } from './windows.js';

export interface ApiBoundRun {
  label: string;
  /** Worker processes (0 for the naive loop) and ranges at once per worker. */
  workers: number;
  concurrency: number;
  /** Requests the client can have in flight: workers × concurrency (1 for the naive loop). */
  inFlight: number;
  /** The budget and latency it ran against (time is shrunk less for fleets with many requests in flight). */
  budget: ApiBoundBudget;
  rows: number;
  ok: boolean;
  error?: string;
  wallSeconds: number;
  /** Both cores from the start to the commit (none for the naive loop, which runs beside the fleets). */
  coresBusy?: CoresBusy;
  /** The physical minimum at this many requests in flight, and with any number. */
  minimumSeconds: number;
  /** Ranges the export had (planned and split): a keyset-paged export has at most that many requests in flight. */
  ranges: number;
  /** The minimum with as many requests in flight as the export had ranges, when fewer than `inFlight`. */
  rangesMinimumSeconds: number;
  budgetOnlyMinimumSeconds: number;
  /** Requests the simulator counted (429s included), and what they were for (seen by the recording proxy). */
  requests: number;
  classes: RequestClasses;
  /** Requests `start` sent (planning and validation, in the bench process). */
  plannerRequests: number;
  tooMany: number;
  /** Server windows in which at least one request was counted, and in how many the minimum's perfect client counts them. */
  windowsUsed: number;
  minimumWindows: number;
  /** `start` until the ranges were enqueued. */
  planningSeconds: number;
  /** Summed over window changes: from the reset one window's answers reported until the next window's first counted request. */
  betweenWindowsSeconds: number;
  /** From the last answer until the commit was seen. */
  tailSeconds: number;
  loadAverage: string;
}

/** Worker processes and ranges at once per worker. */
export interface ApiBoundFleet {
  workers: number;
  concurrency: number;
}

export interface ApiBoundOptions {
  shape: ApiBoundShape;
  /** How the simulator places its windows (both are plausible for Virtuous; see docs/simulators/virtuous.md). */
  alignment: RateWindowAlignment;
  fleets: ApiBoundFleet[];
  format: PartFormat;
  progress: (text: string) => void;
}

export interface ApiBoundResult {
  options: Omit<ApiBoundOptions, 'progress'>;
  fleets: ApiBoundRun[];
  naive?: ApiBoundRun;
}

/**
 * Every fleet in turn, each against a simulator of its own (so each starts with a fresh server window and
 * a fresh bucket: both allow a whole window at once, and the minimum counts that), with the naive loop
 * running alongside against yet another: it waits on the latency, and takes the longest.
 */
export async function runApiBound(context: BenchContext, options: ApiBoundOptions): Promise<ApiBoundResult> {
  const { services } = context;
  const { shape } = options;
  const simulatorFor = (budget: ApiBoundBudget) =>
    services.startSimulator({
      contacts: shape.contacts,
      rateLimit: { limit: budget.limit, windowMs: budget.windowMs, alignment: options.alignment },
      record: true,
      pageLatencyMs: budget.pageLatencyMs,
    });
  const naiveBudget = apiBoundBudget(shape, 1);
  const naive = runNaive(context, options, naiveBudget, await simulatorFor(naiveBudget));
  const fleets: ApiBoundRun[] = [];
  for (const fleet of options.fleets) {
    const budget = apiBoundBudget(shape, fleet.workers * fleet.concurrency);
    options.progress(
      `api-bound (${options.alignment} windows): ${fleet.workers} worker(s) x ${fleet.concurrency}, ${options.format}, ${shape.contacts} contacts, ${budget.limit} requests per ${budget.windowMs / 1000} s, pages ${budget.pageLatencyMs} ms`,
    );
    const simulator = await simulatorFor(budget);
    try {
      fleets.push(await runFleet(context, options, budget, simulator, fleet));
    } finally {
      await services.closeSimulator(simulator.id);
    }
    const run = fleets.at(-1)!;
    options.progress(
      `   ${run.ok ? `${run.wallSeconds.toFixed(1)} s (minimum ${run.minimumSeconds.toFixed(1)} s), ${run.requests} requests, ${run.tooMany} 429s` : `FAILED: ${run.error}`}`,
    );
  }
  options.progress('api-bound: waiting for the naive loop');
  const { progress: _progress, ...settings } = options;
  return { options: settings, fleets, naive: await naive };
}

/** How busy both cores were during a run (0..1): near 1, the machine rather than the API set the pace. */
export interface CoresBusy {
  mean: number;
  busiestSecond: number;
}

/**
 * Samples both cores every second until the returned function is called with the part of the run to look
 * at (epoch ms; the workers' start-up before it is not the API's pace).
 */
function watchCores(): (fromMs: number, toMs: number) => CoresBusy {
  let previous = systemCpu();
  const seconds: { at: number; share: number }[] = [];
  const timer = setInterval(() => {
    const now = systemCpu();
    seconds.push({ at: Date.now(), share: busyShare(previous, now) });
    previous = now;
  }, 1000);
  timer.unref();
  return (fromMs, toMs) => {
    clearInterval(timer);
    const within = seconds.filter((second) => second.at - 1000 >= fromMs && second.at <= toMs).map((second) => second.share);
    return {
      mean: within.reduce((sum, share) => sum + share, 0) / Math.max(1, within.length),
      busiestSecond: Math.max(0, ...within),
    };
  };
}

async function runFleet(
  context: BenchContext,
  options: ApiBoundOptions,
  budget: ApiBoundBudget,
  simulator: StartedSimulator,
  { workers, concurrency }: ApiBoundFleet,
): Promise<ApiBoundRun> {
  const inFlight = workers * concurrency;
  const slowest = minimumSchedule(budget.pages, 1, budget).wallMs;
  const cores = watchCores();
  const run = await runExport(context, {
    label: `api-bound-${workers}w`,
    simulator,
    contacts: options.shape.contacts,
    format: options.format,
    workers,
    concurrency,
    pageSize: options.shape.pageSize,
    rateLimit: `${budget.limit}/${budget.windowMs / 1000}s`,
    timeoutMs: 2 * slowest + 120_000,
  });
  const coresBusy = cores(run.startedAtMs ?? 0, run.committedAtMs ?? Date.now());
  const records = await context.services.records(simulator.id);
  const windows = windowFigures(records);
  const startMs = run.startedAtMs ?? 0;
  const minimum = minimumSchedule(budget.pages, inFlight, budget, startMs, options.alignment);
  const minimumSeconds = minimum.wallMs / 1000;
  const rangesMinimumSeconds =
    minimumSchedule(budget.pages, Math.min(inFlight, Math.max(1, run.ranges)), budget, startMs, options.alignment).wallMs / 1000;
  const budgetOnlyMinimumSeconds = minimumSchedule(budget.pages, Infinity, budget, startMs, options.alignment).wallMs / 1000;
  const lastAnswer = records.reduce((latest, record) => Math.max(latest, record.at), 0);
  return {
    label: `${workers} worker${workers > 1 ? 's' : ''} x ${concurrency}`,
    workers,
    concurrency,
    inFlight,
    budget,
    rows: run.rows,
    ok: run.ok,
    ...(run.error ? { error: run.error } : {}),
    wallSeconds: run.wallSeconds,
    coresBusy,
    minimumSeconds,
    ranges: run.ranges,
    rangesMinimumSeconds,
    budgetOnlyMinimumSeconds,
    requests: run.apiRequests,
    classes: classifyRequests(records),
    plannerRequests: run.plannerRequests,
    tooMany: records.filter((record) => record.status === 429).length,
    windowsUsed: windows.used,
    minimumWindows: minimum.windows,
    planningSeconds: run.planningSeconds ?? 0,
    betweenWindowsSeconds: windows.betweenSeconds,
    tailSeconds: run.committedAtMs && lastAnswer ? (run.committedAtMs - lastAnswer) / 1000 : 0,
    loadAverage: run.loadAverage,
  };
}

/** The naive loop (one process, one request at a time, NDJSON to a local file) through the whole export. */
async function runNaive(
  context: BenchContext,
  options: ApiBoundOptions,
  budget: ApiBoundBudget,
  simulator: StartedSimulator,
): Promise<ApiBoundRun | undefined> {
  const outFile = join(tmpdir(), `bulk-export-bench-naive-api-bound-${process.pid}.ndjson`);
  try {
    const loop = await runPageLoop({ mode: 'naive', url: simulator.url, token: simulator.token, take: options.shape.pageSize, outFile });
    const records = await context.services.records(simulator.id);
    const stats = await context.services.stats(simulator.id);
    const windows = windowFigures(records);
    const startMs = records.reduce((first, record) => Math.min(first, record.arrivedAt), Infinity);
    const oneAtATime = minimumSchedule(budget.pages, 1, budget, startMs, options.alignment);
    return {
      label: 'naive loop (1 request at a time)',
      workers: 0,
      concurrency: 1,
      inFlight: 1,
      budget,
      rows: loop.rows,
      ok: loop.rows === options.shape.contacts,
      ...(loop.rows === options.shape.contacts ? {} : { error: `read ${loop.rows} rows, expected ${options.shape.contacts}` }),
      wallSeconds: loop.wallSeconds,
      minimumSeconds: oneAtATime.wallMs / 1000,
      ranges: 1,
      rangesMinimumSeconds: oneAtATime.wallMs / 1000,
      minimumWindows: oneAtATime.windows,
      budgetOnlyMinimumSeconds: minimumSchedule(budget.pages, Infinity, budget, startMs, options.alignment).wallMs / 1000,
      requests: stats.requests,
      classes: classifyRequests(records),
      plannerRequests: 0,
      tooMany: loop.tooMany,
      windowsUsed: windows.used,
      planningSeconds: 0,
      betweenWindowsSeconds: windows.betweenSeconds,
      tailSeconds: 0,
      loadAverage: loadAverageText(),
    };
  } catch (error) {
    options.progress(`   naive loop FAILED: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    await context.services.closeSimulator(simulator.id);
    await rm(outFile, { force: true });
  }
}

/**
 * Windows are the server's own, named by the `X-RateLimit-Reset` of every answer; a window starts with
 * its first counted request (its arrival at the proxy). Between two windows: from the reset the first
 * one's answers reported (the earliest a client reading them may send again) to the next one's start.
 */
function windowFigures(records: readonly AnswerRecord[]): { used: number; betweenSeconds: number } {
  const windows = rateWindows(records, true).filter((window) => window.accepted > 0);
  let betweenMs = 0;
  for (let index = 1; index < windows.length; index++) betweenMs += windows[index]!.firstAt - windows[index - 1]!.reset * 1000;
  return { used: windows.length, betweenSeconds: betweenMs / 1000 };
}
