import { readEnvironment } from '../../config/environment.js';
import { BulkExportError } from '../../errors/index.js';
import { loggerFor } from '../../logging/logger.js';
import { startExport } from '../../queue/operations/start-export.js';
import { readExportStatus, waitForExport } from '../../queue/export-status.js';
import { createCommandConnection } from '../../queue/redis-connection.js';
import { toStartRequest, type StartOptions } from '../start-options.js';

export interface StartCommandOptions extends StartOptions {
  wait?: boolean;
}

/** `bulk-export start`: plans and enqueues; prints the export id as the last line of stdout. */
export async function startCommand(options: StartCommandOptions): Promise<void> {
  const environment = readEnvironment();
  const logger = loggerFor(environment, 'bulk-export-start');
  const redis = createCommandConnection(environment.redisUrl, 'bulk-export:start');
  try {
    const spec = await startExport(toStartRequest(options), { environment, redis, logger, notify: (line) => process.stderr.write(`${line}\n`) });
    if (options.wait) {
      process.stderr.write(`export ${spec.exportId}: ${spec.rangeCount} ranges, about ${spec.plannedRows} contacts; waiting for it to commit\n`);
      try {
        await waitForExport(environment.redisUrl, environment.queuePrefix, redis, spec.exportId);
      } catch (error) {
        process.stdout.write(`${spec.exportId}\n`);
        throw new BulkExportError('EXPORT_FAILED', `export ${spec.exportId} failed: ${(error as Error).message}`);
      }
      const status = await readExportStatus(redis, environment.queuePrefix, spec.exportId);
      process.stderr.write(`committed ${status?.rows ?? '?'} rows in ${status?.parts ?? '?'} parts to ${status?.destination ?? ''}\n`);
    }
    process.stdout.write(`${spec.exportId}\n`);
  } finally {
    redis.disconnect();
  }
}
