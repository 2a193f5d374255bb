import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import { reportExportJobProgress } from './export-job-progress.js';

/** The least time between two updates of one export's job progress, across the fleet. */
export const EXPORT_PROGRESS_INTERVAL_MS = 1_000;

export interface ExportProgressReporterOptions {
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** Blanks the process's credentials in the texts a progress carries. */
  scrub: (text: string) => string;
  intervalMs?: number;
}

/**
 * Keeps each export's own job progress current (see export-job-progress.ts) at about one update a second
 * per export for the whole fleet, whatever the number of ranges and workers: a worker that sees one of
 * the export's ranges move (`nudge`) reports within an interval, and only after taking the export's
 * gate, a Redis key that lives for one interval; while another worker holds it, it tries again once the
 * gate expires, so the last change of a burst is reported too. `settle` reports at once: the export's
 * job finished.
 */
export class ExportProgressReporter {
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** Exports nudged here since this worker last reported them. */
  private readonly unreported = new Set<string>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly intervalMs: number;
  private stopped = false;

  constructor(private readonly options: ExportProgressReporterOptions) {
    this.intervalMs = options.intervalMs ?? EXPORT_PROGRESS_INTERVAL_MS;
  }

  /** Something of the export changed here (a range's progress, a range done or failed): report it soon. */
  nudge(exportId: string): void {
    if (this.stopped) return;
    this.unreported.add(exportId);
    this.schedule(exportId, this.intervalMs);
  }

  /** The export's job completed or failed: its final progress, now. */
  settle(exportId: string): Promise<void> {
    clearTimeout(this.pending.get(exportId));
    this.pending.delete(exportId);
    this.unreported.delete(exportId);
    if (this.stopped) return Promise.resolve();
    return this.track(this.report(exportId));
  }

  /**
   * Stops reporting: waits for the updates under way, then makes the ones still due at once, so that what
   * this worker changed last (a part committed while it handed its ranges back) is not left unreported.
   */
  async close(): Promise<void> {
    this.stopped = true;
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    await Promise.all(this.inFlight);
    const due = [...this.unreported];
    this.unreported.clear();
    await Promise.all(due.map((exportId) => this.report(exportId)));
  }

  private schedule(exportId: string, delayMs: number): void {
    if (this.stopped || this.pending.has(exportId)) return;
    const timer = setTimeout(() => {
      this.pending.delete(exportId);
      void this.track(this.reportThroughGate(exportId));
    }, delayMs);
    timer.unref();
    this.pending.set(exportId, timer);
  }

  private async reportThroughGate(exportId: string): Promise<void> {
    if (this.stopped) return;
    try {
      const gate = `${this.options.prefix}:progress-gate:${exportId}`;
      if ((await this.options.redis.set(gate, '1', 'PX', this.intervalMs, 'NX')) === null) {
        // Another worker reports this interval, maybe from before what changed here: report once it is over.
        const left = await this.options.redis.pttl(gate);
        this.schedule(exportId, Math.max(1, left > 0 ? left : this.intervalMs));
        return;
      }
      this.unreported.delete(exportId);
    } catch (error) {
      this.options.logger.warn({ exportId, err: (error as Error).message }, 'could not update the export job progress');
      return;
    }
    await this.report(exportId);
  }

  private async report(exportId: string): Promise<void> {
    try {
      await reportExportJobProgress(this.options.redis, this.options.prefix, exportId, this.options.scrub);
    } catch (error) {
      this.options.logger.warn({ exportId, err: (error as Error).message }, 'could not update the export job progress');
    }
  }

  private track(work: Promise<void>): Promise<void> {
    this.inFlight.add(work);
    return work.finally(() => this.inFlight.delete(work));
  }
}
