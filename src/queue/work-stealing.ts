import type { Redis } from 'ioredis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../logging/logger.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import { describeRange, type ExportRange } from '../planning/export-range.js';
import { maxRangesFor, MIN_PAGES_PER_SPLIT } from '../planning/fleet-ranges.js';
import { keySpanOf, rangeOver } from '../planning/key-span.js';
import { folderOf, rangeSplitKey, type RangeSplitRecord } from '../sinks/export-layout.js';
import { ObjectStore } from '../sinks/s3/object-store.js';
import { enqueueSplitRange } from './enqueue-export.js';
import { addExportJobLogLine, splitLine } from './export-job-log.js';
import { ExportControl } from './export-control.js';
import { ExportRegistry } from './export-registry.js';
import type { ExportSpec } from './export-spec.js';
import { RangeBoard, type BoardRange } from './range-board.js';

/**
 * Work stealing: a worker with a free slot, when no range is waiting, splits the unread part of the
 * running range with the most rows to go into a new range of the same export, so the fleet stays busy to
 * the last page without planning many small ranges up front. Each range ends with a page its rows do
 * not fill, so a split costs up to one request: an export is split only while it has fewer ranges than
 * `maxRangesFor` allows (about 1% of its requests), and a range only when both halves keep
 * `MIN_PAGES_PER_SPLIT` pages.
 */

/** A range reporting no page for this long is not running (its worker died, or it waits): it is not split. */
const SILENT_RANGE_MS = 60_000;

/** Records per request of specs written before they recorded it. */
const DEFAULT_PAGE_SIZE = 1000;

export interface SplitChoice {
  victim: BoardRange;
  /** The new range's first key; the victim keeps the keys below it. */
  at: number;
  /** Rows the new range should hold. */
  rows: number;
}

/**
 * The split that helps most: the running range with the most rows to go, cut in the middle of its unread
 * keys (assuming rows spread evenly over them; an open end is estimated from the density of the keys read
 * so far). None when the export has `maxRanges` ranges already, or no range has at least twice
 * `MIN_PAGES_PER_SPLIT` pages to go.
 */
export function chooseSplit(ranges: readonly BoardRange[], pageSize: number, now: number, maxRanges: number): SplitChoice | undefined {
  if (ranges.length >= maxRanges) return undefined;
  const minRows = 2 * MIN_PAGES_PER_SPLIT * pageSize;
  let best: SplitChoice | undefined;
  for (const entry of ranges) {
    const progress = entry.progress;
    if (entry.done || !progress || now - progress.at > SILENT_RANGE_MS || progress.remaining < minRows) continue;
    if (best && progress.remaining <= best.victim.progress!.remaining) continue;
    const span = keySpanOf(entry.range);
    const from = entry.claimed ?? (span.start === null ? null : span.start - 1);
    if (from === null) continue;
    let at: number;
    if (span.end !== null) {
      at = from + Math.floor((span.end - from) / 2);
    } else {
      // Keys per row over what was read; at least one, as keys are distinct or grouped.
      if (progress.firstKey === null || progress.read < pageSize) continue;
      const density = Math.max(1, (from - progress.firstKey) / progress.read);
      at = from + Math.max(1, Math.floor((density * progress.remaining) / 2));
    }
    if (at <= from || (span.end !== null && at >= span.end) || !Number.isSafeInteger(at)) continue;
    best = { victim: entry, at, rows: Math.floor(progress.remaining / 2) };
  }
  return best;
}

export interface StealContext {
  redis: Redis;
  queuePrefix: string;
  s3: S3Client;
  logger: Logger;
  /** The process's environment, whose credentials the export job's log never shows. */
  variables: NodeJS.ProcessEnv;
}

/**
 * Makes at most one split, in whichever running export (not paused or cancelled) it helps most: moves the
 * victim's end on the board, records the new range on S3 (for a rebuild from S3), and adds its job to the
 * export. Returns whether it split. Two workers choosing at once split the same range once: the board
 * refuses a split point the range has read past or another split moved its end below.
 */
export async function stealWork(context: StealContext): Promise<boolean> {
  const board = new RangeBoard(context.redis, context.queuePrefix);
  const registry = new ExportRegistry(context.redis, context.queuePrefix);
  const control = new ExportControl(context.redis, context.queuePrefix);
  const now = Date.now();
  let best: { spec: ExportSpec; choice: SplitChoice } | undefined;
  for (const exportId of await board.activeExports()) {
    const record = await registry.get(exportId);
    if (!record || record.state !== 'running') {
      if (!record || record.state === 'committed' || record.state === 'cancelled') await board.retire(exportId);
      continue;
    }
    // A trial export (`--limit`) is one range that stops at its rows: a split would read more.
    if (record.spec.limit !== undefined || (await control.get(exportId)) !== undefined) continue;
    const pageSize = record.spec.pageSize ?? DEFAULT_PAGE_SIZE;
    const choice = chooseSplit(await board.ranges(exportId), pageSize, now, maxRangesFor(record.spec.plannedRows, pageSize));
    if (choice && (!best || choice.victim.progress!.remaining > best.choice.victim.progress!.remaining)) best = { spec: record.spec, choice };
  }
  if (!best) return false;
  const { spec, choice } = best;
  const victim = choice.victim;
  const child = rangeOver(victim.range, { start: choice.at, end: keySpanOf(victim.range).end }, 0, choice.rows);
  const progress = { ...victim.progress!, remaining: victim.progress!.remaining - choice.rows };
  const index = await board.split(spec.exportId, victim.range.index, choice.at, child, progress);
  if (typeof index !== 'number') {
    context.logger.debug({ exportId: spec.exportId, range: victim.range.index, refused: index }, 'split refused');
    return false;
  }
  const range: ExportRange = { ...child, index };
  // The board's end for the new range is the victim's end at the split, which another split may have moved since the snapshot.
  const after = await board.ranges(spec.exportId);
  const current = after.find((entry) => entry.range.index === index)?.range ?? range;
  await addSplitRange(context, spec, current, victim.range.index);
  context.logger.info(
    { exportId: spec.exportId, range: victim.range.index, newRange: index, bounds: describeRange(current), rows: choice.rows },
    'split a running range: its unread part is a new range',
  );
  const line = splitLine({
    victim: after.find((entry) => entry.range.index === victim.range.index)?.range ?? victim.range,
    victimRowsLeft: progress.remaining,
    child: current,
    childRows: choice.rows,
    at: choice.at,
  });
  await addExportJobLogLine(context.redis, context.queuePrefix, spec.exportId, line, secretScrubber(context.variables), context.logger);
  return true;
}

/** Records a split-off range on S3 and adds its job; both are idempotent, so the victim repeats them before it finishes. */
export async function addSplitRange(context: StealContext, spec: ExportSpec, range: ExportRange, splitFrom: number): Promise<void> {
  const record: RangeSplitRecord = { range, splitFrom };
  await new ObjectStore(context.s3, spec.destination.bucket).put(rangeSplitKey(folderOf(spec), range.index), JSON.stringify(record), {
    contentType: 'application/json',
  });
  await enqueueSplitRange(context.redis, context.queuePrefix, spec, range);
}
