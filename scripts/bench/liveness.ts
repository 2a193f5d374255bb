// Liveness (issue 23): how long a SIGKILLed worker's ranges take to move on to another worker, and what
// killing workers in turn costs an export. Milliseconds and wall times, which only a quiet machine
// measures, so they are printed and judged here; test/integration/worker-kills.test.ts checks the same
// scenario for exactness and for the handover having happened.
import type { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { Queue, QueueEvents } from '../../src/queue/bullmq.js';
import { readExportStatus, waitForExport } from '../../src/queue/export-status.js';
import type { ExportSpec } from '../../src/queue/export-spec.js';
import { PRESUMED_DEAD_AFTER_MS, ROSTER_BEAT_MS, type RosterEntry } from '../../src/queue/fleet-roster.js';
import { startExport } from '../../src/queue/operations/start-export.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from '../../src/queue/queue-names.js';
import type { RangeProgress } from '../../src/queue/range-job.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import { folderOf } from '../../src/sinks/export-layout.js';
import type { ExportManifest } from '../../src/sinks/manifest.js';
import { ObjectStore } from '../../src/sinks/s3/object-store.js';
import { createS3Client } from '../../src/sinks/s3/s3-client.js';
import type { FaultOptions } from '../../simulators/virtuous/index.js';
import type { BenchContext } from './context.js';
import { UNTHROTTLED_RATE_LIMIT } from './export-run.js';
import type { StartedSimulator } from './services-protocol.js';
import { BenchWorker, startWorkers } from './workers.js';

/**
 * The handover measurement: 16,000 contacts in pages of 100 make at most 4 ranges (one per 40 pages,
 * fleet-ranges.ts), so no range is ever split off and 3 workers x 2 always keep a free slot for a
 * handed-on range: the figure is the handover, not a wait for a slot. Pages of about a second keep each
 * range running for 40 s or more, longer than the trials take.
 */
export const HANDOVER_SHAPE = {
  contacts: 16_000,
  pageSize: 100,
  partRows: 500,
  latencyMs: [900, 1100] as [number, number],
  workers: 3,
  concurrency: 2,
  trials: 5,
};

/** The worker-kills scenario of test/integration/worker-kills.test.ts: the oldest of 3 workers x 2 SIGKILLed every 3 s and replaced. */
export const KILLS_SHAPE = {
  contacts: 20_000,
  pageSize: 100,
  partRows: 500,
  latencyMs: [250, 350] as [number, number],
  workers: 3,
  concurrency: 2,
  killEveryMs: 3_000,
};

/** A handed-on range not active again by then is reported as not handed on (the lock and stall path takes about 12 s). */
const HANDOVER_GIVE_UP_MS = 30_000;
const RUN_TIMEOUT_MS = 150_000;
const FIRST_PART_TIMEOUT_MS = 60_000;

export interface HandedOnRange {
  jobId: string;
  /** From the SIGKILL to the range's `active` event (Redis time of the event), ms; undefined when it finished before the kill or was not handed on. */
  ms?: number;
  outcome: 'handed on' | 'finished before the kill' | 'not active again';
}

export interface HandoverTrial {
  victimPid: number;
  ranges: HandedOnRange[];
}

export interface HandoverResult {
  shape: typeof HANDOVER_SHAPE;
  plannedRanges: number;
  trials: HandoverTrial[];
  /** ` handed on: range N, ...` lines in the export's job log (one per range handed on). */
  handedOnLines: number;
  error?: string;
}

export interface KillsRun {
  kills: number;
  /** From `start` to the commit. */
  wallSeconds: number;
  rowsServed: number;
  rowsExported: number;
  expectedRows: number;
  exact: boolean;
  ranges: number;
  handedOnLines: number;
  error?: string;
}

export interface LivenessResult {
  handover: HandoverResult;
  kills: { shape: typeof KILLS_SHAPE; without?: KillsRun; with?: KillsRun };
  /** The roster's timing, as built: a worker silent this long is presumed dead; workers beat this often. */
  presumedDeadAfterMs: number;
  beatMs: number;
}

type RangeEventKind = 'active' | 'completed';

/**
 * The range queue's `active` and `completed` events, with the Redis time (ms) of each, and the parts its
 * ranges reported committed: one QueueEvents started before the export, so no event of it is missed.
 */
class RangeEvents {
  private readonly seen: { jobId: string; kind: RangeEventKind; at: number }[] = [];
  private readonly partsByJob = new Map<string, number>();
  private readonly listeners = new Set<() => void>();

  constructor(readonly events: QueueEvents) {
    const note = (kind: RangeEventKind) => (args: { jobId: string }, id: string) => {
      this.seen.push({ jobId: args.jobId, kind, at: Number(id.split('-')[0]) });
      this.changed();
    };
    events.on('active', note('active'));
    events.on('completed', note('completed'));
    events.on('progress', ({ jobId, data }) => {
      const parts = typeof data === 'object' && data !== null ? (data as Partial<RangeProgress>).parts : undefined;
      if (typeof parts === 'number') this.partsByJob.set(jobId, Math.max(this.partsByJob.get(jobId) ?? 0, parts));
      this.changed();
    });
  }

  /** The first `active` of `jobId` at or after `afterMs` (a completion instead: it finished before the kill), or undefined after `timeoutMs`. */
  after(jobId: string, afterMs: number, timeoutMs: number): Promise<{ kind: RangeEventKind; at: number } | undefined> {
    return this.until(() => this.seen.find((event) => event.jobId === jobId && (event.kind === 'completed' || event.at >= afterMs)), timeoutMs);
  }

  /** Resolves once the ranges reported `parts` committed parts in all; throws after `timeoutMs`. */
  async partsCommitted(parts: number, timeoutMs: number): Promise<void> {
    const total = () => [...this.partsByJob.values()].reduce((sum, value) => sum + value, 0);
    if ((await this.until(() => (total() >= parts ? true : undefined), timeoutMs)) === undefined)
      throw new Error(`no committed part within ${timeoutMs / 1000} s`);
  }

  private until<T>(found: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
    return new Promise((resolve) => {
      const check = () => {
        const value = found();
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        resolve(undefined);
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.listeners.delete(check);
      };
      this.listeners.add(check);
      check();
    });
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** The range jobs whose locks a worker process holds, by its roster entry's BullMQ worker ids (lock tokens are `<worker id>:<n>`). */
async function rangesHeldBy(redis: Redis, prefix: string, rangeQueue: Queue, pid: number): Promise<string[]> {
  const roster = await redis.hgetall(`${prefix}:fleet`);
  const key = Object.keys(roster).find((workerId) => workerId.split(':').at(-2) === String(pid));
  if (!key) return [];
  const { lockOwners = [] } = JSON.parse(roster[key]!) as Partial<RosterEntry>;
  const held: string[] = [];
  for (const job of await rangeQueue.getActive()) {
    if (!job?.id) continue;
    const token = await redis.get(`${rangeQueue.toKey(job.id)}:lock`);
    if (token !== null && lockOwners.includes(token.slice(0, token.lastIndexOf(':')))) held.push(job.id);
  }
  return held;
}

async function handedOnLines(queue: Queue, exportId: string): Promise<number> {
  const { logs } = await queue.getJobLogs(exportId, 0, -1);
  return logs.filter((line) => / handed on: range \d+, whose worker \S+ went silent/.test(line)).length;
}

/** One scenario's world: its queue prefix, simulator, Redis connections, queues and range events; `close` drops them all. */
class Scenario {
  readonly connection: Redis;
  private readonly eventsConnection: Redis;
  readonly rangeQueue: Queue;
  readonly exportQueue: Queue;
  readonly rangeEvents: RangeEvents;
  readonly env: NodeJS.ProcessEnv;
  readonly workers: BenchWorker[] = [];

  private constructor(
    readonly context: BenchContext,
    readonly prefix: string,
    readonly simulator: StartedSimulator,
  ) {
    this.env = context.workerEnv(prefix, simulator);
    this.connection = createRedisConnection(context.redis.url, 'bench:liveness');
    this.eventsConnection = createRedisConnection(context.redis.url, 'bench:liveness-events');
    this.rangeQueue = new Queue(RANGE_QUEUE, { connection: this.connection, prefix });
    this.exportQueue = new Queue(EXPORT_QUEUE, { connection: this.connection, prefix });
    this.rangeEvents = new RangeEvents(new QueueEvents(RANGE_QUEUE, { connection: this.eventsConnection, prefix }));
  }

  /** A simulator of its own (its rows served are the scenario's alone), and the range events listened to before anything starts. */
  static async create(context: BenchContext, label: string, contacts: number, faults: FaultOptions): Promise<Scenario> {
    const simulator = await context.services.startSimulator({ contacts, seed: 23, faults });
    const scenario = new Scenario(context, context.prefix(label), simulator);
    await scenario.rangeEvents.events.waitUntilReady();
    return scenario;
  }

  get dest(): string {
    return `s3://${this.context.bucket}/${this.prefix.replace(/[{}]/g, '')}`;
  }

  start(shape: { pageSize: number; partRows: number }): Promise<ExportSpec> {
    return startExport(
      {
        source: 'virtuous',
        dest: this.dest,
        format: 'parquet',
        rateLimit: UNTHROTTLED_RATE_LIMIT,
        pageSize: shape.pageSize,
        partRows: shape.partRows,
      },
      { environment: this.context.environment(this.env), redis: this.connection, logger: this.context.logger },
    );
  }

  async manifest(spec: ExportSpec): Promise<ExportManifest | undefined> {
    const store = new ObjectStore(createS3Client(this.context.environment(this.env).s3), this.context.bucket);
    const text = await store.getText(`${folderOf(spec)}/_manifest.json`);
    return text ? (JSON.parse(text) as ExportManifest) : undefined;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop(5_000)));
    await Promise.all([this.rangeQueue.close(), this.exportQueue.close(), this.rangeEvents.events.close()]);
    this.connection.disconnect();
    this.eventsConnection.disconnect();
    await this.context.dropPrefix(this.prefix);
    await this.context.services.purge(this.prefix.replace(/[{}]/g, ''));
    await this.context.services.closeSimulator(this.simulator.id);
  }
}

/** SIGKILLs, one at a time, the oldest worker that holds a range, and times each of its ranges until another worker has it. */
async function measureHandover(context: BenchContext, progress: (text: string) => void): Promise<HandoverResult> {
  const shape = HANDOVER_SHAPE;
  const result: HandoverResult = { shape, plannedRanges: 0, trials: [], handedOnLines: 0 };
  const scenario = await Scenario.create(context, 'liveness-handover', shape.contacts, { latencyMs: shape.latencyMs, seed: 3 });
  const events = scenario.rangeEvents;
  try {
    scenario.workers.push(...(await startWorkers(shape.workers, scenario.env, shape.concurrency)));
    const spec = await scenario.start(shape);
    result.plannedRanges = spec.rangeCount;
    await events.partsCommitted(1, FIRST_PART_TIMEOUT_MS);
    while (result.trials.length < shape.trials) {
      let victim: BenchWorker | undefined;
      let held: string[] = [];
      for (const worker of scenario.workers) {
        held = await rangesHeldBy(scenario.connection, scenario.prefix, scenario.rangeQueue, worker.child.pid!);
        if (held.length > 0) {
          victim = worker;
          break;
        }
      }
      if (!victim) {
        const status = await readExportStatus(scenario.connection, scenario.prefix, spec.exportId);
        if (status?.state === 'committed') throw new Error(`the export committed after ${result.trials.length} trials`);
        await delay(200);
        continue;
      }
      const killedAt = Date.now();
      await victim.kill();
      scenario.workers.splice(scenario.workers.indexOf(victim), 1);
      const ranges = await Promise.all(
        held.map(async (jobId): Promise<HandedOnRange> => {
          const event = await events.after(jobId, killedAt, HANDOVER_GIVE_UP_MS);
          if (!event) return { jobId, outcome: 'not active again' };
          if (event.kind === 'completed') return { jobId, outcome: 'finished before the kill' };
          return { jobId, ms: event.at - killedAt, outcome: 'handed on' };
        }),
      );
      result.trials.push({ victimPid: victim.child.pid!, ranges });
      progress(
        `   liveness: killed worker ${victim.child.pid} holding ${held.length} range(s): ${ranges.map((range) => (range.ms === undefined ? range.outcome : `${range.ms} ms`)).join(', ')}`,
      );
      // A replacement keeps three workers, so the next victim's ranges find a free slot too.
      scenario.workers.push(await BenchWorker.start(scenario.env, shape.concurrency));
    }
    result.handedOnLines = await handedOnLines(scenario.exportQueue, spec.exportId);
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await scenario.close();
  }
  return result;
}

/** The worker-kills scenario, with the oldest worker SIGKILLed and replaced every `killEveryMs` from the first committed part on, or without kills. */
async function exportWithKills(context: BenchContext, kill: boolean, progress: (text: string) => void): Promise<KillsRun> {
  const shape = KILLS_SHAPE;
  const scenario = await Scenario.create(context, kill ? 'liveness-kills' : 'liveness-calm', shape.contacts, { latencyMs: shape.latencyMs, seed: 3 });
  const run: KillsRun = {
    kills: 0,
    wallSeconds: NaN,
    rowsServed: 0,
    rowsExported: 0,
    expectedRows: shape.contacts,
    exact: false,
    ranges: 0,
    handedOnLines: 0,
  };
  try {
    scenario.workers.push(...(await startWorkers(shape.workers, scenario.env, shape.concurrency)));
    const servedBefore = (await context.services.stats(scenario.simulator.id)).rowsServed;
    const started = performance.now();
    const spec = await scenario.start(shape);
    let committed = false;
    let timer: NodeJS.Timeout | undefined;
    const commit = Promise.race([
      waitForExport(context.redis.url, scenario.prefix, scenario.connection, spec.exportId),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no commit within ${RUN_TIMEOUT_MS / 1000} s`)), RUN_TIMEOUT_MS);
      }),
    ]).finally(() => {
      committed = true;
      clearTimeout(timer);
    });
    commit.catch(() => undefined);
    if (kill) {
      await Promise.race([commit, scenario.rangeEvents.partsCommitted(1, FIRST_PART_TIMEOUT_MS)]);
      // The oldest worker dies every 3 s and a new one joins, as a fleet whose containers are preempted does.
      while (!committed) {
        await Promise.race([commit.catch(() => undefined), delay(shape.killEveryMs)]);
        if (committed) break;
        const victim = scenario.workers.shift()!;
        await victim.kill();
        run.kills += 1;
        scenario.workers.push(await BenchWorker.start(scenario.env, shape.concurrency));
      }
    }
    const status = await commit;
    run.wallSeconds = (performance.now() - started) / 1000;
    progress(`   liveness: ${kill ? `${run.kills} kills` : 'no kills'}, committed after ${run.wallSeconds.toFixed(1)} s`);
    run.rowsServed = (await context.services.stats(scenario.simulator.id)).rowsServed - servedBefore;
    run.ranges = status.ranges.total;
    const manifest = await scenario.manifest(spec);
    run.rowsExported = manifest?.rows ?? 0;
    run.exact = manifest !== undefined && manifest.rows === run.expectedRows && status.rows === run.expectedRows;
    if (!run.exact) run.error = `exported ${run.rowsExported} rows (manifest), ${status.rows} (status); expected ${run.expectedRows}`;
    run.handedOnLines = await handedOnLines(scenario.exportQueue, spec.exportId);
  } catch (error) {
    run.error = error instanceof Error ? error.message : String(error);
  } finally {
    await scenario.close();
  }
  return run;
}

export async function runLiveness(context: BenchContext, progress: (text: string) => void): Promise<LivenessResult> {
  const handover = HANDOVER_SHAPE;
  progress(
    `liveness: handover, ${handover.workers} workers x ${handover.concurrency}, ${handover.contacts.toLocaleString('en-US')} contacts, ~1 s pages; SIGKILL the oldest worker holding a range, ${handover.trials} times`,
  );
  const result: LivenessResult = {
    handover: await measureHandover(context, progress),
    kills: { shape: KILLS_SHAPE },
    presumedDeadAfterMs: PRESUMED_DEAD_AFTER_MS,
    beatMs: ROSTER_BEAT_MS,
  };
  const kills = KILLS_SHAPE;
  progress(
    `liveness: ${kills.contacts.toLocaleString('en-US')} contacts, ${kills.workers} workers x ${kills.concurrency}, ${kills.latencyMs.join('-')} ms pages of ${kills.pageSize}, without kills`,
  );
  result.kills.without = await exportWithKills(context, false, progress);
  progress(`liveness: the same export, the oldest worker SIGKILLed and replaced every ${kills.killEveryMs / 1000} s`);
  result.kills.with = await exportWithKills(context, true, progress);
  return result;
}
