import { Option, type Command } from 'commander';
import { LIST_LIMIT } from '../api/list-options.js';
import { lazyAction } from './lazy-action.js';
import { accountOption, exportId, port, seconds, wholeNumber } from './option-parsers.js';

/** Commands for watching the fleet (board, list, metrics); registered beside the core commands. */
export function registerOperationsCommands(program: Command): void {
  const existing = (name: string) => program.commands.find((command) => command.name() === name);

  existing('status')
    ?.option('--watch', 'follow the export until it commits (exit 0), fails or is cancelled (exit 1)')
    .option('--interval <seconds>', 'with --watch when stdout is not a terminal: seconds between lines', seconds('--interval'), 5);

  existing('worker')
    ?.addOption(
      new Option('--metrics-port <port>', 'serve Prometheus metrics on http://HOST:PORT/metrics (default: METRICS_PORT)').argParser(
        port('--metrics-port'),
      ),
    )
    .addOption(new Option('--metrics-host <host>', 'address for --metrics-port (default: METRICS_HOST, else 127.0.0.1)'));

  program
    .command('board')
    .description('Bull Board over the export queues (flows, range progress and logs, retry of failed ranges) and /metrics')
    .option('--port <port>', 'port to listen on', port('--port'), 3000)
    .option('--host <host>', 'address to bind; anything but loopback needs BOARD_USER and BOARD_PASSWORD (basic auth)', '127.0.0.1')
    .option('--read-only', 'no retries or other changes from the board')
    // Loaded on use: Express and Bull Board would otherwise add ~15 MB to every worker process.
    .action(lazyAction(async () => (await import('./commands/board-command.js')).boardCommand));

  program
    .command('list')
    .description('recent exports: state, rows, ranges, duration, destination')
    .option(
      '--limit <n>',
      `how many, newest first (${LIST_LIMIT.min} to ${LIST_LIMIT.max})`,
      wholeNumber('--limit', LIST_LIMIT.min, LIST_LIMIT.max),
      LIST_LIMIT.default,
    )
    .addOption(accountOption("only this account's exports", 'filter'))
    .option('--json', 'print JSON')
    .action(lazyAction(async () => (await import('./commands/list-command.js')).listCommand));

  program
    .command('ddl')
    .description('print statements that read the committed exports of a table in a warehouse, and a current-rows view')
    .requiredOption('--target <engine>', 'duckdb, athena, bigquery, snowflake or redshift')
    .requiredOption('--dest <url>', "the exports' destination, s3://BUCKET/PREFIX")
    .option('--table <table>', 'SOURCE/OBJECT, e.g. virtuous/contacts (default: every table with a committed export, or the table of --export)')
    .option('--export <exportId>', 'one export only (added to the table in engines that load)', exportId)
    .option('--name <name>', 'name of the table or view created (default SOURCE_OBJECT, e.g. virtuous_contacts)')
    .action(lazyAction(async () => (await import('./commands/ddl-command.js')).ddlCommand));

  program
    .command('metrics')
    .description('fleet metrics from Redis (queue depths, shared budgets), printed once or served with --port')
    .option('--port <port>', 'serve /metrics on this port until SIGINT/SIGTERM', port('--port'))
    .option('--host <host>', 'address for --port', '127.0.0.1')
    .action(lazyAction(async () => (await import('./commands/metrics-command.js')).metricsCommand));
}
