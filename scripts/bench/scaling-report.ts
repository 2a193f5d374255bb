// Scaling with worker processes when each worker has a CPU limit of its own (as a container would), so
// that workers, not the machine's two cores, are what runs out.
import type { ExportRunResult } from './export-run.js';
import { count, fixed, percent, table, thousands, verdict } from './report.js';
import { TARGETS } from './targets.js';

export interface ScalingResult {
  /** The CPU limit of every worker process, in cores. */
  capCores: number;
  runs: ExportRunResult[];
  /** Why the runs were skipped (no writable cgroup CPU controller). */
  unavailable?: string;
}

export function renderScaling(scaling: ScalingResult, contacts: number, cores: number): string[] {
  const out: string[] = [];
  out.push(
    `### Scaling: ${count(contacts)} contacts, replayed pages, every worker limited to ${scaling.capCores} core (a cgroup per worker process)`,
  );
  out.push('');
  if (scaling.unavailable) {
    out.push(`Skipped: ${scaling.unavailable}.`);
    out.push('');
    return out;
  }
  const rows: (string | number)[][] = [];
  for (const run of scaling.runs) {
    const one = scaling.runs.find((candidate) => candidate.format === run.format && candidate.workers === 1 && candidate.ok);
    const speedup = one && run.ok ? run.rowsPerSecond / one.rowsPerSecond : undefined;
    const efficiency = speedup === undefined ? undefined : speedup / run.workers;
    // Judged while the capped workers together leave the machine at least half a core for the simulator, s3rver and Redis.
    const judged = run.workers > 1 && run.workers * scaling.capCores <= cores - 0.5;
    rows.push([
      run.format,
      run.workers,
      run.ok ? thousands(run.rowsPerSecond) : 'FAILED',
      fixed(run.wallSeconds),
      speedup === undefined ? '' : `${fixed(speedup, 2)}x`,
      efficiency === undefined ? '' : percent(efficiency),
      judged && efficiency !== undefined
        ? `≥${percent(TARGETS.scalingEfficiency)} ${verdict(efficiency >= TARGETS.scalingEfficiency)}`
        : run.workers > 1
          ? '(not judged)'
          : '',
      fixed(run.workerCpuSeconds / run.wallSeconds, 2),
      fixed((run.workerCpuSeconds / Math.max(1, run.rows)) * 1e6, 2),
      percent(run.machineBusy),
    ]);
  }
  out.push(
    table(
      [
        'format',
        'workers',
        'rows/s',
        'wall s',
        'speedup',
        'efficiency',
        'target (near-linear)',
        'cores used by workers',
        'CPU s per 1M rows',
        'both cores busy',
      ],
      rows,
    ),
  );
  out.push('');
  out.push(
    `Each worker may use ${scaling.capCores} core, so the workers (not the simulator, s3rver and Redis on the same machine) are what runs out; ` +
      `runs are judged while the workers' limits add up to at most ${cores - 0.5} of the ${cores} cores.`,
  );
  out.push('');
  return out;
}
