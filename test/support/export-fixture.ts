import { rm } from 'node:fs/promises';
import { waitForCommit } from './progress-events.js';
import { startLocalS3, type LocalS3 } from '../../simulators/local-services/local-s3.js';
import { startVirtuousSimulator, type VirtuousSimulator, type VirtuousSimulatorOptions } from '../../simulators/virtuous/index.js';
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

/** One test's private world: its own simulator, S3 endpoint, queue prefix, and worker processes. */
export class ExportFixture {
  readonly workers: WorkerProcess[] = [];
  readonly store: ObjectStore;

  private constructor(
    readonly simulator: VirtuousSimulator,
    readonly s3: LocalS3,
    readonly redisUrl: string,
    readonly prefix: string,
    readonly env: NodeJS.ProcessEnv,
  ) {
    this.store = new ObjectStore(createS3Client(s3.settings), BUCKET);
  }

  static async create(
    label: string,
    simulatorOptions: VirtuousSimulatorOptions,
    options: { redisUrl?: string; env?: NodeJS.ProcessEnv } = {},
  ): Promise<ExportFixture> {
    const redisUrl = options.redisUrl ?? (await testRedis()).url;
    const s3 = await startLocalS3([BUCKET]);
    const simulator = await startVirtuousSimulator(simulatorOptions);
    const prefix = uniquePrefix(label);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      REDIS_URL: redisUrl,
      BULK_EXPORT_QUEUE_PREFIX: prefix,
      VIRTUOUS_BASE_URL: simulator.url,
      VIRTUOUS_API_TOKEN: simulator.token,
      LOG_LEVEL: 'info',
      ...s3.variables,
      ...options.env,
    };
    return new ExportFixture(simulator, s3, redisUrl, prefix, env);
  }

  async startWorkers(count: number, concurrency = 2): Promise<WorkerProcess[]> {
    const started = await Promise.all(Array.from({ length: count }, () => spawnWorker(this.env, concurrency)));
    this.workers.push(...started);
    return started;
  }

  cli(args: string[], env: NodeJS.ProcessEnv = {}, options: { input?: string } = {}): Promise<CliResult> {
    return runCli(args, { ...this.env, ...env }, options);
  }

  /** `start ... ` and the export id it printed last; `input` is its standard input (`--credential-stdin`). */
  async start(args: string[], options: { input?: string } = {}): Promise<{ exportId: string; result: CliResult }> {
    const result = await this.cli(['start', '--source', 'virtuous', ...args], {}, options);
    return { exportId: result.stdout.trim().split('\n').at(-1) ?? '', result };
  }

  /** The object key prefix of an export, from the export index `start` wrote. */
  folder(dest: string, exportId: string): Promise<string> {
    return locateExportFolder(this.store, parseS3Url(dest), exportId);
  }

  async manifest(folder: string): Promise<ExportManifest | undefined> {
    const text = await this.store.getText(`${folder}/_manifest.json`);
    return text ? (JSON.parse(text) as ExportManifest) : undefined;
  }

  /** Every id in the manifest's parts, as DuckDB reads them, with how often each appears. */
  /** Each id in the parts of a committed export to `dest`, with how often it appears (DuckDB). */
  async exportedIds(dest: string, exportId: string): Promise<{ id: number; n: number }[]> {
    return this.idsInParts((await this.manifest(await this.folder(dest, exportId)))!);
  }

  async idsInParts(manifest: ExportManifest): Promise<{ id: number; n: number }[]> {
    const parts = await downloadParts(this.store, manifest);
    try {
      const reader =
        manifest.format === 'parquet' ? `read_parquet(${sqlList(parts.files)})` : `read_json(${sqlList(parts.files)}, format = 'newline_delimited')`;
      const rows = await queryDuckDB(`SELECT id, count(*) AS n FROM ${reader} GROUP BY id ORDER BY id`);
      return rows.map((row) => ({ id: Number(row.id), n: Number(row.n) }));
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
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

  /** Resolves when the export committed; rejects when it failed, was cancelled or a range failed for good. */
  waitForCommit(exportId: string): Promise<void> {
    return waitForCommit(this.redisUrl, this.prefix, exportId);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
    await this.simulator.close();
    await this.s3.close();
    await dropPrefix(this.redisUrl, this.prefix);
  }
}
