// Process entry for a worker without the CLI wrapper (containers, process managers):
// `tsx workers/export-worker.ts [--concurrency N]` is the same as `bulk-export worker`.
import { parseArgs } from 'node:util';
import { workerCommand } from '../src/cli/commands/worker-command.js';
import { reportFailure } from '../src/cli/report-failure.js';

const { values } = parseArgs({ options: { concurrency: { type: 'string', default: process.env.WORKER_CONCURRENCY ?? '2' } } });
try {
  await workerCommand({ concurrency: values.concurrency });
} catch (error) {
  process.exitCode = reportFailure(error);
}
