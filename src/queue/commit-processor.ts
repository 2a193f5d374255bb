import { UnrecoverableError, WaitingError, type Job } from './bullmq.js';
import { BulkExportError, PartsMissingError, type PartDiscrepancy } from '../errors/index.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import { parseIsoMicros } from '../time/iso-instant.js';
import {
  MANIFEST_NAME,
  SUCCESS_MARKER,
  type CommittedPart,
  type ExportManifest,
  type IncrementalWindow,
  type ManifestColumn,
  type SchemaChanges,
} from '../sinks/manifest.js';
import { PART_KEY_PATTERN } from '../sinks/part-key.js';
import { s3RetryLog } from '../sinks/s3/describe-s3-retry.js';
import { ObjectStore } from '../sinks/s3/object-store.js';
import { columnTypeName } from '../sinks/column-type-name.js';
import { parquetColumnsOf } from '../sinks/parquet-columns.js';
import { folderOf, tableFolder } from '../sinks/export-layout.js';
import { formatS3Url } from '../sinks/s3/s3-location.js';
import { compareColumns, hasSchemaChanges, previousCommittedManifest } from '../sinks/schema-changes.js';
import { recordSchemaOf } from '../sources/create-source.js';
import { timestampPositionOf } from '../sources/timestamp-keyset.js';
import { loadFilesFor } from '../warehouse/load-files.js';
import { committedNotification } from '../notifications/export-notification.js';
import { enqueueNotification } from '../notifications/enqueue-notification.js';
import type { TimestampPosition } from '../planning/timestamp-position.js';
import { CommitFence } from './commit-fence.js';
import { RangeBoard } from './range-board.js';
import { ExportControl } from './export-control.js';
import { commitStartedLine, committedLine, writeExportJobLog } from './export-job-log.js';
import type { ExportSpec } from './export-spec.js';
import { ExportCancelledError } from './export-stopped.js';
import type { RangeCheckpoint } from './range-checkpoint.js';
import { findPartDiscrepancies, rewindRangesToBadParts } from './part-audit.js';
import { RangeRetryNotes } from './range-retry-notes.js';
import { SHUTDOWN_REASON } from './range-processor.js';
import { readClockPosition } from './read-clock-watermark.js';
import { refuseMismatchedRowCounts } from './row-count-check.js';
import { s3FailureAsJobFailure } from './s3-job-failure.js';
import { accountOf } from '../accounts/account-name.js';
import { advanceWatermark, WatermarkCache, type Watermark } from './watermark.js';
import type { WorkerContext } from './worker-context.js';

export interface ExportJobResult {
  rows: number;
  parts: number;
  manifestKey: string;
}

/**
 * Runs once every range of an export is done: checks that every part the checkpoints recorded is on S3
 * as recorded (else it commits nothing, rewinds the ranges concerned and fails for good, see
 * PartsMissingError), removes part objects no checkpoint committed (left by crashed attempts), writes the
 * manifest (with the columns and how they differ from the table's previous export), removes any part
 * object that appeared meanwhile, writes the warehouse load files, (incremental) advances the watermark,
 * then `_SUCCESS`. Range attempts that lost their job keep no part once the commit began (CommitFence).
 * Safe to run twice.
 */
export async function commitExport(
  job: Job<ExportSpec, ExportJobResult>,
  context: WorkerContext,
  token?: string,
  signal?: AbortSignal,
): Promise<ExportJobResult> {
  try {
    return await commitCheckedExport(job, context, signal);
  } catch (error) {
    if (signal?.aborted && signal.reason === SHUTDOWN_REASON && token !== undefined) {
      // A stopping worker does not wait for S3 (an outage may last many minutes): another worker commits, from the start.
      context.logger.info({ exportId: job.data.exportId, jobId: job.id }, 'released commit on shutdown');
      await job.moveToWait(token);
      throw new WaitingError('released on shutdown');
    }
    throw s3FailureAsJobFailure(error);
  }
}

async function commitCheckedExport(
  job: Job<ExportSpec, ExportJobResult>,
  context: WorkerContext,
  signal: AbortSignal | undefined,
): Promise<ExportJobResult> {
  const spec = job.data;
  const log = context.logger.child({ exportId: spec.exportId, jobId: job.id });
  if ((await new ExportControl(context.redis, context.queuePrefix).get(spec.exportId)) === 'cancel') {
    throw new ExportCancelledError(spec.exportId);
  }
  const board = new RangeBoard(context.redis, context.queuePrefix);
  const rangeCount = await board.rangeCount(spec);
  const checkpoints = await context.checkpoints.loadAll(spec.exportId, rangeCount);
  const unfinished = checkpoints.flatMap((checkpoint, index) => (checkpoint?.done ? [] : [index]));
  if (unfinished.length > 0) {
    throw new BulkExportError('RANGES_UNFINISHED', `Ranges ${unfinished.join(', ')} of ${spec.exportId} have no finished checkpoint; cannot commit.`);
  }
  const parts = checkpoints.flatMap((checkpoint) => checkpoint!.parts);
  const scrub = secretScrubber(context.variables);
  const jobLog = (line: string) => writeExportJobLog((text) => job.log(text), line, scrub, log);
  await jobLog(
    commitStartedLine({
      attempt: job.attemptsMade + 1,
      ranges: rangeCount,
      rows: parts.reduce((sum, part) => sum + part.rows, 0),
      parts: parts.length,
    }),
  );
  log.info(refuseMismatchedRowCounts(spec, checkpoints as RangeCheckpoint[]), 'row counts agree'); // else fails the commit for good, nothing written
  const store = new ObjectStore(context.s3, spec.destination.bucket, {
    ...(context.s3Outage ? { outage: context.s3Outage } : {}),
    ...(signal ? { signal } : {}),
    onRetry: (event) => {
      const line = s3RetryLog(event);
      log.warn(line.fields, line.message);
    },
  });
  const folder = folderOf(spec);
  const fence = new CommitFence(context.redis, context.queuePrefix);
  // From here on, a range attempt that lost its job uploads no part, or deletes the one it just uploaded.
  await fence.raise(spec.exportId);

  // One listing shows both the parts that must be there and the objects that must go.
  const listing = await store.list(`${folder}/`);
  const missing = findPartDiscrepancies(parts, listing);
  if (missing.length > 0) {
    throw await refuseCommit({ spec, folder, store, fence, context, checkpoints: checkpoints as RangeCheckpoint[], missing, log });
  }
  const committedKeys = new Set(parts.map((part) => part.key));
  const orphans = listing.map((object) => object.key).filter((key) => PART_KEY_PATTERN.test(key) && !committedKeys.has(key));
  if (orphans.length > 0) {
    await store.deleteMany(orphans);
    log.info({ orphans: orphans.length }, 'removed parts of abandoned attempts');
  }

  const rows = parts.reduce((sum, part) => sum + part.rows, 0);
  const columns = partColumns(spec, context);
  const schemaChanges = await schemaChangesOf(spec, store, columns, parts);
  if (hasSchemaChanges(schemaChanges)) log.warn({ schemaChanges }, 'the columns differ from the previous export of the table');
  const manifest: ExportManifest = {
    exportId: spec.exportId,
    source: spec.source.kind,
    table: spec.table ?? null,
    folder,
    format: spec.format,
    compression: spec.format === 'parquet' ? 'zstd' : spec.gzip ? 'gzip' : 'none',
    schema: spec.schemaName,
    columns,
    schemaChanges,
    rows,
    parts,
    ranges: rangeCount,
    startedAt: spec.createdAt,
    endedAt: new Date().toISOString(),
  };
  const reached = spec.changes ? reachedWatermark(spec, checkpoints as RangeCheckpoint[], parts) : undefined;
  if (spec.changes && reached) manifest.incremental = incrementalWindow(spec, reached);
  const manifestKey = `${folder}/${MANIFEST_NAME}`;
  await store.put(manifestKey, JSON.stringify(manifest, null, 2), { contentType: 'application/json' });
  // Again, now that the manifest is written: an upload a lost attempt began before the fence may have landed
  // since the first listing (it would be a stray part for readers of part-*), or a part may have gone since.
  const relisted = await store.list(`${folder}/`);
  const goneSince = findPartDiscrepancies(parts, relisted);
  if (goneSince.length > 0) {
    await store.delete(manifestKey);
    throw await refuseCommit({ spec, folder, store, fence, context, checkpoints: checkpoints as RangeCheckpoint[], missing: goneSince, log });
  }
  const strays = relisted.map((object) => object.key).filter((key) => PART_KEY_PATTERN.test(key) && !committedKeys.has(key));
  if (strays.length > 0) {
    await store.deleteMany(strays);
    log.warn({ strays }, 'removed part objects that appeared while committing (uploads of attempts that had lost their job)');
  }
  // Engines that cannot be given a list of files in a statement (Redshift, Athena) read exactly the manifest's parts through these.
  for (const file of loadFilesFor(manifest, spec.destination.bucket, folder)) await store.put(file.key, file.body, { contentType: file.contentType });
  const watermark = spec.changes?.watermark;
  if (spec.changes?.mode === 'incremental' && watermark && reached?.position) {
    const next: Watermark = {
      name: watermark.name,
      source: spec.source.kind,
      account: accountOf(spec.source),
      filter: watermark.filter,
      destination: formatS3Url(spec.destination),
      field: spec.changes.field,
      modifiedAt: reached.modifiedAt,
      position: reached.position,
      exportId: spec.exportId,
      committedAt: manifest.endedAt,
    };
    const outcome = await advanceWatermark(store, new WatermarkCache(context.redis, context.queuePrefix), watermark.key, next);
    if (outcome.written) log.info({ watermark: watermark.key, modifiedAt: next.modifiedAt, position: next.position }, 'watermark advanced');
    else
      log.warn(
        { watermark: watermark.key, kept: outcome.current.position, exportId: outcome.current.exportId },
        'watermark kept: a later export already moved it further',
      );
  }
  await store.put(`${folder}/${SUCCESS_MARKER}`, '', { contentType: 'application/octet-stream' });
  await context.registry.update(spec.exportId, { state: 'committed', rows, parts: parts.length, finishedAt: manifest.endedAt });
  await board.retire(spec.exportId);
  await new RangeRetryNotes(context.redis, context.queuePrefix).drop(spec.exportId);
  // A credential handed over for the account goes once nothing else (another export, a schedule) holds it.
  await context.handed.release(spec.source.kind, accountOf(spec.source), `export:${spec.exportId}`);
  const manifestUrl = formatS3Url({ bucket: spec.destination.bucket, prefix: '' }, manifestKey);
  // `--notify`: queued once the export is committed; a commit run again queues nothing more (idempotent by export id and state).
  await enqueueNotification(
    context.redis,
    context.queuePrefix,
    spec,
    committedNotification(spec, { rows, parts: parts.length, manifestUrl, committedAt: manifest.endedAt }),
  );
  log.info({ rows, parts: parts.length, manifestKey }, 'export committed');
  await jobLog(committedLine({ rows, parts: parts.length, manifestUrl }));
  return { rows, parts: parts.length, manifestKey };
}

/**
 * The parts' columns, in file order (Redshift copies Parquet columns by position): those of the export's
 * record schema, which the source builds from the spec alone, and in Parquet parts the lineage and `_extra`.
 */
function partColumns(spec: ExportSpec, context: WorkerContext): ManifestColumn[] {
  const schema = recordSchemaOf(spec.source, context.variables);
  const fields = spec.format === 'parquet' ? parquetColumnsOf(schema).fields : schema.fields;
  return fields.map((field) => ({ name: field.name, type: columnTypeName(field.type) }));
}

/** The columns compared with the table's previous committed export, and the fields no column holds. */
async function schemaChangesOf(spec: ExportSpec, store: ObjectStore, columns: ManifestColumn[], parts: CommittedPart[]): Promise<SchemaChanges> {
  const extra = {
    unknownFields: [...new Set(parts.flatMap((part) => part.unknownFields ?? []))],
    refusedValues: [...new Set(parts.flatMap((part) => part.refusedValues ?? []))],
  };
  const previous = spec.table ? await previousCommittedManifest(store, tableFolder(spec.destination, spec.table), spec.exportId) : undefined;
  return previous?.columns ? compareColumns(previous.exportId, previous.columns, columns, extra) : compareColumns(null, columns, columns, extra);
}

/**
 * Parts the checkpoints recorded are gone or changed on S3: nothing is committed. The ranges concerned are
 * rewound to before their first bad part and the fence is lowered, so that `retry` reads them again and
 * commits; the commit fails for good (another attempt would find the same), with what to do.
 */
async function refuseCommit(args: {
  spec: ExportSpec;
  folder: string;
  store: ObjectStore;
  fence: CommitFence;
  context: WorkerContext;
  checkpoints: RangeCheckpoint[];
  missing: PartDiscrepancy[];
  log: WorkerContext['logger'];
}): Promise<Error> {
  const { spec } = args;
  const rewound = await rewindRangesToBadParts({
    exportId: spec.exportId,
    folder: args.folder,
    store: args.store,
    checkpoints: args.context.checkpoints,
    rangeCheckpoints: args.checkpoints,
    discrepancies: args.missing,
  });
  await args.fence.lower(spec.exportId);
  const refusal = new PartsMissingError(spec.exportId, spec.destination.bucket, args.missing, rewound);
  args.log.error({ parts: args.missing.map((part) => part.key), rewoundRanges: rewound }, 'commit refused: parts missing or changed on S3');
  return Object.assign(new UnrecoverableError(refusal.message), { cause: refusal });
}

interface ReachedWatermark {
  /** The highest modification timestamp written, as the API sent it; the previous one when nothing was written. */
  modifiedAt: string | null;
  /** Where the next run continues; the start of this one when nothing proves a later position. */
  position: TimestampPosition | null;
}

/** The high-water mark an export of changes reached, by its watermark rule (see `WatermarkRule`). */
function reachedWatermark(spec: ExportSpec, checkpoints: RangeCheckpoint[], parts: CommittedPart[]): ReachedWatermark {
  const changes = spec.changes!;
  const rule = changes.watermarkRule;
  if (rule.kind === 'read-clock') {
    const written = checkpoints.flatMap((checkpoint) => checkpoint.written ?? []);
    const position = readClockPosition(changes.since, parts, written, rule.readStartedAt, rule.overlapMs);
    return { modifiedAt: newestStamp(parts.map((part) => part.newestChange)) ?? changes.previousModifiedAt, position };
  }
  // Walk positions: ranges are consecutive modification windows in index order, each read oldest first,
  // so the last range that wrote anything ends at the newest change written.
  const last = [...checkpoints].reverse().find((checkpoint) => checkpoint.parts.length > 0);
  if (!last) return { modifiedAt: changes.previousModifiedAt, position: changes.since };
  const position = timestampPositionOf(last.cursor, { positionKey: rule.cursorKey, sourceName: spec.source.kind });
  return { modifiedAt: newestStamp(parts.map((part) => (typeof part.lastKey === 'string' ? part.lastKey : undefined))), position };
}

/** The latest of some timestamps (compared as instants), as written; null when there are none. */
function newestStamp(stamps: readonly (string | undefined)[]): string | null {
  let newest: string | null = null;
  let newestMicros = -Infinity;
  for (const stamp of stamps) {
    const micros = stamp === undefined ? null : parseIsoMicros(stamp);
    if (micros !== null && micros > newestMicros) {
      newestMicros = micros;
      newest = stamp!;
    }
  }
  return newest;
}

function incrementalWindow(spec: ExportSpec, reached: ReachedWatermark): IncrementalWindow {
  const changes = spec.changes!;
  return {
    mode: changes.mode,
    field: changes.field,
    since: changes.since?.at ?? null,
    sinceIds: changes.since?.idsAtLast ?? [],
    until: changes.until,
    fullLoad: changes.fullLoad,
    previousExportId: changes.previousExportId,
    watermark: { modifiedAt: reached.modifiedAt, position: reached.position },
    watermarkKey: changes.mode === 'incremental' ? (changes.watermark?.key ?? null) : null,
  };
}
