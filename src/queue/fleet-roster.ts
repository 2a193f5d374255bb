import type { Redis } from 'ioredis';

/** A worker that has not said it is alive for this long is not counted. */
export const ROSTER_STALE_MS = 30_000;
/** How often a worker says it is alive. */
export const ROSTER_BEAT_MS = 10_000;

/**
 * The workers running now and their slots (`--concurrency`), so that planning cuts as many ranges as
 * the fleet can work on at once. One Redis hash, `<prefix>:fleet`: worker id -> `{concurrency, at}`
 * (`at` in Redis time, so the hosts' clocks do not matter).
 */
export class FleetRoster {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private get key(): string {
    return `${this.prefix}:fleet`;
  }

  async beat(workerId: string, concurrency: number): Promise<void> {
    await this.redis.hset(this.key, workerId, JSON.stringify({ concurrency, at: await this.now() }));
  }

  async leave(workerId: string): Promise<void> {
    await this.redis.hdel(this.key, workerId);
  }

  /** Slots of the workers alive now; entries of workers gone silent are removed. */
  async slots(): Promise<number> {
    const [entries, now] = await Promise.all([this.redis.hgetall(this.key), this.now()]);
    let slots = 0;
    const stale: string[] = [];
    for (const [workerId, text] of Object.entries(entries)) {
      const entry = JSON.parse(text) as { concurrency: number; at: number };
      if (now - entry.at > ROSTER_STALE_MS) stale.push(workerId);
      else slots += entry.concurrency;
    }
    if (stale.length > 0) await this.redis.hdel(this.key, ...stale);
    return slots;
  }

  private async now(): Promise<number> {
    const [seconds, micros] = await this.redis.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  }
}
