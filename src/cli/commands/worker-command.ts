import { assertBindAllowed } from '../../access/bind-policy.js';
import { readEnvironment } from '../../config/environment.js';
import { loggerFor, type Logger } from '../../logging/logger.js';
import type { MetricsServerOptions } from '../../metrics/metrics-server.js';
import { startExportWorker } from '../../worker/export-worker.js';

/** The options as the option parsers checked them; what is not given comes from the environment. */
export interface WorkerCommandOptions {
  /** `--concurrency N`, else WORKER_CONCURRENCY (default 2). */
  concurrency?: number;
  /**
   * `--metrics-port N`, else METRICS_PORT: serve Prometheus metrics on /metrics, and the health probes
   * /healthz (alive) and /readyz (connected to Redis, able to take work) on the same port.
   * @defaultValue undefined: no HTTP server (the container image sets METRICS_PORT=9464)
   */
  metricsPort?: number;
  /** `--metrics-host H`, else METRICS_HOST (default 127.0.0.1). */
  metricsHost?: string;
}

/** `bulk-export worker`: works on export ranges until SIGINT/SIGTERM; a second signal exits at once. */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const environment = readEnvironment();
  const concurrency = options.concurrency ?? environment.workerConcurrency;
  const metricsPort = options.metricsPort ?? environment.metrics.port;
  const metrics: MetricsServerOptions | undefined =
    metricsPort === undefined
      ? undefined
      : {
          port: metricsPort,
          host: options.metricsHost ?? environment.metrics.host,
          ...(environment.access ? { credentials: environment.access } : {}),
        };
  // Refused before the worker starts (exit 2): metrics off loopback need the board's credentials.
  if (metrics) await assertBindAllowed(metrics.host ?? '127.0.0.1', metrics.credentials, '/metrics');
  const logger = loggerFor(environment, 'bulk-export-worker');
  logProcessWarnings(logger);
  const worker = await startExportWorker({
    redis: environment.redis,
    queuePrefix: environment.queuePrefix,
    s3: environment.s3,
    concurrency,
    variables: environment.variables,
    logger,
    lockDurationMs: environment.workerLockDurationMs,
    stalledIntervalMs: environment.workerStalledIntervalMs,
    budgetYieldAfterMs: environment.budgetYieldAfterMs,
    ...(metrics ? { metrics } : {}),
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'stopping: taking no new job, handing the jobs in hand back to the queue');
      worker.close().then(
        ({ complete }) => {
          logger.info({ complete }, 'stopped');
          // Stopped as asked, every job handed back: nothing is left to wait for. Left to end on its own, the
          // process waited about 2 s more for handles its Redis clients keep, and after a Cluster failover a
          // stopping worker was seen never to exit.
          process.exit(0);
        },
        (error: unknown) => {
          logger.error({ err: (error as Error).message }, 'error while stopping');
          resolve();
        },
      );
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * A worker's stderr is JSON lines; Node prints process warnings (a deprecation, an experimental feature)
 * as free text between them, which breaks log collectors that parse each line. They are logged as warnings instead: shown, in the log's own format.
 */
function logProcessWarnings(logger: Logger): void {
  process.removeAllListeners('warning');
  process.on('warning', (warning) => logger.warn({ warning: warning.name, code: (warning as { code?: string }).code }, warning.message));
}
