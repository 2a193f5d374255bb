import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';

/**
 * BullMQ, from its CommonJS build: Node loads it in about 0.3 s of CPU where BullMQ's ES modules take
 * 0.45, and every command and worker process pays that at start. Every module of the project, its tests
 * included, takes BullMQ from here, so that there is one copy of its classes (its errors are matched with
 * `instanceof`, and Bull Board checks queues the same way against the CommonJS build it loads itself).
 */
const bullmq = createRequire(import.meta.url)('bullmq') as typeof BullMQ;

/**
 * Queues and event streams that do not print their connection's errors: with no 'error' listener BullMQ
 * writes each one's stack to stderr, which breaks a worker's JSON log lines while Redis restarts. A call
 * made through a queue rejects on its own, a worker's BullMQ workers log the connection's errors, and
 * whoever follows events adds its own listener.
 */
export const Queue = class extends bullmq.Queue {
  constructor(...args: ConstructorParameters<typeof bullmq.Queue>) {
    super(...args);
    this.on('error', () => undefined);
  }
} as typeof bullmq.Queue;
export type Queue<DataType = any, ResultType = any, NameType extends string = string> = BullMQ.Queue<DataType, ResultType, NameType>;
export const Worker = bullmq.Worker;
export type Worker<DataType = any, ResultType = any, NameType extends string = string> = BullMQ.Worker<DataType, ResultType, NameType>;
export const QueueEvents = class extends bullmq.QueueEvents {
  constructor(...args: ConstructorParameters<typeof bullmq.QueueEvents>) {
    super(...args);
    this.on('error', () => undefined);
  }
} as typeof bullmq.QueueEvents;
export type QueueEvents = BullMQ.QueueEvents;
export const FlowProducer = bullmq.FlowProducer;
export type FlowProducer = BullMQ.FlowProducer;
export const Job = bullmq.Job;
export type Job<DataType = any, ReturnType = any, NameType extends string = string> = BullMQ.Job<DataType, ReturnType, NameType>;
export const DelayedError = bullmq.DelayedError;
export type DelayedError = BullMQ.DelayedError;
export const WaitingError = bullmq.WaitingError;
export type WaitingError = BullMQ.WaitingError;
export const UnrecoverableError = bullmq.UnrecoverableError;
export type UnrecoverableError = BullMQ.UnrecoverableError;
export type { JobsOptions } from 'bullmq';
