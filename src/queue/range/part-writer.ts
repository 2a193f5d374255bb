import type { Logger } from '../../logging/logger.js';
import type { CommittedPart } from '../../sinks/manifest.js';
import { partKey } from '../../sinks/part-key.js';
import type { ObjectStore } from '../../sinks/s3/object-store.js';
import { CheckpointConflictError, type CheckpointStore } from '../checkpoint-store.js';
import { ExportCommittingError, type CommitFence } from '../commit-fence.js';
import type { RangeCheckpoint } from '../range-checkpoint.js';
import type { SealedPart } from './part-pipeline.js';

/** The most a worker spends deleting a part object it will not keep (it may be shutting down). */
const DISCARD_TIMEOUT_MS = 3_000;

export interface PartWriterOptions {
  exportId: string;
  rangeIndex: number;
  /** The export's folder on S3. */
  folder: string;
  store: ObjectStore;
  checkpoints: CheckpointStore;
  fence: CommitFence;
  /** File name ending and content type of the export's parts. */
  extension: string;
  contentType: string;
  /** Tags this run's part objects, so that another run of the same range (after a lost lock) cannot overwrite them. */
  attempt: string;
  /** Aborts an upload when the worker stops. */
  signal: AbortSignal | undefined;
  log: Logger;
}

/**
 * Encodes, uploads and checkpoints one part of a range: the checkpoint advances only after S3 confirmed
 * the object, and only if it still follows the checkpoint the part was read after (compare-and-set on
 * the sequence), so two runs of a range never both commit a part. An object this run does not keep is
 * deleted.
 */
export class PartWriter {
  constructor(private readonly options: PartWriterOptions) {}

  async write(part: SealedPart, after: RangeCheckpoint): Promise<RangeCheckpoint> {
    const { exportId, rangeIndex, store, fence } = this.options;
    const sequence = after.nextSequence;
    const key = partKey(this.options.folder, rangeIndex, sequence, this.options.extension, this.options.attempt);
    const rows = part.builder.rows;
    const unknownFields = [...part.builder.unknownFields];
    const refusedValues = [...part.builder.refusedValues];
    const changes = await part.changes;
    const body = await part.builder.finish();
    // The commit began: every range is done, so this run lost its job; it writes nothing more.
    if (await fence.isRaised(exportId)) throw new ExportCommittingError(exportId, rangeIndex, key);
    await store
      .put(key, body, {
        contentType: this.options.contentType,
        metadata: {
          'export-id': exportId,
          'range-index': String(rangeIndex),
          sequence: String(sequence),
          rows: String(rows),
          'first-key': JSON.stringify(part.firstKey),
          'last-key': JSON.stringify(part.lastKey),
          cursor: JSON.stringify(part.cursor),
          'start-cursor': JSON.stringify(after.cursor),
          ...(changes ? { 'newest-change': changes.newestChange, 'read-by': String(changes.readBy) } : {}),
        },
        signal: this.options.signal,
      })
      .catch(async (error: unknown) => {
        // S3 may have stored the object although the request failed or was aborted (it answered too late).
        await this.discard(key, this.options.signal?.aborted ? 'upload aborted' : 'upload failed');
        throw error;
      });
    if (await fence.isRaised(exportId)) {
      await this.discard(key, 'the commit began during the upload');
      throw new ExportCommittingError(exportId, rangeIndex, key);
    }
    const committed: CommittedPart = {
      key,
      rows,
      bytes: body.byteLength,
      firstKey: part.firstKey,
      lastKey: part.lastKey,
      rangeIndex,
      sequence,
      ...(changes ? { newestChange: changes.newestChange, readBy: changes.readBy } : {}),
      ...(unknownFields.length > 0 ? { unknownFields } : {}),
      ...(refusedValues.length > 0 ? { refusedValues } : {}),
    };
    const written = changes ? changes.written(after.written) : after.written;
    const next: RangeCheckpoint = {
      cursor: part.cursor,
      nextSequence: sequence + 1,
      rows: after.rows + rows,
      parts: [...after.parts, committed],
      done: false,
      updatedAt: new Date().toISOString(),
      ...(written ? { written } : {}),
      ...(part.apiCount ? { apiCount: part.apiCount } : {}),
    };
    await this.options.checkpoints.advance(exportId, rangeIndex, sequence, next).catch(async (error: unknown) => {
      if (error instanceof CheckpointConflictError) await this.discard(key, 'another worker owns the range');
      throw error;
    });
    this.options.log.debug({ key, rows, bytes: committed.bytes }, 'part committed');
    return next;
  }

  /** Deletes this run's object of a part, which no checkpoint names; a failure to do so is only logged (the commit deletes it). */
  private async discard(key: string, why: string): Promise<void> {
    const { store, log } = this.options;
    await store.delete(key, { signal: AbortSignal.timeout(DISCARD_TIMEOUT_MS) }).then(
      () => log.info({ key, why }, 'deleted a part object this run does not keep'),
      (error: unknown) =>
        log.warn({ key, why, err: (error as Error).message }, 'could not delete a part object this run does not keep; the commit deletes it'),
    );
  }
}
