import type { StartRequest, StartResult } from '../../api/start-request.js';
import { RedisOutageError } from '../../errors/index.js';
import type { BulkExporter } from '../../api/bulk-exporter.js';
import type { ExportStatus } from '../../queue/export-status.js';
import { credentialFromStandardInput } from '../credential-handover.js';
import { formatPlanEstimate } from '../plan-estimate.js';
import { toStartRequest, type StartOptions } from '../start-options.js';
import { withExporter } from '../with-exporter.js';

export interface StartCommandOptions extends StartOptions {
  wait?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

/**
 * `bulk-export start`: plans and enqueues; prints the export id as the last line of stdout (with `--json`,
 * one JSON object instead). `--dry-run` prints the plan and the requests and time it should take, and
 * enqueues nothing. What is checked and planned is said on stderr as it happens.
 */
export async function startCommand(options: StartCommandOptions): Promise<void> {
  const notices = { onNotice: (line: string) => process.stderr.write(`${line}\n`) };
  await withExporter(
    'start',
    async (exporter) => {
      const handover = await credentialFromStandardInput(options.credentialStdin);
      const request: StartRequest = { ...(toStartRequest(options) as StartRequest), ...handover };
      if (options.dryRun) {
        const estimate = await exporter.preview(request);
        process.stdout.write(options.json ? `${JSON.stringify(estimate)}\n` : formatPlanEstimate(estimate));
        return;
      }
      const result = await exporter.start(request);
      let status: ExportStatus | undefined;
      if (options.wait) {
        process.stderr.write(`export ${result.exportId}: ${result.ranges} ranges, about ${result.plannedRows} contacts; waiting for it to commit\n`);
        status = await waitForCommit(exporter, result, options);
        process.stderr.write(`committed ${status.rows} rows in ${status.parts} parts to ${status.destination}\n`);
      }
      process.stdout.write(options.json ? `${JSON.stringify(startOutcome(result, status))}\n` : `${result.exportId}\n`);
    },
    notices,
  );
}

/**
 * `--wait`: the export's status once it committed. Waiting rides through a Redis restart or failover,
 * saying so on stderr, for up to REDIS_OUTAGE_GIVE_UP_MS (see BulkExporter.wait). However the wait ends,
 * stdout gets the export id (or the JSON result) before the error.
 */
async function waitForCommit(exporter: BulkExporter, result: StartResult, options: StartCommandOptions): Promise<ExportStatus> {
  try {
    return await exporter.wait(result.exportId);
  } catch (error) {
    // How it ended, for --json.
    const failed = error instanceof RedisOutageError || !options.json ? undefined : await exporter.status(result.exportId).catch(() => undefined);
    process.stdout.write(options.json ? `${JSON.stringify(startOutcome(result, failed ?? { state: 'unknown' }))}\n` : `${result.exportId}\n`);
    throw error;
  }
}

/** `start --json`: the export, where it goes, its plan, and with `--wait` how it ended. */
function startOutcome(result: StartResult, status: Partial<ExportStatus> | undefined) {
  return {
    ...result,
    state: status?.state ?? result.state,
    ...(status?.rows !== undefined ? { rows: status.rows, parts: status.parts, ...(status.error ? { error: status.error } : {}) } : {}),
  };
}
