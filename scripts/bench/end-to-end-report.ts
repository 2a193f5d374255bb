// The end-to-end tables of one pass (floor, naive loop, the export matrix, scaling, Redis round trips).
import type { PartFormat } from '../../src/sinks/part-format.js';
import type { ExportRunResult } from './export-run.js';
import type { PageLoopResult } from './page-loop.js';
import { count, fixed, percent, table, thousands, verdict } from './report.js';
import { TARGETS } from './targets.js';

/** live: the simulator generates every page; replay: it answers repeated queries with the bytes it first served. */
export type PageSource = 'live' | 'replay';

export interface EndToEndPass {
  pageSource: PageSource;
  floor?: PageLoopResult;
  naive?: PageLoopResult;
  e2e: ExportRunResult[];
}

export function renderEndToEnd(pass: EndToEndPass, settings: { contacts: number; formats: PartFormat[] }): string[] {
  const out: string[] = [];
  const floorCpuPerM = pass.floor ? (pass.floor.cpuSeconds / pass.floor.rows) * 1e6 : undefined;
  const naiveRate = pass.naive ? pass.naive.rows / pass.naive.wallSeconds : undefined;
  if (pass.floor || pass.naive || pass.e2e.length > 0) {
    out.push(
      `### End to end: ${count(settings.contacts)} contacts, unthrottled simulator, ${pass.pageSource === 'live' ? 'generating every page (live)' : 'replaying recorded pages'}`,
    );
    out.push('');
    const rows: (string | number)[][] = [];
    for (const [name, loop] of [
      ['JSON.parse floor (fetch + parse only; cheaper of 2 runs)', pass.floor],
      ['naive loop (1 process, NDJSON file)', pass.naive],
    ] as const) {
      if (!loop) continue;
      const cpuPerM = (loop.cpuSeconds / loop.rows) * 1e6;
      rows.push([
        name,
        1,
        thousands(loop.rows / loop.wallSeconds),
        fixed(loop.wallSeconds),
        fixed(cpuPerM, 2),
        floorCpuPerM ? `${fixed(cpuPerM / floorCpuPerM, 2)}x` : 'n/a',
        '',
        naiveRate ? `${fixed(loop.rows / loop.wallSeconds / naiveRate, 2)}x` : '',
        fixed(loop.peakRssMb, 0),
        '',
        '',
        fixed(loop.requests / loop.rows, 4),
        '',
        `kernel ${percent(loop.systemSeconds / loop.cpuSeconds)} of its CPU${loop.rows === settings.contacts ? '' : `; ROWS ${loop.rows}`}`,
      ]);
    }
    for (const run of pass.e2e) {
      const cpuPerM = (run.workerCpuSeconds / Math.max(1, run.rows)) * 1e6;
      const ratio = floorCpuPerM ? cpuPerM / floorCpuPerM : undefined;
      const limit = run.format === 'parquet' ? TARGETS.parquetCpuVsFloor : TARGETS.ndjsonCpuVsFloor;
      rows.push([
        `${run.format}, ${run.workers} worker${run.workers > 1 ? 's' : ''}`,
        run.workers,
        run.ok ? thousands(run.rowsPerSecond) : 'FAILED',
        fixed(run.wallSeconds),
        fixed(cpuPerM, 2),
        ratio === undefined ? 'n/a' : `${fixed(ratio, 2)}x`,
        ratio === undefined || !run.ok ? '' : `≤${limit}x ${verdict(ratio <= limit)}`,
        naiveRate ? `${fixed(run.rowsPerSecond / naiveRate, 2)}x` : '',
        fixed(run.peakRssMb, 0),
        run.ok ? `≤${TARGETS.peakRssMb} ${verdict(run.peakRssMb <= TARGETS.peakRssMb)}` : '',
        run.roundTrips ? fixed(run.roundTrips.workers / run.pages, 1) : 'n/a',
        fixed(run.apiRequests / Math.max(1, run.rows), 4),
        `${percent(run.machineBusy)} (other ${fixed(run.otherCpuSeconds, 0)} s)`,
        run.ok
          ? `${run.ranges} ranges, ${run.parts} parts; kernel ${percent(run.perWorker.reduce((sum, figures) => sum + figures.systemSeconds, 0) / run.workerCpuSeconds)} of worker CPU; sim+s3 ${fixed((run.servicesCpuSeconds / Math.max(1, run.rows)) * 1e6, 1)} s/M`
          : (run.error ?? '').split('\n')[0]!,
      ]);
    }
    out.push(
      table(
        [
          'run',
          'procs',
          'rows/s',
          'wall s',
          'CPU s per 1M rows',
          'vs floor',
          'CPU target',
          'vs naive rows/s',
          'peak RSS MB/worker',
          'RSS target',
          'Redis round trips/page',
          'API req/row',
          'both cores busy',
          'notes',
        ],
        rows,
      ),
    );
    out.push('');
    out.push(
      'CPU = user+system seconds of the worker processes (all threads) from "worker ready" to the commit, per million rows; sim+s3 = the services process (simulator + s3rver). ' +
        '"both cores busy" is /proc/stat over the run; "other" = busy CPU-seconds not used by the bench\'s own processes (other jobs on this machine).',
    );
    if (pass.floor)
      out.push(
        `Floor: JSON.parse alone took ${fixed(pass.floor.parseSeconds, 2)} s of its ${fixed(pass.floor.cpuSeconds, 2)} CPU s (${fixed(pass.floor.bytes / 2 ** 20, 0)} MiB of JSON).`,
      );
    out.push('');

    const scaling: (string | number)[][] = [];
    for (const format of settings.formats) {
      const one = pass.e2e.find((run) => run.format === format && run.workers === 1 && run.ok);
      if (!one) continue;
      for (const run of pass.e2e.filter((candidate) => candidate.format === format && candidate.workers > 1 && candidate.ok)) {
        const speedup = run.rowsPerSecond / one.rowsPerSecond;
        const efficiency = speedup / run.workers;
        const cpuPerRow = (candidate: ExportRunResult) => candidate.workerCpuSeconds / candidate.rows;
        scaling.push([
          format,
          `1 → ${run.workers}`,
          `${fixed(speedup, 2)}x`,
          percent(efficiency),
          `${cpuPerRow(run) >= cpuPerRow(one) ? '+' : ''}${percent(cpuPerRow(run) / cpuPerRow(one) - 1)}`,
          `${percent(one.machineBusy)} → ${percent(run.machineBusy)}`,
          `${fixed(one.workerCpuSeconds / one.wallSeconds, 2)} → ${fixed(run.workerCpuSeconds / run.wallSeconds, 2)}`,
        ]);
      }
    }
    if (scaling.length > 0) {
      out.push('Scaling with worker processes (throughput relative to 1 worker):');
      out.push('');
      out.push(table(['format', 'workers', 'speedup', 'efficiency', 'worker CPU per row', 'both cores busy', 'cores used by workers'], scaling));
      out.push('');
      out.push(
        'Throughput can only scale while cores are free: "both cores busy" at 1 worker says how much room the other workers had (the simulator, s3rver, Redis and other jobs share the same cores). ' +
          'The scaling target is judged in the capped runs ("Scaling" below), where each worker has a CPU limit of its own.',
      );
      out.push('');
    }
    const redisRuns = pass.e2e.filter((run) => run.ok && run.roundTrips);
    if (redisRuns.length > 0) {
      const perPage = redisRuns.map((run) => run.roundTrips!.workers / run.pages);
      const allPerPage = redisRuns.map((run) => run.roundTrips!.total / run.pages);
      const executed = redisRuns.filter((run) => run.redisCommands !== undefined).map((run) => run.redisCommands! / run.pages);
      const worst = Math.max(...perPage);
      const last = redisRuns.at(-1)!;
      out.push(
        `Redis round trips per page (commands the workers sent, MONITOR): ${fixed(Math.min(...perPage), 1)}–${fixed(worst, 1)} across runs; ` +
          `${fixed(Math.min(...allPerPage), 1)}–${fixed(Math.max(...allPerPage), 1)} with the planner and the waiting bench. Target ≤${TARGETS.redisCommandsPerPage} and constant: ${verdict(worst <= TARGETS.redisCommandsPerPage)}. ` +
          (executed.length
            ? `Commands executed per page including those Lua scripts run inside Redis (INFO commandstats): ${fixed(Math.min(...executed), 1)}–${fixed(Math.max(...executed), 1)}; `
            : '') +
          `most frequent in the last run: ${last.topRedisCommands.map(([name, calls]) => `${name} ${thousands(calls)}`).join(', ')}.`,
      );
      out.push('');
    }
  }

  return out;
}
