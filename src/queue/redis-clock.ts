import type { Redis } from 'ioredis';

/**
 * Redis server time in microseconds: one clock for the planner and every worker, so elapsed times
 * measured on different machines agree (their own clocks may not).
 */
export async function redisMicros(redis: Redis): Promise<number> {
  const [seconds, micros] = await redis.time();
  return Number(seconds) * 1_000_000 + Number(micros);
}
