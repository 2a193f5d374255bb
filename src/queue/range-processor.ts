import { randomBytes } from 'node:crypto';
import { DelayedError, WaitingError, type Job } from './bullmq.js';
import { describeRange, type ExportRange } from '../planning/export-range.js';
import { budgetForExport } from '../sources/export-budget.js';
import { createPartEncoder } from '../sinks/create-part-encoder.js';
import { folderOf, rangeDoneKey } from '../sinks/export-layout.js';
import { pageReceived } from '../sinks/part-encoder.js';
import { s3RetryLog, describeS3Retry } from '../sinks/s3/describe-s3-retry.js';
import { ObjectStore } from '../sinks/s3/object-store.js';
import type { Logger } from '../logging/logger.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import { createSource } from '../sources/create-source.js';
import type { ExportSource } from '../sources/export-source.js';
import { describeRetry } from '../sources/http/source-retry.js';
import { CommitFence } from './commit-fence.js';
import { ExportControl } from './export-control.js';
import { PageReadAhead } from './page-read-ahead.js';
import { RangeBoard } from './range-board.js';
import { addSplitRange } from './work-stealing.js';
import { ExportCancelledError } from './export-stopped.js';
import { asJobFailure } from './permanent-failure.js';
import { initialCheckpoint, type RangeCheckpoint } from './range-checkpoint.js';
import { PartChanges } from './read-clock-watermark.js';
import type { ExportSpec } from './export-spec.js';
import type { RangeJobData, RangeJobResult } from './range-job.js';
import { RangeRetryNotes } from './range-retry-notes.js';
import { s3FailureAsJobFailure } from './s3-job-failure.js';
import type { WorkerContext } from './worker-context.js';
import { ClaimedEnd } from './range/claimed-end.js';
import { OperatorWord } from './range/operator-word.js';
import { firstRows } from './range/page-cut.js';
import { PartPipeline } from './range/part-pipeline.js';
import { PartWriter } from './range/part-writer.js';
import { RangeApiCount } from './range/range-api-count.js';
import { RangeProgressReporter } from './range/range-progress-reporter.js';
import { RangeRetryReporter } from './range/range-retry-reporter.js';
import { BudgetSpentError, YieldingBudget } from './range/budget-yield.js';
import { TurnCheck } from './range/turn-check.js';
import { readExportBudgetState } from '../metrics/budget-state.js';

/** Reason of the abort a stopping worker (SIGTERM/SIGINT) gives its jobs: they go back to the queue, no attempt counted. */
export const SHUTDOWN_REASON = 'worker shutting down';
/** How often a paused range looks again whether its export was resumed (`resume` also promotes it at once). */
export const PAUSE_RECHECK_MS = 5_000;

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
    // A budget spent outside the page loop (a request while finishing the range): wait delayed, no attempt counted.
    if (error instanceof BudgetSpentError) {
      await job.moveToDelayed(Math.max(error.retryAtMs, Date.now() + 1), token);
      throw new DelayedError('budget spent');
    }
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
  const checkpoint = (await context.checkpoints.load(spec.exportId, range.index)) ?? initialCheckpoint();
  if (checkpoint.done) return resultOf(range.index, checkpoint);
  const end = await ClaimedEnd.load(new RangeBoard(context.redis, context.queuePrefix), spec.exportId, range, checkpoint);
  const retries = new RangeRetryReporter(
    new RangeRetryNotes(context.redis, context.queuePrefix),
    (line) => job.log(line),
    spec.exportId,
    range.index,
  );
  const source = await openSource(spec, context, log, retries);
  const store = openStore(spec, context, log, retries, control);
  const encoder = await createPartEncoder(spec.format, source.schema, { gzip: spec.gzip });
  const writer = new PartWriter({
    exportId: spec.exportId,
    rangeIndex: range.index,
    folder: folderOf(spec),
    store,
    checkpoints: context.checkpoints,
    fence: new CommitFence(context.redis, context.queuePrefix),
    extension: encoder.extension,
    contentType: encoder.contentType,
    attempt: randomBytes(4).toString('hex'),
    signal,
    log,
  });
  const progress = new RangeProgressReporter(job, range.estimatedRows);
  // Incremental exports read by id: each row's modification in the part, for the next watermark.
  const rule = spec.changes?.watermarkRule;
  const changes = rule?.kind === 'read-clock' ? new PartChanges(rule) : undefined;
  const pipeline: PartPipeline = new PartPipeline({
    checkpoint,
    startPart: () => encoder.startPart(),
    write: (part, after) => writer.write(part, after),
    ...(changes ? { changes: { add: (rows) => changes.add(rows), seal: () => changes.seal(context.redis) } } : {}),
    onCommitted: async (committed) => {
      await retries.movedOn();
      await progress.report(committed, pipeline.rowsRead);
      const part = committed.parts.at(-1)!;
      await job.log(`part ${part.sequence}: ${part.rows} rows, ${part.bytes} bytes, keys ${String(part.firstKey)}..${String(part.lastKey)}`);
    },
  });
  const apiCount = new RangeApiCount(checkpoint);
  const operator = new OperatorWord(control, spec.exportId);
  /** Between pages: a cancel ends the range (thrown); a pause parks it after saving what it read. */
  const heedOperator = async () => {
    if ((await operator.heed()) !== 'pause') return;
    await pipeline.flush();
    await job.log('export paused: range parked');
    await job.moveToDelayed(Date.now() + PAUSE_RECHECK_MS, token);
    throw new DelayedError('export paused');
  };
  /**
   * The account's budget is spent for longer than a slot is worth holding: what was read is written (a part
   * shorter than --part-rows), and the range waits, delayed, for the time the budget gives, while its slot
   * goes to another range. No attempt is counted.
   */
  const giveSlotBack = async (spent: BudgetSpentError): Promise<never> => {
    await pipeline.flush();
    await job.log(`budget spent: slot given back until ${new Date(spent.retryAtMs).toISOString()}`);
    log.info({ retryAt: new Date(spent.retryAtMs).toISOString(), rowsRead: pipeline.rowsRead }, 'budget spent: range waits delayed');
    await job.moveToDelayed(Math.max(spent.retryAtMs, Date.now() + 1), token);
    throw new DelayedError('budget spent');
  };
  /**
   * An earlier turn waits (another export's first ranges, started after this one's): what was read is written
   * and the range goes back to the queue with its own turn, no attempt counted; the slot goes to the earlier turn.
   */
  const turns = new TurnCheck(context.redis, context.queuePrefix, job.priority);
  const giveTurnAway = async (): Promise<never> => {
    await pipeline.flush();
    await job.log('slot given to an earlier turn: range waits for its own');
    log.info({ turn: job.priority, rowsRead: pipeline.rowsRead }, 'slot given to an earlier turn');
    await job.moveToWait(token);
    throw new WaitingError('slot given to an earlier turn');
  };
  /** A trial export (`--limit`) has read its rows: those of parts still being written count too. */
  const limitReached = () => spec.limit !== undefined && pipeline.rowsRead >= spec.limit;

  try {
    await heedOperator();
    log.info({ range: describeRange(range), resumeFrom: checkpoint.cursor }, 'range started');
    const from = checkpoint.cursor;
    const pages = limitReached() ? undefined : new PageReadAhead((reading) => source.pages(range, from, reading), signal);
    try {
      for (let read = await pages?.next(); read !== undefined; read = await pages!.next()) {
        const received = pageReceived(spec.exportId);
        const within = spec.limit === undefined ? read : firstRows(read, spec.limit - pipeline.rowsRead, source);
        const { page, endReached } = await end.take(within, pipeline.rowsRead, source);
        // The next page is asked for while this one is processed; not by a trial export, which may stop at any row.
        if (!endReached && spec.limit === undefined) pages!.readAhead();
        await retries.movedOn();
        apiCount.observe(page.apiCount, end.narrowed);
        pipeline.add(page, received, { cursor: page.cursor, apiCount: apiCount.current });
        if (endReached || limitReached()) break;
        if (pipeline.fillingRows >= spec.partRows) await pipeline.writeInBackground();
        else await progress.reportWhenDue(pipeline.checkpoint, pipeline.rowsRead);
        await heedOperator();
        if (spec.limit === undefined && (await turns.earlierTurnWaits())) await giveTurnAway();
      }
    } catch (error) {
      if (error instanceof BudgetSpentError) await giveSlotBack(error);
      throw error;
    } finally {
      await pages?.close();
    }
    await pipeline.flush();

    const done = await finishRange(context, spec, range, end, store, pipeline.checkpoint, apiCount, signal);
    await retries.movedOn();
    await progress.done(done);
    log.info({ rows: done.rows, parts: done.parts.length }, 'range done');
    return resultOf(range.index, done);
  } catch (error) {
    // A part still being written settles first (a stopping worker's upload is aborted), so that nothing of this run writes after it ends.
    const unwritten = await pipeline.abandon();
    if (signal?.aborted && signal.reason === SHUTDOWN_REASON) await releaseOnShutdown(job, token, log, unwritten);
    throw error;
  }
}

/** Each failed try of an API request is said in the log, in the job's log and to `status` (cleared once the range moves on). */
function openSource(spec: ExportSpec, context: WorkerContext, log: Logger, retries: RangeRetryReporter): Promise<ExportSource> {
  const scrub = secretScrubber(context.variables);
  const budget = new YieldingBudget(
    budgetForExport(context.redis, context.queuePrefix, spec),
    context.budgetYieldAfterMs,
    async () => (await readExportBudgetState(context.redis, context.queuePrefix, spec)).waitMs,
  );
  return createSource(spec.source, {
    variables: context.variables,
    handed: context.handed,
    budget,
    onRetry: (event) => {
      log.warn(event, 'source request failed; retrying');
      retries.retrying('api', scrub(describeRetry(event)));
    },
    rawRows: spec.format === 'ndjson',
  });
}

/** The export's bucket, its retries said as the source's are; an S3 outage is waited out unless the operator cancels. */
function openStore(spec: ExportSpec, context: WorkerContext, log: Logger, retries: RangeRetryReporter, control: ExportControl): ObjectStore {
  return new ObjectStore(context.s3, spec.destination.bucket, {
    ...(context.s3Outage ? { outage: context.s3Outage } : {}),
    onRetry: (event) => {
      const line = s3RetryLog(event);
      log.warn(line.fields, line.message);
      retries.retrying('s3', describeS3Retry(event));
    },
    // An operator's cancel also ends the wait for S3 (a pause waits: it would save a part first).
    beforeOutageWait: async () => {
      if ((await control.get(spec.exportId)) === 'cancel') throw new ExportCancelledError(spec.exportId);
    },
  });
}

/**
 * Ends a range read to its end: no split after this; the ranges split off it get their jobs (again: adding
 * one twice changes nothing) while the export still waits for this one; then its done marker on S3 and
 * its done checkpoint.
 */
async function finishRange(
  context: WorkerContext,
  spec: ExportSpec,
  range: ExportRange,
  end: ClaimedEnd,
  store: ObjectStore,
  committed: RangeCheckpoint,
  apiCount: RangeApiCount,
  signal: AbortSignal | undefined,
): Promise<RangeCheckpoint> {
  for (const child of await end.finish()) await addSplitRange(context, spec, child, range.index);
  await store.put(
    rangeDoneKey(folderOf(spec), range.index),
    JSON.stringify({ rows: committed.rows, parts: committed.parts.length, cursor: committed.cursor }),
    { contentType: 'application/json', signal },
  );
  const done: RangeCheckpoint = {
    ...committed,
    done: true,
    updatedAt: new Date().toISOString(),
    ...(apiCount.current ? { apiCount: apiCount.current } : {}),
  };
  await context.checkpoints.advance(spec.exportId, range.index, committed.nextSequence, done);
  return done;
}

function resultOf(rangeIndex: number, checkpoint: RangeCheckpoint): RangeJobResult {
  return { rangeIndex, rows: checkpoint.rows, parts: checkpoint.parts };
}
