import type { Redis } from 'ioredis';
import type { Readiness } from '../health/readiness.js';
import { redisProblem } from '../health/redis-ping.js';

/** What readiness asks of a queue's worker. */
export interface QueueWorker {
  readonly name: string;
  isRunning(): boolean;
}

/** Where a worker process is in its life: readiness is only possible while it runs. */
export type WorkerPhase = 'starting' | 'running' | 'stopping';

/**
 * Whether a worker process can take work now, for `/readyz`: it has started and is not stopping, every
 * BullMQ worker of it runs, each of its Redis connections is open, and Redis answers a PING in time.
 */
export class WorkerReadiness {
  private phase: WorkerPhase = 'starting';
  private workers: readonly QueueWorker[] = [];
  private connections: () => ReadonlyArray<readonly [string, Redis]> = () => [];

  /**
   * The BullMQ workers are ready to fetch jobs. `connections`: the process's Redis connections by name as
   * they are now (a replaced worker brings a new one), each of which must be open; the first is the one PINGed.
   */
  running(workers: readonly QueueWorker[], connections: () => ReadonlyArray<readonly [string, Redis]>): void {
    this.workers = workers;
    this.connections = connections;
    if (this.phase === 'starting') this.phase = 'running';
  }

  /** The process stops taking work (SIGTERM): not ready from now on, whatever Redis says. */
  stopping(): void {
    this.phase = 'stopping';
  }

  readonly check = async (): Promise<Readiness> => {
    if (this.phase === 'stopping') return { ready: false, reason: 'stopping: taking no new job, handing the jobs in hand back' };
    if (this.phase === 'starting') return { ready: false, reason: 'starting: the queue workers are not ready yet' };
    const idle = this.workers.find((worker) => !worker.isRunning());
    if (idle) return { ready: false, reason: `the ${idle.name} worker is not running` };
    const connections = this.connections();
    const closed = connections.find(([, connection]) => connection.status !== 'ready');
    if (closed) return { ready: false, reason: `Redis connection ${closed[0]} is ${closed[1].status}` };
    const [name, first] = connections[0]!;
    const problem = await redisProblem(first, name);
    return problem ? { ready: false, reason: problem } : { ready: true };
  };
}
