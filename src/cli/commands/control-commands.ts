import { withExporter } from '../with-exporter.js';
import type { RetryOutcome } from '../../queue/operations/retry-ranges.js';

/** `bulk-export cancel EXPORT_ID`. */
export async function cancelCommand(exportId: string): Promise<void> {
  await withExporter('cancel', async (exporter) => {
    const outcome = await exporter.cancel(exportId);
    process.stdout.write(
      `cancelled ${exportId}: ${outcome.stoppedRanges} running range(s) stopped; ` +
        `${outcome.jobsRemoved ? 'its jobs were removed' : 'its jobs stop at their next page'}. No _SUCCESS will be written.\n`,
    );
  });
}

/** `bulk-export pause EXPORT_ID`. */
export async function pauseCommand(exportId: string): Promise<void> {
  await withExporter('pause', async (exporter) => {
    await exporter.pause(exportId);
    process.stdout.write(`paused ${exportId}: ranges park after their current page. Continue with: bulk-export resume ${exportId}\n`);
  });
}

/**
 * `bulk-export resume EXPORT_ID [--dest s3://...]`: continues a paused export; when Redis no longer
 * knows the export, rebuilds its state from S3 (needs --dest) and finishes it.
 */
export async function resumeCommand(exportId: string, options: { dest?: string }): Promise<void> {
  await withExporter('resume', async (exporter) => {
    const outcome = await exporter.resume(exportId, options.dest === undefined ? {} : { dest: options.dest });
    process.stdout.write(
      outcome.kind === 'resumed'
        ? `resumed ${exportId}: ${outcome.rangesPromoted} parked range(s) continue now\n`
        : `rebuilt ${exportId} from S3: ${outcome.ranges} ranges (${outcome.rangesDone} already done), ` +
            `${outcome.partsRecovered} committed parts with ${outcome.rowsRecovered} rows kept; the rest is enqueued\n`,
    );
  });
}

/** `bulk-export retry EXPORT_ID [--range N]` (the range checked by its option parser). */
export async function retryCommand(exportId: string, options: { range?: number }): Promise<void> {
  await withExporter('retry', async (exporter) => {
    const outcome = await exporter.retry(exportId, options.range === undefined ? {} : { range: options.range });
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
