import type { PageContext, PartBuilder } from '../../sinks/part-encoder.js';
import type { ApiRowCount } from '../../sources/api-row-count.js';
import type { SourceCursor, SourcePage } from '../../sources/export-source.js';
import type { RangeCheckpoint } from '../range-checkpoint.js';
import type { SealedPartChanges } from '../read-clock-watermark.js';

/** Where a range stands after a page: what a run resumes from, and what the API said up to there. */
export interface RangePosition {
  cursor: SourceCursor | null;
  apiCount: ApiRowCount | undefined;
}

/** A part whose rows are all read, with what its object and checkpoint say about where it ends. */
export interface SealedPart extends RangePosition {
  builder: PartBuilder;
  firstKey: string | number | null;
  lastKey: string | number | null;
  /** The modifications of its rows (exports by id of changes only). */
  changes: Promise<SealedPartChanges | undefined> | undefined;
}

/** Writes a sealed part after the committed checkpoint `after`; resolves with the checkpoint that names it. */
export type PartWrite = (part: SealedPart, after: RangeCheckpoint) => Promise<RangeCheckpoint>;

/** The rows' modifications of the part being filled (see PartChanges), sealed with it. */
export interface PartChangeCollector {
  add(changes: SourcePage['changes']): void;
  seal(): Promise<SealedPartChanges | undefined>;
}

export interface PartPipelineOptions {
  /** The range's committed checkpoint when reading starts. */
  checkpoint: RangeCheckpoint;
  startPart: () => PartBuilder;
  write: PartWrite;
  changes?: PartChangeCollector;
  /** Runs once a part is committed, before the next part's write may start. */
  onCommitted?: (checkpoint: RangeCheckpoint) => Promise<void>;
}

/**
 * A range's rows between the API and S3: the part being filled, the part being written (at most one,
 * in the background, so that the range reads on during an upload), and the committed checkpoint.
 * Parts are written one at a time and in order, so each checkpoint follows the one before it. Every row
 * read is in exactly one of the three at every moment: `rowsRead` counts each once.
 */
export class PartPipeline {
  private committed: RangeCheckpoint;
  private filling: PartBuilder;
  private firstKey: string | number | null = null;
  private lastKey: string | number | null = null;
  private position: RangePosition;
  private writing: Promise<void> | undefined;
  /** Rows of the part being written; they move to the checkpoint in the same step that commits them. */
  private uploadingRows = 0;

  constructor(private readonly options: PartPipelineOptions) {
    this.committed = options.checkpoint;
    this.filling = options.startPart();
    this.position = { cursor: options.checkpoint.cursor, apiCount: options.checkpoint.apiCount };
  }

  /** The range as committed so far. */
  get checkpoint(): RangeCheckpoint {
    return this.committed;
  }

  /** Rows in the part being filled. */
  get fillingRows(): number {
    return this.filling.rows;
  }

  /** Every row read in this range, committed before or in this run, each counted once. */
  get rowsRead(): number {
    return this.committed.rows + this.uploadingRows + this.filling.rows;
  }

  /** Adds a page's rows to the part being filled; a page without rows only moves the position on. */
  add(page: SourcePage, received: PageContext, position: RangePosition): void {
    if (page.rows.length > 0) {
      if (this.filling.rows === 0) this.firstKey = page.firstKey;
      this.filling.add(page.rows, page.rawRows, received);
      this.lastKey = page.lastKey;
    }
    this.position = position;
    this.options.changes?.add(page.changes);
  }

  /**
   * Seals the part being filled and writes it in the background, once the part before it is committed:
   * the range waits for an upload only when the next part is full too.
   */
  async writeInBackground(): Promise<void> {
    await this.written();
    const writing = this.commit(this.seal());
    // Its failure is met by the next `written()`, before anything else is written.
    writing.catch(() => undefined);
    this.writing = writing;
  }

  /** Writes everything read so far and waits until it is committed. */
  async flush(): Promise<void> {
    await this.written();
    if (this.filling.rows > 0) await this.commit(this.seal());
  }

  /**
   * After a failure: lets the part being written settle (a stopping worker's upload is aborted), so that
   * nothing of this run writes after it ends. Resolves with the rows read that no checkpoint holds.
   */
  async abandon(): Promise<number> {
    const writing = this.writing;
    this.writing = undefined;
    await writing?.catch(() => undefined);
    return this.uploadingRows + this.filling.rows;
  }

  /** Waits for the part being written; its failure is thrown here. */
  private async written(): Promise<void> {
    const writing = this.writing;
    this.writing = undefined;
    await writing;
  }

  /** Ends the part being filled: what its object and checkpoint will say, taken now, while the range reads on. */
  private seal(): SealedPart {
    const sealed: SealedPart = {
      builder: this.filling,
      firstKey: this.firstKey,
      lastKey: this.lastKey,
      ...this.position,
      changes: this.options.changes?.seal(),
    };
    // Its clock is asked at once; a rejection is met when the part is written.
    sealed.changes?.catch(() => undefined);
    this.filling = this.options.startPart();
    this.firstKey = null;
    this.lastKey = null;
    this.uploadingRows = sealed.builder.rows;
    return sealed;
  }

  private async commit(part: SealedPart): Promise<void> {
    const next = await this.options.write(part, this.committed);
    this.committed = next;
    this.uploadingRows = 0;
    await this.options.onCommitted?.(next);
  }
}
