import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { startLocalS3, type LocalS3 } from '../../src/local/local-s3.js';
import type { ExportManifest } from '../../src/sinks/manifest.js';
import { ObjectStore } from '../../src/sinks/s3/object-store.js';
import { createS3Client } from '../../src/sinks/s3/s3-client.js';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../src/simulator/virtuous/index.js';
import { runCli, spawnWorker, type WorkerProcess } from '../support/cli-process.js';
import { queryDuckDB, describeDuckDB } from '../support/duckdb.js';
import { downloadParts, sqlList } from '../support/export-download.js';
import { dropPrefix, testRedis, uniquePrefix } from '../support/test-redis.js';

const CONTACTS = 25_000;
const BUCKET = 'exports';

describe('a full Virtuous export with two worker processes, 2% faults', () => {
  let s3: LocalS3;
  let simulator: VirtuousSimulator;
  let workers: WorkerProcess[] = [];
  let env: NodeJS.ProcessEnv;
  let redisUrl: string;
  const prefix = uniquePrefix('virtuous-export');

  beforeAll(async () => {
    redisUrl = (await testRedis()).url;
    s3 = await startLocalS3([BUCKET]);
    simulator = await startVirtuousSimulator({ contacts: CONTACTS, seed: 7, faults: { errorRate: 0.015, dropRate: 0.005, seed: 3 } });
    env = {
      PATH: process.env.PATH,
      REDIS_URL: redisUrl,
      BULK_EXPORT_QUEUE_PREFIX: prefix,
      VIRTUOUS_BASE_URL: simulator.url,
      VIRTUOUS_API_TOKEN: simulator.token,
      LOG_LEVEL: 'info',
      ...s3.variables,
    };
    workers = await Promise.all([spawnWorker(env), spawnWorker(env)]);
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.stop()));
    await simulator?.close();
    await s3?.close();
    await dropPrefix(redisUrl, prefix);
  });

  async function exportAndRead(format: 'parquet' | 'ndjson', extra: string[] = []) {
    const result = await runCli(
      ['start', '--source', 'virtuous', '--dest', `s3://${BUCKET}/crm/${format}`, '--format', format, '--include-archived', '--part-rows', '3000', '--wait', ...extra],
      env,
    );
    expect(result.stderr + workers.map((w) => w.output()).join('')).not.toContain('"level":60');
    expect(result.code, result.stderr).toBe(0);
    const exportId = result.stdout.trim().split('\n').at(-1)!;
    expect(exportId).toMatch(/^exp-/);

    const store = new ObjectStore(createS3Client(s3.settings), BUCKET);
    const folder = `crm/${format}/${exportId}`;
    expect(await store.exists(`${folder}/_SUCCESS`)).toBe(true);
    const manifest = JSON.parse((await store.getText(`${folder}/_manifest.json`))!) as ExportManifest;
    const parts = await downloadParts(store, manifest);
    return { exportId, manifest, parts };
  }

  it('writes typed Parquet parts in which DuckDB finds every contact exactly once', async () => {
    const { manifest, parts } = await exportAndRead('parquet');
    try {
      const expected = simulator.expectedIds({ includeArchived: true });
      expect(manifest.rows).toBe(expected.length);
      expect(manifest.parts.length).toBeGreaterThan(5);
      const source = `read_parquet(${sqlList(parts.files)})`;

      const ids = await queryDuckDB(`SELECT id, count(*) AS n FROM ${source} GROUP BY id ORDER BY id`);
      expect(ids.map((row) => row.id)).toEqual(expected);
      expect(ids.every((row) => row.n === 1)).toBe(true);

      const types = Object.fromEntries((await describeDuckDB(`SELECT * FROM ${source}`)).map((c) => [c.column_name, c.column_type]));
      expect(types).toMatchObject({ id: 'BIGINT', name: 'VARCHAR', email: 'VARCHAR', contactViewUrl: 'VARCHAR' });

      const rows = await queryDuckDB(`SELECT id, name, contactType, address, email FROM ${source}`);
      for (const row of rows) {
        const truth = simulator.abbreviatedContact(row.id as number)!;
        expect({ name: row.name, contactType: row.contactType, address: row.address, email: row.email }).toEqual({
          name: truth.name,
          contactType: truth.contactType,
          address: truth.address,
          email: truth.email,
        });
      }
      expect((simulator.stats.byStatus[500] ?? 0) + (simulator.stats.byStatus[503] ?? 0)).toBeGreaterThan(0);
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  });

  it('writes gzipped NDJSON parts in which DuckDB finds every contact exactly once', async () => {
    const { manifest, parts } = await exportAndRead('ndjson', ['--gzip']);
    try {
      const expected = simulator.expectedIds({ includeArchived: true });
      expect(manifest.rows).toBe(expected.length);
      expect(manifest.compression).toBe('gzip');
      const source = `read_json(${sqlList(parts.files)}, format = 'newline_delimited')`;
      const ids = await queryDuckDB(`SELECT id, count(*) AS n FROM ${source} GROUP BY id ORDER BY id`);
      expect(ids.map((row) => row.id)).toEqual(expected);
      expect(ids.every((row) => row.n === 1)).toBe(true);
      const sample = await queryDuckDB(`SELECT id, name, phone FROM ${source} WHERE id IN (${expected.slice(0, 50).join(',')})`);
      for (const row of sample) {
        const truth = simulator.abbreviatedContact(row.id as number)!;
        expect([row.name, row.phone]).toEqual([truth.name, truth.phone]);
      }
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  });

  it('writes FullContact records as nested Parquet columns with UTC timestamps, and status reports the commit', async () => {
    const { exportId, manifest, parts } = await exportAndRead('parquet', ['--full-contact']);
    try {
      expect(manifest.schema).toBe('virtuous.full_contact');
      const source = `read_parquet(${sqlList(parts.files)})`;
      const types = Object.fromEntries((await describeDuckDB(`SELECT * FROM ${source}`)).map((c) => [c.column_name, c.column_type]));
      expect(types.id).toBe('BIGINT');
      expect(types.isPrivate).toBe('BOOLEAN');
      expect(types.tags).toBe('VARCHAR[]');
      expect(types.modifiedDateTimeUtc).toBe('TIMESTAMP WITH TIME ZONE');
      expect(types.address).toMatch(/^STRUCT\(id BIGINT, "label" VARCHAR, address1 VARCHAR/);
      expect(types.contactIndividuals).toMatch(/^STRUCT\(.*contactMethods STRUCT\(.*\)\[\]\)\[\]$/);

      const counts = await queryDuckDB(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM ${source}`);
      expect(counts[0]).toEqual({ n: CONTACTS, d: CONTACTS });

      const sampleIds = simulator.expectedIds({ includeArchived: true }).filter((_, i) => i % 997 === 0);
      const rows = await queryDuckDB(
        `SELECT id, tags, address.city AS city, modifiedDateTimeUtc, lastGiftDate, len(contactIndividuals) AS people
         FROM ${source} WHERE id IN (${sampleIds.join(',')}) ORDER BY id`,
      );
      expect(rows.map((row) => row.id)).toEqual(sampleIds);
      for (const row of rows) {
        const truth = simulator.fullContact(row.id as number)!;
        expect(row.tags).toEqual(truth.tags);
        expect(row.city).toEqual(truth.address?.city ?? null);
        expect(row.lastGiftDate).toBe(truth.lastGiftDate);
        expect(row.people).toBe(truth.contactIndividuals.length);
        expect(Date.parse(row.modifiedDateTimeUtc as string)).toBe(Math.floor(Date.parse(`${truth.modifiedDateTimeUtc.slice(0, 23)}Z`)));
      }

      const status = await runCli(['status', exportId, '--json'], env);
      expect(status.code).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({
        exportId,
        state: 'committed',
        rows: CONTACTS,
        parts: manifest.parts.length,
        ranges: { done: manifest.ranges, total: manifest.ranges },
      });
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  });
});
