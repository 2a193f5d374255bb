// Accounts (issue 24): many organizations' exports on one fleet, each account with its own credential
// (CREDENTIALS_DIR/virtuous/<account>), its own budget in Redis and its own rate window at the simulator.
// - Sharing: one large account's export, API-bound under its own budget (the api-bound section's budget and
//   latency, Virtuous's shrunk in time), started first, then many small accounts' exports a few seconds
//   later, on 2 workers x 4. Each export's wall time against its own minimum had it run alone.
// - Many accounts: one small export for each of hundreds of accounts: all exact, Redis memory per account
//   and per finished export, and the workers' peak RSS.
// - Redis CPU per page, from the private redis-server's INFO, for docs/redis.md.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { Queue } from '../../src/queue/bullmq.js';
import { readExportStatus } from '../../src/queue/export-status.js';
import type { ExportSpec } from '../../src/queue/export-spec.js';
import { startExport } from '../../src/queue/operations/start-export.js';
import { EXPORT_QUEUE, RANGE_QUEUE } from '../../src/queue/queue-names.js';
import { DEFAULT_BUDGET_YIELD_AFTER_MS } from '../../src/queue/range/budget-yield.js';
import { rangeJobId } from '../../src/queue/range-job.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import { ObjectStore } from '../../src/sinks/s3/object-store.js';
import { createS3Client } from '../../src/sinks/s3/s3-client.js';
import type { PartFormat } from '../../src/sinks/part-format.js';
import { ID_STRIDE } from '../../simulators/virtuous/contact-generator.js';
import type { RateWindowAlignment } from '../../simulators/virtuous/rate-window.js';
import type { VirtuousOrganizationOptions } from '../../simulators/virtuous/index.js';
import { apiBoundBudget, minimumSchedule, type ApiBoundBudget, type ApiBoundShape } from './api-bound-budget.js';
import { EXPORT_RETENTION_DEFAULT_MS } from '../../src/config/environment.js';
import { ExportRetention } from '../../src/queue/export-retention.js';
import type { BenchContext } from './context.js';
import { ExportCommits } from './export-commits.js';
import { UNTHROTTLED_RATE_LIMIT } from './export-run.js';
import { ExportedIds, type Exactness } from './exported-ids.js';
import { NotificationReceiver } from './notification-receiver.js';
import { busyShare, systemCpu } from './proc.js';
import {
  keyGroups,
  redisCommandFigures,
  redisConnectionsReceived,
  redisCpuSeconds,
  redisUsedMemory,
  RedisMemorySampler,
  type CommandFigures,
  type KeyGroup,
} from './redis-usage.js';
import { classifyRequests, minimumPages } from './request-classes.js';
import type { AnswerRecord, StartedSimulator } from './services-protocol.js';
import { rateWindows } from './windows.js';
import { startWorkers, type BenchWorker } from './workers.js';

export interface AccountsShape {
  /** The large account's export: the api-bound section's shape, its budget that of every account. */
  large: ApiBoundShape;
  /** Small accounts' exports, all started `startAfterMs` after the large one's start. */
  small: { accounts: number; contacts: number; startAfterMs: number };
  /** One export per account, started `startsAtOnce` at a time, unthrottled and without latency. */
  many: { accounts: number; contacts: number; startsAtOnce: number };
  workers: number;
  concurrency: number;
  format: PartFormat;
  alignment: RateWindowAlignment;
}

/** One account's export of a sharing run, with its minimum had it run alone. */
export interface AccountExport {
  account: string;
  role: 'large' | 'small';
  contacts: number;
  exportId?: string;
  /** Epoch ms when `start` was called, and when the commit event was written (Redis time, same host). */
  startedAtMs: number;
  committedAtMs?: number;
  wallSeconds: number;
  /** Ranges it ended with (planned and split off). */
  ranges: number;
  /** ceil(rows ÷ page size). */
  pages: number;
  /** Alone on the fleet, with as many requests in flight as it had ranges (at most the fleet's slots): what judges it. */
  minimumSeconds: number;
  /** Alone, with every slot of the fleet in flight (a range per slot, which planning gives only large exports). */
  fleetMinimumSeconds: number;
  /** From `start` to the simulator's first answer to one of its data pages: how long it waited for a slot (and planning). */
  firstPageSeconds?: number;
  requests: number;
  dataPages: number;
  tooMany: number;
  /** Server windows in which it had a request counted, and how many its minimum alone fills. */
  windowsUsed: number;
  minimumWindows: number;
  exactness?: Exactness;
  /** Its ranges' job log lines `budget spent: slot given back until ...` and `slot given to an earlier turn ...`. */
  slotsGivenBack: SlotsGivenBack;
  error?: string;
}

export interface SlotsGivenBack {
  /** Its account's budget would have had a request wait longer than BUDGET_YIELD_AFTER_MS. */
  budget: number;
  /** An earlier turn (another export's first ranges) was waiting. */
  turn: number;
}

export interface RedisCpuFigures {
  /** INFO cpu (used_cpu_user + used_cpu_sys) over the run. */
  cpuSeconds: number;
  wallSeconds: number;
  /** The same server with the workers idle (roster beats, blocking reads), per second. */
  idleCpuPerSecond: number;
  /** Data pages the simulator answered during the run (every account's). */
  dataPages: number;
  /** Commands since CONFIG RESETSTAT at the run's start. */
  commands: CommandFigures[];
  /** Connections the server accepted during the run (INFO stats total_connections_received). */
  connections: number;
}

export interface SharingRun {
  label: string;
  exports: AccountExport[];
  redis: RedisCpuFigures;
  workerPeakRssMb: number[];
  /** Both cores busy from the first start to the last commit. */
  machineBusy: number;
  error?: string;
}

export interface ManyAccountsResult {
  accounts: number;
  contacts: number;
  started: number;
  committed: number;
  exact: number;
  failures: string[];
  /** From the first `start` to the last commit; starts alone. */
  wallSeconds: number;
  startSeconds: number;
  /** Start-to-commit of each export: median, 90th percentile and slowest. */
  exportSeconds: { median: number; p90: number; slowest: number };
  /** The slowest export, with when its jobs ran (from its `start`). */
  slowest?: { account: string; startedAtMs: number; seconds: number } & Partial<JobTimes>;
  memory: { beforeBytes: number; peakBytes: number; afterBytes: number; samples: number };
  /** Every key after all committed, by shape. */
  keys: KeyGroup[];
  /** Every key once a start's sweep ran a retention period (EXPORT_RETENTION_MS) later, and how many exports it forgot. */
  afterRetention: { forgotten: number; keys: KeyGroup[] };
  workerPeakRssMb: number[];
  /** Per worker, highest RSS in the first and the second half of the run (MB). */
  workerRssHalvesMb: [number, number][];
  redis: RedisCpuFigures;
  requests: number;
  tooMany: number;
  /** Notifications the application's receiver got (one per export is due), and how many said `committed`. */
  notifications: { received: number; committed: number };
  error?: string;
}

export interface AccountsResult {
  shape: AccountsShape;
  budget: ApiBoundBudget;
  /** BUDGET_YIELD_AFTER_MS the workers ran with: the default shrunk with time, as the budget and latency are. */
  yieldAfterMs: number;
  /** The large export alone on the fleet, then one small one alone: the product's own time against the model's minimum. */
  alone?: SharingRun;
  together?: SharingRun;
  many?: ManyAccountsResult;
}

const LARGE = 'large';
const smallName = (index: number) => `small-${String(index + 1).padStart(2, '0')}`;
const manyName = (index: number) => `acct-${String(index + 1).padStart(3, '0')}`;
const tokenOf = (account: string) => `${account}-token-0001`;

/** Organizations with ids apart (under 2^31, as Virtuous's are), each answered by its own token, with the same budget. */
function organizations(
  accounts: { name: string; contacts: number }[],
  rateLimit?: VirtuousOrganizationOptions['rateLimit'],
): VirtuousOrganizationOptions[] {
  let firstContactId = 1_000_000;
  return accounts.map(({ name, contacts }) => {
    const organization: VirtuousOrganizationOptions = {
      name,
      tokens: [tokenOf(name)],
      contacts,
      firstContactId,
      ...(rateLimit ? { rateLimit } : {}),
    };
    firstContactId += Math.ceil((contacts * ID_STRIDE + 1) / 1_000_000) * 1_000_000;
    return organization;
  });
}

/** CREDENTIALS_DIR with `virtuous/<account>` holding each account's token, as a mounted Secret does. */
async function credentialsDirectory(accounts: string[]): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'bulk-export-bench-credentials-'));
  await mkdir(join(directory, 'virtuous'));
  for (const account of accounts) await writeFile(join(directory, 'virtuous', account), `${tokenOf(account)}\n`);
  return directory;
}

export interface JobTimes {
  rangeAddedAt: number;
  rangeActiveAt: number;
  rangeFinishedAt: number;
  rangeAttempts: number;
  commitActiveAt: number;
  commitFinishedAt: number;
  commitAttempts: number;
}

interface ExportRequest {
  rateLimit: string;
  pageSize: number;
  format: PartFormat;
  incremental?: boolean;
  notifyUrl?: string;
}

/** One fleet on one queue prefix: its workers, the commits heard, a Redis connection and the bucket. */
class Fleet {
  readonly connection: Redis;
  readonly store: ObjectStore;
  private constructor(
    readonly context: BenchContext,
    readonly prefix: string,
    readonly env: NodeJS.ProcessEnv,
    readonly workers: BenchWorker[],
    readonly commits: ExportCommits,
  ) {
    this.connection = createRedisConnection(context.redis.url, 'bench:accounts');
    this.store = new ObjectStore(createS3Client(context.environment(env).s3), context.bucket);
  }

  static async start(
    context: BenchContext,
    label: string,
    simulator: StartedSimulator,
    shape: AccountsShape,
    variables: Record<string, string>,
  ): Promise<Fleet> {
    const prefix = context.prefix(label);
    const env = { ...context.workerEnv(prefix, simulator), ...variables };
    const commits = await ExportCommits.listen(context.redis.url, prefix);
    const workers = await startWorkers(shape.workers, env, shape.concurrency).catch(async (error: unknown) => {
      await commits.close();
      throw error;
    });
    return new Fleet(context, prefix, env, workers, commits);
  }

  /** Starts an export of `account`; with `credential`, the credential is handed over (sealed in Redis, held by the export). */
  async start(account: string, request: ExportRequest, credential?: string): Promise<ExportSpec> {
    return startExport(
      {
        source: 'virtuous',
        account,
        dest: `s3://${this.context.bucket}/${this.prefix.replace(/[{}]/g, '')}/${account}`,
        format: request.format,
        rateLimit: request.rateLimit,
        pageSize: request.pageSize,
        ...(request.incremental ? { incremental: true } : {}),
        ...(request.notifyUrl ? { notifyUrl: request.notifyUrl } : {}),
      },
      { environment: this.context.environment(this.env), redis: this.connection, logger: this.context.logger },
      credential === undefined ? undefined : { credential },
    );
  }

  async rangesOf(spec: ExportSpec): Promise<number> {
    return (await readExportStatus(this.connection, this.prefix, spec.exportId))?.ranges.total ?? spec.rangeCount;
  }

  /** When the export's jobs were added, taken by a worker and finished (epoch ms), from BullMQ's job hashes. */
  async jobTimes(exportId: string): Promise<JobTimes> {
    const ranges = new Queue(RANGE_QUEUE, { connection: this.connection, prefix: this.prefix });
    const exports = new Queue(EXPORT_QUEUE, { connection: this.connection, prefix: this.prefix });
    try {
      const range = await ranges.getJob(rangeJobId(exportId, 0));
      const commit = await exports.getJob(exportId);
      return {
        rangeAddedAt: range?.timestamp ?? NaN,
        rangeActiveAt: range?.processedOn ?? NaN,
        rangeFinishedAt: range?.finishedOn ?? NaN,
        rangeAttempts: range?.attemptsMade ?? NaN,
        commitActiveAt: commit?.processedOn ?? NaN,
        commitFinishedAt: commit?.finishedOn ?? NaN,
        commitAttempts: commit?.attemptsMade ?? NaN,
      };
    } finally {
      await Promise.all([ranges.close(), exports.close()]);
    }
  }

  /** Times its ranges gave their slot back, from their job logs: their account's budget spent, or to an earlier turn waiting. */
  async slotsGivenBack(spec: ExportSpec, ranges: number): Promise<SlotsGivenBack> {
    const queue = new Queue(RANGE_QUEUE, { connection: this.connection, prefix: this.prefix });
    try {
      const given: SlotsGivenBack = { budget: 0, turn: 0 };
      for (let index = 0; index < ranges; index++) {
        const { logs } = await queue.getJobLogs(rangeJobId(spec.exportId, index), 0, -1);
        given.budget += logs.filter((line) => line.includes('budget spent: slot given back until')).length;
        given.turn += logs.filter((line) => line.includes('slot given to an earlier turn')).length;
      }
      return given;
    } finally {
      await queue.close();
    }
  }

  peakRssMb(): number[] {
    return this.workers.map((worker) => worker.figures().peakRssMb);
  }

  /** Each worker's highest RSS in the first and in the second half of its life so far: a cost per account would show as growth. */
  rssHalvesMb(): [number, number][] {
    return this.workers.map((worker) => worker.figures().halfPeaksMb);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop(5_000)));
    await this.commits.close();
    this.connection.disconnect();
    await this.context.dropPrefix(this.prefix);
    await this.context.services.purge(this.prefix.replace(/[{}]/g, ''));
  }
}

/** How much CPU the server uses per second while the fleet idles: the part of a run's Redis CPU that is not its pages'. */
async function idleRedisCpuPerSecond(redis: Redis, seconds: number): Promise<number> {
  const before = await redisCpuSeconds(redis);
  await delay(seconds * 1000);
  return ((await redisCpuSeconds(redis)) - before) / seconds;
}

function firstDataPageAt(records: readonly AnswerRecord[], account: string): number | undefined {
  let first: number | undefined;
  for (const record of records) {
    if (record.organization !== account || record.status !== 200 || record.take === null || record.take <= 1) continue;
    first = first === undefined ? record.at : Math.min(first, record.at);
  }
  return first;
}

interface Started {
  account: string;
  role: 'large' | 'small';
  contacts: number;
  startedAtMs: number;
  spec?: ExportSpec;
  error?: string;
}

/**
 * One sharing run on a fleet of its own and a simulator of its own (fresh windows): `plan` starts the
 * exports (in the order and at the times it chooses) and returns them; then every one is waited for, read
 * back and measured against its minimum alone.
 */
async function sharingRun(
  context: BenchContext,
  label: string,
  options: AccountsOptions,
  accounts: { name: string; contacts: number }[],
  plan: (fleet: Fleet, start: (account: string, role: 'large' | 'small', contacts: number) => Promise<Started>) => Promise<Started[]>,
): Promise<SharingRun> {
  const { shape, budget, yieldAfterMs, ids } = options;
  const { services } = context;
  const run: SharingRun = {
    label,
    exports: [],
    redis: { cpuSeconds: 0, wallSeconds: 0, idleCpuPerSecond: 0, dataPages: 0, commands: [], connections: 0 },
    workerPeakRssMb: [],
    machineBusy: 0,
  };
  const credentials = await credentialsDirectory(accounts.map((account) => account.name));
  const simulator = await services.startSimulator({
    contacts: 0,
    organizations: organizations(accounts, { limit: budget.limit, windowMs: budget.windowMs, alignment: shape.alignment }),
    record: true,
    pageLatencyMs: budget.pageLatencyMs,
  });
  let fleet: Fleet | undefined;
  try {
    fleet = await Fleet.start(context, `accounts-${label}`, simulator, shape, {
      CREDENTIALS_DIR: credentials,
      BUDGET_YIELD_AFTER_MS: String(yieldAfterMs),
    });
    const { commands } = context;
    run.redis.idleCpuPerSecond = await idleRedisCpuPerSecond(commands, 5);
    await context.resetCommandStats();
    const cpuBefore = await redisCpuSeconds(commands);
    const connectionsBefore = await redisConnectionsReceived(commands);
    const machineBefore = systemCpu();
    const rateLimit = `${budget.limit}/${budget.windowMs / 1000}s`;
    const startOne = async (account: string, role: 'large' | 'small', contacts: number): Promise<Started> => {
      const startedAtMs = Date.now();
      try {
        const spec = await fleet!.start(account, { rateLimit, pageSize: shape.large.pageSize, format: shape.format });
        return { account, role, contacts, startedAtMs, spec };
      } catch (error) {
        return { account, role, contacts, startedAtMs, error: error instanceof Error ? error.message : String(error) };
      }
    };
    const started = await plan(fleet, startOne);
    const exportIds = started.flatMap((one) => (one.spec ? [one.spec.exportId] : []));
    const firstStart = Math.min(...started.map((one) => one.startedAtMs));
    const largest = Math.max(...started.map((one) => one.contacts));
    const timeoutMs = 2 * minimumSchedule(minimumPages(largest, shape.large.pageSize), 1, budget).wallMs + 180_000;
    await fleet.commits.settled(exportIds, timeoutMs);
    await fleet.commits.readMissing(exportIds);
    const lastCommit = Math.max(...exportIds.map((id) => fleet!.commits.outcome(id)?.committedAtMs ?? Date.now()));
    run.redis.cpuSeconds = (await redisCpuSeconds(commands)) - cpuBefore;
    run.redis.wallSeconds = (lastCommit - firstStart) / 1000;
    run.redis.commands = await redisCommandFigures(commands);
    run.redis.connections = (await redisConnectionsReceived(commands)) - connectionsBefore;
    run.machineBusy = busyShare(machineBefore, systemCpu());
    run.workerPeakRssMb = fleet.peakRssMb();

    const records = await services.records(simulator.id);
    const stats = await services.organizations(simulator.id);
    run.redis.dataPages = classifyRequests(records).dataPages;
    const inFlight = shape.workers * shape.concurrency;
    for (const one of started) {
      const pages = minimumPages(one.contacts, shape.large.pageSize);
      const outcome = one.spec ? fleet.commits.outcome(one.spec.exportId) : undefined;
      const ranges = one.spec ? await fleet.rangesOf(one.spec) : 0;
      const own = records.filter((record) => record.organization === one.account);
      const organization = stats.find((figures) => figures.name === one.account)?.stats;
      const firstPage = firstDataPageAt(records, one.account);
      const minimum = minimumSchedule(pages, Math.min(inFlight, Math.max(1, ranges)), budget, one.startedAtMs, shape.alignment);
      const figures: AccountExport = {
        account: one.account,
        role: one.role,
        contacts: one.contacts,
        ...(one.spec ? { exportId: one.spec.exportId } : {}),
        startedAtMs: one.startedAtMs,
        ...(outcome?.committedAtMs ? { committedAtMs: outcome.committedAtMs } : {}),
        wallSeconds: outcome?.committedAtMs ? (outcome.committedAtMs - one.startedAtMs) / 1000 : NaN,
        ranges,
        pages,
        minimumSeconds: minimum.wallMs / 1000,
        fleetMinimumSeconds: minimumSchedule(pages, inFlight, budget, one.startedAtMs, shape.alignment).wallMs / 1000,
        ...(firstPage ? { firstPageSeconds: (firstPage - one.startedAtMs) / 1000 } : {}),
        requests: organization?.requests ?? 0,
        dataPages: classifyRequests(own).dataPages,
        tooMany: organization?.byStatus[429] ?? 0,
        windowsUsed: rateWindows(own, true).filter((window) => window.accepted > 0).length,
        minimumWindows: minimum.windows,
        slotsGivenBack: one.spec ? await fleet.slotsGivenBack(one.spec, ranges) : { budget: 0, turn: 0 },
      };
      const error = one.error ?? outcome?.failure ?? (outcome?.committedAtMs ? undefined : 'no commit before the timeout');
      if (error) figures.error = error;
      if (one.spec && outcome?.committedAtMs)
        figures.exactness = await ids.check(fleet.store, one.spec, await services.expectedIds(simulator.id, one.account));
      run.exports.push(figures);
    }
  } catch (error) {
    run.error = error instanceof Error ? error.message : String(error);
  } finally {
    await fleet?.close();
    await services.closeSimulator(simulator.id);
    await rm(credentials, { recursive: true, force: true });
  }
  return run;
}

interface AccountsOptions {
  shape: AccountsShape;
  budget: ApiBoundBudget;
  yieldAfterMs: number;
  ids: ExportedIds;
  progress: (text: string) => void;
}

function describe(run: SharingRun): string {
  if (run.error) return `FAILED: ${run.error}`;
  return run.exports
    .map(
      (one) => `${one.account} ${one.wallSeconds.toFixed(1)} s (minimum ${one.minimumSeconds.toFixed(1)} s)${one.error ? ` ERROR ${one.error}` : ''}`,
    )
    .join('; ');
}

/** Shapes of the keys' names: the export's id, the account and numbers stand for every one of them. */
function keyShape(prefix: string): (key: string) => string {
  return (key) =>
    key
      .replace(prefix, '{prefix}')
      .replace(/exp-\d{8}t\d{6}-[0-9a-f]{6}/g, '<export>')
      .replace(/acct-\d+/g, '<account>')
      .replace(/s3:\/\/[^/]+\/[^/]+\/<account>\//g, '<dest>/')
      .replace(/-r\d+\b/g, '-r<n>')
      .replace(/:\d+(?=:|$)/g, ':<n>');
}

/** One export per account, hundreds of accounts, on 2 workers, as a partner application runs them: exactness, Redis memory, worker RSS. */
async function runManyAccounts(context: BenchContext, options: AccountsOptions): Promise<ManyAccountsResult> {
  const { shape, ids, progress } = options;
  const { accounts: count, contacts, startsAtOnce } = shape.many;
  const { services, commands } = context;
  const names = Array.from({ length: count }, (_, index) => manyName(index));
  const result: ManyAccountsResult = {
    accounts: count,
    contacts,
    started: 0,
    committed: 0,
    exact: 0,
    failures: [],
    wallSeconds: NaN,
    startSeconds: NaN,
    exportSeconds: { median: NaN, p90: NaN, slowest: NaN },
    memory: { beforeBytes: 0, peakBytes: 0, afterBytes: 0, samples: 0 },
    keys: [],
    afterRetention: { forgotten: 0, keys: [] },
    workerPeakRssMb: [],
    workerRssHalvesMb: [],
    redis: { cpuSeconds: 0, wallSeconds: 0, idleCpuPerSecond: 0, dataPages: 0, commands: [], connections: 0 },
    requests: 0,
    tooMany: 0,
    notifications: { received: 0, committed: 0 },
  };
  // Recorded (without latency) so that data pages are told from planning's probes.
  const simulator = await services.startSimulator({
    contacts: 0,
    organizations: organizations(names.map((name) => ({ name, contacts }))),
    record: true,
  });
  const receiver = await NotificationReceiver.start();
  let fleet: Fleet | undefined;
  try {
    // As a partner application runs them: each customer's credential handed over with its first export (sealed
    // in Redis with CREDENTIALS_KEY), an incremental export (the first one reads everything and leaves a
    // watermark), and a notification when it commits.
    fleet = await Fleet.start(context, 'accounts-many', simulator, shape, {
      CREDENTIALS_KEY: `bench:${randomBytes(32).toString('base64')}`,
      NOTIFY_SECRET: randomBytes(32).toString('hex'),
    });
    result.redis.idleCpuPerSecond = await idleRedisCpuPerSecond(commands, 5);
    await context.resetCommandStats();
    result.memory.beforeBytes = await redisUsedMemory(commands);
    const sampler = new RedisMemorySampler(commands);
    const cpuBefore = await redisCpuSeconds(commands);
    const connectionsBefore = await redisConnectionsReceived(commands);
    const firstStart = Date.now();
    const started: { account: string; startedAtMs: number; spec: ExportSpec }[] = [];
    let next = 0;
    const starter = async () => {
      while (next < names.length) {
        const account = names[next++]!;
        const startedAtMs = Date.now();
        try {
          const request = { rateLimit: UNTHROTTLED_RATE_LIMIT, pageSize: 1000, format: shape.format, incremental: true, notifyUrl: receiver.url };
          started.push({ account, startedAtMs, spec: await fleet!.start(account, request, tokenOf(account)) });
        } catch (error) {
          result.failures.push(`${account}: start failed: ${error instanceof Error ? error.message : String(error)}`);
        }
        if (started.length % 100 === 0 && started.at(-1)?.account === account) progress(`   accounts: ${started.length} of ${count} exports started`);
      }
    };
    await Promise.all(Array.from({ length: startsAtOnce }, starter));
    result.started = started.length;
    result.startSeconds = (Date.now() - firstStart) / 1000;
    const exportIds = started.map((one) => one.spec.exportId);
    await fleet.commits.settled(exportIds, 30 * 60_000);
    await fleet.commits.readMissing(exportIds);
    // The notifications go out after the commits: what stays is measured once they are delivered (or after 30 s).
    const notified = Date.now();
    while (receiver.states.size < exportIds.length && Date.now() - notified < 30_000) await delay(200);
    result.memory.peakBytes = await sampler.stop();
    result.memory.samples = sampler.samples;
    result.memory.afterBytes = await redisUsedMemory(commands);
    result.redis.cpuSeconds = (await redisCpuSeconds(commands)) - cpuBefore;
    result.redis.commands = await redisCommandFigures(commands);
    result.redis.connections = (await redisConnectionsReceived(commands)) - connectionsBefore;
    result.workerPeakRssMb = fleet.peakRssMb();
    result.workerRssHalvesMb = fleet.rssHalvesMb();
    result.keys = await keyGroups(commands, keyShape(fleet.prefix));
    // A retention period later, the next start's sweep (the one a start runs) forgets every finished export.
    const later = Date.now() + EXPORT_RETENTION_DEFAULT_MS + 1;
    result.afterRetention.forgotten = (await new ExportRetention(commands, fleet.prefix).sweep(later)).length;
    result.afterRetention.keys = await keyGroups(commands, keyShape(fleet.prefix));
    const times: { account: string; exportId: string; startedAtMs: number; seconds: number }[] = [];
    let lastCommit = firstStart;
    for (const one of started) {
      const outcome = fleet.commits.outcome(one.spec.exportId);
      if (!outcome?.committedAtMs) {
        result.failures.push(`${one.account}: ${outcome?.failure ?? 'no commit'}`);
        continue;
      }
      result.committed++;
      lastCommit = Math.max(lastCommit, outcome.committedAtMs);
      times.push({
        account: one.account,
        exportId: one.spec.exportId,
        startedAtMs: one.startedAtMs,
        seconds: (outcome.committedAtMs - one.startedAtMs) / 1000,
      });
    }
    result.wallSeconds = (lastCommit - firstStart) / 1000;
    result.redis.wallSeconds = result.wallSeconds;
    times.sort((a, b) => a.seconds - b.seconds);
    result.exportSeconds = {
      median: times[Math.floor(times.length / 2)]?.seconds ?? NaN,
      p90: times[Math.floor(times.length * 0.9)]?.seconds ?? NaN,
      slowest: times.at(-1)?.seconds ?? NaN,
    };
    const slowest = times.at(-1);
    if (slowest)
      result.slowest = {
        account: slowest.account,
        startedAtMs: slowest.startedAtMs,
        seconds: slowest.seconds,
        ...(await fleet.jobTimes(slowest.exportId)),
      };
    progress(`   accounts: ${result.committed} of ${count} committed in ${result.wallSeconds.toFixed(1)} s; reading every export back`);
    for (const one of started) {
      if (!fleet.commits.outcome(one.spec.exportId)?.committedAtMs) continue;
      const exactness = await ids.check(fleet.store, one.spec, await services.expectedIds(simulator.id, one.account));
      if (exactness.exact) result.exact++;
      else result.failures.push(`${one.account}: not exact: ${exactness.problem}`);
    }
    result.notifications = { received: receiver.received, committed: [...receiver.states.values()].filter((state) => state === 'committed').length };
    const classes = classifyRequests(await services.records(simulator.id));
    result.requests = classes.total;
    result.tooMany = classes.tooMany;
    result.redis.dataPages = classes.dataPages;
  } catch (error) {
    result.error = error instanceof Error ? error.message : String(error);
  } finally {
    await fleet?.close();
    await receiver.close();
    await services.closeSimulator(simulator.id);
  }
  return result;
}

export async function runAccounts(context: BenchContext, shape: AccountsShape, progress: (text: string) => void): Promise<AccountsResult> {
  const inFlight = shape.workers * shape.concurrency;
  const budget = apiBoundBudget(shape.large, inFlight);
  const yieldAfterMs = Math.round(DEFAULT_BUDGET_YIELD_AFTER_MS / budget.timeScale);
  const result: AccountsResult = { shape, budget, yieldAfterMs };
  const ids = await ExportedIds.open();
  const options: AccountsOptions = { shape, budget, yieldAfterMs, ids, progress };
  const large = { name: LARGE, contacts: shape.large.contacts };
  const smalls = Array.from({ length: shape.small.accounts }, (_, index) => ({ name: smallName(index), contacts: shape.small.contacts }));
  const fleetText = `${shape.workers} workers x ${shape.concurrency}, ${budget.limit} requests per ${budget.windowMs / 1000} s per account, pages ${budget.pageLatencyMs} ms, BUDGET_YIELD_AFTER_MS ${yieldAfterMs}`;
  try {
    progress(
      `accounts: alone: ${large.contacts.toLocaleString('en-US')} contacts of account ${LARGE}, then ${smalls[0]!.contacts.toLocaleString('en-US')} of ${smalls[0]!.name}; ${fleetText}`,
    );
    result.alone = await sharingRun(context, 'alone', options, [large, smalls[0]!], async (fleet, start) => {
      const first = await start(LARGE, 'large', large.contacts);
      if (first.spec) await fleet.commits.settled([first.spec.exportId], 2 * minimumSchedule(budget.pages, 1, budget).wallMs + 180_000);
      return [first, await start(smalls[0]!.name, 'small', smalls[0]!.contacts)];
    });
    progress(`   ${describe(result.alone)}`);

    progress(
      `accounts: together: ${LARGE} first, ${smalls.length} small accounts of ${shape.small.contacts.toLocaleString('en-US')} contacts ${shape.small.startAfterMs / 1000} s later; ${fleetText}`,
    );
    result.together = await sharingRun(context, 'together', options, [large, ...smalls], async (_, start) => {
      const first = await start(LARGE, 'large', large.contacts);
      await delay(Math.max(0, first.startedAtMs + shape.small.startAfterMs - Date.now()));
      return [first, ...(await Promise.all(smalls.map((small) => start(small.name, 'small', small.contacts))))];
    });
    progress(`   ${describe(result.together)}`);

    const { many } = shape;
    progress(
      `accounts: many: ${many.accounts} accounts x ${many.contacts.toLocaleString('en-US')} contacts, one export each, ${shape.workers} workers x ${shape.concurrency}, unthrottled, ${many.startsAtOnce} starts at once`,
    );
    result.many = await runManyAccounts(context, options);
    progress(
      `   ${result.many.error ? `FAILED: ${result.many.error}` : `${result.many.exact} of ${many.accounts} exact; Redis ${(result.many.memory.beforeBytes / 2 ** 20).toFixed(1)} → peak ${(result.many.memory.peakBytes / 2 ** 20).toFixed(1)} → ${(result.many.memory.afterBytes / 2 ** 20).toFixed(1)} MB; worker peak RSS ${result.many.workerPeakRssMb.map((mb) => mb.toFixed(0)).join(' / ')} MB`}`,
    );
  } finally {
    ids.close();
  }
  return result;
}
