import { Command } from 'commander';
import { cancelCommand, pauseCommand, resumeCommand, retryCommand } from './commands/control-commands.js';
import { startCommand } from './commands/start-command.js';
import { statusCommand } from './commands/status-command.js';
import { workerCommand } from './commands/worker-command.js';
import { registerIncrementalCommands } from './register-incremental-commands.js';
import { registerOperationsCommands } from './register-operations-commands.js';
import { reportFailure } from './report-failure.js';
import { addStartOptions } from './start-options.js';

const program = new Command('bulk-export')
  .description(
    'Distributed bulk export of CRM contacts (Virtuous CRM+, Close) to S3 as Parquet or NDJSON.\n' +
      'Configuration: REDIS_URL, S3_ENDPOINT, S3_FORCE_PATH_STYLE, AWS_REGION, AWS_ACCESS_KEY_ID,\n' +
      'AWS_SECRET_ACCESS_KEY, VIRTUOUS_BASE_URL, VIRTUOUS_API_TOKEN, CLOSE_BASE_URL, CLOSE_API_KEY, LOG_LEVEL.',
  )
  .showHelpAfterError();

program
  .command('worker')
  .description('work on export ranges until SIGINT/SIGTERM')
  .option('--concurrency <n>', 'ranges worked on at once by this process', '2')
  .action(workerCommand);

addStartOptions(
  program.command('start').description('plan and enqueue an export; prints the export id as the last line'),
  { incremental: true },
)
  .option('--wait', 'return only once the export committed (exit 0) or failed (non-zero)')
  .action(startCommand);

program
  .command('status')
  .description('show where an export stands')
  .argument('<exportId>')
  .option('--json', 'print JSON')
  .action(statusCommand);

program.command('cancel').description('stop every range of an export; no _SUCCESS is written').argument('<exportId>').action(cancelCommand);
program.command('pause').description('park the ranges of an export after their current page').argument('<exportId>').action(pauseCommand);
program
  .command('resume')
  .description('continue a paused export, or rebuild one Redis lost from what is on S3 (with --dest)')
  .argument('<exportId>')
  .option('--dest <url>', 'the export\'s destination, s3://BUCKET/PREFIX (to rebuild from S3)')
  .action(resumeCommand);
program
  .command('retry')
  .description('retry the failed ranges of an export from their checkpoints')
  .argument('<exportId>')
  .option('--range <n>', 'only this range index')
  .action(retryCommand);

registerOperationsCommands(program);
registerIncrementalCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  process.exitCode = reportFailure(error);
}
