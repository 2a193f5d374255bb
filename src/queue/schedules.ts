import { DEFAULT_ACCOUNT } from '../accounts/account-name.js';
import { HandedCredentials } from '../accounts/handed-credentials.js';
import { Queue, type Job } from './bullmq.js';
import type { Redis } from 'ioredis';
import { parseDuration } from '../config/duration.js';
import type { Environment } from '../config/environment.js';
import { InvalidInputError } from '../errors/index.js';
import type { Logger } from '../logging/logger.js';
import { redactError } from '../logging/redact-error.js';
import { sourceDefinition } from '../sources/registry.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import { startExport, type StartExportRequest } from './operations/start-export.js';
import { readExportStatus } from './export-status.js';
import { IncrementalRunningError } from './incremental-guard.js';
import { SCHEDULE_QUEUE } from './queue-names.js';

/**
 * Scheduled incremental loads: `bulk-export schedule` registers a BullMQ job scheduler on the
 * `schedules` queue; every period it adds one job, which a worker (`bulk-export worker` runs a
 * schedules worker beside the export workers) turns into `start --incremental` with the stored
 * options: the same code path, the same watermark. The job data holds the start options only, never a
 * credential: the worker reads tokens from its own environment, as `start` does.
 */
export interface ScheduleJobData {
  schedule: string;
  /** The start options (`incremental` is always set); a `--query` file is stored as its content. */
  request: StartExportRequest;
}

export interface ScheduleTiming {
  /** Milliseconds between runs (`--every`). */
  every?: number;
  /** Cron pattern (`--cron`), with an optional IANA time zone. */
  pattern?: string;
  tz?: string;
}

/** What the last tick of a schedule did, kept in `<prefix>:schedule:<name>`. */
export interface ScheduleState {
  lastExportId?: string;
  lastStartedAt?: string;
  lastOutcome?: 'started' | 'skipped' | 'failed';
  lastMessage?: string;
  lastTickAt?: string;
}

export interface ScheduleListing {
  name: string;
  every: number | null;
  cron: string | null;
  tz: string | null;
  nextRunAt: string | null;
  source: string;
  /** The organization its runs read for (`--account`). */
  account: string;
  destination: string;
  state: ScheduleState;
  lastExportState: string | null;
}

export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

const SCHEDULE_JOB_OPTIONS = {
  attempts: 1,
  removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
  removeOnFail: { age: 14 * 24 * 3600, count: 1000 },
};

/** `--every`: a duration of at least one second (`2s`, `15m`, `1h30m`), as milliseconds. */
export function parseEvery(text: string): number {
  return parseDuration(text, '--every', 1000);
}

/**
 * A schedule name from the source, the record type, the account and the destination when none is given:
 * `<source>-<bucket>-<prefix>` for the source's first record type and the `default` account; another record
 * type follows the source (`<source>-<records>-...`), another account then (`...-<account>-...`), so that
 * two record types or two accounts loading to one destination get two schedules. `records` undefined is the
 * source's first record type.
 */
export function defaultScheduleName(source: string, dest: string, account = DEFAULT_ACCOUNT, records?: string): string {
  const definition = sourceDefinition(source);
  const parts = [source];
  if (records !== undefined && records !== definition.recordTypes[0].name) parts.push(records);
  if (account !== DEFAULT_ACCOUNT) parts.push(account);
  const who = parts.join('-');
  const slug = `${who}-${dest.replace(/^s3:\/\//, '')}`.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/-+$/g, '');
  return slug.slice(0, 100);
}

function stateKey(prefix: string, name: string): string {
  return `${prefix}:schedule:${name}`;
}

function scheduleQueue(redis: Redis, prefix: string): Queue<ScheduleJobData> {
  return new Queue<ScheduleJobData>(SCHEDULE_QUEUE, { connection: redis, prefix });
}

/** Creates or replaces the job scheduler `name`. */
export async function upsertSchedule(
  redis: Redis,
  prefix: string,
  name: string,
  timing: ScheduleTiming,
  request: StartExportRequest,
): Promise<{ nextRunAt: string | null }> {
  if (!SCHEDULE_NAME_PATTERN.test(name))
    throw new InvalidInputError(`--name must be 1-100 letters, digits, ".", "_" or "-" (starting with a letter or digit), got "${name}".`);
  const queue = scheduleQueue(redis, prefix);
  try {
    const repeat = timing.pattern ? { pattern: timing.pattern, ...(timing.tz ? { tz: timing.tz } : {}) } : { every: timing.every! };
    const data: ScheduleJobData = { schedule: name, request: { ...request, incremental: true } };
    const job = await queue.upsertJobScheduler(name, repeat, { name: `schedule ${name}`, data, opts: SCHEDULE_JOB_OPTIONS });
    const next = job?.timestamp !== undefined ? job.timestamp + (job.delay ?? 0) : null;
    return { nextRunAt: next === null ? null : new Date(next).toISOString() };
  } finally {
    await queue.close();
  }
}

export async function removeSchedule(redis: Redis, prefix: string, name: string): Promise<boolean> {
  // Looked up without a Queue first: any Queue call writes the queue's meta key, and an unknown name must change nothing.
  if ((await redis.zscore(`${prefix}:${SCHEDULE_QUEUE}:repeat`, name)) === null) return false;
  const queue = scheduleQueue(redis, prefix);
  try {
    const request = (await queue.getJobScheduler(name))?.template?.data?.request;
    const removed = await queue.removeJobScheduler(name);
    if (removed) await redis.del(stateKey(prefix, name));
    // A credential handed over with the schedule goes once no export of it (or of another schedule) holds it.
    if (removed && request)
      await new HandedCredentials(redis, prefix, {}).release(request.source, request.account ?? DEFAULT_ACCOUNT, `schedule:${name}`);
    return removed;
  } finally {
    await queue.close();
  }
}

export async function listSchedules(redis: Redis, prefix: string): Promise<ScheduleListing[]> {
  const queue = scheduleQueue(redis, prefix);
  try {
    const schedulers = await queue.getJobSchedulers(0, -1, true);
    const listings: ScheduleListing[] = [];
    for (const scheduler of schedulers) {
      const name = scheduler.id ?? scheduler.key;
      const state = await readState(redis, prefix, name);
      const request = scheduler.template?.data?.request;
      const last = state.lastExportId ? await readExportStatus(redis, prefix, state.lastExportId) : undefined;
      listings.push({
        name,
        every: scheduler.every ?? null,
        cron: scheduler.pattern ?? null,
        tz: scheduler.tz ?? null,
        nextRunAt: scheduler.next ? new Date(scheduler.next).toISOString() : null,
        source: request?.source ?? '?',
        account: request?.account ?? DEFAULT_ACCOUNT,
        destination: request?.dest ?? '?',
        state,
        lastExportState: last?.state ?? null,
      });
    }
    return listings;
  } finally {
    await queue.close();
  }
}

async function readState(redis: Redis, prefix: string, name: string): Promise<ScheduleState> {
  return (await redis.hgetall(stateKey(prefix, name))) as ScheduleState;
}

async function writeState(redis: Redis, prefix: string, name: string, state: ScheduleState): Promise<void> {
  const fields = Object.entries(state).filter(([, value]) => value !== undefined) as [string, string][];
  if (fields.length > 0) await redis.hset(stateKey(prefix, name), Object.fromEntries(fields));
}

export interface ScheduledRunDependencies {
  environment: Environment;
  redis: Redis;
  logger: Logger;
}

export interface ScheduledRunResult {
  outcome: 'started' | 'skipped';
  exportId?: string;
  runningExportId?: string | null;
}

/**
 * One tick of a schedule: starts the incremental export, unless the schedule's previous run (or any
 * incremental export of the same source, filter and destination) is still running or paused; then the
 * tick is skipped and logged.
 */
export async function runScheduledExport(job: Job<ScheduleJobData>, deps: ScheduledRunDependencies): Promise<ScheduledRunResult> {
  const { schedule, request } = job.data;
  const { redis, environment } = deps;
  const log = deps.logger.child({ schedule, jobId: job.id });
  const prefix = environment.queuePrefix;
  const tickAt = new Date().toISOString();
  const state = await readState(redis, prefix, schedule);
  if (state.lastExportId) {
    const previous = await readExportStatus(redis, prefix, state.lastExportId);
    if (previous && (previous.state === 'running' || previous.state === 'paused')) {
      const message = `previous run ${state.lastExportId} is still ${previous.state}`;
      log.warn({ runningExportId: state.lastExportId }, `scheduled run skipped: ${message}`);
      await writeState(redis, prefix, schedule, { lastOutcome: 'skipped', lastMessage: message, lastTickAt: tickAt });
      return { outcome: 'skipped', runningExportId: state.lastExportId };
    }
  }
  try {
    const spec = await startExport(
      { ...withSourceOptions(request), incremental: true },
      { environment, redis, logger: log, notify: (line) => log.info(line) },
    );
    await writeState(redis, prefix, schedule, {
      lastExportId: spec.exportId,
      lastStartedAt: spec.createdAt,
      lastOutcome: 'started',
      lastMessage: '',
      lastTickAt: tickAt,
    });
    log.info({ exportId: spec.exportId, ranges: spec.rangeCount, plannedRows: spec.plannedRows }, 'scheduled incremental export started');
    return { outcome: 'started', exportId: spec.exportId };
  } catch (error) {
    if (error instanceof IncrementalRunningError) {
      log.warn({ runningExportId: error.runningExportId }, `scheduled run skipped: ${error.message}`);
      await writeState(redis, prefix, schedule, { lastOutcome: 'skipped', lastMessage: error.message, lastTickAt: tickAt });
      return { outcome: 'skipped', runningExportId: error.runningExportId };
    }
    // The message goes to Redis (`schedules` shows it): without any credential the API may have echoed.
    redactError(error, secretScrubber(environment.variables));
    log.error({ err: (error as Error).message }, 'scheduled run failed to start');
    await writeState(redis, prefix, schedule, { lastOutcome: 'failed', lastMessage: (error as Error).message, lastTickAt: tickAt });
    throw error;
  }
}

/**
 * Schedules registered before sources kept their options apart stored them among the common ones
 * (`where`, `whereGroups`, `fields`, `query`, ...): those become `sourceOptions`, under the keys the
 * sources' options have now, so such a schedule goes on running unchanged.
 */
export function withSourceOptions(request: StartExportRequest): StartExportRequest {
  const stored = request as StartExportRequest & Record<string, unknown>;
  const renamed: Record<string, string> = { whereGroups: 'whereGroup', queryFile: 'query' };
  // A fixed list: the keys stored by that older version, whose sources had these options. A source added since
  // stores its options under `sourceOptions` from the start and needs nothing here.
  const legacy = [
    'includeArchived',
    'excludeArchived',
    'fullContact',
    'sortBy',
    'fields',
    'query',
    'queryFile',
    'where',
    'whereGroups',
    'watermarkOverlap',
  ];
  const moved = Object.fromEntries(legacy.filter((key) => stored[key] !== undefined).map((key) => [renamed[key] ?? key, stored[key]]));
  if (Object.keys(moved).length === 0) return request;
  const { sourceOptions, ...rest } = Object.fromEntries(
    Object.entries(stored).filter(([key]) => !legacy.includes(key)),
  ) as unknown as StartExportRequest;
  return { ...rest, sourceOptions: { ...moved, ...sourceOptions } };
}
