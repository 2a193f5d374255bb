// What a worker's memory was made of at its RSS peak, from the samples memory-probe.mjs wrote in each of
// its threads (the main thread's heap and buffers, the encoding thread's heap and WebAssembly memory).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The preload that writes the samples; pass it with `--import` in NODE_OPTIONS and BENCH_MEMORY_DIR. */
export const MEMORY_PROBE = fileURLToPath(new URL('./memory-probe.mjs', import.meta.url));

/** [epoch ms, rss, heapTotal, heapUsed, external, arrayBuffers, wasm memory], bytes. */
type Sample = [number, number, number, number, number, number, number];

interface ThreadSamples {
  pid: number;
  thread: number;
  main: boolean;
  samples: Sample[];
}

export interface ThreadMemory {
  heapTotalMb: number;
  heapUsedMb: number;
  /** Memory outside the V8 heap that V8 knows of, ArrayBuffers included. */
  externalMb: number;
  arrayBuffersMb: number;
  wasmMb: number;
}

export interface MemoryBreakdown {
  pid: number;
  /** Highest RSS sampled (every 100 ms, so at most the kernel's VmHWM). */
  rssPeakMb: number;
  /** At the sample with the highest RSS: the main thread, and the other threads (the encoding thread) at their nearest sample. */
  atPeak: { main: ThreadMemory; others: ThreadMemory };
  /** The highest each figure reached at any time. */
  highest: { main: ThreadMemory; others: ThreadMemory };
}

const MB = 2 ** 20;

function memoryOf(sample: Sample | undefined): ThreadMemory {
  if (!sample) return { heapTotalMb: 0, heapUsedMb: 0, externalMb: 0, arrayBuffersMb: 0, wasmMb: 0 };
  return {
    heapTotalMb: sample[2] / MB,
    heapUsedMb: sample[3] / MB,
    externalMb: sample[4] / MB,
    arrayBuffersMb: sample[5] / MB,
    wasmMb: sample[6] / MB,
  };
}

function sum(parts: ThreadMemory[]): ThreadMemory {
  const total = memoryOf(undefined);
  for (const part of parts) {
    total.heapTotalMb += part.heapTotalMb;
    total.heapUsedMb += part.heapUsedMb;
    total.externalMb += part.externalMb;
    total.arrayBuffersMb += part.arrayBuffersMb;
    total.wasmMb += part.wasmMb;
  }
  return total;
}

function highest(samples: readonly Sample[]): ThreadMemory {
  const top = memoryOf(undefined);
  for (const sample of samples) {
    const memory = memoryOf(sample);
    top.heapTotalMb = Math.max(top.heapTotalMb, memory.heapTotalMb);
    top.heapUsedMb = Math.max(top.heapUsedMb, memory.heapUsedMb);
    top.externalMb = Math.max(top.externalMb, memory.externalMb);
    top.arrayBuffersMb = Math.max(top.arrayBuffersMb, memory.arrayBuffersMb);
    top.wasmMb = Math.max(top.wasmMb, memory.wasmMb);
  }
  return top;
}

function nearest(samples: readonly Sample[], at: number): Sample | undefined {
  let best: Sample | undefined;
  for (const sample of samples) if (!best || Math.abs(sample[0] - at) < Math.abs(best[0] - at)) best = sample;
  return best;
}

/** One breakdown per worker process found in `directory`. */
export async function readMemoryBreakdowns(directory: string): Promise<MemoryBreakdown[]> {
  const threads: ThreadSamples[] = [];
  for (const name of await readdir(directory)) {
    if (!name.endsWith('.json')) continue;
    threads.push(JSON.parse(await readFile(join(directory, name), 'utf8')) as ThreadSamples);
  }
  const breakdowns: MemoryBreakdown[] = [];
  for (const main of threads.filter((thread) => thread.main && thread.samples.length > 0)) {
    const others = threads.filter((thread) => thread.pid === main.pid && !thread.main);
    const peak = main.samples.reduce((best, sample) => (sample[1] > best[1] ? sample : best));
    breakdowns.push({
      pid: main.pid,
      rssPeakMb: peak[1] / MB,
      atPeak: { main: memoryOf(peak), others: sum(others.map((thread) => memoryOf(nearest(thread.samples, peak[0])))) },
      highest: { main: highest(main.samples), others: sum(others.map((thread) => highest(thread.samples))) },
    });
  }
  return breakdowns;
}
