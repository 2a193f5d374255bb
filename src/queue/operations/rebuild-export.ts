import type { Redis } from 'ioredis';
import type { S3Client } from '@aws-sdk/client-s3';
import { BulkExportError, InvalidInputError } from '../../errors/index.js';
import { EXPORT_DESCRIPTOR_NAME, locateExportFolder, RANGE_DONE_PATTERN, type ExportDescriptor } from '../../sinks/export-layout.js';
import { SUCCESS_MARKER, type CommittedPart } from '../../sinks/manifest.js';
import { PART_KEY_PATTERN } from '../../sinks/part-key.js';
import { ObjectStore } from '../../sinks/s3/object-store.js';
import type { S3Location } from '../../sinks/s3/s3-location.js';
import { CheckpointStore } from '../checkpoint-store.js';
import { CommitFence } from '../commit-fence.js';
import { enqueueExport } from '../enqueue-export.js';
import { ExportControl } from '../export-control.js';
import { ExportRegistry } from '../export-registry.js';
import type { ExportSpec } from '../export-spec.js';
import type { RangeCheckpoint } from '../range-checkpoint.js';
import { longestPartChain, type DescribedPart } from './part-chain.js';

export interface RebuildOutcome {
  ranges: number;
  rangesDone: number;
  partsRecovered: number;
  rowsRecovered: number;
}

/**
 * Rebuilds an export whose Redis state was lost, from what is on S3: the export index gives its folder
 * (exports started before the index: `<prefix>/<exportId>`), `_export.json` there gives the spec and
 * ranges; each part's metadata gives its range, sequence, rows, keys and cursor; `_ranges/*.done`
 * marks finished ranges. Checkpoints resume after the longest chain of parts of each range that continue
 * each other (see part-chain.ts), so committed rows are not read again, and the flow is enqueued anew.
 */
export async function rebuildExportFromS3(
  redis: Redis,
  prefix: string,
  s3: S3Client,
  destination: S3Location,
  exportId: string,
): Promise<RebuildOutcome> {
  const store = new ObjectStore(s3, destination.bucket);
  const folder = await locateExportFolder(store, destination, exportId);
  const descriptorText = await store.getText(`${folder}/${EXPORT_DESCRIPTOR_NAME}`);
  if (!descriptorText) {
    throw new InvalidInputError(`No ${EXPORT_DESCRIPTOR_NAME} under s3://${destination.bucket}/${folder}/: check --dest and the export id.`);
  }
  if (await store.exists(`${folder}/${SUCCESS_MARKER}`)) {
    throw new BulkExportError('ALREADY_COMMITTED', `Export ${exportId} already committed (${SUCCESS_MARKER} exists); nothing to resume.`);
  }
  const { spec, ranges } = JSON.parse(descriptorText) as ExportDescriptor<ExportSpec>;

  const objects = await store.list(`${folder}/`);
  const partsByRange = new Map<number, Map<number, string[]>>();
  const doneRanges = new Set<number>();
  for (const object of objects) {
    const part = PART_KEY_PATTERN.exec(object.key);
    if (part) {
      const [rangeIndex, sequence] = [Number(part[1]), Number(part[2])];
      if (!partsByRange.has(rangeIndex)) partsByRange.set(rangeIndex, new Map());
      const attempts = partsByRange.get(rangeIndex)!;
      attempts.set(sequence, [...(attempts.get(sequence) ?? []), object.key]);
      continue;
    }
    const done = RANGE_DONE_PATTERN.exec(object.key);
    if (done) doneRanges.add(Number(done[1]));
  }
  const sizes = new Map(objects.map((object) => [object.key, object.size]));

  const checkpoints = new CheckpointStore(redis, prefix);
  let partsRecovered = 0;
  let rowsRecovered = 0;
  for (const range of ranges) {
    const chain = await longestPartChain(partsByRange.get(range.index) ?? new Map(), describePart(store, range.index, sizes));
    const parts = chain.map((described) => described.part);
    const rows = parts.reduce((sum, part) => sum + part.rows, 0);
    await checkpoints.save(exportId, range.index, {
      cursor: JSON.parse(chain.at(-1)?.endCursor ?? 'null') as RangeCheckpoint['cursor'],
      nextSequence: parts.length,
      rows,
      parts,
      done: doneRanges.has(range.index),
      updatedAt: new Date().toISOString(),
    });
    partsRecovered += parts.length;
    rowsRecovered += rows;
  }
  await new ExportControl(redis, prefix).clear(exportId);
  // A commit that began before Redis lost the export must not keep the re-run ranges from writing.
  await new CommitFence(redis, prefix).lower(exportId);
  await new ExportRegistry(redis, prefix).register(spec);
  await enqueueExport(redis, prefix, spec, ranges);
  return { ranges: ranges.length, rangesDone: doneRanges.size, partsRecovered, rowsRecovered };
}

/** A part object's figures from its metadata (S3 HEAD). */
function describePart(store: ObjectStore, rangeIndex: number, sizes: Map<string, number>) {
  return async (key: string, sequence: number): Promise<DescribedPart> => {
    const metadata = await store.metadata(key);
    return {
      part: {
        key,
        rows: Number(metadata.rows),
        bytes: sizes.get(key) ?? 0,
        firstKey: JSON.parse(metadata['first-key'] ?? 'null') as CommittedPart['firstKey'],
        lastKey: JSON.parse(metadata['last-key'] ?? 'null') as CommittedPart['lastKey'],
        rangeIndex,
        sequence,
        ...(metadata['newest-change'] && metadata['read-by'] ? { newestChange: metadata['newest-change'], readBy: Number(metadata['read-by']) } : {}),
      },
      startCursor: metadata['start-cursor'],
      endCursor: metadata.cursor ?? 'null',
    };
  };
}
