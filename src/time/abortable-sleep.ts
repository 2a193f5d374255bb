import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`, or rejects with the signal's reason as soon as `signal` aborts (also when it already has). */
export async function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  signal?.throwIfAborted();
  if (ms <= 0) return;
  try {
    await delay(ms, undefined, signal ? { signal } : undefined);
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw error;
  }
}
