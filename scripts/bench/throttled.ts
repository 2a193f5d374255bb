// Scenarios against a rate-limited simulator: how much of the request budget a fleet spends, and how
// many 429s it meets, sampled for a fixed time (the exports are not run to the end).
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startExport } from '../../src/queue/operations/start-export.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import type { FaultOptions } from '../../simulators/virtuous/index.js';
import type { PartFormat } from '../../src/sinks/part-format.js';
import { sleep, type BenchContext } from './context.js';
import { runPageLoop } from './page-loop-client.js';
import type { PageLoopResult } from './page-loop.js';
import { loadAverageText } from './proc.js';
import { budgetUse, type BudgetUse } from './windows.js';
import { startWorkers, type BenchWorker } from './workers.js';

export interface Budget {
  limit: number;
  windowMs: number;
}

export interface FleetSampleOptions {
  label: string;
  contacts: number;
  budget: Budget;
  workers: number;
  concurrency: number;
  format: PartFormat;
  fullContact: boolean;
  pageSize: number;
  rangeRows: number;
  partRows: number;
  /** How long the fleet runs once its workers are working. */
  durationMs: number;
  /** Latency turned on after planning (planning's take=1 probes are fast on the real API). */
  latencyMs?: FaultOptions['latencyMs'];
}

export interface FleetSample {
  label: string;
  workers: number;
  concurrency: number;
  use: BudgetUse;
  requests: number;
  rowsServed: number;
  peakRssMb: number;
  loadAverage: string;
  error?: string;
}

export async function sampleFleet(context: BenchContext, options: FleetSampleOptions): Promise<FleetSample> {
  const { services } = context;
  const simulator = await services.startSimulator({
    contacts: options.contacts,
    rateLimit: { limit: options.budget.limit, windowMs: options.budget.windowMs },
    record: true,
  });
  const prefix = context.prefix(options.label);
  const env = context.workerEnv(prefix, simulator);
  const connection = createRedisConnection(context.redis.url, 'bench:start');
  let workers: BenchWorker[] = [];
  const base = { label: options.label, workers: options.workers, concurrency: options.concurrency };
  try {
    // Without latency the workers wait, ready, while `start` plans; with latency they start after it,
    // once the latency is on, so that planning's quick probes are not slowed down.
    if (options.latencyMs === undefined) workers = await startWorkers(options.workers, env, options.concurrency);
    await startExport(
      {
        source: 'virtuous',
        dest: `s3://${context.bucket}/${prefix.replace(/[{}]/g, '')}`,
        format: options.format,
        sourceOptions: { fullContact: options.fullContact },
        rateLimit: `${options.budget.limit}/${options.budget.windowMs / 1000}s`,
        pageSize: options.pageSize,
        rangeRows: options.rangeRows,
        partRows: options.partRows,
      },
      { environment: context.environment(env), redis: connection, logger: context.logger },
    );
    if (options.latencyMs !== undefined) {
      await services.setFaults(simulator.id, { latencyMs: options.latencyMs });
      workers = await startWorkers(options.workers, env, options.concurrency);
    }
    await sleep(options.durationMs);
    const peakRssMb = Math.max(...workers.map((worker) => worker.figures().peakRssMb));
    const records = await services.records(simulator.id);
    const stats = await services.stats(simulator.id);
    return {
      ...base,
      use: budgetUse(records, options.budget.limit, options.budget.windowMs),
      requests: stats.requests,
      rowsServed: stats.rowsServed,
      peakRssMb,
      loadAverage: loadAverageText(),
    };
  } catch (error) {
    return {
      ...base,
      use: budgetUse([], options.budget.limit, options.budget.windowMs),
      requests: 0,
      rowsServed: 0,
      peakRssMb: 0,
      loadAverage: loadAverageText(),
      error: `${error instanceof Error ? error.message : String(error)}${workers[0] ? `\n${workers[0].tail()}` : ''}`,
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
    connection.disconnect();
    await services.closeSimulator(simulator.id);
    await context.dropPrefix(prefix);
    await services.purge(prefix.replace(/[{}]/g, ''));
  }
}

export interface NaiveSample {
  use: BudgetUse;
  loop: PageLoopResult;
}

/** The naive loop (one process, one request at a time) against the same throttled, slow API. */
export async function sampleNaive(
  context: BenchContext,
  options: { contacts: number; budget: Budget; latencyMs: FaultOptions['latencyMs']; fullContact: boolean; durationMs: number },
): Promise<NaiveSample> {
  const { services } = context;
  const simulator = await services.startSimulator({
    contacts: options.contacts,
    rateLimit: { limit: options.budget.limit, windowMs: options.budget.windowMs },
    faults: { latencyMs: options.latencyMs },
    record: true,
  });
  const outFile = join(tmpdir(), `bulk-export-bench-naive-latency-${process.pid}.ndjson`);
  try {
    const loop = await runPageLoop({
      mode: 'naive',
      url: simulator.url,
      token: simulator.token,
      take: 1000,
      fullContact: options.fullContact,
      maxSeconds: options.durationMs / 1000,
      outFile,
    });
    const records = await services.records(simulator.id);
    return { use: budgetUse(records, options.budget.limit, options.budget.windowMs, false), loop };
  } finally {
    await services.closeSimulator(simulator.id);
    await rm(outFile, { force: true });
  }
}
