// Process entry for a worker without the CLI wrapper (containers, process managers):
// `node dist/... workers/export-worker.ts` is the same as `bulk-export worker`, configured by the
// environment alone (WORKER_CONCURRENCY, METRICS_PORT, ...; see src/config/environment.ts).
import { workerCommand } from '../src/cli/commands/worker-command.js';
import { reportFailure } from '../src/cli/report-failure.js';

try {
  await workerCommand({});
} catch (error) {
  process.exitCode = reportFailure(error);
}
