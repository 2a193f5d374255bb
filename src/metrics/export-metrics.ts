import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PART_KEY_PATTERN } from '../sinks/part-key.js';

/** Metric names share this prefix. */
export const METRIC_PREFIX = 'bulk_export_';

/**
 * The counters one worker process keeps (Prometheus, via prom-client), in a registry of its own rather
 * than prom-client's global one, so a test or a second worker in one process never double-registers.
 *
 * Fed without touching the range processor or the source client:
 * - parts, rows and bytes by the checkpoint store of the worker (`MeteredCheckpointStore`): a part counts
 *   once, in the process that committed it, when its checkpoint advanced;
 * - source requests by the `undici` diagnostics channels of Node's fetch (`observeSourceRequests`);
 * - range durations by the range worker's `completed` / `failed` events;
 * - jobs handed on from dead workers by the worker's fleet heartbeat.
 */
export class ExportMetrics {
  readonly registry = new Registry();

  readonly rowsWritten = new Counter({
    name: `${METRIC_PREFIX}rows_written_total`,
    help: 'Rows written to committed part files, by export format.',
    labelNames: ['format'] as const,
    registers: [this.registry],
  });

  readonly partsWritten = new Counter({
    name: `${METRIC_PREFIX}parts_written_total`,
    help: 'Part files written and committed (checkpoint advanced), by export format.',
    labelNames: ['format'] as const,
    registers: [this.registry],
  });

  readonly bytesWritten = new Counter({
    name: `${METRIC_PREFIX}bytes_written_total`,
    help: 'Bytes of committed part files, by export format.',
    labelNames: ['format'] as const,
    registers: [this.registry],
  });

  readonly sourceRequests = new Counter({
    name: `${METRIC_PREFIX}source_requests_total`,
    help: 'HTTP requests sent to source APIs, by source and response status ("error" = no response: refused, dropped, timed out).',
    labelNames: ['source', 'status'] as const,
    registers: [this.registry],
  });

  readonly rateLimited = new Counter({
    name: `${METRIC_PREFIX}source_rate_limited_total`,
    help: 'Source answers with HTTP 429 (the shared budget then pauses every worker reading the account).',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });

  readonly rangeDuration = new Histogram({
    name: `${METRIC_PREFIX}range_attempt_duration_seconds`,
    help: 'Duration of range job attempts on this worker, from start to completion or failure.',
    labelNames: ['outcome'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 3600, 7200],
    registers: [this.registry],
  });

  readonly handedOn = new Counter({
    name: `${METRIC_PREFIX}jobs_handed_on_total`,
    help: 'Jobs of workers presumed dead (silent in the fleet roster) that this worker put back in their queue, by queue.',
    labelNames: ['queue'] as const,
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: METRIC_PREFIX });
  }

  /** One committed part file. */
  recordPart(format: string, rows: number, bytes: number): void {
    this.partsWritten.inc({ format });
    this.rowsWritten.inc({ format }, rows);
    this.bytesWritten.inc({ format }, bytes);
  }

  /** One answer (or failure to answer) of a source API. */
  recordSourceResponse(source: string, status: number | 'error'): void {
    this.sourceRequests.inc({ source, status: String(status) });
    if (status === 429) this.rateLimited.inc({ source });
  }

  /** One range attempt ended after `seconds`. */
  recordRangeAttempt(outcome: 'completed' | 'failed', seconds: number): void {
    if (Number.isFinite(seconds) && seconds >= 0) this.rangeDuration.observe({ outcome }, seconds);
  }
}

/** The format label of a part file, from its key: `parquet`, `ndjson`, `ndjson.gz`. */
export function partFormatOf(key: string): string {
  return PART_KEY_PATTERN.exec(key)?.[4] ?? 'unknown';
}
