import type { Redis } from 'ioredis';
import { BulkExportError } from '../errors/index.js';
import { parseCheckpoint, type RangeCheckpoint } from './range-checkpoint.js';

/**
 * Replaces the checkpoint only if its stored `nextSequence` is the one the writer started from
 * (0 when none is stored): a worker that lost its job to another (stalled lock, restart) cannot
 * move the range backwards or commit the same sequence twice. The same checkpoint already stored is a
 * success: the client sends a script again whose reply a connection lost (a Redis restart or failover
 * after the write), and that second run must not report a conflict, or the part the first run recorded
 * would be deleted as another worker's.
 */
const ADVANCE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current == ARGV[2] then return -1 end
local stored = 0
if current then stored = cjson.decode(current).nextSequence end
if stored ~= tonumber(ARGV[1]) then return stored end
redis.call('SET', KEYS[1], ARGV[2])
return -1
`;

/** The checkpoint moved on without us: another worker owns the range now. */
export class CheckpointConflictError extends BulkExportError {
  constructor(exportId: string, rangeIndex: number, expected: number, found: number) {
    super(
      'CHECKPOINT_CONFLICT',
      `Range ${rangeIndex} of ${exportId} was advanced by another worker (expected part ${expected}, found ${found}); this attempt stops.`,
    );
  }
}

/** Range checkpoints in Redis, one key per range, next to the export's queues. */
export class CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(exportId: string, rangeIndex: number): string {
    return `${this.prefix}:checkpoint:${exportId}:${rangeIndex}`;
  }

  async load(exportId: string, rangeIndex: number): Promise<RangeCheckpoint | undefined> {
    const text = await this.redis.get(this.key(exportId, rangeIndex));
    return text ? parseCheckpoint(text) : undefined;
  }

  async loadAll(exportId: string, rangeCount: number): Promise<(RangeCheckpoint | undefined)[]> {
    if (rangeCount === 0) return [];
    const keys = Array.from({ length: rangeCount }, (_, index) => this.key(exportId, index));
    const texts = await this.redis.mget(...keys);
    return texts.map((text) => (text ? parseCheckpoint(text) : undefined));
  }

  /** Stores `next` if the range still stands at `expectedSequence`; throws CheckpointConflictError otherwise. */
  async advance(exportId: string, rangeIndex: number, expectedSequence: number, next: RangeCheckpoint): Promise<void> {
    const found = (await this.redis.eval(ADVANCE_SCRIPT, 1, this.key(exportId, rangeIndex), expectedSequence, JSON.stringify(next))) as number;
    if (found !== -1) throw new CheckpointConflictError(exportId, rangeIndex, expectedSequence, found);
  }

  /** Unconditional write, for rebuilding state from S3. */
  async save(exportId: string, rangeIndex: number, checkpoint: RangeCheckpoint): Promise<void> {
    await this.redis.set(this.key(exportId, rangeIndex), JSON.stringify(checkpoint));
  }

  async deleteAll(exportId: string, rangeCount: number): Promise<void> {
    const keys = Array.from({ length: rangeCount }, (_, index) => this.key(exportId, index));
    if (keys.length > 0) await this.redis.del(...keys);
  }
}
