import { readEnvironment } from '../../config/environment.js';
import { InvalidInputError } from '../../errors/index.js';
import { createLogger } from '../../logging/logger.js';
import { startExportWorker } from '../../queue/export-worker.js';

export interface WorkerCommandOptions {
  concurrency: string;
}

/** `bulk-export worker`: works on export ranges until SIGINT/SIGTERM; a second signal exits at once. */
export async function workerCommand(options: WorkerCommandOptions): Promise<void> {
  const concurrency = Number(options.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new InvalidInputError(`--concurrency must be a whole number of at least 1, got "${options.concurrency}".`);
  }
  const environment = readEnvironment();
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
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      stopping = true;
      logger.info({ signal }, 'stopping: finishing the jobs in hand');
      worker.close().then(resolve, (error: unknown) => {
        logger.error({ err: (error as Error).message }, 'error while stopping');
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
