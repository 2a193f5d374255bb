import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  await delay(ms, undefined, signal ? { signal } : undefined);
}
