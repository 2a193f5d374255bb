import { randomBytes } from 'node:crypto';
import { DelayedError, WaitingError, type Job } from 'bullmq';
import { describeRange, type ExportRange } from '../planning/export-range.js';
import { keyNumber, keySpanOf, narrowTo } from '../planning/key-span.js';
import { budgetForExport } from '../sources/export-budget.js';
import { createPartEncoder } from '../sinks/create-part-encoder.js';
import { folderOf, rangeDoneKey } from '../sinks/export-layout.js';
import type { CommittedPart } from '../sinks/manifest.js';
import { pageReceived, type PartBuilder } from '../sinks/part-encoder.js';
import { partKey } from '../sinks/part-key.js';
import { s3RetryLog, describeS3Retry } from '../sinks/s3/describe-s3-retry.js';
import { ObjectStore } from '../sinks/s3/object-store.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import { continuedCount, NOTHING_READ, type ApiRowCount } from '../sources/api-row-count.js';
import { createSource } from '../sources/create-source.js';
import type { ExportSource, SourceCursor, SourcePage } from '../sources/export-source.js';
import { describeRetry } from '../sources/http/source-retry.js';
import { CheckpointConflictError } from './checkpoint-store.js';
import { CommitFence, ExportCommittingError } from './commit-fence.js';
import { ExportControl } from './export-control.js';
import { PageReadAhead } from './page-read-ahead.js';
import { RangeBoard } from './range-board.js';
import { addSplitRange } from './work-stealing.js';
import { ExportCancelledError } from './export-stopped.js';
import { asJobFailure } from './permanent-failure.js';
import { initialCheckpoint, type RangeCheckpoint } from './range-checkpoint.js';
import { PartChanges, type SealedPartChanges } from './read-clock-watermark.js';
import type { RangeJobData, RangeJobResult, RangeProgress } from './range-job.js';
import { RangeRetryNotes } from './range-retry-notes.js';
import { s3FailureAsJobFailure } from './s3-job-failure.js';
import type { WorkerContext } from './worker-context.js';

/** Reason of the abort a stopping worker (SIGTERM/SIGINT) gives its jobs: they go back to the queue, no attempt counted. */
export const SHUTDOWN_REASON = 'worker shutting down';
/** How often a paused range looks again whether its export was resumed (`resume` also promotes it at once). */
export const PAUSE_RECHECK_MS = 5_000;
/** Progress between parts is reported at most this often (one Redis command each). */
const PROGRESS_INTERVAL_MS = 1_000;
/** How stale an operator's cancel or pause may be when a range reads its next page. */
const CONTROL_INTERVAL_MS = 500;
/** The most a worker spends deleting a part object it will not keep (it may be shutting down). */
const DISCARD_TIMEOUT_MS = 3_000;

/**
 * Reads one range page by page from its checkpoint, writes a part every `partRows` rows to a key of
 * its own (range, sequence, attempt), and advances the checkpoint only after S3 confirmed the part.
 */
export async function processRange(
  job: Job<RangeJobData, RangeJobResult>,
  token: string | undefined,
  context: WorkerContext,
  signal?: AbortSignal,
): Promise<RangeJobResult> {
  // A job taken while the worker was already stopping (a fetch that was under way at the signal) goes back untouched.
  if (signal?.aborted && signal.reason === SHUTDOWN_REASON) {
    await releaseOnShutdown(job, token, context.logger.child({ exportId: job.data.spec.exportId, range: job.data.range.index, jobId: job.id }), 0);
  }
  try {
    return await readRange(job, token, context, signal);
  } catch (error) {
    throw asJobFailure(s3FailureAsJobFailure(error));
  }
}

/** Hands the range back to the queue (no attempt counted) and ends this run of it; the next worker resumes from the checkpoint. */
async function releaseOnShutdown(
  job: Job<RangeJobData, RangeJobResult>,
  token: string | undefined,
  log: WorkerContext['logger'],
  rowsDropped: number,
): Promise<never> {
  // Rows read since the last part are dropped: the next worker re-reads them from the checkpoint.
  log.info({ rowsDropped }, 'released range on shutdown');
  await job.moveToWait(token);
  throw new WaitingError('released on shutdown');
}

async function readRange(
  job: Job<RangeJobData, RangeJobResult>,
  token: string | undefined,
  context: WorkerContext,
  signal?: AbortSignal,
): Promise<RangeJobResult> {
  const { spec, range } = job.data;
  const log = context.logger.child({ exportId: spec.exportId, range: range.index, jobId: job.id });
  const control = new ExportControl(context.redis, context.queuePrefix);
  let checkpoint = (await context.checkpoints.load(spec.exportId, range.index)) ?? initialCheckpoint();
  if (checkpoint.done) return resultOf(range.index, checkpoint);
  const scrub = secretScrubber(context.variables);
  // The range's end as the board has it now: splits may have moved it since the job was made (see work-stealing.ts).
  const board = new RangeBoard(context.redis, context.queuePrefix);
  const onBoard = (await board.count(spec.exportId)) !== undefined;
  let end = keySpanOf(range).end;
  const boardEnd = onBoard ? await board.endOf(spec.exportId, range.index) : undefined;
  // A range whose end moved leaves the API's totals (counted to its old end) out of the commit's row-count check.
  let narrowed = boardEnd !== undefined && boardEnd !== end;
  if (boardEnd !== undefined && boardEnd !== end) {
    end = boardEnd;
    narrowTo(range, end);
  }
  let firstReadKey = keyNumber(range, checkpoint.parts[0]?.firstKey ?? null);

  const source = createSource(spec.source, {
    variables: context.variables,
    budget: budgetForExport(context.redis, context.queuePrefix, spec),
    // Each new try of an API request is said in the log, in the job's log, and to `status` (cleared by the next page).
    onRetry: (event) => {
      log.warn(event, 'source request failed; retrying');
      const said = scrub(describeRetry(event));
      retryNoted = true;
      void job.log(said).catch(() => undefined);
      void retryNotes.record(spec.exportId, range.index, 'api', said).catch(() => undefined);
    },
    rawRows: spec.format === 'ndjson',
  });
  const encoder = createPartEncoder(spec.format, source.schema, { gzip: spec.gzip });
  const retryNotes = new RangeRetryNotes(context.redis, context.queuePrefix);
  let retryNoted = false;
  const store = new ObjectStore(context.s3, spec.destination.bucket, {
    ...(context.s3Outage ? { outage: context.s3Outage } : {}),
    onRetry: (event) => {
      const line = s3RetryLog(event);
      log.warn(line.fields, line.message);
      const said = describeS3Retry(event);
      retryNoted = true;
      void job.log(said).catch(() => undefined);
      void retryNotes.record(spec.exportId, range.index, 's3', said).catch(() => undefined);
    },
    // An operator's cancel also ends the wait for S3 (a pause waits: it would save a part first).
    beforeOutageWait: async () => {
      if ((await control.get(spec.exportId)) === 'cancel') throw new ExportCancelledError(spec.exportId);
    },
  });
  const fence = new CommitFence(context.redis, context.queuePrefix);
  const folder = folderOf(spec);
  // Tags this run's part objects, so that another run of the same range (after a lost lock) cannot overwrite them.
  const attempt = randomBytes(4).toString('hex');

  let part = encoder.startPart();
  let firstKey: string | number | null = null;
  let lastKey: string | number | null = null;
  // Incremental exports read by id: each row's modification in the part, for the next watermark.
  const rule = spec.changes?.watermarkRule;
  const partChanges = rule?.kind === 'read-clock' ? new PartChanges(rule) : undefined;
  let cursor: SourceCursor | null = checkpoint.cursor;
  // What the API said about the range up to `cursor`, continued from the checkpoint's (unknown when a checkpoint without one is resumed).
  const countedBefore: ApiRowCount | undefined = checkpoint.apiCount ?? (checkpoint.cursor === null ? NOTHING_READ : undefined);
  let apiCount: ApiRowCount | undefined = checkpoint.apiCount;
  let lastProgressAt = Date.now();

  /** Ends the part read so far: what its object and checkpoint will say, taken now, while the range reads on. */
  const seal = (): SealedPart => {
    const sealed: SealedPart = {
      builder: part,
      firstKey,
      lastKey,
      cursor,
      apiCount,
      changes: partChanges?.seal(context.redis),
    };
    // The Redis clock is asked at once; a rejection is met when the part is written.
    sealed.changes?.catch(() => undefined);
    part = encoder.startPart();
    firstKey = null;
    return sealed;
  };

  /** Encodes, uploads and checkpoints a sealed part; the parts before it are committed. */
  const write = async (sealedPart: SealedPart) => {
    const { builder } = sealedPart;
    const sequence = checkpoint.nextSequence;
    const key = partKey(folder, range.index, sequence, encoder.extension, attempt);
    const rows = builder.rows;
    const unknownFields = [...builder.unknownFields];
    const sealed = await sealedPart.changes;
    const body = await builder.finish();
    // The commit began: every range is done, so this run lost its job; it writes nothing more.
    if (await fence.isRaised(spec.exportId)) throw new ExportCommittingError(spec.exportId, range.index, key);
    /** Deletes this run's object of the part, which no checkpoint names; a failure to do so is only logged. */
    const discard = async (why: string) => {
      await store.delete(key, { signal: AbortSignal.timeout(DISCARD_TIMEOUT_MS) }).then(
        () => log.info({ key, why }, 'deleted a part object this run does not keep'),
        (error: unknown) =>
          log.warn({ key, why, err: (error as Error).message }, 'could not delete a part object this run does not keep; the commit deletes it'),
      );
    };
    await store
      .put(key, body, {
        contentType: encoder.contentType,
        metadata: {
          'export-id': spec.exportId,
          'range-index': String(range.index),
          sequence: String(sequence),
          rows: String(rows),
          'first-key': JSON.stringify(sealedPart.firstKey),
          'last-key': JSON.stringify(sealedPart.lastKey),
          cursor: JSON.stringify(sealedPart.cursor),
          'start-cursor': JSON.stringify(checkpoint.cursor),
          ...(sealed ? { 'newest-change': sealed.newestChange, 'read-by': String(sealed.readBy) } : {}),
        },
        signal,
      })
      .catch(async (error: unknown) => {
        // S3 may have stored the object although the request failed or was aborted (it answered too late).
        await discard(signal?.aborted ? 'upload aborted' : 'upload failed');
        throw error;
      });
    if (await fence.isRaised(spec.exportId)) {
      await discard('the commit began during the upload');
      throw new ExportCommittingError(spec.exportId, range.index, key);
    }
    const committed: CommittedPart = {
      key,
      rows,
      bytes: body.byteLength,
      firstKey: sealedPart.firstKey,
      lastKey: sealedPart.lastKey,
      rangeIndex: range.index,
      sequence,
      ...(sealed ? { newestChange: sealed.newestChange, readBy: sealed.readBy } : {}),
      ...(unknownFields.length > 0 ? { unknownFields } : {}),
    };
    const next: RangeCheckpoint = {
      cursor: sealedPart.cursor,
      nextSequence: sequence + 1,
      rows: checkpoint.rows + rows,
      parts: [...checkpoint.parts, committed],
      done: false,
      updatedAt: new Date().toISOString(),
      ...(sealed ? { written: sealed.written(checkpoint.written) } : checkpoint.written ? { written: checkpoint.written } : {}),
      ...(sealedPart.apiCount ? { apiCount: sealedPart.apiCount } : {}),
    };
    await context.checkpoints.advance(spec.exportId, range.index, sequence, next).catch(async (error: unknown) => {
      if (error instanceof CheckpointConflictError) await discard('another worker owns the range');
      throw error;
    });
    checkpoint = next;
    if (retryNoted) {
      retryNoted = false;
      await retryNotes.clear(spec.exportId, range.index);
    }
    await job.updateProgress(progressOf(checkpoint, part.rows, range.estimatedRows));
    await job.log(
      `part ${sequence}: ${committed.rows} rows, ${committed.bytes} bytes, keys ${String(sealedPart.firstKey)}..${String(sealedPart.lastKey)}`,
    );
    log.debug({ key, rows: committed.rows, bytes: committed.bytes }, 'part committed');
  };

  /**
   * The part being written while the range reads the next one: a range waits for a part's upload only
   * when the next part is full too, so the API is not kept waiting on S3. One at a time, in order, so that
   * each part's checkpoint follows the one before it.
   */
  let writing: { promise: Promise<void>; rows: number } | undefined;
  const written = async () => {
    const current = writing;
    writing = undefined;
    await current?.promise;
  };
  const writeInBackground = async () => {
    await written();
    const sealed = seal();
    const promise = write(sealed);
    // Its failure is met at the next `written()`, before anything else is written.
    promise.catch(() => undefined);
    writing = { promise, rows: sealed.builder.rows };
  };
  /** Writes everything read so far and waits until it is committed. */
  const flush = async () => {
    await written();
    if (part.rows > 0) await write(seal());
  };

  /**
   * Obeys the operator between pages (looking at most every CONTROL_INTERVAL_MS, to keep Redis round
   * trips per page low): cancel fails the range for good, pause parks it after saving what was read.
   */
  let lastControlAt = -Infinity;
  const obeyControl = async () => {
    if (Date.now() - lastControlAt < CONTROL_INTERVAL_MS) return;
    lastControlAt = Date.now();
    const command = await control.get(spec.exportId);
    if (command === 'cancel') throw new ExportCancelledError(spec.exportId);
    if (command === 'pause') {
      await flush();
      await job.log('export paused: range parked');
      await job.moveToDelayed(Date.now() + PAUSE_RECHECK_MS, token);
      throw new DelayedError('export paused');
    }
  };

  try {
    await obeyControl();
    log.info({ range: describeRange(range), resumeFrom: checkpoint.cursor }, 'range started');
    // A trial export (`--limit`) stops reading once it holds its rows; a checkpoint that holds them reads nothing more.
    const from = checkpoint.cursor;
    const pages =
      spec.limit !== undefined && checkpoint.rows >= spec.limit
        ? undefined
        : new PageReadAhead((reading) => source.pages(range, from, reading), signal);
    try {
      for (let read = await pages?.next(); read !== undefined; read = await pages!.next()) {
        let page = spec.limit === undefined ? read : firstRows(read, spec.limit - checkpoint.rows - part.rows, source);
        const received = pageReceived(spec.exportId);
        // The rows are taken on the board first: a split after this leaves them here; rows past a split's point end the range.
        let endReached = false;
        const takenUpTo = onBoard ? keyNumber(range, page.lastKey) : null;
        if (takenUpTo !== null) {
          firstReadKey ??= keyNumber(range, page.firstKey);
          const rowsRead = checkpoint.rows + part.rows + page.rows.length;
          const claim = await board.claim(spec.exportId, range.index, takenUpTo, {
            read: rowsRead,
            remaining: page.remaining ?? Math.max(0, range.estimatedRows - rowsRead),
            firstKey: firstReadKey,
            at: Date.now(),
          });
          if (claim.end !== end) {
            end = claim.end;
            narrowTo(range, end);
            narrowed = true;
          }
          if (!claim.within) {
            page = firstRows(page, rowsBefore(page, claim.end!, range, source), source);
            endReached = true;
          }
        }
        // The next page is asked for while this one is processed; not by a trial export, which may stop at any row.
        if (!endReached && spec.limit === undefined) pages!.readAhead();
        if (retryNoted) {
          retryNoted = false;
          await retryNotes.clear(spec.exportId, range.index);
        }
        // A page may hold no rows (an export of changes cut them all): it only moves the cursor and the counts on.
        if (page.rows.length > 0) {
          if (part.rows === 0) firstKey = page.firstKey;
          part.add(page.rows, page.rawRows, received);
          lastKey = page.lastKey;
        }
        cursor = page.cursor;
        if (page.apiCount && countedBefore) apiCount = continuedCount(countedBefore, page.apiCount);
        if (narrowed && apiCount) apiCount = { read: apiCount.read, reported: null };
        partChanges?.add(page.changes);
        const limitReached = spec.limit !== undefined && checkpoint.rows + part.rows >= spec.limit;
        if (limitReached || endReached) break;
        if (part.rows >= spec.partRows) await writeInBackground();
        else if (Date.now() - lastProgressAt >= PROGRESS_INTERVAL_MS) {
          lastProgressAt = Date.now();
          await job.updateProgress(progressOf(checkpoint, (writing?.rows ?? 0) + part.rows, range.estimatedRows));
        }
        await obeyControl();
      }
    } finally {
      await pages?.close();
    }
    await flush();

    // No split after this; the ranges split off this one get their jobs (again: adding one twice changes nothing) while the export still waits for this one.
    if (onBoard) {
      const children = new Set(await board.finish(spec.exportId, range.index));
      if (children.size > 0) {
        for (const entry of await board.ranges(spec.exportId)) {
          if (children.has(entry.range.index)) await addSplitRange(context, spec, entry.range, range.index);
        }
      }
    }
    await store.put(
      rangeDoneKey(folder, range.index),
      JSON.stringify({ rows: checkpoint.rows, parts: checkpoint.parts.length, cursor: checkpoint.cursor }),
      {
        contentType: 'application/json',
        signal,
      },
    );
    const done: RangeCheckpoint = { ...checkpoint, done: true, updatedAt: new Date().toISOString(), ...(apiCount ? { apiCount } : {}) };
    await context.checkpoints.advance(spec.exportId, range.index, checkpoint.nextSequence, done);
    checkpoint = done;
  } catch (error) {
    // A part still being written settles first (a stopping worker's upload is aborted), so that nothing of this run writes after it ends.
    const left = writing;
    const unwritten = left
      ? await left.promise.then(
          () => 0,
          () => left.rows,
        )
      : 0;
    if (signal?.aborted && signal.reason === SHUTDOWN_REASON) await releaseOnShutdown(job, token, log, unwritten + part.rows);
    throw error;
  }
  if (retryNoted) await retryNotes.clear(spec.exportId, range.index);
  await job.updateProgress({ ...progressOf(checkpoint, 0, range.estimatedRows), pct: 100, progress: 100 });
  log.info({ rows: checkpoint.rows, parts: checkpoint.parts.length }, 'range done');
  return resultOf(range.index, checkpoint);
}

/** A part whose rows are all read, with what its object and checkpoint say about where it ends. */
interface SealedPart {
  builder: PartBuilder;
  firstKey: string | number | null;
  lastKey: string | number | null;
  cursor: SourceCursor | null;
  apiCount: ApiRowCount | undefined;
  /** The modifications of its rows (exports by id of changes only). */
  changes: Promise<SealedPartChanges | undefined> | undefined;
}

/** How many of a page's rows (in key order) lie before `end`. */
function rowsBefore(page: SourcePage, end: number, range: ExportRange, source: ExportSource): number {
  const index = page.rows.findIndex((row) => {
    const key = keyNumber(range, source.keyOf(row));
    return key === null || key >= end;
  });
  return index === -1 ? page.rows.length : index;
}

/**
 * The first `room` rows of a page (a trial export's rows left, or those before a split's point), in key
 * order: the page itself when all fit. Its cursor stays the page's: the range ends here, nothing is read
 * after it.
 */
function firstRows(page: SourcePage, room: number, source: ExportSource): SourcePage {
  if (page.rows.length <= room) return page;
  const rows = page.rows.slice(0, Math.max(0, room));
  return {
    ...page,
    rows,
    ...(page.rawRows ? { rawRows: page.rawRows.slice(0, rows.length) } : {}),
    ...(page.changes ? { changes: page.changes.slice(0, rows.length) } : {}),
    firstKey: rows.length > 0 ? page.firstKey : null,
    lastKey: rows.length > 0 ? source.keyOf(rows.at(-1)!) : null,
  };
}

function progressOf(checkpoint: RangeCheckpoint, bufferedRows: number, estimatedRows: number): RangeProgress {
  const rows = checkpoint.rows + bufferedRows;
  const pct = estimatedRows > 0 ? Math.min(99, Math.floor((rows / estimatedRows) * 100)) : 0;
  const lastKey = checkpoint.parts.at(-1)?.lastKey ?? null;
  return { rows, committedRows: checkpoint.rows, parts: checkpoint.parts.length, lastKey, pct, progress: pct };
}

function resultOf(rangeIndex: number, checkpoint: RangeCheckpoint): RangeJobResult {
  return { rangeIndex, rows: checkpoint.rows, parts: checkpoint.parts };
}
