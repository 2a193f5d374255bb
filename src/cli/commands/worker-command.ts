import { readEnvironment } from '../../config/environment.js';
import { InvalidInputError } from '../../errors/index.js';
import { createLogger } from '../../logging/logger.js';
import { accessCredentialsFrom, assertBindAllowed, type AccessCredentials } from '../../access/bind-policy.js';
import type { MetricsServerOptions } from '../../metrics/metrics-server.js';
import { startExportWorker } from '../../queue/export-worker.js';

export interface WorkerCommandOptions {
  concurrency: string;
  /** `--metrics-port N` (or METRICS_PORT): serve Prometheus metrics on /metrics. */
  metricsPort?: string | number;
  /** `--metrics-host` (or METRICS_HOST), default 127.0.0.1. */
  metricsHost?: string;
}

/** `bulk-export worker`: works on export ranges until SIGINT/SIGTERM; a second signal exits at once. */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidInputError(`--concurrency must be a whole number of at least 1, got "${options.concurrency}".`);
  }
  const environment = readEnvironment();
  const metrics = metricsOption(options.metricsPort ?? process.env.METRICS_PORT, options.metricsHost ?? process.env.METRICS_HOST, accessCredentialsFrom(environment.variables));
  // Refused before the worker starts (exit 2): metrics off loopback need the board's credentials.
  if (metrics) await assertBindAllowed(metrics.host ?? '127.0.0.1', metrics.credentials, '/metrics');
  const logger = createLogger({ level: environment.logLevel, name: 'bulk-export-worker' });
  const worker = await startExportWorker({
    redisUrl: environment.redisUrl,
    queuePrefix: environment.queuePrefix,
    s3: environment.s3,
    concurrency,
    variables: environment.variables,
    logger,
    lockDurationMs: environment.workerLockDurationMs,
    stalledIntervalMs: environment.workerStalledIntervalMs,
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
      worker.close().then(resolve, (error: unknown) => {
        logger.error({ err: (error as Error).message }, 'error while stopping');
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

function metricsOption(port: string | number | undefined, host: string | undefined, credentials: AccessCredentials | undefined): MetricsServerOptions | undefined {
  if (port === undefined || port === '') return undefined;
  const number = Number(port);
  if (!Number.isInteger(number) || number < 0 || number > 65535) {
    throw new InvalidInputError(`--metrics-port (or METRICS_PORT) must be a port number, got "${port}".`);
  }
  return { port: number, ...(host ? { host } : {}), ...(credentials ? { credentials } : {}) };
}
