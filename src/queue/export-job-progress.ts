import { Queue } from './bullmq.js';
import type { Redis } from 'ioredis';
import { addRowSample, etaSeconds, measuredRate, type RowSample } from './export-rate.js';
import type { ExportSpec } from './export-spec.js';
import { readExportStatus, type ExportStatus } from './export-status.js';
import { EXPORT_QUEUE } from './queue-names.js';

/**
 * The progress of an export's own (parent) job: what `bulk-export status` shows, plus the rate and the
 * time left. Bull Board draws `progress` as a circle and the rest in the job's Progress tab.
 */
export interface ExportJobProgress {
  /** Percent of the planned rows in committed parts; at most 99 until the export committed, then 100. */
  progress: number;
  state: ExportStatus['state'];
  /** Rows in committed parts. */
  rows: number;
  /** The plan's estimate of the export's rows. */
  plannedRows: number;
  parts: number;
  ranges: { done: number; total: number; failed: number };
  /** Ranges split off running ones (work stealing), counted in `ranges.total`. */
  splits: number;
  /** Rows per second over the last minute (at first: since the export started); once committed, over the whole export. */
  rowsPerSecond: number | null;
  /** Seconds until the planned rows are read at that rate; 0 once committed, null while unknown or stopped. */
  etaSeconds: number | null;
  /** Ranges trying a request again, and why (`range 3: ...`), as `status` lists them. */
  retrying: string[];
  error?: string;
  /** When this was computed. */
  at: string;
  /** The samples the rate is measured over ([epoch ms, rows]), kept for the next update; the board leaves them out. */
  samples: [number, number][];
}

/** Samples closer together than this replace each other: a minute's rate needs about a dozen. */
const SAMPLE_GAP_MS = 5_000;
const FINAL_STATES = new Set<ExportStatus['state']>(['committed', 'failed', 'cancelled']);

/**
 * The export job's progress from the export's status (the same reading `status` makes), the number of
 * ranges planned, and the progress written before (for its rate samples).
 */
export function exportJobProgressOf(status: ExportStatus, plannedRanges: number, previous: unknown, now: number): ExportJobProgress {
  const committed = status.state === 'committed';
  const samples = committed ? [] : addRowSample(previousSamples(previous), { at: now, rows: status.rows }, SAMPLE_GAP_MS);
  const rate = committed ? wholeExportRate(status) : FINAL_STATES.has(status.state) ? null : measuredRate(samples, status, now);
  const percent = status.plannedRows > 0 ? Math.floor((status.rows / status.plannedRows) * 100) : 0;
  return {
    progress: committed ? 100 : Math.min(99, percent),
    state: status.state,
    rows: status.rows,
    plannedRows: status.plannedRows,
    parts: status.parts,
    ranges: { done: status.ranges.done, total: status.ranges.total, failed: status.ranges.failed.length },
    splits: Math.max(0, status.ranges.total - plannedRanges),
    rowsPerSecond: rate === null ? null : Math.round(rate * 10) / 10,
    etaSeconds: FINAL_STATES.has(status.state) && !committed ? null : etaSeconds(status, rate),
    retrying: status.retrying.map((note) => `range ${note.rangeIndex}: ${note.message}`),
    ...(status.error ? { error: status.error } : {}),
    at: new Date(now).toISOString(),
    samples: samples.map((sample) => [sample.at, sample.rows]),
  };
}

/**
 * Computes the export's status and writes it as its job's progress; undefined when the export or its job
 * is unknown. `scrub` blanks the credentials of the process's environment in the texts it carries (retry
 * notes and errors are scrubbed where they are made; this holds even for one that was not). A running export's progress can be computed just before the commit and written just after
 * the commit's own last update: the job is then finished, and the update is made again from the final
 * status, so the job never keeps a progress older than its outcome.
 */
export async function reportExportJobProgress(
  redis: Redis,
  prefix: string,
  exportId: string,
  scrub: (text: string) => string,
): Promise<ExportJobProgress | undefined> {
  const queue = new Queue<ExportSpec>(EXPORT_QUEUE, { connection: redis, prefix });
  try {
    const write = () => writeProgress(queue, redis, prefix, exportId, scrub);
    const written = await write();
    if (!written || FINAL_STATES.has(written.state)) return written;
    const jobState = await queue.getJobState(exportId);
    return jobState === 'completed' || jobState === 'failed' ? await write() : written;
  } finally {
    await queue.close();
  }
}

async function writeProgress(
  queue: Queue<ExportSpec>,
  redis: Redis,
  prefix: string,
  exportId: string,
  scrub: (text: string) => string,
): Promise<ExportJobProgress | undefined> {
  const status = await readExportStatus(redis, prefix, exportId);
  const job = status && (await queue.getJob(exportId));
  if (!status || !job) return undefined;
  const computed = exportJobProgressOf(status, job.data.rangeCount, job.progress, Date.now());
  const progress = { ...computed, retrying: computed.retrying.map(scrub), ...(computed.error ? { error: scrub(computed.error) } : {}) };
  await queue.updateJobProgress(exportId, progress);
  return progress;
}

/** Rows per second from the export's creation to its commit. */
function wholeExportRate(status: ExportStatus): number | null {
  if (!status.finishedAt) return null;
  const seconds = (Date.parse(status.finishedAt) - Date.parse(status.createdAt)) / 1000;
  return seconds > 0 ? status.rows / seconds : null;
}

function previousSamples(previous: unknown): RowSample[] {
  if (!previous || typeof previous !== 'object' || !('samples' in previous) || !Array.isArray(previous.samples)) return [];
  return previous.samples.flatMap((entry: unknown) =>
    Array.isArray(entry) && typeof entry[0] === 'number' && typeof entry[1] === 'number' ? [{ at: entry[0], rows: entry[1] }] : [],
  );
}
