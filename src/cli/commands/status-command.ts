import { InvalidInputError } from '../../errors/index.js';
import { readExportStatus, type ExportStatus } from '../../queue/export-status.js';
import { withRedis } from '../with-redis.js';
import { watchExport } from './watch-command.js';

/**
 * `bulk-export status EXPORT_ID [--json] [--watch [--interval S]]`. Exits 1 when the export failed.
 * With `--watch` it follows the export until it commits (exit 0), fails or is cancelled (exit 1).
 */
export async function statusCommand(exportId: string, options: { json?: boolean; watch?: boolean; interval?: string }): Promise<void> {
  if (options.watch) {
    process.exitCode = await watchExport(exportId, options);
    return;
  }
  await withRedis('status', async (redis, environment) => {
    const status = await readExportStatus(redis, environment.queuePrefix, exportId);
    if (!status) throw new InvalidInputError(`No export "${exportId}" is known to the Redis at REDIS_URL.`);
    process.stdout.write(options.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
    if (status.state === 'failed') process.exitCode = 1;
  });
}

export function formatStatus(status: ExportStatus): string {
  const lines = [
    `export       ${status.exportId}`,
    `state        ${status.state}`,
    `source       ${status.source}, account ${status.account} -> ${status.destination} (${status.format})`,
    `ranges       ${status.ranges.done}/${status.ranges.total} done${status.ranges.failed.length ? `, ${status.ranges.failed.length} failed` : ''}`,
    `rows         ${status.rows} of about ${status.plannedRows}`,
    `parts        ${status.parts}`,
    `started      ${status.createdAt}`,
  ];
  for (const note of status.retrying) lines.push(`retrying     range ${note.rangeIndex} (since ${note.since}): ${note.message}`);
  if (status.finishedAt) lines.push(`finished     ${status.finishedAt}`);
  if (status.error) lines.push(`error        ${status.error}`);
  return lines.join('\n') + '\n';
}
