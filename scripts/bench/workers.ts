// Real `bin/bulk-export.js worker` processes, with their CPU time and peak RSS read from /proc.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { CpuCap } from './cpu-cap.js';
import { halfPeaks, ProcessSampler } from './proc.js';

export const CLI = fileURLToPath(new URL('../../bin/bulk-export.js', import.meta.url));
const OUTPUT_TAIL = 20_000;

export interface WorkerFigures {
  pid: number;
  /** CPU seconds (all threads) from "worker ready" to the reading. */
  cpuSeconds: number;
  /** The kernel's share of it (system time: socket writes and reads, page faults). */
  systemSeconds: number;
  peakRssMb: number;
  /** Highest RSS in the first and the second half of the run (since the last markCpu). */
  halfPeaksMb: [number, number];
  /** Peak RSS when the worker said it was ready (before any job): the floor of its memory. */
  readyPeakRssMb: number;
}

export class BenchWorker {
  private output = '';
  private cpuAtReady = 0;
  private systemAtReady = 0;
  private markedAtMs = 0;
  private readyPeakRssMb = 0;
  private readonly bornAt = Date.now();
  readonly sampler: ProcessSampler;

  private constructor(
    readonly child: ChildProcess,
    private readonly cpuCap: CpuCap | undefined,
  ) {
    this.sampler = new ProcessSampler(child.pid!);
    child.once('exit', () => cpuCap?.remove());
    child.stderr!.on('data', (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL);
    });
  }

  /**
   * Starts a worker and resolves once it logged that it is ready. `cpuProfileDir` runs it under
   * `node --cpu-prof`; `cpuCapCores` limits it (every thread) to that many cores.
   */
  static async start(env: NodeJS.ProcessEnv, concurrency: number, options: WorkerOptions = {}): Promise<BenchWorker> {
    const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : [];
    const child = spawn(process.execPath, [...nodeArgs, CLI, 'worker', '--concurrency', String(concurrency)], {
      env: { ...env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let cpuCap: CpuCap | undefined;
    if (options.cpuCapCores !== undefined) {
      cpuCap = CpuCap.create(`bulk-export-bench-${child.pid}`, options.cpuCapCores);
      cpuCap.add(child.pid!);
    }
    const worker = new BenchWorker(child, cpuCap);
    await new Promise<void>((resolve, reject) => {
      const onData = () => {
        if (worker.output.includes('"worker ready"')) {
          child.stderr!.off('data', onData);
          resolve();
        }
      };
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready:\n${worker.output.slice(-2000)}`)));
    });
    worker.markCpu();
    worker.readyPeakRssMb = worker.sampler.peakRssMb;
    return worker;
  }

  /** CPU since ready and peak RSS, read now (call before stopping it). */
  figures(): WorkerFigures {
    const { cpuSeconds, systemSeconds, peakRssMb } = this.sampler.sample();
    return {
      pid: this.child.pid!,
      cpuSeconds: cpuSeconds - this.cpuAtReady,
      systemSeconds: systemSeconds - this.systemAtReady,
      peakRssMb,
      halfPeaksMb: halfPeaks(this.sampler.rssSeries, this.markedAtMs, Date.now() - this.bornAt),
      readyPeakRssMb: this.readyPeakRssMb,
    };
  }

  /** Restarts the CPU count from now (e.g. after a warm-up). */
  markCpu(): void {
    const { cpuSeconds, systemSeconds } = this.sampler.sample();
    this.cpuAtReady = cpuSeconds;
    this.systemAtReady = systemSeconds;
    this.markedAtMs = Date.now() - this.bornAt;
  }

  tail(): string {
    return this.output.slice(-2000);
  }

  /** SIGTERM and wait for the exit (SIGKILL after `graceMs`). */
  async stop(graceMs = 15_000): Promise<void> {
    this.sampler.stop();
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    this.sampler.stop();
    const child = this.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
}

export interface WorkerOptions {
  cpuProfileDir?: string;
  cpuCapCores?: number;
}

export async function startWorkers(count: number, env: NodeJS.ProcessEnv, concurrency: number, options: WorkerOptions = {}): Promise<BenchWorker[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => BenchWorker.start(env, concurrency, options)));
  const workers = started.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failure = started.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) {
    await Promise.all(workers.map((worker) => worker.kill()));
    throw failure.reason;
  }
  return workers;
}
