import type { ListEntry } from '../../queue/operations/list-exports.js';
import { withExporter } from '../with-exporter.js';
import { count, duration } from './watch-command.js';

/** `bulk-export list [--limit 20] [--account NAME] [--json]`: the most recent exports (of one account), newest first. */
export async function listCommand(options: { limit: number; account?: string; json?: boolean }): Promise<void> {
  await withExporter('list', async (exporter) => {
    const entries = await exporter.list({ limit: options.limit, ...(options.account === undefined ? {} : { account: options.account }) });
    process.stdout.write(options.json ? `${JSON.stringify(entries)}\n` : formatList(entries));
  });
}

/** ROWS, right-aligned. */
const ROWS_COLUMN = 3;

export function formatList(entries: ListEntry[]): string {
  if (entries.length === 0) return 'no exports in this Redis (under this BULK_EXPORT_QUEUE_PREFIX)\n';
  const header = ['EXPORT', 'STATE', 'ACCOUNT', 'ROWS', 'RANGES', 'DURATION', 'STARTED', 'DESTINATION'];
  const rows = entries.map((entry) => [
    entry.exportId,
    entry.state,
    entry.account,
    count(entry.rows),
    `${entry.ranges.done}/${entry.ranges.total}${entry.ranges.failed ? ` (${entry.ranges.failed} failed)` : ''}`,
    entry.durationSeconds === null ? '-' : `${duration(entry.durationSeconds)}${entry.finishedAt ? '' : '+'}`,
    entry.createdAt.replace(/\.\d+Z$/, 'Z'),
    entry.destination,
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) =>
        column === cells.length - 1 ? cell : column === ROWS_COLUMN ? cell.padStart(widths[column]!) : cell.padEnd(widths[column]!),
      )
      .join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
