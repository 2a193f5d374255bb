import type { Redis } from 'ioredis';
import type { ExportSpec } from './export-spec.js';

export type ExportState = 'running' | 'paused' | 'committed' | 'failed' | 'cancelled';

export interface ExportRecord {
  spec: ExportSpec;
  state: ExportState;
  rows?: number;
  parts?: number;
  error?: string;
  /** When it committed, failed or was cancelled (ISO 8601); cleared when it is retried. */
  finishedAt?: string;
}

/** The list of exports and their state, for `status` and `list`. */
export class ExportRegistry {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(exportId: string): string {
    return `${this.prefix}:export:${exportId}`;
  }

  private get indexKey(): string {
    return `${this.prefix}:exports`;
  }

  async register(spec: ExportSpec): Promise<void> {
    const record: ExportRecord = { spec, state: 'running' };
    await this.redis
      .multi()
      .set(this.key(spec.exportId), JSON.stringify(record))
      .zadd(this.indexKey, Date.parse(spec.createdAt), spec.exportId)
      .exec();
  }

  async get(exportId: string): Promise<ExportRecord | undefined> {
    const text = await this.redis.get(this.key(exportId));
    return text ? (JSON.parse(text) as ExportRecord) : undefined;
  }

  async update(exportId: string, changes: Partial<Omit<ExportRecord, 'spec'>>): Promise<void> {
    const record = await this.get(exportId);
    if (!record) return;
    await this.redis.set(this.key(exportId), JSON.stringify({ ...record, ...changes }));
  }

  async recent(limit: number, offset = 0): Promise<string[]> {
    return this.redis.zrevrange(this.indexKey, offset, offset + limit - 1);
  }

  /** Up to `limit` exports started before `time` (ms since the epoch), oldest first. */
  async startedBefore(time: number, limit: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.indexKey, '-inf', `(${time}`, 'LIMIT', 0, limit);
  }

  /** The export's record and its index entry go, in one transaction. */
  async remove(exportId: string): Promise<void> {
    await this.redis.multi().del(this.key(exportId)).zrem(this.indexKey, exportId).exec();
  }
}
