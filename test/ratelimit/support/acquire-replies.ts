import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import type { Redis } from 'ioredis';
import { ACQUIRE_BOTH_SCRIPT, ACQUIRE_SCRIPT } from '../../../src/ratelimit/token-bucket-scripts.js';

/** One answer of the token bucket's acquire script: a token, or how long (Redis clock) until one may be there. */
export interface AcquireReply {
  granted: boolean;
  waitMs: number;
}

/**
 * The acquire script's answers on one connection, as they passed. What the bucket told its callers to wait
 * is computed by Redis from its own clock, so a test can read "granted at once" or "told to wait until the
 * reset, no longer" without timing anything on a machine that may be busy.
 */
export class AcquireReplies {
  readonly replies: AcquireReply[] = [];
  private readonly events = new EventEmitter();

  /** Answers from `from` (an earlier `replies.length`) on. */
  since(from: number): AcquireReply[] {
    return this.replies.slice(from);
  }

  /** The waits the script told from `from` on (every answer that was not a token). */
  waitsSince(from: number): number[] {
    return this.since(from)
      .filter((reply) => !reply.granted)
      .map((reply) => reply.waitMs);
  }

  /** Resolves at the next answer that tells a caller to wait. */
  async nextWait(): Promise<AcquireReply> {
    const [reply] = (await once(this.events, 'wait')) as [AcquireReply];
    return reply;
  }

  record(reply: unknown): void {
    const [granted, waitMs] = reply as [number, number];
    const entry = { granted: granted === 1, waitMs };
    this.replies.push(entry);
    if (!entry.granted) this.events.emit('wait', entry);
  }
}

/** The acquire scripts (one bucket, or a key's and its organization's at once), by source and by SHA1. */
const ACQUIRE_SCRIPTS = new Set([ACQUIRE_SCRIPT, ACQUIRE_BOTH_SCRIPT].flatMap((source) => [source, createHash('sha1').update(source).digest('hex')]));

/**
 * `redis` as the bucket sees it, with every acquire script answer recorded in `replies` on its way back
 * (EVALSHA, or EVAL when Redis did not know the script yet; both acquire scripts answer granted and wait
 * first). Every other command passes untouched.
 */
export function recordingAcquires(redis: Redis, replies: AcquireReplies): Redis {
  return new Proxy(redis, {
    get(target, property) {
      if (property === 'evalsha' || property === 'eval') {
        return async (script: string, ...rest: unknown[]) => {
          const reply: unknown = await (target[property] as (...args: unknown[]) => Promise<unknown>).call(target, script, ...rest);
          if (ACQUIRE_SCRIPTS.has(script)) replies.record(reply);
          return reply;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
