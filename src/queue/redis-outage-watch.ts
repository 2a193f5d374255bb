import { REDIS_OUTAGE_GIVE_UP_DEFAULT_MS } from '../config/environment.js';
import { RedisOutageError } from '../errors/index.js';
import { abortableSleep } from '../time/abortable-sleep.js';
import { isRedisUnreachable } from './redis-connection.js';

/** How a command that waits for an export rides through Redis being away. */
export interface RedisOutagePolicy {
  /** How long Redis may stay unreachable before the command gives up (REDIS_OUTAGE_GIVE_UP_MS). */
  giveUpAfterMs: number;
  /** The Redis as a message may name it: its label, never with a password. */
  redisLabel: string;
  /** Where the line saying Redis went away, and the one saying it is back, go (stderr for the CLI). */
  notify: (line: string) => void;
}

/**
 * A read that has not answered within this long is taken as Redis being away: a connection that waits
 * through reconnects queues its commands while Redis restarts, and a paused or partitioned server does
 * not answer at all, so neither ever fails a command. Healthy reads take milliseconds.
 */
const SLOW_ANSWER_MS = 3_000;
/** Between two reads that failed because Redis was away (a Cluster client already spends ~2 s per failed read). */
const RETRY_PAUSE_MS = 500;

/**
 * Failures that say Redis is away for now, not that a command is wrong: unreachable (refused, reset,
 * timed out, closed), a Cluster failing over (the slot's master gone, CLUSTERDOWN, TRYAGAIN, a stale slot
 * map), a connection left on a demoted master (READONLY), or a server still loading its data after a restart.
 */
export function isRedisOutage(error: unknown): boolean {
  if (isRedisUnreachable(error)) return true;
  const message = (error as { message?: string } | undefined)?.message ?? '';
  return /^(CLUSTERDOWN|TRYAGAIN|MOVED|ASK|LOADING|MASTERDOWN|READONLY)\b|Too many Cluster redirections|Failed to refresh slots cache|Cluster is disconnected/.test(
    message,
  );
}

/**
 * Reads Redis for a command that waits for one export, across a Redis restart or failover: a read that
 * fails because Redis is away is made again, one that does not answer is waited for, and the command says
 * once that Redis went away and once that it is back. Only when Redis stays away for the policy's
 * give-up time does a read throw, a RedisOutageError saying that the export goes on and how to follow it.
 */
export class RedisOutageWatch {
  private readonly policy: RedisOutagePolicy;
  /** When Redis was first seen away in the current outage; undefined while it answers. */
  private awaySince: number | undefined;
  private lastProblem = '';
  /** The latest error a connection reported (a refused reconnect, a failed events read), with when. */
  private seen: { problem: string; at: number } | undefined;
  private readonly stopping = new AbortController();

  constructor(
    private readonly exportId: string,
    policy: Partial<RedisOutagePolicy> & Pick<RedisOutagePolicy, 'redisLabel'>,
  ) {
    this.policy = { giveUpAfterMs: REDIS_OUTAGE_GIVE_UP_DEFAULT_MS, notify: () => undefined, ...policy };
  }

  /**
   * An error a connection reported outside the reads (an events stream's, a reconnect's): a read that
   * then goes unanswered says why, rather than only that no answer came.
   */
  saw(error: unknown): void {
    if (!isRedisOutage(error)) return;
    this.seen = { problem: (error as Error).message, at: Date.now() };
    if (this.awaySince !== undefined) this.lastProblem = this.seen.problem;
  }

  /** Ends every read in progress or to come, with an error: the command stops following the export. */
  stop(): void {
    this.stopping.abort(new Error(`stopped following export ${this.exportId}`));
  }

  /** `read()` until Redis answers it; rethrows at once what is not Redis being away. */
  async read<T>(read: () => Promise<T>): Promise<T> {
    for (;;) {
      this.stopping.signal.throwIfAborted();
      const attempt = read();
      let value: T;
      try {
        value = await this.answerOf(attempt);
      } catch (error) {
        if (error instanceof RedisOutageError || !isRedisOutage(error)) throw error;
        this.wentAway((error as Error).message);
        const left = this.timeLeft();
        if (left <= 0) throw this.givenUp();
        await abortableSleep(Math.min(RETRY_PAUSE_MS, left), this.stopping.signal);
        continue;
      }
      this.cameBack();
      return value;
    }
  }

  /** The attempt's answer, noting Redis as away when it is slow to come, and giving up at the give-up time. */
  private async answerOf<T>(attempt: Promise<T>): Promise<T> {
    const sentAt = Date.now();
    // An attempt given up on may still fail later: nobody is listening then.
    attempt.catch(() => undefined);
    for (;;) {
      const patience = this.awaySince === undefined ? SLOW_ANSWER_MS : this.timeLeft();
      const answered = new AbortController();
      const late = abortableSleep(Math.max(0, patience), AbortSignal.any([this.stopping.signal, answered.signal])).then(() => 'late' as const);
      late.catch(() => undefined); // cancelled once the attempt answers
      const outcome = await Promise.race([attempt.then((answer) => ({ answer })), late]).finally(() => answered.abort());
      if (outcome !== 'late') return outcome.answer;
      if (this.awaySince === undefined) {
        const recent = this.seen && Date.now() - this.seen.at <= 2 * SLOW_ANSWER_MS ? `; last error: ${this.seen.problem}` : '';
        // Redis has been away at least since the unanswered read was sent.
        this.wentAway(`no answer within ${SLOW_ANSWER_MS / 1000} s${recent}`, sentAt);
      } else throw this.givenUp();
    }
  }

  private wentAway(problem: string, since = Date.now()): void {
    this.lastProblem = problem;
    if (this.awaySince !== undefined) return;
    this.awaySince = since;
    this.policy.notify(
      `Redis at ${this.policy.redisLabel} does not answer (${problem}); export ${this.exportId} goes on on the workers, and this ` +
        `command waits up to ${Math.round(this.policy.giveUpAfterMs / 1000)} s for Redis to come back`,
    );
  }

  private cameBack(): void {
    if (this.awaySince === undefined) return;
    const seconds = ((Date.now() - this.awaySince) / 1000).toFixed(1);
    this.awaySince = undefined;
    this.policy.notify(`Redis at ${this.policy.redisLabel} answers again (it was away for ${seconds} s); still following export ${this.exportId}`);
  }

  private timeLeft(): number {
    return this.awaySince === undefined ? this.policy.giveUpAfterMs : this.awaySince + this.policy.giveUpAfterMs - Date.now();
  }

  private givenUp(): RedisOutageError {
    return new RedisOutageError(this.policy.redisLabel, this.exportId, Date.now() - (this.awaySince ?? Date.now()), this.lastProblem);
  }
}
