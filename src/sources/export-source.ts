import type { ExportRange } from '../planning/export-range.js';
import type { RecordRow, RecordSchema } from '../sinks/record-schema.js';
import type { ApiRowCount } from './api-row-count.js';
import type { TimestampPosition } from '../planning/timestamp-position.js';

export type SourceRow = RecordRow;

/** Where a range's reading stands, as stored in a checkpoint. Source specific, JSON-serialisable. */
export type SourceCursor = Record<string, unknown>;

export interface SourcePage {
  rows: SourceRow[];
  /** Each row's bytes exactly as the API sent them, in order, when the source was asked for them and passes rows through unchanged. */
  rawRows?: readonly Uint8Array[];
  /** The cursor to resume from once these rows (and all before them) are committed. */
  cursor: SourceCursor;
  /** Key of the first and last row, as written to the manifest (ids, or timestamps for timestamp walks). */
  firstKey: string | number | null;
  lastKey: string | number | null;
  /**
   * Exports of changes read in key order (the `read-clock` rule): each row's id and modification time, in row order.
   * The commit derives the next watermark from them (see `WatermarkRule`).
   */
  changes?: RowChange[];
  /**
   * What the API said so far in this call of `pages` (from the cursor it was given): rows returned, cut
   * ones included, and the counts it reported. Sources that count set it on every page; a page may then
   * hold no rows at all (every row of an export of changes was cut) and still move the cursor on.
   */
  apiCount?: ApiRowCount;
  /** Rows the API says follow this page within the range as requested, where it reports counts; for choosing what to split. */
  remaining?: number;
}

/** A row's id and modification time, as sent and in microseconds. */
export interface RowChange {
  id: string;
  micros: number;
  stamp: string;
}

export interface PlanOptions {
  /** Wanted rows per range, balanced with count probes; default derived from the total. */
  targetRowsPerRange?: number;
  /**
   * Instead: how many ranges of equal key width to cut, given the total the first probe found, with no
   * count probe (ranges are rebalanced while they run, see work-stealing.ts). One range needs no bounds
   * probe either.
   */
  rangesFor?: (totalRows: number) => number;
  /**
   * Only for exports of changes (incremental / `--since`): the position to start from (inclusive instant
   * minus the listed ids); null = every record.
   */
  changesSince?: TimestampPosition | null;
}

export interface SourcePlan {
  totalRows: number;
  ranges: ExportRange[];
  /**
   * Exports of changes walked in modification order only: the exclusive upper bound, fixed when
   * planning (one microsecond after the newest modification found then). Records modified while the
   * export runs move to or past it and are left for the next incremental run.
   */
  until?: string | null;
}

/** A source API as the pipeline sees it: how to split an export, and how to read one range page by page. */
export interface ExportSource {
  readonly name: string;
  /** The table the export's rows belong to, `<source>/<records>` (a folder under the destination; see export-layout.ts). */
  readonly table: string;
  readonly schema: RecordSchema;
  /** A row's key, as pages give `firstKey`/`lastKey` (its id, or the walked timestamp as sent); null when it has none. */
  keyOf(row: SourceRow): string | number | null;
  /** Checks the credential and the query, so bad input fails before anything is enqueued. */
  validate(signal?: AbortSignal): Promise<void>;
  plan(options: PlanOptions, signal?: AbortSignal): Promise<SourcePlan>;
  /**
   * Pages of one range from `cursor` (null = the range's start), in key order, until the range is
   * exhausted. A source ends a range on evidence (a short or empty page, the end of a walk), never on a
   * count alone, and fails it when a page breaks anything the request asked for that it can check.
   */
  pages(range: ExportRange, cursor: SourceCursor | null, signal?: AbortSignal): AsyncIterable<SourcePage>;
}
