import { UnrecoverableError } from './bullmq.js';
import { RowCountMismatchError } from '../errors/index.js';
import { folderOf } from '../sinks/export-layout.js';
import type { ApiRowCount } from '../sources/api-row-count.js';
import type { ExportSpec } from './export-spec.js';
import type { RangeCheckpoint } from './range-checkpoint.js';
import { sourceDefinition } from '../sources/registry.js';

/**
 * How far the rows of an export may stray from the counts before the commit refuses it: the larger of
 * 50 rows and 2% of what planning counted. Records created, deleted or archived while an export runs
 * move the counts legitimately; a demanding user accepts that much churn in a run, and an API that loses
 * or invents rows (a page cut short, a bound ignored) shows far larger gaps, as the review's faults did
 * (4,000 rows of 100,000; 250,000 of 100,000). The floor keeps a small export from being refused for a
 * handful of edits.
 */
export const ROW_COUNT_TOLERANCE = { minRows: 50, fractionOfPlanned: 0.02 } as const;

export function rowCountTolerance(plannedRows: number): number {
  return Math.max(ROW_COUNT_TOLERANCE.minRows, Math.ceil(plannedRows * ROW_COUNT_TOLERANCE.fractionOfPlanned));
}

/** One range as the check sees it. */
export interface RangeRowCount {
  rangeIndex: number;
  /** Rows written to its parts. */
  written: number;
  /** What the API said while the range was read; absent when the source reports nothing or the range was rebuilt from S3. */
  apiCount?: ApiRowCount;
}

/**
 * Which comparisons with the planned count are like with like, by the kind of export:
 *
 * - `full`: planning counted every matching record; the ranges read them all. Rows read may stray from
 *   the count both ways (records created or deleted meanwhile), within the tolerance.
 * - `changes-by-id` (exports of changes read by id, the `read-clock` rule): planning counted the records that pass the date
 *   pre-filter, and the ranges read exactly those (before the exact cut on each record, so the rows READ
 *   are compared, not the rows written). A record modified during the export starts to pass the
 *   pre-filter and is read although planning did not count it, so there is no upper bound; a record never
 *   stops passing it (modifications only move forward), so fewer rows than counted means lost rows.
 * - `changes-window` (exports of changes walked by modification time): planning counted the records modified in a window whose end it fixed; a
 *   record modified during the export leaves that window, never enters it, so there is no lower bound.
 *
 * A planned count of 0 is never exceeded: an API may answer planning without the count it asks for.
 */
export type PlannedComparison = 'full' | 'changes-by-id' | 'changes-window';

export interface RowCountInput {
  /** The API's name for messages (the source's display name). */
  sourceName: string;
  plannedRows: number;
  comparison: PlannedComparison;
  ranges: RangeRowCount[];
  /** A trial export's `--limit`: it stops reading there, so the API's totals promise more than it reads. */
  limit?: number;
}

/** What the check compared and found; `problems` is empty when the export may be committed. */
export interface RowCountVerdict {
  tolerance: number;
  /** Rows read from the API (written rows, when the source cuts nothing); null when some range cannot say (rebuilt from S3). */
  readRows: number | null;
  writtenRows: number;
  /** Rows the API's own totals promised, summed over the ranges that reported them; null when none did. */
  reportedRows: number | null;
  problems: string[];
}

/** The comparisons of `comparison`, each beyond `rowCountTolerance(plannedRows)`. */
export function compareRowCounts(input: RowCountInput): RowCountVerdict {
  const tolerance = rowCountTolerance(input.plannedRows);
  const cutsRows = input.comparison === 'changes-by-id';
  const reads = input.ranges.map((range) => range.apiCount?.read ?? (cutsRows ? null : range.written));
  const readRows = reads.every((read) => read !== null) ? reads.reduce<number>((sum, read) => sum + read!, 0) : null;
  const writtenRows = input.ranges.reduce((sum, range) => sum + range.written, 0);
  const problems: string[] = [];
  if (input.limit !== undefined) {
    return { tolerance, readRows, writtenRows, reportedRows: null, problems: limitedExportProblems(input, input.limit, writtenRows, tolerance) };
  }

  // The API's own totals: a range that returned fewer rows than the API said it holds lost some. Shortfalls
  // are summed per range, so that rows created in one range cannot hide rows lost in another.
  const reporting = input.ranges.filter((range) => range.apiCount?.reported !== null && range.apiCount?.reported !== undefined);
  const reportedRows = reporting.length > 0 ? reporting.reduce((sum, range) => sum + range.apiCount!.reported!, 0) : null;
  const shortfalls = reporting
    .map((range) => ({ rangeIndex: range.rangeIndex, reported: range.apiCount!.reported!, read: range.apiCount!.read }))
    .filter((range) => range.read < range.reported);
  const shortfall = shortfalls.reduce((sum, range) => sum + (range.reported - range.read), 0);
  if (shortfall > tolerance) {
    const worst = [...shortfalls].sort((a, b) => b.reported - b.read - (a.reported - a.read))[0]!;
    problems.push(
      `${input.sourceName} returned ${count(shortfall)} rows fewer than its own totals said the ranges hold ` +
        `(worst: range ${worst.rangeIndex}, ${count(worst.reported)} reported, ${count(worst.read)} returned)`,
    );
  }

  if (readRows !== null) {
    const what = cutsRows ? 'rows passed the date pre-filter when planning' : 'rows when planning';
    if (input.comparison !== 'changes-window' && readRows < input.plannedRows - tolerance) {
      problems.push(`${input.sourceName} counted ${count(input.plannedRows)} ${what}, but only ${count(readRows)} were read`);
    }
    // Planning that counted nothing may not have been able to count (an API answering without the count it was
    // asked for is planned as one open window): only a count can be exceeded.
    if (input.comparison !== 'changes-by-id' && input.plannedRows > 0 && readRows > input.plannedRows + tolerance) {
      problems.push(`${input.sourceName} counted ${count(input.plannedRows)} ${what}, but ${count(readRows)} were read`);
    }
  }
  return { tolerance, readRows, writtenRows, reportedRows, problems };
}

/**
 * A trial export writes exactly `limit` rows, or every row when the API holds fewer: the most any of its
 * answers said the range holds, and planning's count, bound what it could have read.
 */
function limitedExportProblems(input: RowCountInput, limit: number, writtenRows: number, tolerance: number): string[] {
  if (writtenRows > limit) return [`the trial export wrote ${count(writtenRows)} rows, more than its --limit ${count(limit)}`];
  const reported = Math.max(input.plannedRows, ...input.ranges.map((range) => range.apiCount?.reported ?? 0));
  const expected = Math.min(limit, reported);
  return writtenRows < expected - tolerance
    ? [
        `${input.sourceName} holds at least ${count(expected)} of the ${count(limit)} rows the trial export asked for, but only ${count(writtenRows)} were read`,
      ]
    : [];
}

/** The check's input for an export, from its spec and its done checkpoints. */
export function rowCountInputOf(spec: ExportSpec, checkpoints: readonly RangeCheckpoint[]): RowCountInput {
  const comparison: PlannedComparison = !spec.changes
    ? 'full'
    : spec.changes.watermarkRule.kind === 'read-clock'
      ? 'changes-by-id'
      : 'changes-window';
  return {
    sourceName: sourceDefinition(spec.source.kind).displayName,
    plannedRows: spec.plannedRows,
    comparison,
    ...(spec.limit !== undefined ? { limit: spec.limit } : {}),
    ranges: checkpoints.map((checkpoint, rangeIndex) => ({
      rangeIndex,
      written: checkpoint.rows,
      ...(checkpoint.apiCount ? { apiCount: checkpoint.apiCount } : {}),
    })),
  };
}

/**
 * Refuses to commit an export whose counts disagree (see `compareRowCounts`): throws a RowCountMismatchError
 * saying what disagreed and what to do, wrapped so that BullMQ fails the commit at once (another attempt
 * would read the same checkpoints). Returns the verdict otherwise, for the log.
 */
export function refuseMismatchedRowCounts(spec: ExportSpec, checkpoints: readonly RangeCheckpoint[]): RowCountVerdict {
  const verdict = compareRowCounts(rowCountInputOf(spec, checkpoints));
  if (verdict.problems.length === 0) return verdict;
  const definition = sourceDefinition(spec.source.kind);
  const error = new RowCountMismatchError(
    `Refusing to commit ${spec.exportId}: ${verdict.problems.join('; ')}. ` +
      `That is more than records created, deleted or archived during the export explain (tolerance: ${count(verdict.tolerance)} rows, ` +
      `the larger of ${ROW_COUNT_TOLERANCE.minRows} and ${ROW_COUNT_TOLERANCE.fractionOfPlanned * 100}% of the ${count(spec.plannedRows)} planned), ` +
      `so the API lost or invented rows. No _SUCCESS was written to s3://${spec.destination.bucket}/${folderOf(spec)}/. ` +
      `Start the export again; if the counts disagree again, check that ${definition.baseUrl.variable} reaches the ${definition.displayName} API directly.`,
  );
  throw Object.assign(new UnrecoverableError(error.message), { cause: error });
}

function count(value: number): string {
  return value.toLocaleString('en-US');
}
