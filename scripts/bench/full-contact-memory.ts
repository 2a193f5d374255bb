// Peak memory of one worker exporting FullContact records to Parquet: the heaviest case (records 5–8
// times larger than abbreviated ones, parts of up to --part-rows rows held in Arrow columns, the Parquet
// encoder's WebAssembly memory), with what the memory was made of at the peak.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext } from './context.js';
import { runExport, type ExportRunResult } from './export-run.js';
import { MEMORY_PROBE, readMemoryBreakdowns, type MemoryBreakdown } from './memory-breakdown.js';
import { fixed, table, thousands, verdict } from './report.js';
import { TARGETS } from './targets.js';

export interface FullContactMemory {
  run: ExportRunResult;
  rangeRows: number;
  breakdown?: MemoryBreakdown;
}

/**
 * Ranges of `rangeRows` (at least --part-rows, so that every range fills whole parts, as in a big
 * export) and the default parts (5,000 FullContact rows); `concurrency` ranges at once hold that many parts.
 */
export async function runFullContactMemory(
  context: BenchContext,
  options: { contacts: number; rangeRows: number; concurrency: number; timeoutMs: number },
): Promise<FullContactMemory> {
  const simulator = await context.services.startSimulator({ contacts: options.contacts });
  const directory = await mkdtemp(join(tmpdir(), 'bulk-export-bench-memory-'));
  try {
    const run = await runExport(context, {
      label: 'mem-full-contact',
      simulator,
      contacts: options.contacts,
      format: 'parquet',
      workers: 1,
      concurrency: options.concurrency,
      rangeRows: options.rangeRows,
      fullContact: true,
      timeoutMs: options.timeoutMs,
      workerNodeOptions: `--import ${MEMORY_PROBE}`,
      workerVariables: { BENCH_MEMORY_DIR: directory },
    });
    const [breakdown] = await readMemoryBreakdowns(directory);
    return { run, rangeRows: options.rangeRows, ...(breakdown ? { breakdown } : {}) };
  } finally {
    await context.services.closeSimulator(simulator.id);
    await rm(directory, { recursive: true, force: true });
  }
}

export function renderFullContactMemory(result: FullContactMemory): string[] {
  const { run, breakdown } = result;
  const out: string[] = [];
  out.push(
    `### Memory, FullContact: Parquet, 1 worker x ${run.concurrency}, ${thousands(run.contacts)} contacts, --range-rows ${thousands(result.rangeRows)}, default parts (5,000 FullContact rows)`,
  );
  out.push('');
  const at = breakdown?.atPeak;
  const rest =
    breakdown && at
      ? breakdown.rssPeakMb - at.main.heapTotalMb - at.main.externalMb - at.others.heapTotalMb - at.others.externalMb - at.others.wasmMb
      : undefined;
  out.push(
    table(
      [
        'rows',
        'wall s',
        'rows/s',
        'peak RSS MB (VmHWM)',
        `target ≤${TARGETS.peakRssMb}`,
        'highest sampled RSS',
        'at it: main heap used / total',
        'main external (ArrayBuffers)',
        'encoding thread heap + external',
        'WebAssembly memory',
        'rest (code, stacks, allocator)',
      ],
      [
        [
          run.ok ? thousands(run.rows) : `FAILED: ${(run.error ?? '').split('\n')[0]!.slice(0, 60)}`,
          fixed(run.wallSeconds),
          thousands(run.rowsPerSecond),
          fixed(run.peakRssMb, 0),
          run.ok ? verdict(run.peakRssMb <= TARGETS.peakRssMb) : '',
          breakdown ? fixed(breakdown.rssPeakMb, 0) : 'n/a',
          at ? `${fixed(at.main.heapUsedMb, 0)} / ${fixed(at.main.heapTotalMb, 0)}` : 'n/a',
          at ? `${fixed(at.main.externalMb, 0)} (${fixed(at.main.arrayBuffersMb, 0)})` : 'n/a',
          at ? `${fixed(at.others.heapTotalMb, 0)} + ${fixed(at.others.externalMb, 0)}` : 'n/a',
          at ? fixed(at.others.wasmMb + at.main.wasmMb, 0) : 'n/a',
          rest === undefined ? 'n/a' : fixed(rest, 0),
        ],
      ],
    ),
  );
  out.push('');
  if (breakdown) {
    const top = breakdown.highest;
    out.push(
      `Highest at any time: main heap ${fixed(top.main.heapTotalMb, 0)} MB (used ${fixed(top.main.heapUsedMb, 0)}), main external ${fixed(top.main.externalMb, 0)} MB ` +
        `(ArrayBuffers ${fixed(top.main.arrayBuffersMb, 0)}), encoding thread heap ${fixed(top.others.heapTotalMb, 0)} MB, external ${fixed(top.others.externalMb, 0)} MB, WebAssembly memory ${fixed(top.others.wasmMb, 0)} MB. ` +
        'Sampled every 100 ms in each thread by a preloaded probe (scripts/bench/memory-probe.mjs); "rest" is RSS less the heaps (reserved size), external memory and WebAssembly memory.',
    );
    out.push('');
  }
  return out;
}
