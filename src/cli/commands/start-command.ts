import type { StartRequest, StartResult } from '../../api/start-request.js';
import { RedisOutageError } from '../../errors/index.js';
import type { BulkExporter } from '../../api/bulk-exporter.js';
import type { ExportStatus } from '../../queue/export-status.js';
import { credentialFromStandardInput } from '../credential-handover.js';
import { formatPlanEstimate } from '../plan-estimate.js';
import type { StartExportRequest } from '../../queue/operations/start-export.js';
import { toStartRequests, type StartOptions } from '../start-options.js';
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
 *
 * `--records` naming several record types (or `all`) starts one export per record type, in that order, all
 * on the account's one budget: one line (or JSON object) each, in the same order; `--wait` waits for all of
 * them and fails, after the last, with the first that did not commit.
 */
export async function startCommand(options: StartCommandOptions): Promise<void> {
  const notices = { onNotice: (line: string) => process.stderr.write(`${line}\n`) };
  await withExporter(
    'start',
    async (exporter) => {
      const requests = toStartRequests(options);
      const handover = await credentialFromStandardInput(options.credentialStdin);
      const withCredential = (request: StartExportRequest): StartRequest => ({ ...(request as StartRequest), ...handover });
      if (options.dryRun) {
        for (const request of requests) {
          const estimate = await exporter.preview(withCredential(request));
          process.stdout.write(options.json ? `${JSON.stringify(estimate)}\n` : formatPlanEstimate(estimate));
        }
        return;
      }
      const results: StartResult[] = [];
      for (const request of requests) {
        const result = await exporter.start(withCredential(request));
        results.push(result);
        if (!options.wait) process.stdout.write(options.json ? `${JSON.stringify(startOutcome(result, undefined))}\n` : `${result.exportId}\n`);
      }
      if (!options.wait) return;
      let firstFailure: unknown;
      for (const result of results) {
        process.stderr.write(
          `export ${result.exportId}: ${result.ranges} ranges, about ${result.plannedRows} ${result.records}; waiting for it to commit\n`,
        );
        try {
          const status = await waitForCommit(exporter, result, options);
          process.stderr.write(`committed ${status.rows} rows in ${status.parts} parts to ${status.destination}\n`);
          process.stdout.write(options.json ? `${JSON.stringify(startOutcome(result, status))}\n` : `${result.exportId}\n`);
        } catch (error) {
          firstFailure ??= error;
        }
      }
      if (firstFailure !== undefined) throw firstFailure;
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
