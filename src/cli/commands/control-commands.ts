import { InvalidInputError } from '../../errors/index.js';
import { ExportRegistry } from '../../queue/export-registry.js';
import { cancelExport } from '../../queue/operations/cancel-export.js';
import { pauseExport, unpauseExport } from '../../queue/operations/pause-export.js';
import { rebuildExportFromS3 } from '../../queue/operations/rebuild-export.js';
import { retryFailedJobs, type RetryOutcome } from '../../queue/operations/retry-ranges.js';
import { createS3Client } from '../../sinks/s3/s3-client.js';
import { parseS3Url } from '../../sinks/s3/s3-location.js';
import { withRedis } from '../with-redis.js';

/** `bulk-export cancel EXPORT_ID`. */
export async function cancelCommand(exportId: string): Promise<void> {
  await withRedis('cancel', async (redis, environment) => {
    const outcome = await cancelExport(redis, environment.queuePrefix, exportId);
    process.stdout.write(
      `cancelled ${exportId}: ${outcome.stoppedRanges} running range(s) stopped; ` +
        `${outcome.jobsRemoved ? 'its jobs were removed' : 'its jobs stop at their next page'}. No _SUCCESS will be written.\n`,
    );
  });
}

/** `bulk-export pause EXPORT_ID`. */
export async function pauseCommand(exportId: string): Promise<void> {
  await withRedis('pause', async (redis, environment) => {
    await pauseExport(redis, environment.queuePrefix, exportId);
    process.stdout.write(`paused ${exportId}: ranges park after their current page. Continue with: bulk-export resume ${exportId}\n`);
  });
}

/**
 * `bulk-export resume EXPORT_ID [--dest s3://...]`: continues a paused export; when Redis no longer
 * knows the export, rebuilds its state from S3 (needs --dest) and finishes it.
 */
export async function resumeCommand(exportId: string, options: { dest?: string }): Promise<void> {
  await withRedis('resume', async (redis, environment) => {
    const known = await new ExportRegistry(redis, environment.queuePrefix).get(exportId);
    if (known) {
      const promoted = await unpauseExport(redis, environment.queuePrefix, exportId);
      process.stdout.write(`resumed ${exportId}: ${promoted} parked range(s) continue now\n`);
      return;
    }
    if (!options.dest) {
      throw new InvalidInputError(
        `Redis does not know export ${exportId}. To rebuild it from S3, give its destination: bulk-export resume ${exportId} --dest s3://BUCKET/PREFIX`,
      );
    }
    const s3 = createS3Client(environment.s3);
    try {
      const outcome = await rebuildExportFromS3(redis, environment.queuePrefix, s3, parseS3Url(options.dest), exportId);
      process.stdout.write(
        `rebuilt ${exportId} from S3: ${outcome.ranges} ranges (${outcome.rangesDone} already done), ` +
          `${outcome.partsRecovered} committed parts with ${outcome.rowsRecovered} rows kept; the rest is enqueued\n`,
      );
    } finally {
      s3.destroy();
    }
  });
}

/** `bulk-export retry EXPORT_ID [--range N]`. */
export async function retryCommand(exportId: string, options: { range?: string }): Promise<void> {
  const range = options.range === undefined ? undefined : Number(options.range);
  if (range !== undefined && !Number.isInteger(range)) throw new InvalidInputError(`--range must be a range index, got "${options.range}".`);
  await withRedis('retry', async (redis, environment) => {
    const outcome = await retryFailedJobs(redis, environment.queuePrefix, exportId, range);
    process.stdout.write(describeRetry(exportId, outcome));
  });
}

function describeRetry(exportId: string, outcome: RetryOutcome): string {
  const lines: string[] = [];
  if (outcome.ranges.length > 0) lines.push(`retrying range(s) ${outcome.ranges.join(', ')} of ${exportId} from their checkpoints`);
  if (outcome.commit) {
    const reason = outcome.commit.reason.replace(/\.$/, '');
    lines.push(
      outcome.commit.rangesReadAgain.length > 0
        ? `the commit of ${exportId} had failed (${reason}); reading range(s) ${outcome.commit.rangesReadAgain.join(', ')} again from their checkpoints, then committing`
        : `the commit of ${exportId} had failed (${reason}); retrying the commit`,
    );
  }
  if (lines.length === 0)
    lines.push(`nothing to retry in ${exportId}: no range failed for good and its commit did not fail (see bulk-export status ${exportId})`);
  return lines.join('\n') + '\n';
}
