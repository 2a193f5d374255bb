// One end-to-end export measured: N real worker processes, `start` (planning) in this process, the
// simulator and s3rver in the services process, and a private Redis.
import { startExport } from '../../src/queue/operations/start-export.js';
import { readExportStatus, waitForExport } from '../../src/queue/export-status.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import type { PartFormat } from '../../src/sinks/part-format.js';
import { commandStats, diffStats, requestsMadeTo, sumCalls, type BenchContext } from './context.js';
import { monotonicMicros } from './profile.js';
import { RoundTripCounter, type RoundTrips } from './redis-round-trips.js';
import { busySeconds, busyShare, loadAverageText, systemCpu } from './proc.js';
import { startWorkers, type WorkerFigures } from './workers.js';

/** The budget the simulator advertises in its X-RateLimit-* headers when it enforces none. */
export const UNTHROTTLED_RATE_LIMIT = '1000000/1h';

export interface ExportRunOptions {
  label: string;
  simulator: { id: number; url: string; token: string };
  contacts: number;
  format: PartFormat;
  workers: number;
  concurrency: number;
  rangeRows?: number;
  partRows?: number;
  timeoutMs: number;
  /**
   * `--rate-limit`; default what the unthrottled simulator advertises (1,000,000 per hour). Left at
   * the product default (Virtuous 5,000 per hour), an export of more than ~5M rows would rightly be
   * held to 5,000 pages an hour once the first hour's budget is spent.
   */
  rateLimit?: string;
  cpuProfileDir?: string;
  /** Export FullContact records (5–8 times larger than the abbreviated ones). */
  fullContact?: boolean;
  /** `--page-size` (take); default the product's 1,000. */
  pageSize?: number;
  /** Limit every worker process to this many cores (a cgroup per worker, as a container CPU limit). */
  cpuCapCores?: number;
  /** Told every 15 s how far the export is (long runs). */
  onProgress?: (text: string) => void;
  /** Node flags for the workers, after any BENCH_WORKER_NODE_OPTIONS, and more variables for them (e.g. a memory probe's). */
  workerNodeOptions?: string;
  workerVariables?: Record<string, string>;
}

export interface ExportRunResult {
  label: string;
  format: PartFormat;
  workers: number;
  concurrency: number;
  contacts: number;
  rows: number;
  ok: boolean;
  error?: string;
  wallSeconds: number;
  rowsPerSecond: number;
  workerCpuSeconds: number;
  perWorker: WorkerFigures[];
  /** Highest peak RSS of any worker. */
  peakRssMb: number;
  servicesCpuSeconds: number;
  redisCpuSeconds: number | undefined;
  /** Share of both cores that was busy, and busy CPU-seconds not explained by our processes (other load). */
  machineBusy: number;
  otherCpuSeconds: number;
  apiRequests: number;
  plannerRequests: number;
  pages: number;
  /** Ranges the export ended with: planned, and split off running ones. */
  ranges: number;
  parts: number;
  redisCommands: number | undefined;
  topRedisCommands: [string, number][];
  roundTrips?: RoundTrips;
  /** Monotonic µs at the start and at the commit (to cut CPU profiles to the export). */
  window?: { fromUs: number; toUs: number };
  /** Epoch ms (this host's clock, as the recording proxy's) when `start` was called and when the commit was seen. */
  startedAtMs?: number;
  committedAtMs?: number;
  /** How long `start` (validation and planning) took before the ranges were enqueued. */
  planningSeconds?: number;
  loadAverage: string;
}

export async function runExport(context: BenchContext, options: ExportRunOptions): Promise<ExportRunResult> {
  const prefix = context.prefix(options.label);
  const env = { ...context.workerEnv(prefix, options.simulator), ...options.workerVariables };
  if (options.workerNodeOptions) env.NODE_OPTIONS = [env.NODE_OPTIONS, options.workerNodeOptions].filter(Boolean).join(' ');
  const environment = context.environment(env);
  const workers = await startWorkers(options.workers, env, options.concurrency, {
    ...(options.cpuProfileDir ? { cpuProfileDir: options.cpuProfileDir } : {}),
    ...(options.cpuCapCores !== undefined ? { cpuCapCores: options.cpuCapCores } : {}),
  });
  const connection = createRedisConnection(context.redis.url, 'bench:start');
  const { services } = context;
  const base = {
    label: options.label,
    format: options.format,
    workers: options.workers,
    concurrency: options.concurrency,
    contacts: options.contacts,
  };
  try {
    const statsReset = await context.resetCommandStats();
    const statsBefore = await commandStats(context.commands);
    const simBefore = await services.stats(options.simulator.id);
    const servicesCpuBefore = services.sampler.sample().cpuSeconds;
    const redisCpuBefore = context.redis.sampler?.sample().cpuSeconds;
    const plannerBefore = requestsMadeTo(options.simulator.url);
    const benchCpuBefore = process.cpuUsage();
    const cpuBefore = systemCpu();
    const roundTrips = await RoundTripCounter.start(context.redis.url, context.commands);
    for (const worker of workers) worker.markCpu();
    const started = performance.now();
    const startedAtMs = Date.now();
    const fromUs = monotonicMicros();

    const spec = await startExport(
      {
        source: 'virtuous',
        dest: `s3://${context.bucket}/${prefix.replace(/[{}]/g, '')}`,
        format: options.format,
        rateLimit: options.rateLimit ?? UNTHROTTLED_RATE_LIMIT,
        ...(options.rangeRows ? { rangeRows: options.rangeRows } : {}),
        ...(options.partRows ? { partRows: options.partRows } : {}),
        ...(options.fullContact ? { sourceOptions: { fullContact: true } } : {}),
        ...(options.pageSize ? { pageSize: options.pageSize } : {}),
      },
      { environment, redis: connection, logger: context.logger },
    );
    const planningSeconds = (performance.now() - started) / 1000;
    const plannerRequests = requestsMadeTo(options.simulator.url) - plannerBefore;
    let timer: NodeJS.Timeout | undefined;
    const ticker = options.onProgress
      ? setInterval(() => {
          void readExportStatus(connection, prefix, spec.exportId).then(
            (status) => {
              const seconds = (performance.now() - started) / 1000;
              options.onProgress!(
                `   ${options.label}: ${seconds.toFixed(0)} s, ${status?.rows ?? 0} rows committed, ranges ${status?.ranges.done ?? 0}/${status?.ranges.total ?? 0}, state ${status?.state}`,
              );
            },
            () => undefined,
          );
        }, 15_000)
      : undefined;
    await Promise.race([
      waitForExport(context.redis.url, prefix, connection, spec.exportId),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no commit within ${options.timeoutMs / 1000} s`)), options.timeoutMs);
      }),
    ]).finally(() => {
      clearTimeout(timer);
      clearInterval(ticker);
    });
    const wallSeconds = (performance.now() - started) / 1000;
    const committedAtMs = Date.now();
    const toUs = monotonicMicros();

    const perWorker = workers.map((worker) => worker.figures());
    const cpuAfter = systemCpu();
    const benchCpu = process.cpuUsage(benchCpuBefore);
    const servicesCpuSeconds = services.sampler.sample().cpuSeconds - servicesCpuBefore;
    const redisCpuSeconds = redisCpuBefore === undefined ? undefined : context.redis.sampler!.sample().cpuSeconds - redisCpuBefore;
    const simAfter = await services.stats(options.simulator.id);
    const trips = await roundTrips.stop();
    const statsAfter = await commandStats(context.commands);
    const status = await readExportStatus(connection, prefix, spec.exportId);

    const rows = status?.rows ?? 0;
    const workerCpuSeconds = perWorker.reduce((sum, figures) => sum + figures.cpuSeconds, 0);
    const apiRequests = simAfter.requests - simBefore.requests;
    // Data pages: /Query or /Query/FullContact (planning probes count on /Query and are taken off below).
    const queryRoutes = (stats: typeof simAfter) => (stats.byRoute.query ?? 0) + (stats.byRoute.fullContact ?? 0);
    const queries = queryRoutes(simAfter) - queryRoutes(simBefore);
    const pages = Math.max(1, queries - plannerRequests);
    const commands = diffStats(statsBefore, statsAfter);
    const ours = workerCpuSeconds + servicesCpuSeconds + (redisCpuSeconds ?? 0) + (benchCpu.user + benchCpu.system) / 1e6;
    return {
      ...base,
      rows,
      ok: rows === options.contacts,
      ...(rows === options.contacts ? {} : { error: `exported ${rows} rows, expected ${options.contacts}` }),
      wallSeconds,
      rowsPerSecond: rows / wallSeconds,
      workerCpuSeconds,
      perWorker,
      peakRssMb: Math.max(...perWorker.map((figures) => figures.peakRssMb)),
      servicesCpuSeconds,
      redisCpuSeconds,
      machineBusy: busyShare(cpuBefore, cpuAfter),
      otherCpuSeconds: Math.max(0, busySeconds(cpuBefore, cpuAfter) - ours),
      apiRequests,
      plannerRequests,
      pages,
      ranges: status?.ranges.total ?? spec.rangeCount,
      parts: status?.parts ?? 0,
      redisCommands: statsReset || context.redis.private ? sumCalls(commands) : undefined,
      topRedisCommands: [...commands.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6),
      roundTrips: trips,
      window: { fromUs, toUs },
      startedAtMs,
      committedAtMs,
      planningSeconds,
      loadAverage: loadAverageText(),
    };
  } catch (error) {
    return {
      ...base,
      rows: 0,
      ok: false,
      error: `${error instanceof Error ? error.message : String(error)}${workers[0] ? `\nworker log tail: ${workers[0].tail()}` : ''}`,
      wallSeconds: 0,
      rowsPerSecond: 0,
      workerCpuSeconds: 0,
      perWorker: [],
      peakRssMb: 0,
      servicesCpuSeconds: 0,
      redisCpuSeconds: undefined,
      machineBusy: 0,
      otherCpuSeconds: 0,
      apiRequests: 0,
      plannerRequests: 0,
      pages: 0,
      ranges: 0,
      parts: 0,
      redisCommands: undefined,
      topRedisCommands: [],
      loadAverage: loadAverageText(),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    connection.disconnect();
    await context.dropPrefix(prefix);
    await services.purge(prefix.replace(/[{}]/g, ''));
  }
}
