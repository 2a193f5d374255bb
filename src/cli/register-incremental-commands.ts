import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readEnvironment, requireVariable } from '../config/environment.js';
import { InvalidInputError } from '../errors/index.js';
import { createLogger } from '../logging/logger.js';
import { checkStartRequest } from '../planning/start-export.js';
import { checkCronTiming } from '../queue/schedule-timing.js';
import { defaultScheduleName, listSchedules, parseEvery, removeSchedule, upsertSchedule, type ScheduleListing, type ScheduleTiming } from '../queue/schedules.js';
import { parseUserQuery } from '../sources/close/close-query.js';
import { findIdKeyset, findModifiedPrefilter, type VirtuousQueryOptions } from '../sources/virtuous/query-options.js';
import { VirtuousClient } from '../sources/virtuous/virtuous-client.js';
import { closeOptionsCommand } from './commands/close-options-command.js';
import { addStartOptions, toStartRequest, type StartOptions } from './start-options.js';
import { withRedis } from './with-redis.js';

/** Scheduled incremental loads (`schedule`, `schedules`, `unschedule`) and `options` (the Virtuous filter catalogue, Close's fields). */
export function registerIncrementalCommands(program: Command): void {
  addStartOptions(
    program
      .command('schedule')
      .description('run incremental exports (start --incremental) periodically: a BullMQ job scheduler that `bulk-export worker` processes')
      .option('--every <duration>', 'period, e.g. 15m, 1h, 1d, 2s')
      .option('--cron <pattern>', 'cron pattern instead of --every, e.g. "0 * * * *"')
      .option('--tz <zone>', 'time zone of --cron (IANA name), default UTC')
      .option('--name <name>', 'schedule name (default: <source>-<bucket>-<prefix>); the same name replaces a schedule'),
    { incremental: false },
  ).action(scheduleCommand);

  program
    .command('schedules')
    .description('list the schedules: period, next run, last run and its state')
    .option('--json', 'print JSON')
    .action(schedulesCommand);

  program.command('unschedule').description('remove a schedule (a run already started goes on)').argument('<name>').action(unscheduleCommand);

  program
    .command('options')
    .description(
      'what the source offers: Virtuous filter parameters and operators (GET /api/Contact/QueryOptions), for --where; ' +
        'Close contact fields and custom fields (GET /custom_field/contact/), for --fields',
    )
    .requiredOption('--source <name>', 'virtuous or close')
    .option('--json', 'print JSON: Virtuous: the QueryOptions parameters, the id parameter and modification-date filter the exporter uses; Close: the fields, custom fields and their columns')
    .action(optionsCommand);
}

interface ScheduleCommandOptions extends StartOptions {
  every?: string;
  cron?: string;
  tz?: string;
  name?: string;
}

async function scheduleCommand(options: ScheduleCommandOptions): Promise<void> {
  if ((options.every === undefined) === (options.cron === undefined)) throw new InvalidInputError('Give exactly one of --every DURATION (e.g. 1h) or --cron "PATTERN".');
  if (options.tz !== undefined && options.cron === undefined) throw new InvalidInputError('--tz applies to --cron only.');
  const timing: ScheduleTiming = options.every !== undefined ? { every: parseEvery(options.every) } : { pattern: options.cron!, tz: options.tz ?? 'UTC' };
  if (timing.pattern !== undefined) checkCronTiming(timing.pattern, timing.tz!);
  const request = { ...toStartRequest(options), incremental: true };
  if (request.queryFile !== undefined) {
    // The workers that run the schedule may not have the file: store its (checked) content.
    let text: string;
    try {
      text = await readFile(request.queryFile, 'utf8');
    } catch (error) {
      throw new InvalidInputError(`Cannot read --query ${request.queryFile} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
    request.query = parseUserQuery(text, request.queryFile);
    delete request.queryFile;
  }
  const name = options.name ?? defaultScheduleName(options.source, options.dest);
  await withRedis('schedule', async (redis, environment) => {
    const logger = createLogger({ level: environment.logLevel, name: 'bulk-export-schedule' });
    await checkStartRequest(request, { environment, redis, logger, notify: (line) => process.stderr.write(`${line}\n`) });
    const { nextRunAt } = await upsertSchedule(redis, environment.queuePrefix, name, timing, request);
    const period = timing.every !== undefined ? `every ${options.every}` : `cron "${timing.pattern}" (${timing.tz})`;
    process.stdout.write(
      `scheduled ${name}: incremental ${request.source} export to ${request.dest} ${period}; next run ${nextRunAt ?? 'soon'}. ` +
        'Workers (bulk-export worker) start the runs with their own credentials; remove with: bulk-export unschedule ' + `${name}\n`,
    );
  });
}

async function schedulesCommand(options: { json?: boolean }): Promise<void> {
  await withRedis('schedules', async (redis, environment) => {
    const listings = await listSchedules(redis, environment.queuePrefix);
    process.stdout.write(options.json ? `${JSON.stringify(listings)}\n` : formatSchedules(listings));
  });
}

export function formatSchedules(listings: ScheduleListing[]): string {
  if (listings.length === 0) return 'no schedules in this Redis (under this BULK_EXPORT_QUEUE_PREFIX)\n';
  const header = ['NAME', 'PERIOD', 'NEXT RUN', 'SOURCE', 'DESTINATION', 'LAST EXPORT', 'STATE', 'LAST TICK'];
  const rows = listings.map((listing) => [
    listing.name,
    listing.every !== null ? `every ${formatDuration(listing.every)}` : `cron ${listing.cron ?? '?'}${listing.tz ? ` ${listing.tz}` : ''}`,
    listing.nextRunAt?.replace(/\.\d+Z$/, 'Z') ?? '-',
    listing.source,
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
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

async function unscheduleCommand(name: string): Promise<void> {
  await withRedis('unschedule', async (redis, environment) => {
    if (!(await removeSchedule(redis, environment.queuePrefix, name))) {
      throw new InvalidInputError(`No schedule "${name}" in this Redis (see: bulk-export schedules).`);
    }
    process.stdout.write(`unscheduled ${name}: no further runs (a run already started goes on)\n`);
  });
}

async function optionsCommand(options: { source: string; json?: boolean }): Promise<void> {
  if (options.source === 'close') return closeOptionsCommand(options);
  if (options.source !== 'virtuous') throw new InvalidInputError(`Unknown --source "${options.source}": options are listed for virtuous and close.`);
  const environment = readEnvironment();
  const token = requireVariable(environment.variables, 'VIRTUOUS_API_TOKEN', 'the Virtuous API token to read QueryOptions with');
  const client = new VirtuousClient({ baseUrl: environment.virtuousBaseUrl, token });
  const queryOptions = await client.queryOptions();
  if (options.json) {
    const chosen = (pick: () => unknown) => {
      try {
        return pick();
      } catch {
        return null;
      }
    };
    const discovered = {
      options: queryOptions.options ?? [],
      idKeyset: chosen(() => findIdKeyset(queryOptions)),
      modifiedPrefilter: chosen(() => findModifiedPrefilter(queryOptions)),
    };
    process.stdout.write(`${JSON.stringify(discovered, null, 2)}\n`);
  } else {
    process.stdout.write(formatQueryOptions(queryOptions));
  }
}

/** A table of parameters (type, operators, offered values), and the parameters the exporter pages on. */
export function formatQueryOptions(queryOptions: VirtuousQueryOptions): string {
  const header = ['PARAMETER', 'TYPE', 'OPERATORS', 'VALUES'];
  const rows = (queryOptions.options ?? []).map((option) => {
    const values = (option.valueOptions ?? []).map(String);
    return [
      option.parameter,
      option.type,
      (option.operatorOptions ?? []).map((o) => `${o.operator}${o.multipleValuesAllowed ? '[]' : ''}${o.valueRequired === false ? '*' : ''}`).join(' '),
      values.length > 6 ? `${values.slice(0, 6).join(', ')}, ... (${values.length})` : values.join(', '),
    ];
  });
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd();
  const notes: string[] = ['', '[] takes a comma-separated list of values; * takes no value.', 'Use: --where "PARAMETER OPERATOR VALUE", e.g. --where "Tag IsAnyOf Major Donor".'];
  try {
    const keyset = findIdKeyset(queryOptions);
    notes.push(`Exports page by id on "${keyset.parameter}" ${keyset.after} / ${keyset.upTo}.`);
  } catch (error) {
    notes.push(`No id parameter for keyset paging: ${(error as Error).message}`);
  }
  try {
    const prefilter = findModifiedPrefilter(queryOptions);
    notes.push(`--since/--incremental pre-filter on "${prefilter.parameter}" ${prefilter.operator} <a date> and keep the contacts modified from the start on.`);
  } catch (error) {
    notes.push(`No modification-date pre-filter: ${(error as Error).message}`);
  }
  return [line(header), ...rows.map(line), ...notes].join('\n') + '\n';
}
