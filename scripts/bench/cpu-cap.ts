// Caps one process's CPU (all its threads, the encoding thread too) with a cgroup of its own, as a
// container's CPU limit would. Needs a writable cgroup file system (root); cgroup v1 and v2.
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PERIOD_US = 100_000;
const V1_ROOT = '/sys/fs/cgroup/cpu';
const V2_ROOT = '/sys/fs/cgroup';

export class CpuCap {
  private constructor(private readonly directory: string) {}

  /** Why capping cannot work here, or undefined when it can. */
  static unavailableReason(): string | undefined {
    try {
      const probe = CpuCap.create(`bulk-export-bench-probe-${process.pid}`, 1);
      probe.remove();
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
  }

  /** A cgroup allowing `cores` CPUs (e.g. 0.5) in every 100 ms. */
  static create(name: string, cores: number): CpuCap {
    const quota = String(Math.round(cores * PERIOD_US));
    if (existsSync(join(V1_ROOT, 'cpu.cfs_quota_us'))) {
      const directory = join(V1_ROOT, name);
      mkdirSync(directory);
      writeFileSync(join(directory, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(directory, 'cpu.cfs_quota_us'), quota);
      return new CpuCap(directory);
    }
    if (existsSync(join(V2_ROOT, 'cgroup.controllers'))) {
      if (!readFileSync(join(V2_ROOT, 'cgroup.subtree_control'), 'utf8').split(/\s+/).includes('cpu')) {
        writeFileSync(join(V2_ROOT, 'cgroup.subtree_control'), '+cpu');
      }
      const directory = join(V2_ROOT, name);
      mkdirSync(directory);
      writeFileSync(join(directory, 'cpu.max'), `${quota} ${PERIOD_US}`);
      return new CpuCap(directory);
    }
    throw new Error('no cgroup CPU controller at /sys/fs/cgroup');
  }

  add(pid: number): void {
    writeFileSync(join(this.directory, 'cgroup.procs'), String(pid));
  }

  /** Removes the cgroup; its processes must have exited. */
  remove(): void {
    try {
      rmdirSync(this.directory);
    } catch {
      // Still busy (a process that has not been reaped yet): left behind, harmless.
    }
  }
}
