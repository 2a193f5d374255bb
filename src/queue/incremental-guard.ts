import type { Redis } from 'ioredis';
import { BulkExportError } from '../errors/index.js';
import { readExportStatus } from './export-status.js';

/** Replaces the value only if it is still `ARGV[1]` ('' = absent); sets a TTL when `ARGV[3]` > 0. */
const COMPARE_AND_SET = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) return 1 end
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) else redis.call('SET', KEYS[1], ARGV[2]) end
return 1
`;

/** How long a planner may hold the slot before another start may take it (a crashed planner). */
const PLANNING_TTL_MS = 10 * 60_000;

/** Another incremental export of the same source, filter and destination is planned or running. */
export class IncrementalRunningError extends BulkExportError {
  constructor(
    readonly watermarkUrl: string,
    readonly runningExportId: string | null,
  ) {
    super(
      'INCREMENTAL_RUNNING',
      runningExportId
        ? `Incremental export ${runningExportId} of the same source and destination (watermark ${watermarkUrl}) is still running; ` +
            `a second one would start from the same watermark. Wait for it (bulk-export status ${runningExportId} --watch) or cancel it.`
        : `Another incremental export of the same source and destination (watermark ${watermarkUrl}) is being planned right now; try again in a moment.`,
    );
  }
}

/**
 * One incremental export at a time per watermark: two at once would both start from the same watermark
 * and write the same changes twice. `<prefix>:incremental:<watermark url>` holds `planning:<exportId>`
 * (with a TTL) while `start` plans, then the id of the export, which blocks the next start while its
 * state is running or paused (a committed, failed or cancelled one does not).
 */
export class IncrementalGuard {
  private constructor(
    private readonly redis: Redis,
    private readonly key: string,
    private readonly exportId: string,
  ) {}

  static async acquire(redis: Redis, prefix: string, watermarkUrl: string, exportId: string): Promise<IncrementalGuard> {
    const key = `${prefix}:incremental:${watermarkUrl}`;
    const current = (await redis.get(key)) ?? '';
    if (current.startsWith('planning:')) throw new IncrementalRunningError(watermarkUrl, null);
    if (current !== '') {
      const status = await readExportStatus(redis, prefix, current);
      if (status && (status.state === 'running' || status.state === 'paused')) throw new IncrementalRunningError(watermarkUrl, current);
    }
    const taken = await redis.eval(COMPARE_AND_SET, 1, key, current, `planning:${exportId}`, PLANNING_TTL_MS);
    if (taken !== 1) throw new IncrementalRunningError(watermarkUrl, null);
    return new IncrementalGuard(redis, key, exportId);
  }

  /** The export is enqueued: it holds the slot until it stops running. */
  async enqueued(): Promise<void> {
    await this.redis.eval(COMPARE_AND_SET, 1, this.key, `planning:${this.exportId}`, this.exportId, 0);
  }

  /** Planning failed: free the slot at once. */
  async release(): Promise<void> {
    await this.redis.eval(COMPARE_AND_SET, 1, this.key, `planning:${this.exportId}`, '', 0).catch(() => undefined);
  }
}
