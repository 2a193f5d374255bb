import { describeDelivery } from '../../notifications/describe-delivery.js';
import type { ExportStatus } from '../../queue/export-status.js';
import { withExporter } from '../with-exporter.js';
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
  await withExporter('status', async (exporter) => {
    const status = await exporter.status(exportId);
    process.stdout.write(options.json ? `${JSON.stringify(status)}\n` : formatStatus(status));
    if (status.state === 'failed') process.exitCode = 1;
  });
}

export function formatStatus(status: ExportStatus): string {
  const lines = [
    `export       ${status.exportId}`,
    `state        ${status.state}`,
    `source       ${status.source} ${status.records}, account ${status.account} -> ${status.destination} (${status.format})`,
    `ranges       ${status.ranges.done}/${status.ranges.total} done${status.ranges.failed.length ? `, ${status.ranges.failed.length} failed` : ''}`,
    `rows         ${status.rows} of about ${status.plannedRows}`,
    `parts        ${status.parts}`,
    `started      ${status.createdAt}`,
  ];
  for (const note of status.retrying) lines.push(`retrying     range ${note.rangeIndex} (since ${note.since}): ${note.message}`);
  if (status.finishedAt) lines.push(`finished     ${status.finishedAt}`);
  if (status.error) lines.push(`error        ${status.error}`);
  if (status.notify) {
    lines.push(
      `notify       ${status.notify.url}${status.notify.deliveries.length === 0 ? ': none yet (sent when the export commits or fails)' : ''}`,
    );
    for (const delivery of status.notify.deliveries) lines.push(`notified     ${describeDelivery(delivery)}`);
  }
  return lines.join('\n') + '\n';
}
