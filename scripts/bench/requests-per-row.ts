// Requests per exported row: whole exports against an unthrottled simulator behind the recording proxy,
// every request counted and classed (QueryOptions, take=1 probes, data pages), against the fewest
// requests that carry the rows, ceil(rows ÷ page size).
import type { PartFormat } from '../../src/sinks/part-format.js';
import type { BenchContext } from './context.js';
import { runExport } from './export-run.js';
import { classifyRequests, minimumPages, type RequestClasses } from './request-classes.js';

export interface RequestsPerRowRun {
  contacts: number;
  workers: number;
  concurrency: number;
  format: PartFormat;
  rows: number;
  ok: boolean;
  error?: string;
  pages: number;
  /** Requests the simulator counted. */
  requests: number;
  classes: RequestClasses;
  /** Requests `start` sent (validation and planning). */
  plannerRequests: number;
  ranges: number;
  wallSeconds: number;
  loadAverage: string;
}

export async function runRequestsPerRow(
  context: BenchContext,
  options: { contacts: number; workers: number; concurrency: number; format: PartFormat; pageSize: number; timeoutMs: number },
): Promise<RequestsPerRowRun> {
  const simulator = await context.services.startSimulator({ contacts: options.contacts, record: true });
  try {
    const run = await runExport(context, {
      label: `requests-${options.contacts}`,
      simulator,
      contacts: options.contacts,
      format: options.format,
      workers: options.workers,
      concurrency: options.concurrency,
      pageSize: options.pageSize,
      timeoutMs: options.timeoutMs,
    });
    const records = await context.services.records(simulator.id);
    return {
      contacts: options.contacts,
      workers: options.workers,
      concurrency: options.concurrency,
      format: options.format,
      rows: run.rows,
      ok: run.ok,
      ...(run.error ? { error: run.error } : {}),
      pages: minimumPages(options.contacts, options.pageSize),
      requests: run.apiRequests,
      classes: classifyRequests(records),
      plannerRequests: run.plannerRequests,
      ranges: run.ranges,
      wallSeconds: run.wallSeconds,
      loadAverage: run.loadAverage,
    };
  } finally {
    await context.services.closeSimulator(simulator.id);
  }
}
