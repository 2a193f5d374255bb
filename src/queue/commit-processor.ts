import type { Job } from 'bullmq';
import { BulkExportError } from '../errors/index.js';
import { MANIFEST_NAME, SUCCESS_MARKER, type ExportManifest } from '../sinks/manifest.js';
import { PART_KEY_PATTERN } from '../sinks/part-key.js';
import { ObjectStore } from '../sinks/s3/object-store.js';
import { exportFolder } from '../sinks/s3/s3-location.js';
import { ExportControl } from './export-control.js';
import type { ExportSpec } from './export-spec.js';
import { ExportCancelledError } from './export-stopped.js';
import type { WorkerContext } from './worker-context.js';

export interface ExportJobResult {
  rows: number;
  parts: number;
  manifestKey: string;
}

/**
 * Runs once every range of an export is done: removes part objects no checkpoint committed
 * (left by crashed attempts), writes the manifest, then `_SUCCESS`. Safe to run twice.
 */
export async function commitExport(job: Job<ExportSpec, ExportJobResult>, context: WorkerContext): Promise<ExportJobResult> {
  const spec = job.data;
  const log = context.logger.child({ exportId: spec.exportId, jobId: job.id });
  if ((await new ExportControl(context.redis, context.queuePrefix).get(spec.exportId)) === 'cancel') {
    throw new ExportCancelledError(spec.exportId);
  }
  const checkpoints = await context.checkpoints.loadAll(spec.exportId, spec.rangeCount);
  const unfinished = checkpoints.flatMap((checkpoint, index) => (checkpoint?.done ? [] : [index]));
  if (unfinished.length > 0) {
    throw new BulkExportError('RANGES_UNFINISHED', `Ranges ${unfinished.join(', ')} of ${spec.exportId} have no finished checkpoint; cannot commit.`);
  }
  const parts = checkpoints.flatMap((checkpoint) => checkpoint!.parts);
  const store = new ObjectStore(context.s3, spec.destination.bucket);
  const folder = exportFolder(spec.destination, spec.exportId);

  const committedKeys = new Set(parts.map((part) => part.key));
  const orphans = (await store.list(`${folder}/`))
    .map((object) => object.key)
    .filter((key) => PART_KEY_PATTERN.test(key) && !committedKeys.has(key));
  if (orphans.length > 0) {
    await store.deleteMany(orphans);
    log.info({ orphans: orphans.length }, 'removed parts of abandoned attempts');
  }

  const rows = parts.reduce((sum, part) => sum + part.rows, 0);
  const manifest: ExportManifest = {
    exportId: spec.exportId,
    source: spec.source.kind,
    format: spec.format,
    compression: spec.format === 'parquet' ? 'zstd' : spec.gzip ? 'gzip' : 'none',
    schema: spec.schemaName,
    rows,
    parts,
    ranges: spec.rangeCount,
    startedAt: spec.createdAt,
    endedAt: new Date().toISOString(),
  };
  const manifestKey = `${folder}/${MANIFEST_NAME}`;
  await store.put(manifestKey, JSON.stringify(manifest, null, 2), { contentType: 'application/json' });
  await store.put(`${folder}/${SUCCESS_MARKER}`, '', { contentType: 'application/octet-stream' });
  await context.registry.update(spec.exportId, { state: 'committed', rows, parts: parts.length, finishedAt: manifest.endedAt });
  log.info({ rows, parts: parts.length, manifestKey }, 'export committed');
  return { rows, parts: parts.length, manifestKey };
}

