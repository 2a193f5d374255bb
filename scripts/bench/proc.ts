// What the kernel says about this machine and its processes (Linux /proc), for the benchmark.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  kernel: string;
  loadAverage: [number, number, number];
  at: string;
}

export function machineInfo(): MachineInfo {
  const [one, five, fifteen] = loadavg() as [number, number, number];
  let kernel = '';
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
  } catch {
    kernel = process.platform;
  }
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    kernel,
    loadAverage: [one, five, fifteen],
    at: new Date().toISOString(),
  };
}

export function loadAverageText(): string {
  return loadavg()
    .map((value) => value.toFixed(2))
    .join(' / ');
}

let clockTicks: number | undefined;
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** User and system CPU seconds of a process (every thread), or undefined once it is gone. */
export function processCpuTimes(pid: number): { user: number; system: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: Number(fields[11]) / ticksPerSecond(), system: Number(fields[12]) / ticksPerSecond() };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds of a process (every thread), or undefined once it is gone. */
export function processCpuSeconds(pid: number): number | undefined {
  const times = processCpuTimes(pid);
  return times ? times.user + times.system : undefined;
}

/** Peak resident set size (VmHWM) in MB, or undefined once the process is gone. */
export function processPeakRssMb(pid: number): number | undefined {
  return statusFieldMb(pid, 'VmHWM');
}

/** Resident set size now (VmRSS) in MB. */
export function processRssMb(pid: number): number | undefined {
  return statusFieldMb(pid, 'VmRSS');
}

function statusFieldMb(pid: number, field: string): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Whole-machine CPU jiffies (busy, total) from /proc/stat, for "how busy were both cores". */
export interface SystemCpu {
  busy: number;
  total: number;
}

export function systemCpu(): SystemCpu {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const values = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (values[3] ?? 0) + (values[4] ?? 0);
    const total = values.slice(0, 8).reduce((sum, value) => sum + value, 0);
    return { busy: total - idle, total };
  } catch {
    return { busy: 0, total: 0 };
  }
}

/** Share of all cores that was busy between two readings (0..1). */
export function busyShare(before: SystemCpu, after: SystemCpu): number {
  const total = after.total - before.total;
  return total > 0 ? (after.busy - before.busy) / total : 0;
}

/** CPU seconds all cores spent busy between two readings. */
export function busySeconds(before: SystemCpu, after: SystemCpu): number {
  return (after.busy - before.busy) / ticksPerSecond();
}

/**
 * Keeps the last CPU time and peak RSS seen for a process, sampled periodically, so the figures
 * survive a process that exits before the final reading.
 */
export class ProcessSampler {
  cpuSeconds = 0;
  systemSeconds = 0;
  peakRssMb = 0;
  /** (ms since start, RSS MB) every interval: tells a slow climb (a leak) from one early peak. */
  readonly rssSeries: [number, number][] = [];
  private readonly started = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly pid: number,
    intervalMs = 500,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): { cpuSeconds: number; systemSeconds: number; peakRssMb: number } {
    const cpu = processCpuTimes(this.pid);
    const rss = processPeakRssMb(this.pid);
    if (cpu !== undefined) {
      this.cpuSeconds = cpu.user + cpu.system;
      this.systemSeconds = cpu.system;
    }
    if (rss !== undefined) this.peakRssMb = Math.max(this.peakRssMb, rss);
    const now = processRssMb(this.pid);
    if (now !== undefined) this.rssSeries.push([Date.now() - this.started, now]);
    return { cpuSeconds: this.cpuSeconds, systemSeconds: this.systemSeconds, peakRssMb: this.peakRssMb };
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Highest RSS seen in the first and in the second half of [fromMs, toMs] (sampler time). */
export function halfPeaks(series: readonly [number, number][], fromMs: number, toMs: number): [number, number] {
  const middle = (fromMs + toMs) / 2;
  let first = 0;
  let second = 0;
  for (const [at, rss] of series) {
    if (at < fromMs || at > toMs) continue;
    if (at < middle) first = Math.max(first, rss);
    else second = Math.max(second, rss);
  }
  return [first, second];
}
