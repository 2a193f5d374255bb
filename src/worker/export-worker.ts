import { DEFAULT_BUDGET_YIELD_AFTER_MS } from '../queue/range/budget-yield.js';
import { HandedCredentials } from '../accounts/handed-credentials.js';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, UnrecoverableError, type Job } from '../queue/bullmq.js';
import { readEnvironment, S3_OUTAGE_DEFAULTS, type S3Settings } from '../config/environment.js';
import type { RedisSettings } from '../config/redis-settings.js';
import { BulkExportError } from '../errors/index.js';
import type { Logger } from '../logging/logger.js';
import { redactingFailures } from '../logging/redact-error.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import { ExportMetrics } from '../metrics/export-metrics.js';
import { registerFleetCollectors, type FleetCollectors } from '../metrics/fleet-collectors.js';
import { MeteredCheckpointStore } from '../metrics/metered-checkpoint-store.js';
import { startMetricsServer, type MetricsServer, type MetricsServerOptions } from '../metrics/metrics-server.js';
import { SourceRequestObserver } from '../metrics/source-request-observer.js';
import { createS3Client } from '../sinks/s3/s3-client.js';
import { ExportCancelledError } from '../queue/export-stopped.js';
import { CheckpointStore } from '../queue/checkpoint-store.js';
import { commitExport, type ExportJobResult } from '../queue/commit-processor.js';
import type { ExportSpec } from '../queue/export-spec.js';
import { ExportRegistry } from '../queue/export-registry.js';
import { addExportJobLogLine, commitFailedLine, handedOnLine } from '../queue/export-job-log.js';
import { ExportProgressReporter } from '../queue/export-progress-reporter.js';
import { DEFAULT_LOCK_DURATION_MS, DEFAULT_STALLED_INTERVAL_MS } from '../queue/job-policies.js';
import { EXPORT_QUEUE, NOTIFY_QUEUE, RANGE_QUEUE, SCHEDULE_QUEUE } from '../queue/queue-names.js';
import { processRange, SHUTDOWN_REASON } from '../queue/range-processor.js';
import type { RangeJobData, RangeJobResult } from '../queue/range-job.js';
import { createRedisConnection, verifyRedisAccess } from '../queue/redis-connection.js';
import { runScheduledExport, type ScheduledRunResult, type ScheduleJobData } from '../queue/schedules.js';
import type { WorkerContext } from '../queue/worker-context.js';
import { FleetRoster } from '../queue/fleet-roster.js';
import { handOverDeadWorkers } from '../queue/dead-worker-handover.js';
import { stealWork } from '../queue/work-stealing.js';
import { deliverNotification } from '../notifications/deliver-notification.js';
import { enqueueNotification } from '../notifications/enqueue-notification.js';
import { failedNotification } from '../notifications/export-notification.js';
import { failureCodeOf } from '../notifications/failure-code.js';
import { NOTIFICATION_BACKOFF_TYPE, type NotificationJobData, type NotificationJobResult } from '../notifications/notification-job.js';
import { notificationRetryWait } from '../notifications/notification-retry.js';
import { FleetHeartbeat } from './fleet-heartbeat.js';
import { RangeStealer } from './range-stealer.js';
import { SupervisedWorker } from './supervised-worker.js';
import { WorkerReadiness } from './worker-readiness.js';
import { CLOSE_GRACE_MS, stillOpenAfter } from '../queue/bounded-close.js';

export interface ExportWorkerOptions {
  redis: RedisSettings;
  queuePrefix: string;
  s3: S3Settings;
  /** Ranges this process works on at once. */
  concurrency: number;
  variables: NodeJS.ProcessEnv;
  logger: Logger;
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  /** How long a range waits for its account's budget before it gives its slot back; default DEFAULT_BUDGET_YIELD_AFTER_MS. */
  budgetYieldAfterMs?: number;
  /** Serve Prometheus metrics on `http://host:port/metrics` (host default 127.0.0.1; port 0 = any free port). */
  metrics?: MetricsServerOptions;
}

export interface RunningExportWorker {
  /**
   * Stops taking jobs, then hands the ranges and the commit in progress back to the queue (ranges resume from
   * their checkpoints; a commit runs again from the start). `complete` is false when BullMQ did not finish
   * closing in time: a connection may still hold the process open, so the caller exits it.
   */
  close(): Promise<{ complete: boolean }>;
  /** Where the metrics are served, when `metrics` was asked for. */
  metricsUrl?: string;
}

/** One worker process: ranges from the range queue, commits from the export queue. */
export async function startExportWorker(options: ExportWorkerOptions): Promise<RunningExportWorker> {
  const redis = createRedisConnection(options.redis, 'bulk-export:worker');
  // Credentials or ACL rights Redis refuses stop the worker with a message (exit 1), before it takes a job.
  await verifyRedisAccess(redis, options.redis, options.queuePrefix).catch((error: unknown) => {
    redis.disconnect();
    throw error;
  });
  const metrics = options.metrics ? new ExportMetrics({ processMetrics: true }) : undefined;
  const requests = metrics ? new SourceRequestObserver(metrics) : undefined;
  const context: WorkerContext = {
    redis,
    queuePrefix: options.queuePrefix,
    s3: createS3Client(options.s3),
    s3Outage: options.s3.outage ?? S3_OUTAGE_DEFAULTS,
    checkpoints: metrics ? new MeteredCheckpointStore(redis, options.queuePrefix, metrics) : new CheckpointStore(redis, options.queuePrefix),
    registry: new ExportRegistry(redis, options.queuePrefix),
    variables: options.variables,
    handed: new HandedCredentials(redis, options.queuePrefix, options.variables),
    budgetYieldAfterMs: options.budgetYieldAfterMs ?? DEFAULT_BUDGET_YIELD_AFTER_MS,
    logger: options.logger,
  };
  let fleet: FleetCollectors | undefined;
  let metricsServer: MetricsServer | undefined;
  // /readyz on the metrics server: 503 until the queue workers run, and again from the first stop signal on.
  const readiness = new WorkerReadiness();
  if (metrics && options.metrics) {
    // Before any job is taken, so a port already in use stops the worker before it works.
    fleet = registerFleetCollectors(metrics.registry, redis, options.queuePrefix);
    try {
      metricsServer = await startMetricsServer([metrics.registry], { ...options.metrics, readiness: readiness.check });
    } catch (error) {
      await fleet.close();
      requests?.close();
      redis.disconnect();
      context.s3.destroy();
      throw new BulkExportError(
        'METRICS_PORT',
        `cannot serve metrics on ${options.metrics.host ?? '127.0.0.1'}:${options.metrics.port}: ${(error as Error).message}`,
      );
    }
    options.logger.info({ metricsUrl: metricsServer.url }, 'serving metrics');
  }
  const common = {
    prefix: options.queuePrefix,
    lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    // A crashed worker's range is expected to stall; it resumes from its checkpoint, so stalls are not failures.
    maxStalledCount: 1000,
  };
  // Aborted once, on close: every range in hand, and any range taken after that, goes back to the queue.
  const stopping = new AbortController();
  // Each queue's BullMQ worker has a connection of its own, and is replaced (with a new one) when its fetch loop stops.
  const supervised = { redis, logger: options.logger };
  const connect = (name: string) => () => createRedisConnection(options.redis, name);
  let activeRanges = 0;
  const rangeQueue = new Queue(RANGE_QUEUE, { connection: redis, prefix: options.queuePrefix });
  const stealer = new RangeStealer({
    concurrency: options.concurrency,
    active: () => activeRanges,
    // Ranges wait prioritized (their turn, enqueue-export.ts); ranges of an older version wait plain.
    waiting: () => rangeQueue.getJobCountByTypes('waiting', 'prioritized'),
    steal: () => stealWork(context),
    logger: options.logger,
  });
  // The export's own job shows what `status` shows: updated as its ranges move, at about one write a second per export for the fleet.
  const scrub = secretScrubber(options.variables);
  const progress = new ExportProgressReporter({ redis, prefix: options.queuePrefix, logger: options.logger, scrub });
  const rangeWorker = new SupervisedWorker<RangeJobData, RangeJobResult>({
    ...supervised,
    queueName: RANGE_QUEUE,
    processor: redactingFailures(async (job: Job<RangeJobData, RangeJobResult>, token: string | undefined, signal?: AbortSignal) => {
      const source = job.data.spec.source as { kind: string; baseUrl?: string };
      if (source.baseUrl) requests?.addSource(source.kind, source.baseUrl);
      activeRanges += 1;
      try {
        // This worker stopping stops the range (and so does BullMQ's own signal for the job, when it gives one).
        return await processRange(job, token, context, signal ? AbortSignal.any([signal, stopping.signal]) : stopping.signal);
      } finally {
        activeRanges -= 1;
        stealer.nudge();
        // However the attempt ended (done, failed, or handed back with a last part), the export's figures moved.
        progress.nudge(job.data.spec.exportId);
      }
    }, options.variables),
    workerOptions: { ...common, concurrency: options.concurrency },
    connect: connect('bulk-export:ranges'),
  });
  const exportWorker = new SupervisedWorker<ExportSpec, ExportJobResult>({
    ...supervised,
    queueName: EXPORT_QUEUE,
    processor: redactingFailures(
      (job: Job<ExportSpec, ExportJobResult>, token: string | undefined, signal?: AbortSignal) =>
        commitExport(job, context, token, signal ? AbortSignal.any([signal, stopping.signal]) : stopping.signal),
      options.variables,
    ),
    workerOptions: { ...common, concurrency: 1 },
    connect: connect('bulk-export:commits'),
  });
  // Scheduled incremental loads: each tick starts `start --incremental` with the schedule's options and this
  // worker's credentials (one tick at a time per process; BullMQ hands each tick to one worker).
  const environment = { ...readEnvironment(options.variables), redis: options.redis, queuePrefix: options.queuePrefix, s3: options.s3 };
  const scheduleWorker = new SupervisedWorker<ScheduleJobData, ScheduledRunResult>({
    ...supervised,
    queueName: SCHEDULE_QUEUE,
    processor: redactingFailures(
      (job: Job<ScheduleJobData, ScheduledRunResult>) => runScheduledExport(job, { environment, redis, logger: options.logger }),
      options.variables,
    ),
    workerOptions: { ...common, concurrency: 1 },
    connect: connect('bulk-export:schedules'),
  });
  // Completion notifications (`--notify`): a few POSTs at once, each try waiting on one receiver at most
  // NOTIFY_REQUEST_TIMEOUT_MS; tried again after growing waits (notification-retry.ts) until delivered or given up.
  const notificationContext = {
    redis,
    queuePrefix: options.queuePrefix,
    settings: environment.notifications,
    variables: options.variables,
    logger: options.logger,
  };
  const notificationWorker = new SupervisedWorker<NotificationJobData, NotificationJobResult>({
    ...supervised,
    queueName: NOTIFY_QUEUE,
    processor: redactingFailures(
      (job: Job<NotificationJobData, NotificationJobResult>, token: string | undefined, signal?: AbortSignal) =>
        deliverNotification(job, notificationContext, token, signal ? AbortSignal.any([signal, stopping.signal]) : stopping.signal),
      options.variables,
    ),
    workerOptions: {
      ...common,
      concurrency: NOTIFICATION_CONCURRENCY,
      settings: {
        backoffStrategy: (attemptsMade, type) =>
          type === NOTIFICATION_BACKOFF_TYPE ? notificationRetryWait(attemptsMade, environment.notifications.retry) : 0,
      },
    },
    connect: connect('bulk-export:notifications'),
  });
  /** A failed export's notification (`--notify`), after the registry says it failed. */
  const notifyFailure = (spec: ExportSpec, error: Error, message: string, fallback: 'RANGE_FAILED' | 'EXPORT_FAILED') =>
    enqueueNotification(
      redis,
      options.queuePrefix,
      spec,
      failedNotification(spec, { code: failureCodeOf(error, fallback), message, failedAt: new Date().toISOString() }),
    ).catch((problem: unknown) =>
      options.logger.warn({ exportId: spec.exportId, err: (problem as Error).message }, 'could not queue the notification of the failure'),
    );
  rangeWorker.on('progress', (job) => progress.nudge(job.data.spec.exportId));
  rangeWorker.on('completed', (job) => progress.nudge(job.data.spec.exportId));
  rangeWorker.on('failed', (job) => job && progress.nudge(job.data.spec.exportId));
  exportWorker.on('completed', (job) => void progress.settle(job.data.exportId));
  rangeWorker.on('failed', (job, error) => {
    if (job?.processedOn) metrics?.recordRangeAttempt('failed', (Date.now() - job.processedOn) / 1000);
    // A range out of attempts leaves the export waiting for `retry`; the registry says so even after retention trims the job.
    const final = error instanceof UnrecoverableError || (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
    const where = { exportId: job?.data.spec.exportId, range: job?.data.range.index, jobId: job?.id, attempt: job?.attemptsMade, err: error.message };
    if (!final) {
      options.logger.warn({ ...where, attempts: job?.opts.attempts }, 'range attempt failed; the range is retried from its checkpoint');
      return;
    }
    if (error instanceof ExportCancelledError) {
      options.logger.info(where, 'range stopped: the export was cancelled');
      return;
    }
    options.logger.error(where, 'range failed for good; the export waits for bulk-export retry');
    if (job) {
      const attempts = error instanceof UnrecoverableError ? '' : ` after ${job.attemptsMade} attempts`;
      const failure = `range ${job.data.range.index} failed for good${attempts}: ${error.message}`;
      void context.registry
        .update(job.data.spec.exportId, { state: 'failed', error: failure, finishedAt: new Date().toISOString() })
        .then(() => notifyFailure(job.data.spec, error, failure, 'RANGE_FAILED'))
        .catch((problem: unknown) => options.logger.warn({ err: (problem as Error).message }, 'could not record the failure'));
    }
  });
  if (metrics) {
    rangeWorker.on('completed', (job) => {
      if (job.processedOn) metrics.recordRangeAttempt('completed', ((job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
    });
  }
  exportWorker.on('failed', (job, error) => {
    const final = error instanceof UnrecoverableError || (job !== undefined && job.attemptsMade >= (job.opts.attempts ?? 1));
    const where = { exportId: job?.data.exportId, jobId: job?.id, attempt: job?.attemptsMade, err: error.message };
    if (job) {
      const line = commitFailedLine({
        exportId: job.data.exportId,
        reason: error.message,
        attempt: job.attemptsMade,
        attempts: job.opts.attempts ?? 1,
        final,
        cancelled: error instanceof ExportCancelledError,
      });
      void addExportJobLogLine(redis, options.queuePrefix, job.data.exportId, line, scrub, options.logger)
        .catch(() => undefined)
        .then(() => progress.settle(job.data.exportId));
    }
    if (!final) {
      options.logger.warn(where, 'commit attempt failed; the commit is retried');
      return;
    }
    options.logger.error(where, 'commit failed for good; nothing was committed, the export waits for bulk-export retry');
    if (job && !(error instanceof ExportCancelledError)) {
      const failure = `commit failed: ${error.message}`;
      void context.registry
        .update(job.data.exportId, { state: 'failed', error: failure, finishedAt: new Date().toISOString() })
        .then(() => notifyFailure(job.data, error, failure, 'EXPORT_FAILED'))
        .catch((problem: unknown) => options.logger.warn({ err: (problem as Error).message }, 'could not record the failure'));
    }
  });
  for (const worker of [rangeWorker, exportWorker, scheduleWorker, notificationWorker]) {
    worker.on('error', (error) => options.logger.error({ err: error.message }, 'worker error'));
  }
  await Promise.all([
    rangeWorker.waitUntilReady(),
    exportWorker.waitUntilReady(),
    scheduleWorker.waitUntilReady(),
    notificationWorker.waitUntilReady(),
  ]);
  readiness.running([rangeWorker, exportWorker, scheduleWorker, notificationWorker], () => [
    ['bulk-export:worker', redis],
    ['bulk-export:ranges', rangeWorker.connection],
    ['bulk-export:commits', exportWorker.connection],
    ['bulk-export:schedules', scheduleWorker.connection],
    ['bulk-export:notifications', notificationWorker.connection],
  ]);
  // Planning counts this worker's slots while it says it is alive, and the workers alive hand on the jobs of
  // one that stops saying so (see fleet-roster.ts, dead-worker-handover.ts).
  const roster = new FleetRoster(redis, options.queuePrefix);
  const workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  const exportQueue = new Queue(EXPORT_QUEUE, { connection: redis, prefix: options.queuePrefix });
  const heartbeat = new FleetHeartbeat({
    roster,
    workerId,
    concurrency: options.concurrency,
    lockOwners: () => [rangeWorker.id, exportWorker.id],
    handOver: (silent) => handOverDeadWorkers(silent, workerId, { roster, redis, queues: [rangeQueue, exportQueue] }),
    onHandedOver: (handed) => {
      metrics?.handedOn.inc({ queue: handed.queue });
      if (handed.queue !== RANGE_QUEUE) return;
      const { spec, range } = handed.data as RangeJobData;
      progress.nudge(spec.exportId);
      const line = handedOnLine({ rangeIndex: range.index, workerId: handed.workerId });
      void addExportJobLogLine(redis, options.queuePrefix, spec.exportId, line, scrub, options.logger);
    },
    logger: options.logger,
  });
  // Counted before it says it is ready: an export started after that is planned with this worker's slots.
  await heartbeat.start();
  options.logger.info({ concurrency: options.concurrency }, 'worker ready');

  return {
    metricsUrl: metricsServer?.url,
    async close() {
      // First stop fetching (close() marks the workers closing at once and interrupts their blocking fetch),
      // then hand back the ranges and commits in hand (the signal every processor is given): released
      // before, a range could be fetched again by this very worker.
      readiness.stopping();
      stealer.stop();
      heartbeat.stop();
      const closing = new Map<string, Promise<void>>([
        // Leaving the roster waits on Redis like the closes, and is bounded with them: awaited on its own, a
        // connection a Cluster failover left reconnecting could hold a stopping worker for good.
        ['roster', roster.leave(workerId)],
        ['ranges', rangeWorker.close()],
        ['commits', exportWorker.close()],
        ['schedules', scheduleWorker.close()],
        ['notifications', notificationWorker.close()],
      ]);
      stopping.abort(SHUTDOWN_REASON);
      const open = await stillOpenAfter(closing, CLOSE_GRACE_MS);
      if (open.length > 0) {
        options.logger.warn(
          { open, waitedMs: CLOSE_GRACE_MS },
          'the roster or BullMQ workers did not finish closing (a Redis connection stuck reconnecting); stopping anyway: a job still held goes back to its queue when its lock lapses',
        );
      }
      requests?.close();
      // The rest waits on Redis too (the last progress write, QUIT): bounded the same way, as a connection left
      // reconnecting after a failover would hold it for ever; what did not end is disconnected.
      const connections = [redis, ...[rangeWorker, exportWorker, scheduleWorker, notificationWorker].map((worker) => worker.connection)];
      const released = await stillOpenAfter(
        new Map<string, Promise<void>>([
          [
            'progress, queues and connections',
            (async () => {
              await progress.close();
              await Promise.all([rangeQueue.close(), exportQueue.close()]);
              await fleet?.close();
              await Promise.all(connections.map((connection) => connection.quit().catch(() => undefined)));
            })(),
          ],
        ]),
        CLOSE_GRACE_MS,
      );
      if (released.length > 0) {
        options.logger.warn({ open: released, waitedMs: CLOSE_GRACE_MS }, 'Redis did not answer the last writes of the stop; disconnecting');
        for (const connection of connections) connection.disconnect();
      }
      context.s3.destroy();
      // Last: /readyz answers "stopping" for as long as the stop takes.
      await metricsServer?.close();
      return { complete: open.length === 0 && released.length === 0 };
    },
  };
}

/** Notifications a worker sends at once: each mostly waits on its receiver, and a fleet sends one per export event. */
const NOTIFICATION_CONCURRENCY = 4;
