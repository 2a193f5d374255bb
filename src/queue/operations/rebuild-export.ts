import type { Redis } from 'ioredis';
import type { S3Client } from '@aws-sdk/client-s3';
import { BulkExportError, InvalidInputError } from '../../errors/index.js';
import type { ExportRange } from '../../planning/export-range.js';
import { endedAt, keyNumber, keySpanOf } from '../../planning/key-span.js';
import {
  EXPORT_DESCRIPTOR_NAME,
  locateExportFolder,
  RANGE_DONE_PATTERN,
  RANGE_SPLIT_PATTERN,
  type ExportDescriptor,
  type RangeSplitRecord,
} from '../../sinks/export-layout.js';
import { SUCCESS_MARKER, type CommittedPart } from '../../sinks/manifest.js';
import { PART_KEY_PATTERN } from '../../sinks/part-key.js';
import { ObjectStore } from '../../sinks/s3/object-store.js';
import type { S3Location } from '../../sinks/s3/s3-location.js';
import { CheckpointStore } from '../checkpoint-store.js';
import { CommitFence } from '../commit-fence.js';
import { RangeBoard } from '../range-board.js';
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
  const { spec, ranges: planned } = JSON.parse(descriptorText) as ExportDescriptor<ExportSpec>;

  const objects = await store.list(`${folder}/`);
  const ranges = await rangesAfterSplits(store, planned, objects);
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
  const claimed = new Map<number, number>();
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
    const lastKey = keyNumber(range, parts.at(-1)?.lastKey ?? null);
    if (lastKey !== null) claimed.set(range.index, lastKey);
  }
  await new RangeBoard(redis, prefix).reset(exportId, ranges, doneRanges, claimed);
  await new ExportControl(redis, prefix).clear(exportId);
  // A commit that began before Redis lost the export must not keep the re-run ranges from writing.
  await new CommitFence(redis, prefix).lower(exportId);
  await new ExportRegistry(redis, prefix).register(spec);
  await enqueueExport(redis, prefix, spec, ranges);
  return { ranges: ranges.length, rangesDone: doneRanges.size, partsRecovered, rowsRecovered };
}

/**
 * The planned ranges with every split applied (`_ranges/*.split.json`), in the order they were made: each
 * moved its victim's end to its own start.
 */
async function rangesAfterSplits(store: ObjectStore, planned: ExportRange[], objects: { key: string }[]): Promise<ExportRange[]> {
  const ranges = [...planned];
  const splits = objects
    .map((object) => ({ key: object.key, index: Number(RANGE_SPLIT_PATTERN.exec(object.key)?.[1] ?? NaN) }))
    .filter((split) => Number.isInteger(split.index))
    .sort((a, b) => a.index - b.index);
  for (const split of splits) {
    const record = JSON.parse((await store.getText(split.key)) ?? 'null') as RangeSplitRecord | null;
    const victim = record ? ranges[record.splitFrom] : undefined;
    if (!record || !victim || record.range.index !== ranges.length) {
      throw new BulkExportError(
        'BAD_SPLIT_RECORD',
        `${split.key} does not continue the ranges before it; the export cannot be rebuilt from S3. Start it again.`,
      );
    }
    ranges[record.splitFrom] = endedAt(victim, keySpanOf(record.range).start);
    ranges.push(record.range);
  }
  return ranges;
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
