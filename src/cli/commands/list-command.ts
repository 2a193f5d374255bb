import { accountOf } from '../../accounts/account-name.js';
import { InvalidInputError } from '../../errors/index.js';
import { ExportRegistry } from '../../queue/export-registry.js';
import { readExportStatus, type ExportStatus } from '../../queue/export-status.js';
import { withRedis } from '../with-redis.js';
import { count, duration } from './watch-command.js';

export interface ListEntry {
  exportId: string;
  state: ExportStatus['state'];
  source: string;
  account: string;
  format: string;
  rows: number;
  plannedRows: number;
  parts: number;
  ranges: { done: number; total: number; failed: number };
  createdAt: string;
  finishedAt: string | null;
  /** Seconds from start to finish; for a running or paused export, so far; null when unknown (failed). */
  durationSeconds: number | null;
  destination: string;
}

/** `bulk-export list [--limit 20] [--account NAME] [--json]`: the most recent exports (of one account), newest first. */
export async function listCommand(options: { limit: string; account?: string; json?: boolean }): Promise<void> {
  const limit = Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidInputError(`--limit must be a whole number of at least 1, got "${options.limit}".`);
  await withRedis('list', async (redis, environment) => {
    const registry = new ExportRegistry(redis, environment.queuePrefix);
    const entries: ListEntry[] = [];
    // Newest first, a page at a time, until `limit` exports of the account are found or none are left.
    for (let offset = 0; entries.length < limit; offset += limit) {
      const ids = await registry.recent(limit, offset);
      if (ids.length === 0) break;
      for (const exportId of ids) {
        if (options.account !== undefined) {
          const record = await registry.get(exportId);
          if (!record || accountOf(record.spec.source) !== options.account) continue;
        }
        const status = await readExportStatus(redis, environment.queuePrefix, exportId);
        if (status) entries.push(listEntry(status, Date.now()));
        if (entries.length === limit) break;
      }
    }
    process.stdout.write(options.json ? `${JSON.stringify(entries)}\n` : formatList(entries));
  });
}

export function listEntry(status: ExportStatus, now: number): ListEntry {
  const started = Date.parse(status.createdAt);
  const ended = status.finishedAt ? Date.parse(status.finishedAt) : status.state === 'running' || status.state === 'paused' ? now : NaN;
  const seconds = (ended - started) / 1000;
  return {
    exportId: status.exportId,
    state: status.state,
    source: status.source,
    account: status.account,
    format: status.format,
    rows: status.rows,
    plannedRows: status.plannedRows,
    parts: status.parts,
    ranges: { done: status.ranges.done, total: status.ranges.total, failed: status.ranges.failed.length },
    createdAt: status.createdAt,
    finishedAt: status.finishedAt ?? null,
    durationSeconds: Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds) : null,
    destination: status.destination,
  };
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
