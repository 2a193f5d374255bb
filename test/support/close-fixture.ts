import { rm } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { waitForCommit } from './progress-events.js';
import { startLocalS3, type LocalS3 } from '../../simulators/local-services/local-s3.js';
import { startCloseSimulator, type CloseSimulator, type CloseSimulatorOptions } from '../../simulators/close/index.js';
import { locateExportFolder } from '../../src/sinks/export-layout.js';
import type { ExportManifest } from '../../src/sinks/manifest.js';
import { parseS3Url } from '../../src/sinks/s3/s3-location.js';
import { ObjectStore } from '../../src/sinks/s3/object-store.js';
import { createS3Client } from '../../src/sinks/s3/s3-client.js';
import { runCli, spawnWorker, type CliResult, type WorkerProcess } from './cli-process.js';
import { queryDuckDB } from './duckdb.js';
import { downloadParts, sqlList } from './export-download.js';
import { dropPrefix, testRedis, uniquePrefix } from './test-redis.js';

export const BUCKET = 'exports';

/** One Close test's private world: its own simulator, S3 endpoint, queue prefix and worker processes. */
export class CloseExportFixture {
  readonly workers: WorkerProcess[] = [];
  readonly store: ObjectStore;

  private constructor(
    readonly simulator: CloseSimulator,
    readonly s3: LocalS3,
    readonly redisUrl: string,
    readonly prefix: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.store = new ObjectStore(createS3Client(s3.settings), BUCKET);
  }

  /** `options.env`: more variables for every command and worker (CREDENTIALS_DIR, say). */
  static async create(
    label: string,
    simulatorOptions: CloseSimulatorOptions,
    options: { env?: NodeJS.ProcessEnv } = {},
  ): Promise<CloseExportFixture> {
    const redisUrl = (await testRedis()).url;
    const [s3, simulator] = await Promise.all([startLocalS3([BUCKET]), startCloseSimulator(simulatorOptions)]);
    const prefix = uniquePrefix(label);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      REDIS_URL: redisUrl,
      BULK_EXPORT_QUEUE_PREFIX: prefix,
      CLOSE_BASE_URL: simulator.url,
      CLOSE_API_KEY: simulator.apiKey,
      LOG_LEVEL: 'info',
      ...s3.variables,
      ...options.env,
    };
    return new CloseExportFixture(simulator, s3, redisUrl, prefix, env);
  }

  async startWorkers(count: number, concurrency = 2): Promise<void> {
    this.workers.push(...(await Promise.all(Array.from({ length: count }, () => spawnWorker(this.env, concurrency)))));
  }

  cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
    return runCli(args, { ...this.env, ...env });
  }

  /** `start --source close --dest DEST ARGS --wait`: the export id (last stdout line), the result, and the export's folder. */
  async export(dest: string, args: string[]): Promise<{ exportId: string; result: CliResult; folder: string }> {
    const result = await this.cli(['start', '--source', 'close', '--dest', dest, ...args, '--wait']);
    const exportId = result.stdout.trim().split('\n').at(-1) ?? '';
    return { exportId, result, folder: await this.folder(dest, exportId) };
  }

  /** Resolves when the export committed; rejects when it failed, was cancelled or a range failed for good. */
  waitForCommit(exportId: string): Promise<void> {
    return waitForCommit(this.redisUrl, this.prefix, exportId);
  }

  /** The object key prefix of an export, from the export index `start` wrote. */
  folder(dest: string, exportId: string): Promise<string> {
    return locateExportFolder(this.store, parseS3Url(dest), exportId);
  }

  async manifest(folder: string): Promise<ExportManifest | undefined> {
    const text = await this.store.getText(`${folder}/_manifest.json`);
    return text ? (JSON.parse(text) as ExportManifest) : undefined;
  }

  /** Downloads the manifest's parts and runs `sql(reader)` on them in DuckDB, `reader` being read_parquet/read_json over the files. */
  async queryParts(manifest: ExportManifest, sql: (reader: string) => string): Promise<Record<string, unknown>[]> {
    const parts = await downloadParts(this.store, manifest);
    try {
      const files = sqlList(parts.files);
      const reader = manifest.format === 'parquet' ? `read_parquet(${files})` : `read_json(${files}, format = 'newline_delimited')`;
      return await queryDuckDB(sql(reader));
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  }

  /** Keys of queues, exports and checkpoints under the prefix (the credential's request budget aside). */
  async exportKeys(): Promise<string[]> {
    const redis = new Redis(this.redisUrl);
    try {
      return (await redis.keys(`${this.prefix}:*`)).filter((key) => !key.startsWith(`${this.prefix}:budget:`));
    } finally {
      redis.disconnect();
    }
  }

  /** Everything the workers logged, for assertions and failure messages. */
  workerLogs(): string {
    return this.workers.map((worker) => worker.output()).join('');
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
    await this.simulator.close();
    await this.s3.close();
    await dropPrefix(this.redisUrl, this.prefix);
  }
}
