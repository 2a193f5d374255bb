import { DEFAULT_ACCOUNT } from '../../accounts/account-name.js';
import { InvalidInputError } from '../../errors/index.js';
import { loggerFor } from '../../logging/logger.js';
import { checkStartRequest } from '../../queue/operations/start-export.js';
import { checkCronTiming } from '../../queue/schedule-timing.js';
import {
  defaultScheduleName,
  listSchedules,
  parseEvery,
  removeSchedule,
  upsertSchedule,
  type ScheduleListing,
  type ScheduleTiming,
} from '../../queue/schedules.js';
import { sourceDefinition } from '../../sources/registry.js';
import { toStartRequest, type StartOptions } from '../start-options.js';
import { withRedis } from '../with-redis.js';
import { credentialFromStandardInput } from '../credential-handover.js';
import { HandedCredentials } from '../../accounts/handed-credentials.js';

export interface ScheduleCommandOptions extends StartOptions {
  every?: string;
  cron?: string;
  tz?: string;
  name?: string;
}

/** `bulk-export schedule`: registers (or replaces) a schedule of incremental exports, after the checks `start` makes. */
export async function scheduleCommand(options: ScheduleCommandOptions): Promise<void> {
  if ((options.every === undefined) === (options.cron === undefined))
    throw new InvalidInputError('Give exactly one of --every DURATION (e.g. 1h) or --cron "PATTERN".');
  if (options.tz !== undefined && options.cron === undefined) throw new InvalidInputError('--tz applies to --cron only.');
  const timing: ScheduleTiming =
    options.every !== undefined ? { every: parseEvery(options.every) } : { pattern: options.cron!, tz: options.tz ?? 'UTC' };
  if (timing.pattern !== undefined) checkCronTiming(timing.pattern, timing.tz!);
  const definition = sourceDefinition(options.source);
  const request = { ...toStartRequest(options), incremental: true };
  // The workers that run the schedule may not have the files an option names: keep their (checked) content.
  if (definition.storableOptions && request.sourceOptions) request.sourceOptions = await definition.storableOptions(request.sourceOptions);
  const name = options.name ?? defaultScheduleName(options.source, options.dest, request.account);
  const handover = await credentialFromStandardInput(options.credentialStdin);
  await withRedis('schedule', async (redis, environment) => {
    const logger = loggerFor(environment, 'bulk-export-schedule');
    await checkStartRequest(request, { environment, redis, logger, notify: (line) => process.stderr.write(`${line}\n`) }, handover);
    const { nextRunAt } = await upsertSchedule(redis, environment.queuePrefix, name, timing, request);
    if (handover) {
      await new HandedCredentials(redis, environment.queuePrefix, environment.variables).put(
        definition.name,
        request.account ?? DEFAULT_ACCOUNT,
        handover.credential,
        `schedule:${name}`,
      );
    }
    const period = timing.every !== undefined ? `every ${options.every}` : `cron "${timing.pattern}" (${timing.tz})`;
    process.stdout.write(
      `scheduled ${name}: incremental ${request.source} export to ${request.dest} ${period}; next run ${nextRunAt ?? 'soon'}. ` +
        `Workers (bulk-export worker) start the runs with the ${request.account ?? DEFAULT_ACCOUNT} account's credential as each finds it; remove with: bulk-export unschedule ` +
        `${name}\n`,
    );
  });
}

/** `bulk-export schedules [--account NAME]`: every schedule (of one account) with its last run. */
export async function schedulesCommand(options: { account?: string; json?: boolean }): Promise<void> {
  await withRedis('schedules', async (redis, environment) => {
    const listings = (await listSchedules(redis, environment.queuePrefix)).filter(
      (listing) => options.account === undefined || listing.account === options.account,
    );
    process.stdout.write(options.json ? `${JSON.stringify(listings)}\n` : formatSchedules(listings));
  });
}

export function formatSchedules(listings: ScheduleListing[]): string {
  if (listings.length === 0) return 'no schedules in this Redis (under this BULK_EXPORT_QUEUE_PREFIX)\n';
  const header = ['NAME', 'PERIOD', 'NEXT RUN', 'SOURCE', 'ACCOUNT', 'DESTINATION', 'LAST EXPORT', 'STATE', 'LAST TICK'];
  const rows = listings.map((listing) => [
    listing.name,
    listing.every !== null ? `every ${formatDuration(listing.every)}` : `cron ${listing.cron ?? '?'}${listing.tz ? ` ${listing.tz}` : ''}`,
    listing.nextRunAt?.replace(/\.\d+Z$/, 'Z') ?? '-',
    listing.source,
    listing.account,
    listing.destination,
    listing.state.lastExportId ?? '-',
    listing.lastExportState ?? '-',
    listing.state.lastOutcome ? `${listing.state.lastOutcome}${listing.state.lastMessage ? `: ${listing.state.lastMessage}` : ''}` : '-',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** `bulk-export unschedule NAME`. */
export async function unscheduleCommand(name: string): Promise<void> {
  await withRedis('unschedule', async (redis, environment) => {
    if (!(await removeSchedule(redis, environment.queuePrefix, name))) {
      throw new InvalidInputError(`No schedule "${name}" in this Redis (see: bulk-export schedules).`);
    }
    process.stdout.write(`unscheduled ${name}: no further runs (a run already started goes on)\n`);
  });
}
