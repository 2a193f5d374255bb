// `npm run demo`: a whole export on this machine: the Virtuous simulator and an S3 endpoint (s3rver)
// in-process, Redis from REDIS_URL (or a private redis-server), one worker, and the start command's logic;
// then the export read back in DuckDB through the statements `bulk-export ddl --target duckdb` prints.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { resolve } from 'node:path';
import { DEFAULT_REDIS_URL, readEnvironment } from '../src/config/environment.js';
import { startLocalS3 } from '../simulators/local-services/local-s3.js';
import { obtainRedis } from '../simulators/local-services/local-redis.js';
import { createLogger } from '../src/logging/logger.js';
import { takeOverNodeVersionNotice } from '../src/logging/node-version-notice.js';
import { startExport } from '../src/queue/operations/start-export.js';
import { readExportStatus, waitForExport } from '../src/queue/export-status.js';
import { startExportWorker } from '../src/worker/export-worker.js';
import { createRedisConnection } from '../src/queue/redis-connection.js';
import { startVirtuousSimulator } from '../simulators/virtuous/index.js';
import { MANIFEST_NAME, type ExportManifest } from '../src/sinks/manifest.js';
import { ObjectStore } from '../src/sinks/s3/object-store.js';
import { createS3Client } from '../src/sinks/s3/s3-client.js';
import { formatS3Url, parseS3Url } from '../src/sinks/s3/s3-location.js';
import { ddlStatements, ddlTarget } from '../src/warehouse/ddl-statements.js';
import { copyPrefix, statementsOnCopy } from '../simulators/local-services/local-duckdb.js';

const CONTACTS = Number(process.env.DEMO_CONTACTS ?? 20_000);
const FORMAT = process.env.DEMO_FORMAT ?? 'parquet';
const BUCKET = 'demo-exports';

// On Node 20: one line, before the worker's S3 client would have the AWS SDK print its eight.
const nodeNotice = takeOverNodeVersionNotice(process.version, process.env);
if (nodeNotice) console.error(`demo: ${nodeNotice}`);
const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'demo' });
const s3Directory = resolve('.tmp/demo-s3');
await mkdir(s3Directory, { recursive: true });

const redis = await obtainRedis(process.env.REDIS_URL || DEFAULT_REDIS_URL);
const s3 = await startLocalS3([BUCKET], { directory: s3Directory });
const simulator = await startVirtuousSimulator({ contacts: CONTACTS, seed: 42 });
console.log(`Redis         ${redis.url} (${redis.origin})`);
console.log(`S3 endpoint   ${s3.endpoint} (s3rver, files in ${s3Directory})`);
console.log(`Virtuous API  ${simulator.url} (simulated organization, ${CONTACTS} contacts)`);

// s3.variables carry S3_CHECKSUMS=when_required: s3rver cannot store the SDK's default checksummed uploads.
Object.assign(process.env, s3.variables, {
  REDIS_URL: redis.url,
  VIRTUOUS_BASE_URL: simulator.url,
  VIRTUOUS_API_TOKEN: simulator.token,
  BULK_EXPORT_QUEUE_PREFIX: '{bulk-export-demo}',
});
const environment = readEnvironment();
const worker = await startExportWorker({
  redis: environment.redis,
  queuePrefix: environment.queuePrefix,
  s3: environment.s3,
  concurrency: 4,
  variables: environment.variables,
  logger,
});
const connection = createRedisConnection(environment.redis, 'bulk-export:demo');
try {
  const started = Date.now();
  const spec = await startExport(
    { source: 'virtuous', dest: `s3://${BUCKET}/crm`, format: FORMAT, partRows: 5000 },
    { environment, redis: connection, logger },
  );
  console.log(`\nExport ${spec.exportId}: ${spec.rangeCount} ranges, ${spec.plannedRows} contacts planned`);
  await waitForExport(environment.redis, environment.queuePrefix, connection, spec.exportId);
  const status = await readExportStatus(connection, environment.queuePrefix, spec.exportId);
  const store = new ObjectStore(createS3Client(environment.s3), BUCKET);
  const folder = spec.folder!;
  const manifest = JSON.parse((await store.getText(`${folder}/${MANIFEST_NAME}`))!) as ExportManifest;
  console.log(
    `Committed in ${((Date.now() - started) / 1000).toFixed(1)} s: ${status?.rows} rows, ${status?.parts} parts, ${simulator.stats.requests} API requests\n`,
  );
  console.log(`Manifest ${formatS3Url({ bucket: BUCKET, prefix: folder }, MANIFEST_NAME)}:`);
  console.log(JSON.stringify({ ...manifest, parts: [...manifest.parts.slice(0, 3), `... ${manifest.parts.length} parts in all`] }, null, 2));
  console.log(`\nFiles on disk (s3rver layout): ${s3Directory}/${BUCKET}/${folder}/`);

  // The warehouse side: the statements `bulk-export ddl --target duckdb --dest s3://demo-exports/crm` prints,
  // run on a local copy of the bucket (DuckDB's httpfs extension cannot be installed without internet).
  const destination = parseS3Url(`s3://${BUCKET}/crm`);
  const { sql } = await ddlStatements(store, { target: ddlTarget('duckdb'), destination, table: spec.table!, s3: environment.s3 });
  const sqlFile = resolve('.tmp/demo-duckdb.sql');
  await writeFile(sqlFile, sql);
  const copy = resolve('.tmp/demo-warehouse');
  await rm(copy, { recursive: true, force: true });
  await copyPrefix(store, `${destination.prefix}/`, copy);
  const duckdb = await (await DuckDBInstance.create(':memory:', { autoinstall_known_extensions: 'false' })).connect();
  for (const statement of statementsOnCopy(sql, BUCKET, copy)) await duckdb.run(statement);
  const view = `${spec.table!.replace('/', '_')}_current`;
  const query = `SELECT count(*) AS contacts, count(DISTINCT id) AS distinct_ids, min(id) AS first_id, max(id) AS last_id FROM ${view}`;
  const [counts] = (await duckdb.runAndReadAll(query)).getRowObjectsJson();
  console.log(`\nDuckDB, through the statements in ${sqlFile}:\n  ${query}\n  -> ${JSON.stringify(counts)}`);
  duckdb.closeSync();
} finally {
  connection.disconnect();
  await worker.close();
  await simulator.close();
  await s3.close();
  await redis.close();
}
