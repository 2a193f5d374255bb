import type { Redis } from 'ioredis';
import { Queue, Worker, type Job, type WorkerListener, type WorkerOptions } from '../queue/bullmq.js';
import { CLOSE_GRACE_MS, stillOpenAfter } from '../queue/bounded-close.js';
import type { Logger } from '../logging/logger.js';

/** How often an idle supervised worker compares what waits in its queue with what it takes. */
export const STALL_CHECK_INTERVAL_MS = 5_000;
/**
 * How long jobs may wait, ready, while a worker with a free slot takes none, before its fetch loop counts as
 * stuck. A running loop asks for a job at least every drainDelay (5 s) plus BullMQ's own 1 s watchdog.
 */
export const STALL_PATIENCE_MS = 20_000;

export type JobProcessor<DataType, ResultType> = (
  job: Job<DataType, ResultType>,
  token: string | undefined,
  signal?: AbortSignal,
) => Promise<ResultType>;

export interface SupervisedWorkerOptions<DataType, ResultType> {
  queueName: string;
  processor: JobProcessor<DataType, ResultType>;
  /** The BullMQ worker's options; each worker, the first and any replacement, gets a connection of its own. */
  workerOptions: Omit<WorkerOptions, 'connection'> & { prefix: string; concurrency: number };
  /** A new connection for a BullMQ worker. */
  connect: () => Redis;
  /** The process's shared connection, for counting the jobs that wait. */
  redis: Redis;
  logger: Logger;
  /** @defaultValue STALL_CHECK_INTERVAL_MS */
  checkEveryMs?: number;
  /** @defaultValue STALL_PATIENCE_MS */
  patienceMs?: number;
}

type Listeners<DataType, ResultType> = WorkerListener<DataType, ResultType>;

/**
 * A BullMQ worker that is replaced when its fetch loop stops: jobs wait, ready, in its queue for
 * STALL_PATIENCE_MS while it has a free slot and takes none. After a Redis Cluster failover a worker's loop
 * was seen parked for good, silently, on a connection stuck reconnecting (an export's commit job then waited
 * in the queue for ever while every worker sat idle). The replacement has a new connection; the stuck one
 * is closed without waiting for it and its connection cut. A worker is only replaced when it holds no job.
 */
export class SupervisedWorker<DataType, ResultType> {
  private worker: Worker<DataType, ResultType>;
  private ownConnection: Redis;
  private readonly queue: Queue;
  private readonly listeners: [keyof Listeners<DataType, ResultType>, (...args: never[]) => void][] = [];
  private readonly timer: NodeJS.Timeout;
  /** Jobs in hand now, and taken in all. */
  private active = 0;
  private taken = 0;
  /** Since when jobs have waited while this worker had a free slot and took none, with `taken` at that moment. */
  private stalledSince: { at: number; taken: number } | undefined;
  private checking = false;
  private closed = false;

  constructor(private readonly options: SupervisedWorkerOptions<DataType, ResultType>) {
    this.queue = new Queue(options.queueName, { connection: options.redis, prefix: options.workerOptions.prefix });
    [this.worker, this.ownConnection] = this.startWorker();
    this.timer = setInterval(() => void this.check(), options.checkEveryMs ?? STALL_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  /** The BullMQ worker's id (its lock tokens start with it); a replacement has a new one. */
  get id(): string {
    return this.worker.id;
  }

  get name(): string {
    return this.worker.name;
  }

  /** The current BullMQ worker's own connection. */
  get connection(): Redis {
    return this.ownConnection;
  }

  isRunning(): boolean {
    return this.worker.isRunning();
  }

  /** Listens to this worker and to every replacement of it. */
  on<Event extends keyof Listeners<DataType, ResultType>>(event: Event, listener: Listeners<DataType, ResultType>[Event]): this {
    this.listeners.push([event, listener as (...args: never[]) => void]);
    this.worker.on(event, listener);
    return this;
  }

  waitUntilReady(): Promise<unknown> {
    return this.worker.waitUntilReady();
  }

  /** Closes the BullMQ worker (see Worker.close); the connection stays open for the caller to quit. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.all([this.worker.close(), this.queue.close()]);
  }

  private startWorker(): [Worker<DataType, ResultType>, Redis] {
    const connection = this.options.connect();
    const counted: JobProcessor<DataType, ResultType> = async (job, token, signal) => {
      this.active += 1;
      this.taken += 1;
      try {
        return await this.options.processor(job, token, signal);
      } finally {
        this.active -= 1;
      }
    };
    const worker = new Worker<DataType, ResultType>(this.options.queueName, counted, { ...this.options.workerOptions, connection });
    for (const [event, listener] of this.listeners) worker.on(event, listener as Listeners<DataType, ResultType>[typeof event]);
    return [worker, connection];
  }

  private async check(): Promise<void> {
    if (this.checking || this.closed) return;
    this.checking = true;
    try {
      const freeSlot = this.active < this.options.workerOptions.concurrency;
      const waiting = freeSlot ? await this.queue.getJobCountByTypes('waiting', 'prioritized') : 0;
      const now = Date.now();
      if (waiting === 0 || (this.stalledSince && this.taken !== this.stalledSince.taken)) {
        this.stalledSince = waiting === 0 ? undefined : { at: now, taken: this.taken };
        return;
      }
      this.stalledSince ??= { at: now, taken: this.taken };
      const stalledForMs = now - this.stalledSince.at;
      if (stalledForMs >= (this.options.patienceMs ?? STALL_PATIENCE_MS) && this.active === 0 && !this.closed) this.replace(waiting, stalledForMs);
    } catch {
      // Redis is away: nothing to compare; the next check looks again.
    } finally {
      this.checking = false;
    }
  }

  private replace(waiting: number, stalledForMs: number): void {
    const [stuck, stuckConnection] = [this.worker, this.ownConnection];
    this.options.logger.warn(
      { queue: this.options.queueName, waiting, idleForMs: stalledForMs, worker: stuck.id },
      'jobs wait while this worker takes none: its fetch loop is stuck; replacing the BullMQ worker and its connection',
    );
    [this.worker, this.ownConnection] = this.startWorker();
    this.stalledSince = undefined;
    void stillOpenAfter(new Map([['stuck worker', stuck.close(true)]]), CLOSE_GRACE_MS).then(() => stuckConnection.disconnect());
  }
}
