import { Queue } from './bullmq.js';
import type { Redis } from 'ioredis';
import type { Logger } from '../logging/logger.js';
import { describeRange, type ExportRange } from '../planning/export-range.js';
import { EXPORT_QUEUE } from './queue-names.js';

/**
 * The log of an export's own job (Bull Board's Logs tab): one line when it is planned, one per range split
 * off a running one, one per range handed on from a dead worker, one when its commit starts, and one with
 * the commit's outcome. Every line goes through the process's secret scrubber, and a line that cannot be
 * written never fails the work it describes.
 */

/** Writes one line to the job's log; a job in hand writes with `job.log`, else by id through the export queue. */
export type ExportJobLogWriter = (line: string) => Promise<unknown>;

/** `2026-11-22T22:36:18.512Z planned: ...`, scrubbed; a failure is logged, not thrown. */
export async function writeExportJobLog(write: ExportJobLogWriter, line: string, scrub: (text: string) => string, logger: Logger): Promise<void> {
  try {
    await write(scrub(`${new Date().toISOString()} ${line}`));
  } catch (error) {
    logger.warn({ err: scrub((error as Error).message) }, 'could not write the export job log');
  }
}

/** Adds a line to the log of the export's job, by id (for processes that do not hold the job). */
export async function addExportJobLogLine(
  redis: Redis,
  prefix: string,
  exportId: string,
  line: string,
  scrub: (text: string) => string,
  logger: Logger,
): Promise<void> {
  const queue = new Queue(EXPORT_QUEUE, { connection: redis, prefix });
  try {
    await writeExportJobLog((text) => queue.addJobLog(exportId, text), line, scrub, logger);
  } finally {
    await queue.close();
  }
}

/** How the ranges of a plan were sized. */
export type RangeSizing = { kind: 'fleet'; slots: number } | { kind: 'range-rows'; rows: number } | { kind: 'trial'; limit: number };

const n = (value: number) => value.toLocaleString('en-US');

/** `planned: 4 ranges over ids, about 29,729 rows, about 300 requests of up to 100 records (after 6 ...); one range per worker slot (4 slots) ...` */
export function plannedLine(plan: {
  ranges: readonly ExportRange[];
  plannedRows: number;
  pageRequests: number;
  pageSize: number;
  planningRequests: number;
  sizing: RangeSizing;
  maxRanges: number;
}): string {
  const first = plan.ranges[0];
  const key = !first ? 'keys' : first.kind === 'id' ? 'ids' : `${first.field ?? 'date_created'} windows`;
  const how =
    plan.sizing.kind === 'trial'
      ? `one range: a trial export of the first ${n(plan.sizing.limit)} records, never split`
      : `${plan.sizing.kind === 'fleet' ? `one range per worker slot (${n(plan.sizing.slots)} in the fleet)` : `ranges of about ${n(plan.sizing.rows)} rows (--range-rows)`}; ` +
        (plan.ranges.length < plan.maxRanges
          ? `running ranges are split for free slots, up to ${n(plan.maxRanges)} ranges in all`
          : `no range is split (${n(plan.maxRanges)} range(s) at most for its pages)`);
  return (
    `planned: ${n(plan.ranges.length)} range(s) over ${key}, about ${n(plan.plannedRows)} rows, ` +
    `about ${n(plan.pageRequests)} requests of up to ${n(plan.pageSize)} records (after ${n(plan.planningRequests)} for validation and planning); ${how}`
  );
}

/** `split: range 5 split off range 2 at key 23500: range 2 keeps ids (...] (about 3,100 rows to go), range 5 takes ids (...] (about 3,100 rows)` */
export function splitLine(split: { victim: ExportRange; victimRowsLeft: number; child: ExportRange; childRows: number; at: number }): string {
  return (
    `split: range ${split.child.index} split off range ${split.victim.index} at key ${split.at}: ` +
    `range ${split.victim.index} keeps ${describeRange(split.victim)} (about ${n(split.victimRowsLeft)} rows to go), ` +
    `range ${split.child.index} takes ${describeRange(split.child)} (about ${n(split.childRows)} rows)`
  );
}

/** `handed on: range 3, whose worker host:123:ab12cd went silent, waits for another worker (it resumes from its checkpoint)` */
export function handedOnLine(handover: { rangeIndex: number; workerId: string }): string {
  return `handed on: range ${handover.rangeIndex}, whose worker ${handover.workerId} went silent, waits for another worker (it resumes from its checkpoint)`;
}

/** `commit started (attempt 1): 4 ranges done, 29,729 rows in 16 parts` */
export function commitStartedLine(commit: { attempt: number; ranges: number; rows: number; parts: number }): string {
  return `commit started (attempt ${commit.attempt}): ${n(commit.ranges)} ranges done, ${n(commit.rows)} rows in ${n(commit.parts)} parts`;
}

/** `committed: 29,729 rows in 16 parts, manifest s3://bucket/.../_manifest.json` */
export function committedLine(commit: { rows: number; parts: number; manifestUrl: string }): string {
  return `committed: ${n(commit.rows)} rows in ${n(commit.parts)} parts, manifest ${commit.manifestUrl}`;
}

/** The commit's failure: retried, for good (with what to do), or a cancel. */
export function commitFailedLine(failure: {
  exportId: string;
  reason: string;
  attempt: number;
  attempts: number;
  final: boolean;
  cancelled: boolean;
}): string {
  if (failure.cancelled) return 'commit stopped: the export was cancelled; nothing was committed';
  if (!failure.final) return `commit attempt ${failure.attempt} of ${failure.attempts} failed, retrying: ${failure.reason}`;
  return `commit failed for good: ${failure.reason} (nothing was committed; after fixing the cause: bulk-export retry ${failure.exportId})`;
}
