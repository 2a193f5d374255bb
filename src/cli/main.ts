import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerIncrementalCommands } from './register-incremental-commands.js';
import { registerOperationsCommands } from './register-operations-commands.js';
import { registerCredentialCommands } from './register-credential-commands.js';
import { loggerFor } from '../logging/logger.js';
import { takeOverNodeVersionNotice } from '../logging/node-version-notice.js';
import { redactError } from '../logging/redact-error.js';
import { secretScrubber } from '../logging/secret-scrubber.js';
import { reportFailure } from './report-failure.js';
import { loadSecretFiles } from '../config/secret-files.js';
import { readEnvironment } from '../config/environment.js';
import { exportId, wholeNumber } from './option-parsers.js';
import { SOURCE_DEFINITIONS } from '../sources/registry.js';
import { addStartOptions } from './start-options.js';
import { lazyAction } from './lazy-action.js';

const sourceVariables = SOURCE_DEFINITIONS.flatMap((definition) => [definition.baseUrl.variable, definition.credential.variable]);
const program = new Command('bulk-export')
  .description(
    `Distributed bulk export of CRM contacts (${SOURCE_DEFINITIONS.map((definition) => definition.displayName).join(', ')}) to S3 as Parquet or NDJSON.\n` +
      'Configuration: REDIS_URL, S3_ENDPOINT, S3_FORCE_PATH_STYLE, AWS_REGION, AWS_ACCESS_KEY_ID,\n' +
      `AWS_SECRET_ACCESS_KEY, ${sourceVariables.join(', ')}, LOG_LEVEL (see docs/ for the rest).`,
  )
  .version(packageVersion(), '-V, --version', 'print the version and exit')
  .showHelpAfterError()
  // Usage errors (unknown option, missing argument) are thrown, not exited on, so they get exit code 2 below.
  .exitOverride();

program
  .command('worker')
  .description('work on export ranges until SIGINT/SIGTERM')
  .option(
    '--concurrency <n>',
    'ranges worked on at once by this process, 1 to 64 (default: WORKER_CONCURRENCY, else 2)',
    wholeNumber('--concurrency', 1, 64),
  )
  .action(lazyAction(async () => (await import('./commands/worker-command.js')).workerCommand));

addStartOptions(program.command('start').description('plan and enqueue an export; prints the export id as the last line'), { incremental: true })
  .option('--wait', 'return only once the export committed (exit 0) or failed (non-zero)')
  .option('--dry-run', 'plan and print the plan, the requests and the time under the budget; enqueue and write nothing')
  .option('--limit <n>', 'a trial export of the first N records in key order (one range)', wholeNumber('--limit', 1))
  .option('--json', 'print the result (or the --dry-run plan) as one JSON object')
  .action(lazyAction(async () => (await import('./commands/start-command.js')).startCommand));

program
  .command('status')
  .description('show where an export stands')
  .argument('<exportId>', 'the id start printed', exportId)
  .option('--json', 'print JSON')
  .action(lazyAction(async () => (await import('./commands/status-command.js')).statusCommand));

program
  .command('cancel')
  .description('stop every range of an export; no _SUCCESS is written')
  .argument('<exportId>', 'the id start printed', exportId)
  .action(lazyAction(async () => (await import('./commands/control-commands.js')).cancelCommand));
program
  .command('pause')
  .description('park the ranges of an export after their current page')
  .argument('<exportId>', 'the id start printed', exportId)
  .action(lazyAction(async () => (await import('./commands/control-commands.js')).pauseCommand));
program
  .command('resume')
  .description('continue a paused export, or rebuild one Redis lost from what is on S3 (with --dest)')
  .argument('<exportId>', 'the id start printed', exportId)
  .option('--dest <url>', "the export's destination, s3://BUCKET/PREFIX (to rebuild from S3)")
  .action(lazyAction(async () => (await import('./commands/control-commands.js')).resumeCommand));
program
  .command('retry')
  .description('retry the failed ranges of an export from their checkpoints')
  .argument('<exportId>', 'the id start printed', exportId)
  .option('--range <n>', 'only this range index', wholeNumber('--range', 0))
  .action(lazyAction(async () => (await import('./commands/control-commands.js')).retryCommand));

registerOperationsCommands(program);
registerIncrementalCommands(program);
registerCredentialCommands(program);
// Credentials given as files (`VIRTUOUS_API_TOKEN_FILE`, ...) are read before any command reads its configuration.
program.hook('preAction', (_program, command) => {
  loadSecretFiles(
    process.env,
    SOURCE_DEFINITIONS.map((definition) => definition.credential.variable),
  );
  announceUnsupportedNode(command.name());
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Commander has printed its own message (and the help hint); --help and --version end with 0.
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : 2;
  else process.exitCode = reportFailure(redactError(error, secretScrubber(process.env)));
}

/**
 * On a Node past its end of life, one line once per process, in place of the AWS SDK's eight. A worker's
 * stderr is JSON lines that log collectors parse, so there the notice is a `warn` line of its log.
 */
function announceUnsupportedNode(commandName: string): void {
  const notice = takeOverNodeVersionNotice(process.version, process.env);
  if (notice === undefined) return;
  if (commandName === 'worker') loggerFor(readEnvironment(), 'bulk-export').warn({ nodeVersion: process.version }, notice);
  else process.stderr.write(`bulk-export: ${notice}\n`);
}

function packageVersion(): string {
  // src/cli/main.ts and dist/cli/main.js both sit two folders below package.json.
  const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
