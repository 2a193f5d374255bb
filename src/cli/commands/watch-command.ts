import { QueueEvents } from '../../queue/bullmq.js';
import type { Redis } from 'ioredis';
import { readEnvironment, FORGOTTEN_EXPORTS_HINT } from '../../config/environment.js';
import { BulkExportError, InvalidInputError, RedisOutageError } from '../../errors/index.js';
import { secretScrubber } from '../../logging/secret-scrubber.js';
import { budgetSecondsFor, readExportBudgetStates } from '../../metrics/budget-state.js';
import { ExportRegistry } from '../../queue/export-registry.js';
import type { ExportSpec } from '../../queue/export-spec.js';
import { addRowSample, etaSeconds, measuredRate, type RowSample } from '../../queue/export-rate.js';
import { readExportStatus, type ExportStatus } from '../../queue/export-status.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from '../../queue/queue-names.js';
import { createRedisConnection } from '../../queue/redis-connection.js';
import { RedisOutageWatch } from '../../queue/redis-outage-watch.js';
import { stillOpenAfter } from '../../queue/bounded-close.js';

export interface WatchOptions {
  json?: boolean;
  /** Seconds between plain lines when stdout is not a terminal (and between JSON heartbeats). Default 5. */
  interval?: string;
}

/** One update of `status --watch`: the export's status plus what the watcher measured. */
export interface WatchUpdate extends ExportStatus {
  at: string;
  /** Rows per second, measured over the last minute (at first: since the export started); null until known. */
  rowsPerSecond: number | null;
  /** Seconds until done at the measured rate; null while the rate is unknown. */
  etaSeconds: number | null;
  /**
   * With a configured rate limit: how long the budget needs for the pages left, (pages left - tokens in
   * the bucket now) / budget rate, plus a running pause. Pages left come from committed rows, so rows
   * already read into unfinished parts still count: it errs long by up to one part per running range.
   */
  budgetEtaSeconds: number | null;
}

/** Redraws on a terminal: at most this often (progress events can come in bursts), and at least this often (for the rate). */
const MIN_REDRAW_MS = 200;
const TTY_TICK_MS = 1_000;
const DEFAULT_INTERVAL_S = 5;
const FINAL_STATES = new Set(['committed', 'failed', 'cancelled']);

/**
 * `bulk-export status EXPORT_ID --watch [--json] [--interval S]`: follows an export until it
 * commits (exit 0), fails or is cancelled (exit 1).
 *
 * Redraws when the range queue's `progress`, `completed` and `failed` events (or the export queue's)
 * concern this export, plus on a slow timer that keeps the rate and ETA current: no busy poll. On a
 * terminal one line is redrawn in place; otherwise a plain line is printed every `--interval` seconds
 * and at every state change. `--json` prints one JSON object per update instead.
 */
export async function watchExport(
  exportId: string,
  options: WatchOptions,
  output: NodeJS.WriteStream | NodeJS.WritableStream = process.stdout,
): Promise<number> {
  const intervalSeconds = options.interval === undefined ? DEFAULT_INTERVAL_S : Number(options.interval);
  if (!(intervalSeconds > 0)) throw new InvalidInputError(`--interval must be a number of seconds above 0, got "${options.interval}".`);
  const environment = readEnvironment();
  const prefix = environment.queuePrefix;
  const redis = createRedisConnection(environment.redis, 'bulk-export:watch');
  const eventConnections = [
    createRedisConnection(environment.redis, 'bulk-export:watch'),
    createRedisConnection(environment.redis, 'bulk-export:watch'),
  ];
  const closeAll = async (events: QueueEvents[]) => {
    await stillOpenAfter(new Map(events.map((queueEvents, index) => [`events ${index}`, queueEvents.close()])));
    for (const connection of [redis, ...eventConnections]) connection.disconnect();
  };

  const record = await withTimeout(new ExportRegistry(redis, prefix).get(exportId), 10_000, 'Redis at REDIS_URL does not answer').catch(
    async (error: unknown) => {
      await closeAll([]);
      throw error;
    },
  );
  if (!record) {
    await closeAll([]);
    throw new InvalidInputError(`No export "${exportId}" is known to the Redis at REDIS_URL (${FORGOTTEN_EXPORTS_HINT}).`);
  }
  const spec = record.spec;
  const tty = 'isTTY' in output && Boolean(output.isTTY) && !options.json;
  const scrub = secretScrubber(environment.variables);
  // From here on the watch rides through Redis restarting or failing over, saying so, up to REDIS_OUTAGE_GIVE_UP_MS.
  const outage = new RedisOutageWatch(exportId, {
    giveUpAfterMs: environment.redisOutageGiveUpMs,
    redisLabel: environment.redis.label,
    notify: (line) => {
      // On a terminal the progress line is redrawn in place: clear it so the notice stands on its own line.
      if (tty) output.write('\r\x1b[2K');
      process.stderr.write(`${scrub(line)}\n`);
    },
  });
  redis.on('error', (error: Error) => outage.saw(error));
  const rangeEvents = new QueueEvents(RANGE_QUEUE, { connection: eventConnections[0]!, prefix });
  const exportEvents = new QueueEvents(EXPORT_QUEUE, { connection: eventConnections[1]!, prefix });

  let samples: RowSample[] = [];
  let lastPrinted: { key: string; at: number } | undefined;
  let lastState = '';
  let refreshing: Promise<void> | undefined;
  let again = false;
  let lastRefreshAt = 0;
  let pendingTimer: NodeJS.Timeout | undefined;
  let finish: (code: number) => void = () => undefined;
  let giveUp: (error: unknown) => void = () => undefined;
  const finished = new Promise<number>((resolve, reject) => {
    finish = resolve;
    giveUp = reject;
  });
  finished.catch(() => undefined); // a give-up can come before the watch awaits it; it is awaited below
  let done = false;

  const emit = (update: WatchUpdate, final: boolean) => {
    const key = `${update.state}|${update.rows}|${update.parts}|${update.ranges.done}|${update.retrying.map((note) => note.message).join('|')}`;
    const now = Date.now();
    const dueByInterval = !lastPrinted || now - lastPrinted.at >= intervalSeconds * 1000 - 50;
    const stateChanged = update.state !== lastState;
    lastState = update.state;
    if (options.json) {
      if (final || stateChanged || dueByInterval || key !== lastPrinted?.key) {
        output.write(`${JSON.stringify(update)}\n`);
        lastPrinted = { key, at: now };
      }
      return;
    }
    const line = formatWatchLine(update);
    if (tty) {
      const columns = (output as NodeJS.WriteStream).columns ?? 120;
      output.write(`\r\x1b[2K${line.length > columns - 1 ? line.slice(0, columns - 1) : line}${final ? '\n' : ''}`);
      lastPrinted = { key, at: now };
    } else if (final || stateChanged || dueByInterval) {
      output.write(`${new Date(now).toISOString().slice(11, 19)} ${line}\n`);
      lastPrinted = { key, at: now };
    }
  };

  const refreshOnce = async () => {
    const { status, budgetEta } = await outage.read(async () => {
      const status = await readExportStatus(redis, prefix, exportId);
      return { status, budgetEta: status ? await budgetEtaSeconds(redis, prefix, spec, status).catch(() => null) : null };
    });
    if (done) return;
    if (!status) {
      done = true;
      if (tty) output.write('\n');
      process.stderr.write(`error: export ${exportId} is no longer known to Redis (dropped or expired)\n`);
      finish(1);
      return;
    }
    const now = Date.now();
    samples = addRowSample(samples, { at: now, rows: status.rows });
    const rate = measuredRate(samples, status, now);
    const update: WatchUpdate = {
      ...status,
      at: new Date(now).toISOString(),
      rowsPerSecond: rate === null ? null : Math.round(rate * 10) / 10,
      etaSeconds: etaSeconds(status, rate),
      budgetEtaSeconds: budgetEta,
    };
    const final = FINAL_STATES.has(status.state);
    emit(update, final);
    if (final) {
      done = true;
      if (!options.json) {
        const summary =
          status.state === 'committed'
            ? `committed ${status.rows} rows in ${status.parts} parts to ${status.destination}\n`
            : `${status.state}${status.error ? `: ${status.error}` : ''}\n`;
        (status.state === 'committed' ? output : process.stderr).write(summary);
      }
      finish(status.state === 'committed' ? 0 : 1);
    }
  };

  /** Runs a refresh now, or right after the one in progress; never two at once. */
  const refresh = (): void => {
    if (done) return;
    if (refreshing) {
      again = true;
      return;
    }
    lastRefreshAt = Date.now();
    refreshing = refreshOnce()
      .catch((error: unknown) => {
        if (done) return;
        if (error instanceof RedisOutageError) {
          // Redis stayed away for the whole give-up time: the watch ends with the error, the export goes on.
          done = true;
          giveUp(error);
          return;
        }
        // Redis away is ridden through by the reads themselves; anything else is said, and the next tick reads again.
        if (!tty) process.stderr.write(`watch: ${scrub((error as Error).message)}; retrying\n`);
      })
      .finally(() => {
        refreshing = undefined;
        if (again) {
          again = false;
          schedule();
        }
      });
  };

  /** Event-driven redraws, at most one per MIN_REDRAW_MS. */
  const schedule = (): void => {
    if (done || pendingTimer) return;
    const wait = Math.max(0, lastRefreshAt + MIN_REDRAW_MS - Date.now());
    pendingTimer = setTimeout(() => {
      pendingTimer = undefined;
      refresh();
    }, wait);
  };

  const ours = (jobId: string) => jobId.startsWith(`${exportId}-r`);
  rangeEvents.on('progress', ({ jobId }) => ours(jobId) && schedule());
  rangeEvents.on('completed', ({ jobId }) => ours(jobId) && schedule());
  rangeEvents.on('failed', ({ jobId }) => ours(jobId) && schedule());
  rangeEvents.on('removed', ({ jobId }) => ours(jobId) && schedule());
  exportEvents.on('completed', ({ jobId }) => jobId === exportId && schedule());
  exportEvents.on('failed', ({ jobId }) => jobId === exportId && schedule());
  exportEvents.on('removed', ({ jobId }) => jobId === exportId && schedule());
  // An events stream that fails (Redis away) is read again by BullMQ; a read of the state says whether Redis is there.
  for (const events of [rangeEvents, exportEvents]) {
    events.on('error', (error) => {
      outage.saw(error);
      schedule();
    });
  }

  const ticker = setInterval(refresh, tty ? TTY_TICK_MS : intervalSeconds * 1000);
  const interrupt = () => {
    if (done) return;
    done = true;
    if (tty) output.write('\n');
    finish(130);
  };
  process.once('SIGINT', interrupt);
  try {
    await outage.read(() => Promise.all([rangeEvents.waitUntilReady(), exportEvents.waitUntilReady()]));
    refresh();
    return await finished;
  } finally {
    done = true;
    clearInterval(ticker);
    if (pendingTimer) clearTimeout(pendingTimer);
    process.off('SIGINT', interrupt);
    // A read waiting for Redis to come back ends now rather than at the give-up time.
    outage.stop();
    await refreshing;
    await closeAll([rangeEvents, exportEvents]);
  }
}

/**
 * With a configured rate limit: the soonest the shared budgets let the rest be read, from their Redis
 * hashes: a running pause, then the pages left beyond the tokens in each bucket now at its rate; the
 * slowest budget (the key's or the organization's, where both limit) decides.
 */
async function budgetEtaSeconds(redis: Redis, prefix: string, spec: ExportSpec, status: ExportStatus): Promise<number | null> {
  if (!spec.rateLimit || FINAL_STATES.has(status.state)) return null;
  const settings = spec.source.settings as { pageSize?: unknown };
  const pageSize = typeof settings.pageSize === 'number' && settings.pageSize > 0 ? settings.pageSize : 1000;
  const pagesLeft = Math.ceil(Math.max(0, status.plannedRows - status.rows) / pageSize);
  // Every budget the pages take from (the account's; a key's too where the source limits keys): the binding one decides.
  return Math.round(budgetSecondsFor(await readExportBudgetStates(redis, prefix, spec, spec.rateLimit), pagesLeft));
}

/** `exp-… running  12,000/25,000 rows (48%)  parts 12  ranges 3/8  1,850 rows/s  ETA 7s  budget ETA 16s` */
export function formatWatchLine(update: WatchUpdate): string {
  const percent = update.plannedRows > 0 ? Math.min(100, Math.floor((update.rows / update.plannedRows) * 100)) : 0;
  const parts = [
    `${update.exportId} ${update.state}`,
    `${count(update.rows)}/${count(update.plannedRows)} rows (${update.state === 'committed' ? 100 : percent}%)`,
    `parts ${update.parts}`,
    `ranges ${update.ranges.done}/${update.ranges.total}${update.ranges.failed.length ? ` (${update.ranges.failed.length} failed)` : ''}`,
    update.rowsPerSecond === null ? 'rate -' : `${count(Math.round(update.rowsPerSecond))} rows/s`,
  ];
  if (!FINAL_STATES.has(update.state)) parts.push(`ETA ${update.etaSeconds === null ? '-' : duration(update.etaSeconds)}`);
  if (update.budgetEtaSeconds !== null) parts.push(`budget ETA ${duration(update.budgetEtaSeconds)}`);
  const [latest, ...others] = update.retrying;
  if (latest) parts.push(`retrying: range ${latest.rangeIndex}: ${latest.message}${others.length > 0 ? ` (+${others.length} more)` : ''}`);
  return parts.join('  ');
}

export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/** 45s, 3m05s, 2h07m */
export function duration(totalSeconds: number): string {
  const seconds = Math.max(0, Math.round(totalSeconds));
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
  return `${Math.floor(seconds / 3600)}h${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`;
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new BulkExportError('REDIS_UNREACHABLE', `${message} (no answer within ${ms / 1000} s).`)), ms);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error as Error);
      },
    );
  });
}
