import { accountOf } from '../../accounts/account-name.js';
import { readEnvironment, type Environment } from '../../config/environment.js';
import { BulkExportError, RedisOutageError } from '../../errors/index.js';
import { loggerFor } from '../../logging/logger.js';
import { secretScrubber } from '../../logging/secret-scrubber.js';
import { previewExport, startExport } from '../../queue/operations/start-export.js';
import { readExportStatus, waitForExport, type ExportStatus } from '../../queue/export-status.js';
import { createCommandConnection, createRedisConnection } from '../../queue/redis-connection.js';
import { RedisOutageWatch } from '../../queue/redis-outage-watch.js';
import { folderOf } from '../../sinks/export-layout.js';
import type { ExportSpec } from '../../queue/export-spec.js';
import { credentialFromStandardInput } from '../credential-handover.js';
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
  const handover = await credentialFromStandardInput(options.credentialStdin);
  const logger = loggerFor(environment, 'bulk-export-start');
  const redis = createCommandConnection(environment.redis, 'bulk-export:start');
  const deps = { environment, redis, logger, notify: (line: string) => process.stderr.write(`${line}\n`) };
  try {
    if (options.dryRun) {
      const estimate = await estimatePlan(await previewExport(toStartRequest(options), deps, handover), redis, environment.queuePrefix);
      process.stdout.write(options.json ? `${JSON.stringify(estimate)}\n` : formatPlanEstimate(estimate));
      return;
    }
    const spec = await startExport(toStartRequest(options), deps, handover);
    let status: ExportStatus | undefined;
    if (options.wait) {
      process.stderr.write(`export ${spec.exportId}: ${spec.rangeCount} ranges, about ${spec.plannedRows} contacts; waiting for it to commit\n`);
      status = await waitForCommit(spec, environment, options);
      process.stderr.write(`committed ${status.rows} rows in ${status.parts} parts to ${status.destination}\n`);
    }
    process.stdout.write(options.json ? `${JSON.stringify(startResult(spec, status))}\n` : `${spec.exportId}\n`);
  } finally {
    redis.disconnect();
  }
}

/**
 * `--wait`: the export's status once it committed. Waiting is not a command that returns at once: its
 * connections wait through reconnects and it rides through a Redis restart or failover, saying so on
 * stderr, for up to REDIS_OUTAGE_GIVE_UP_MS. However the wait ends, stdout gets the export id (or the JSON
 * result) before the error.
 */
async function waitForCommit(spec: ExportSpec, environment: Environment, options: StartCommandOptions): Promise<ExportStatus> {
  const scrub = secretScrubber(environment.variables);
  const redis = createRedisConnection(environment.redis, 'bulk-export:wait');
  const outage = {
    giveUpAfterMs: environment.redisOutageGiveUpMs,
    redisLabel: environment.redis.label,
    notify: (line: string) => process.stderr.write(`${scrub(line)}\n`),
  };
  try {
    return await waitForExport(environment.redis, environment.queuePrefix, redis, spec.exportId, outage);
  } catch (error) {
    // How it ended, for --json; read through the same outage handling, since Redis may go away at any moment.
    const failed =
      error instanceof RedisOutageError || !options.json
        ? undefined
        : await new RedisOutageWatch(spec.exportId, outage)
            .read(() => readExportStatus(redis, environment.queuePrefix, spec.exportId))
            .catch(() => undefined);
    process.stdout.write(options.json ? `${JSON.stringify(startResult(spec, failed ?? { state: 'unknown' }))}\n` : `${spec.exportId}\n`);
    if (error instanceof RedisOutageError) throw error;
    throw new BulkExportError('EXPORT_FAILED', `export ${spec.exportId} failed: ${(error as Error).message}`);
  } finally {
    redis.disconnect();
  }
}

/** `start --json`: the export, where it goes, its plan, and with `--wait` how it ended. */
function startResult(spec: ExportSpec, status: Partial<ExportStatus> | undefined) {
  return {
    exportId: spec.exportId,
    state: status?.state ?? 'enqueued',
    source: spec.source.kind,
    account: accountOf(spec.source),
    table: spec.table ?? null,
    destination: `s3://${spec.destination.bucket}/${folderOf(spec)}/`,
    format: spec.format + (spec.gzip ? '.gz' : ''),
    ranges: spec.rangeCount,
    plannedRows: spec.plannedRows,
    limit: spec.limit ?? null,
    ...(status?.rows !== undefined ? { rows: status.rows, parts: status.parts, ...(status.error ? { error: status.error } : {}) } : {}),
  };
}
