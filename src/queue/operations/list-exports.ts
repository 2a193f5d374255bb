import type { Redis } from 'ioredis';
import { accountOf } from '../../accounts/account-name.js';
import { ExportRegistry } from '../export-registry.js';
import { readExportStatus, type ExportStatus } from '../export-status.js';

/** One export as `list` shows it. */
export interface ListEntry {
  exportId: string;
  state: ExportStatus['state'];
  source: string;
  /** The record type (`--records`). */
  records: string;
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

/** The `limit` most recent exports (of `account`, when given), newest first. */
export async function listExports(redis: Redis, prefix: string, options: { limit: number; account?: string }): Promise<ListEntry[]> {
  const registry = new ExportRegistry(redis, prefix);
  const entries: ListEntry[] = [];
  // Newest first, a page at a time, until `limit` exports of the account are found or none are left.
  for (let offset = 0; entries.length < options.limit; offset += options.limit) {
    const ids = await registry.recent(options.limit, offset);
    if (ids.length === 0) break;
    for (const exportId of ids) {
      if (options.account !== undefined) {
        const record = await registry.get(exportId);
        if (!record || accountOf(record.spec.source) !== options.account) continue;
      }
      const status = await readExportStatus(redis, prefix, exportId);
      if (status) entries.push(listEntry(status, Date.now()));
      if (entries.length === options.limit) break;
    }
  }
  return entries;
}

export function listEntry(status: ExportStatus, now: number): ListEntry {
  const started = Date.parse(status.createdAt);
  const ended = status.finishedAt ? Date.parse(status.finishedAt) : status.state === 'running' || status.state === 'paused' ? now : NaN;
  const seconds = (ended - started) / 1000;
  return {
    exportId: status.exportId,
    state: status.state,
    source: status.source,
    records: status.records,
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
