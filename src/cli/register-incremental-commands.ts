import type { Command } from 'commander';
import { sourceNames } from '../sources/registry.js';
import { lazyAction } from './lazy-action.js';
import { accountOption } from './option-parsers.js';
import { addStartOptions, describeRecordTypes } from './start-options.js';

/** Scheduled incremental loads (`schedule`, `schedules`, `unschedule`) and `options` (what each source's API offers for its options). */
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
  ).action(lazyAction(async () => (await import('./commands/schedule-commands.js')).scheduleCommand));

  program
    .command('schedules')
    .description('list the schedules: period, next run, last run and its state')
    .addOption(accountOption("only this account's schedules", 'filter'))
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('./commands/schedule-commands.js')).schedulesCommand));

  program
    .command('unschedule')
    .description('remove a schedule (a run already started goes on)')
    .argument('<name>')
    .action(lazyAction(async () => (await import('./commands/schedule-commands.js')).unscheduleCommand));

  program
    .command('options')
    .description("what the source's API offers for the source's own options (its filter parameters and operators, its fields and custom fields)")
    .requiredOption('--source <name>', sourceNames().join(' or '))
    .option('--records <type>', `the record type whose options to list (default the first): ${describeRecordTypes()}`)
    .addOption(accountOption("the organization whose API is asked, with that account's credential"))
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('./commands/options-command.js')).optionsCommand));
}
