// BullMQ for every module of the project, its tests included, so that there is one copy of its classes (its
// errors are matched with `instanceof`). The CLI's bundle carries it inside, with its ioredis (scripts/build.mjs);
// Bull Board, which loads BullMQ's CommonJS build for itself, accepts these queues by their version tag.
import * as BullMQ from 'bullmq';

/**
 * Queues and event streams that do not print their connection's errors: with no 'error' listener BullMQ
 * writes each one's stack to stderr, which breaks a worker's JSON log lines while Redis restarts. A call
 * made through a queue rejects on its own, a worker's BullMQ workers log the connection's errors, and
 * whoever follows events adds its own listener.
 */
export const Queue = class extends BullMQ.Queue {
  constructor(...args: ConstructorParameters<typeof BullMQ.Queue>) {
    super(...args);
    this.on('error', () => undefined);
  }
} as typeof BullMQ.Queue;
export type Queue<DataType = any, ResultType = any, NameType extends string = string> = BullMQ.Queue<DataType, ResultType, NameType>;
export const Worker = BullMQ.Worker;
export type Worker<DataType = any, ResultType = any, NameType extends string = string> = BullMQ.Worker<DataType, ResultType, NameType>;
export const QueueEvents = class extends BullMQ.QueueEvents {
  constructor(...args: ConstructorParameters<typeof BullMQ.QueueEvents>) {
    super(...args);
    this.on('error', () => undefined);
  }
} as typeof BullMQ.QueueEvents;
export type QueueEvents = BullMQ.QueueEvents;
export const FlowProducer = BullMQ.FlowProducer;
export type FlowProducer = BullMQ.FlowProducer;
export const Job = BullMQ.Job;
export type Job<DataType = any, ReturnType = any, NameType extends string = string> = BullMQ.Job<DataType, ReturnType, NameType>;
export const DelayedError = BullMQ.DelayedError;
export type DelayedError = BullMQ.DelayedError;
export const WaitingError = BullMQ.WaitingError;
export type WaitingError = BullMQ.WaitingError;
export const UnrecoverableError = BullMQ.UnrecoverableError;
export type UnrecoverableError = BullMQ.UnrecoverableError;
export type { JobsOptions, WorkerListener, WorkerOptions } from 'bullmq';
