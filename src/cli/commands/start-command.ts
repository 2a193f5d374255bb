import { readEnvironment } from '../../config/environment.js';
import { BulkExportError } from '../../errors/index.js';
import { loggerFor } from '../../logging/logger.js';
import { previewExport, startExport } from '../../queue/operations/start-export.js';
import { readExportStatus, waitForExport, type ExportStatus } from '../../queue/export-status.js';
import { createCommandConnection } from '../../queue/redis-connection.js';
import { folderOf } from '../../sinks/export-layout.js';
import type { ExportSpec } from '../../queue/export-spec.js';
import { estimatePlan, formatPlanEstimate } from '../plan-estimate.js';
import { toStartRequest, type StartOptions } from '../start-options.js';

export interface StartCommandOptions extends StartOptions {
  wait?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `bulk-export start`: plans and enqueues; prints the export id as the last line of stdout (with `--json`,
 * one JSON object instead). `--dry-run` prints the plan and the requests and time it should take, and
 * enqueues nothing.
 */
export async function startCommand(options: StartCommandOptions): Promise<void> {
  const environment = readEnvironment();
  const logger = loggerFor(environment, 'bulk-export-start');
  const redis = createCommandConnection(environment.redis, 'bulk-export:start');
  const deps = { environment, redis, logger, notify: (line: string) => process.stderr.write(`${line}\n`) };
  try {
    if (options.dryRun) {
      const estimate = await estimatePlan(await previewExport(toStartRequest(options), deps), redis, environment.queuePrefix);
      process.stdout.write(options.json ? `${JSON.stringify(estimate)}\n` : formatPlanEstimate(estimate));
      return;
    }
    const spec = await startExport(toStartRequest(options), deps);
    let status: ExportStatus | undefined;
    if (options.wait) {
      process.stderr.write(`export ${spec.exportId}: ${spec.rangeCount} ranges, about ${spec.plannedRows} contacts; waiting for it to commit\n`);
      try {
        await waitForExport(environment.redis, environment.queuePrefix, redis, spec.exportId);
      } catch (error) {
        const failed = await readExportStatus(redis, environment.queuePrefix, spec.exportId);
        process.stdout.write(options.json ? `${JSON.stringify(startResult(spec, failed))}\n` : `${spec.exportId}\n`);
        throw new BulkExportError('EXPORT_FAILED', `export ${spec.exportId} failed: ${(error as Error).message}`);
      }
      status = await readExportStatus(redis, environment.queuePrefix, spec.exportId);
      process.stderr.write(`committed ${status?.rows ?? '?'} rows in ${status?.parts ?? '?'} parts to ${status?.destination ?? ''}\n`);
    }
    process.stdout.write(options.json ? `${JSON.stringify(startResult(spec, status))}\n` : `${spec.exportId}\n`);
  } finally {
    redis.disconnect();
  }
}

/** `start --json`: the export, where it goes, its plan, and with `--wait` how it ended. */
function startResult(spec: ExportSpec, status: ExportStatus | undefined) {
  return {
    exportId: spec.exportId,
    state: status?.state ?? 'enqueued',
    source: spec.source.kind,
    table: spec.table ?? null,
    destination: `s3://${spec.destination.bucket}/${folderOf(spec)}/`,
    format: spec.format + (spec.gzip ? '.gz' : ''),
    ranges: spec.rangeCount,
    plannedRows: spec.plannedRows,
    limit: spec.limit ?? null,
    ...(status ? { rows: status.rows, parts: status.parts, ...(status.error ? { error: status.error } : {}) } : {}),
  };
}
