import type { Redis } from 'ioredis';
import type { RangeCheckpoint } from './range-checkpoint.js';

/** Range checkpoints in Redis, one key per range, next to the export's queues. */
export class CheckpointStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(exportId: string, rangeIndex: number): string {
    return `${this.prefix}:checkpoint:${exportId}:${rangeIndex}`;
  }

  async load(exportId: string, rangeIndex: number): Promise<RangeCheckpoint | undefined> {
    const text = await this.redis.get(this.key(exportId, rangeIndex));
    return text ? (JSON.parse(text) as RangeCheckpoint) : undefined;
  }

  async loadAll(exportId: string, rangeCount: number): Promise<(RangeCheckpoint | undefined)[]> {
    if (rangeCount === 0) return [];
    const keys = Array.from({ length: rangeCount }, (_, index) => this.key(exportId, index));
    const texts = await this.redis.mget(...keys);
    return texts.map((text) => (text ? (JSON.parse(text) as RangeCheckpoint) : undefined));
  }

  async save(exportId: string, rangeIndex: number, checkpoint: RangeCheckpoint): Promise<void> {
    await this.redis.set(this.key(exportId, rangeIndex), JSON.stringify(checkpoint));
  }

  async deleteAll(exportId: string, rangeCount: number): Promise<void> {
    const keys = Array.from({ length: rangeCount }, (_, index) => this.key(exportId, index));
    if (keys.length > 0) await this.redis.del(...keys);
  }
}
