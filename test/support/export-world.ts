import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import { startLocalS3, type LocalS3 } from '../../simulators/local-services/local-s3.js';
import { Queue, QueueEvents } from '../../src/queue/bullmq.js';
import { waitForCommit } from './progress-events.js';
import { RANGE_QUEUE } from '../../src/queue/queue-names.js';
import { createRedisConnection } from '../../src/queue/redis-connection.js';
import { runCli, spawnWorker, type CliResult, type WorkerProcess } from './cli-process.js';
import { queryDuckDB } from './duckdb.js';
import { sqlList } from './export-download.js';
import { dropPrefix, testRedis, uniquePrefix } from './test-redis.js';

/** What a test reads from `_manifest.json`, whatever the source (only documented fields). */
export interface WorldManifest {
  exportId: string;
  source: string;
  format: 'parquet' | 'ndjson';
  compression: string;
  schema: string;
  rows: number;
  parts: { key: string; rows: number; rangeIndex: number; sequence: number }[];
  ranges: number;
  incremental?: { mode: string; field: string; since: string | null; fullLoad: boolean; previousExportId: string | null };
}

/**
 * A source-agnostic world for end-to-end tests of the CLI: one S3 endpoint (s3rver) with one bucket, one
 * queue prefix on the shared test Redis, worker processes, and the environment a source needs (given by the
 * caller: base URL and credential). Reads S3 with the AWS SDK directly and the parts with DuckDB, so it
 * depends on no exporter module but the export waiter and the progress events.
 */
export class ExportWorld {
  readonly workers: WorkerProcess[] = [];
  private readonly s3Client: S3Client;
  private readonly extraPrefixes = new Set<string>();

  private constructor(
    readonly s3: LocalS3,
    readonly bucket: string,
    readonly redisUrl: string,
    readonly prefix: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.s3Client = new S3Client({
      endpoint: s3.endpoint,
      region: s3.variables.AWS_REGION!,
      forcePathStyle: true,
      credentials: { accessKeyId: s3.variables.AWS_ACCESS_KEY_ID!, secretAccessKey: s3.variables.AWS_SECRET_ACCESS_KEY! },
    });
  }

  /** `sourceEnv`: the source's variables (base URL, credential); `env`: anything else every process gets. */
  static async create(label: string, bucket: string, sourceEnv: Record<string, string>, env: NodeJS.ProcessEnv = {}): Promise<ExportWorld> {
    const redisUrl = (await testRedis()).url;
    const s3 = await startLocalS3([bucket]);
    const prefix = uniquePrefix(label);
    return new ExportWorld(s3, bucket, redisUrl, prefix, {
      PATH: process.env.PATH,
      REDIS_URL: redisUrl,
      BULK_EXPORT_QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'info',
      ...s3.variables,
      ...sourceEnv,
      ...env,
    });
  }

  /** `s3://BUCKET/<path>` of this world's bucket. */
  dest(path: string): string {
    return `s3://${this.bucket}/${path}`;
  }

  /** The object key prefix of an export, as the export index (`<dest prefix>/_bulk_export/exports/<exportId>.json`) names it. */
  async folder(dest: string, exportId: string): Promise<string> {
    const prefix = dest.replace(`s3://${this.bucket}`, '').replace(/^\/|\/$/g, '');
    const index = `${prefix ? `${prefix}/` : ''}_bulk_export/exports/${exportId}.json`;
    return (JSON.parse(Buffer.from(await this.getBytes(index)).toString('utf8')) as { folder: string }).folder;
  }

  async startWorker(concurrency: number, env: NodeJS.ProcessEnv = {}): Promise<WorkerProcess> {
    const worker = await spawnWorker({ ...this.env, ...env }, concurrency);
    this.workers.push(worker);
    return worker;
  }

  /** SIGKILL: no shutdown, the jobs in hand keep their locks until these expire. Resolves at the exit. */
  async killWorker(worker: WorkerProcess): Promise<void> {
    const exited = worker.child.exitCode !== null || worker.child.signalCode !== null ? Promise.resolve() : once(worker.child, 'exit');
    worker.child.kill('SIGKILL');
    await exited;
    this.workers.splice(this.workers.indexOf(worker), 1);
  }

  workerLogs(): string {
    return this.workers.map((worker) => worker.output()).join('');
  }

  cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return runCli(args, { ...this.env, ...env });
  }

  /** `start ARGS`, and the export id it printed as the last line of stdout. */
  async start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ exportId: string; result: CliResult }> {
    const result = await this.cli(['start', ...args], env);
    return { exportId: result.stdout.trim().split('\n').at(-1) ?? '', result };
  }

  /** A fresh queue prefix (dropped at close), for commands that must leave no key behind. */
  freshPrefix(label: string): string {
    const prefix = uniquePrefix(label);
    this.extraPrefixes.add(prefix);
    return prefix;
  }

  /** Keys under a queue prefix, the credential's shared request budget (`:budget:`) aside unless `budget`. */
  async keysUnder(prefix: string, options: { budget?: boolean } = {}): Promise<string[]> {
    const redis = new Redis(this.redisUrl);
    try {
      const keys = await redis.keys(`${prefix}:*`);
      return (options.budget ? keys : keys.filter((key) => !key.startsWith(`${prefix}:budget:`))).sort();
    } finally {
      redis.disconnect();
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.s3Client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (error) {
      if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
      throw error;
    }
  }

  async getBytes(key: string): Promise<Uint8Array> {
    const answer = await this.s3Client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return answer.Body!.transformToByteArray();
  }

  /** Every key under a prefix, sorted. */
  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3Client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((entry) => entry.Key!));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async manifest(folder: string): Promise<WorldManifest | undefined> {
    if (!(await this.exists(`${folder}/_manifest.json`))) return undefined;
    return JSON.parse(Buffer.from(await this.getBytes(`${folder}/_manifest.json`)).toString('utf8')) as WorldManifest;
  }

  /**
   * Downloads the manifest's parts and runs `sql(reader)` on them in DuckDB; `reader` is read_parquet(...) or
   * read_json(..., format = 'newline_delimited'[, columns = ...]) over the files. No parts: no rows.
   */
  async queryParts(
    manifest: WorldManifest,
    sql: (reader: string) => string,
    jsonColumns?: Record<string, string>,
  ): Promise<Record<string, unknown>[]> {
    if (manifest.parts.length === 0) return [];
    const directory = await mkdtemp(join(tmpdir(), 'export-world-parts-'));
    try {
      const files: string[] = [];
      for (const [index, part] of manifest.parts.entries()) {
        // Keep the extension (.parquet, .ndjson, .ndjson.gz): DuckDB picks the decompression from it.
        const file = join(directory, `${index}-${part.key.split('/').at(-1)}`);
        await writeFile(file, await this.getBytes(part.key));
        files.push(file);
      }
      const columns = jsonColumns
        ? `, columns = {${Object.entries(jsonColumns)
            .map(([name, type]) => `'${name}': '${type}'`)
            .join(', ')}}`
        : '';
      const reader =
        manifest.format === 'parquet' ? `read_parquet(${sqlList(files)})` : `read_json(${sqlList(files)}, format = 'newline_delimited'${columns})`;
      return await queryDuckDB(sql(reader));
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  }

  /** Resolves when the export committed; rejects when it failed, was cancelled or a range failed for good. */
  waitForCommit(exportId: string): Promise<void> {
    return waitForCommit(this.redisUrl, this.prefix, exportId);
  }

  /**
   * Resolves once the export's ranges reported at least `parts` committed parts in all: progress events,
   * plus the progress the range jobs already hold when the listener is ready (so nothing reported before
   * is missed, as test/support/progress-events.ts could).
   */
  async waitForCommittedParts(exportId: string, parts: number): Promise<void> {
    const connection = createRedisConnection(this.redisUrl, 'test-progress');
    const events = new QueueEvents(RANGE_QUEUE, { connection, prefix: this.prefix });
    const reader = createRedisConnection(this.redisUrl, 'test-progress-read');
    const queue = new Queue(RANGE_QUEUE, { connection: reader, prefix: this.prefix });
    const perRange = new Map<string, number>();
    let reached: () => void = () => undefined;
    const enough = new Promise<void>((resolve) => (reached = resolve));
    const note = (jobId: string | undefined, progress: unknown) => {
      if (!jobId?.startsWith(`${exportId}-r`)) return;
      const committed = typeof progress === 'object' && progress !== null ? Number((progress as { parts?: unknown }).parts ?? 0) : 0;
      perRange.set(jobId, Math.max(perRange.get(jobId) ?? 0, committed));
      if ([...perRange.values()].reduce((a, b) => a + b, 0) >= parts) reached();
    };
    try {
      events.on('progress', ({ jobId, data }) => note(jobId, data));
      await events.waitUntilReady();
      for (const job of await queue.getJobs(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children', 'completed', 'failed'])) {
        note(job?.id, job?.progress);
      }
      await enough;
    } finally {
      await events.close();
      await queue.close();
      connection.disconnect();
      reader.disconnect();
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
    this.s3Client.destroy();
    await this.s3.close();
    await Promise.all([this.prefix, ...this.extraPrefixes].map((prefix) => dropPrefix(this.redisUrl, prefix)));
  }
}
