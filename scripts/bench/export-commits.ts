// When each of many exports of one queue prefix committed (or failed), from one listener on the export
// and range queues' events, so that waiting for 500 exports takes two connections, not a thousand.
import { Queue, QueueEvents } from '../../src/queue/bullmq.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from '../../src/queue/queue-names.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';

export interface ExportOutcome {
  /** Redis time (epoch ms) of the export job's `completed` event: the commit. */
  committedAtMs?: number;
  failure?: string;
}

export class ExportCommits {
  private readonly outcomes = new Map<string, ExportOutcome>();
  private readonly listeners = new Set<() => void>();
  private readonly connections;
  private readonly exportEvents: QueueEvents;
  private readonly rangeEvents: QueueEvents;

  private constructor(
    redisUrl: string,
    private readonly prefix: string,
  ) {
    this.connections = [createRedisConnection(redisUrl, 'bench:commits'), createRedisConnection(redisUrl, 'bench:commits')];
    this.exportEvents = new QueueEvents(EXPORT_QUEUE, { connection: this.connections[0]!, prefix });
    this.rangeEvents = new QueueEvents(RANGE_QUEUE, { connection: this.connections[1]!, prefix });
    const at = (id: string) => Number(id.split('-')[0]);
    this.exportEvents.on('completed', ({ jobId }, id) => this.note(jobId, { committedAtMs: at(id) }));
    this.exportEvents.on('failed', ({ jobId, failedReason }) => this.note(jobId, { failure: failedReason }));
    this.rangeEvents.on('failed', ({ jobId, failedReason }) => {
      // Range job ids are `<export id>-r<index>`; a range that failed for good fails its export.
      const exportId = jobId.replace(/-r\d+$/, '');
      this.note(exportId, { failure: `range ${jobId.slice(exportId.length + 2)} failed: ${failedReason}` });
    });
  }

  /** Listening before any export starts, so that no commit is missed. */
  static async listen(redisUrl: string, prefix: string): Promise<ExportCommits> {
    const commits = new ExportCommits(redisUrl, prefix);
    await Promise.all([commits.exportEvents.waitUntilReady(), commits.rangeEvents.waitUntilReady()]);
    return commits;
  }

  outcome(exportId: string): ExportOutcome | undefined {
    return this.outcomes.get(exportId);
  }

  /** Resolves once every export of `exportIds` committed or failed, or after `timeoutMs` (the rest then have no outcome). */
  async settled(exportIds: readonly string[], timeoutMs: number): Promise<void> {
    const done = () => exportIds.every((id) => this.outcomes.has(id));
    if (done()) return;
    await new Promise<void>((resolve) => {
      const check = () => {
        if (!done()) return;
        finish();
      };
      const timer = setTimeout(() => finish(), timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  /** Fills in, from the queue, commits whose events went unseen (none should). */
  async readMissing(exportIds: readonly string[]): Promise<void> {
    const connection = this.connections[0]!.duplicate();
    const queue = new Queue(EXPORT_QUEUE, { connection, prefix: this.prefix });
    try {
      for (const exportId of exportIds) {
        if (this.outcomes.has(exportId)) continue;
        const job = await queue.getJob(exportId);
        if (job?.finishedOn && (await job.getState()) === 'completed') this.outcomes.set(exportId, { committedAtMs: job.finishedOn });
      }
    } finally {
      await queue.close();
      connection.disconnect();
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.exportEvents.close(), this.rangeEvents.close()]);
    for (const connection of this.connections) connection.disconnect();
  }

  private note(exportId: string, outcome: ExportOutcome): void {
    if (this.outcomes.get(exportId)?.committedAtMs !== undefined) return;
    this.outcomes.set(exportId, { ...this.outcomes.get(exportId), ...outcome });
    for (const listener of [...this.listeners]) listener();
  }
}
