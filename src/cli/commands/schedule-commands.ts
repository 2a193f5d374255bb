import type { ScheduleRequest } from '../../api/schedule-request.js';
import { InvalidInputError } from '../../errors/index.js';
import type { ScheduleListing } from '../../queue/schedules.js';
import { credentialFromStandardInput } from '../credential-handover.js';
import { toStartRequests, type StartOptions } from '../start-options.js';
import { withExporter } from '../with-exporter.js';

export interface ScheduleCommandOptions extends StartOptions {
  every?: string;
  cron?: string;
  tz?: string;
  name?: string;
}

/** `bulk-export schedule`: registers (or replaces) a schedule of incremental exports, after the checks `start` makes. */
export async function scheduleCommand(options: ScheduleCommandOptions): Promise<void> {
  const { every, cron, tz, name } = options;
  await withExporter(
    'schedule',
    async (exporter) => {
      const startRequests = toStartRequests(options);
      const handover = await credentialFromStandardInput(options.credentialStdin);
      // Several record types: one schedule each, a given --name followed by the record type.
      const nameOf = (records: string | undefined) => (name !== undefined && startRequests.length > 1 ? `${name}-${records}` : name);
      for (const startRequest of startRequests) {
        const request = { ...(startRequest as ScheduleRequest), every, cron, tz, name: nameOf(startRequest.records), ...handover };
        const scheduled = await exporter.schedule(request);
        const period = every !== undefined ? `every ${every}` : `cron "${cron}" (${tz ?? 'UTC'})`;
        const what = startRequest.records === undefined ? request.source : `${request.source} ${startRequest.records}`;
        process.stdout.write(
          `scheduled ${scheduled.name}: incremental ${what} export to ${request.dest} ${period}; next run ${scheduled.nextRunAt ?? 'soon'}. ` +
            `Workers (bulk-export worker) start the runs with the ${scheduled.account} account's credential as each finds it; remove with: bulk-export unschedule ` +
            `${scheduled.name}\n`,
        );
      }
    },
    { onNotice: (line) => process.stderr.write(`${line}\n`) },
  );
}

/** `bulk-export schedules [--account NAME]`: every schedule (of one account) with its last run. */
export async function schedulesCommand(options: { account?: string; json?: boolean }): Promise<void> {
  await withExporter('schedules', async (exporter) => {
    const listings = await exporter.schedules(options.account === undefined ? {} : { account: options.account });
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
  await withExporter('unschedule', async (exporter) => {
    if (!(await exporter.unschedule(name))) throw new InvalidInputError(`No schedule "${name}" in this Redis (see: bulk-export schedules).`);
    process.stdout.write(`unscheduled ${name}: no further runs (a run already started goes on)\n`);
  });
}
