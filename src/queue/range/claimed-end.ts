import type { ExportRange } from '../../planning/export-range.js';
import { keyNumber, keySpanOf, narrowTo } from '../../planning/key-span.js';
import type { ExportSource, SourcePage } from '../../sources/export-source.js';
import type { RangeBoard } from '../range-board.js';
import type { RangeCheckpoint } from '../range-checkpoint.js';
import { firstRows, rowsBefore } from './page-cut.js';

/** A page as the range keeps it: cut at the range's end when a split moved the end into it. */
export interface TakenPage {
  page: SourcePage;
  /** The range ends with this page: rows past a split's point belong to the range split off. */
  endReached: boolean;
}

/**
 * A range's end as the range board has it. Work stealing (see work-stealing.ts) moves a running range's
 * end to split off its unread part; each page's rows are taken on the board before they are kept, so a
 * split after that leaves them in this range and a split before it ends the range at the split's point.
 * `range` is narrowed in place, so that the source stops paging at the new end. Ranges of an export
 * enqueued without a board keep their planned end.
 */
export class ClaimedEnd {
  private end: number | null;
  private firstReadKey: number | null;
  private endMoved: boolean;

  private constructor(
    private readonly board: RangeBoard | undefined,
    private readonly exportId: string,
    private readonly range: ExportRange,
    checkpoint: RangeCheckpoint,
    boardEnd: number | null | undefined,
  ) {
    this.end = keySpanOf(range).end;
    this.endMoved = boardEnd !== undefined && boardEnd !== this.end;
    if (boardEnd !== undefined && this.endMoved) this.moveTo(boardEnd);
    this.firstReadKey = keyNumber(range, checkpoint.parts[0]?.firstKey ?? null);
  }

  /** The range's end as the board has it now: splits may have moved it since the job was made. */
  static async load(board: RangeBoard, exportId: string, range: ExportRange, checkpoint: RangeCheckpoint): Promise<ClaimedEnd> {
    const onBoard = (await board.count(exportId)) !== undefined;
    const boardEnd = onBoard ? await board.endOf(exportId, range.index) : undefined;
    return new ClaimedEnd(onBoard ? board : undefined, exportId, range, checkpoint, boardEnd);
  }

  /** Whether the end moved since planning: the API's totals, counted to the old end, then say nothing of the range. */
  get narrowed(): boolean {
    return this.endMoved;
  }

  /**
   * Takes a page's rows on the board, with how far the range has read (`rowsRead`, before this page) for
   * choosing what to split, and keeps the rows before the range's end.
   */
  async take(page: SourcePage, rowsRead: number, source: Pick<ExportSource, 'keyOf'>): Promise<TakenPage> {
    const takenUpTo = this.board ? keyNumber(this.range, page.lastKey) : null;
    if (!this.board || takenUpTo === null) return { page, endReached: false };
    this.firstReadKey ??= keyNumber(this.range, page.firstKey);
    const read = rowsRead + page.rows.length;
    const claim = await this.board.claim(this.exportId, this.range.index, takenUpTo, {
      read,
      remaining: page.remaining ?? Math.max(0, this.range.estimatedRows - read),
      firstKey: this.firstReadKey,
      at: Date.now(),
    });
    if (claim.end !== this.end) {
      this.moveTo(claim.end);
      this.endMoved = true;
    }
    if (claim.within) return { page, endReached: false };
    return { page: firstRows(page, rowsBefore(page, claim.end!, this.range, source), source), endReached: true };
  }

  /** The range is read to its end: no split after this. Resolves with the ranges split off it, whose jobs the caller makes sure of. */
  async finish(): Promise<ExportRange[]> {
    if (!this.board) return [];
    const children = new Set(await this.board.finish(this.exportId, this.range.index));
    if (children.size === 0) return [];
    return (await this.board.ranges(this.exportId)).filter((entry) => children.has(entry.range.index)).map((entry) => entry.range);
  }

  private moveTo(end: number | null): void {
    this.end = end;
    narrowTo(this.range, end);
  }
}
