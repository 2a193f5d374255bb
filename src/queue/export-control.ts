import type { Redis } from 'ioredis';

/** What an operator asked of a running export. Absent = run. */
export type ExportCommand = 'pause' | 'cancel';

/** The operator's word on an export, read by every range worker before each page. */
export class ExportControl {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  key(exportId: string): string {
    return `${this.prefix}:control:${exportId}`;
  }

  async get(exportId: string): Promise<ExportCommand | undefined> {
    return ((await this.redis.get(this.key(exportId))) as ExportCommand | null) ?? undefined;
  }

  async set(exportId: string, command: ExportCommand): Promise<void> {
    await this.redis.set(this.key(exportId), command);
  }

  async clear(exportId: string): Promise<void> {
    await this.redis.del(this.key(exportId));
  }
}
