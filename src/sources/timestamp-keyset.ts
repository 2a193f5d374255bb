import { BulkExportError } from '../errors/index.js';
import { formatIsoMicros, parseIsoMicros } from '../time/iso-instant.js';
import type { TimestampPosition } from '../planning/timestamp-position.js';
import type { SourceCursor, SourcePage, SourceRow } from './export-source.js';

/**
 * Keyset paging on a timestamp that many rows may share (a creation or modification time).
 *
 * A position is "every row before `at` has been read, and of those exactly at `at`, the ones listed".
 * A checkpoint cursor stores it under a source-specific key (`lastCreated`, `lastUpdated`) next to
 * `idsAtLast`; a watermark stores it as a `TimestampPosition`.
 */
export type { TimestampPosition, WrittenVersion } from '../planning/timestamp-position.js';

/** Groups listing more ids than this are written as "one microsecond later, no ids". */
export const MAX_IDS_IN_CURSOR = 8;

/** A row with its key already read: its id (as a string) and its timestamp (as microseconds and as sent). */
export interface KeyedRow {
  row: SourceRow;
  id: string;
  micros: number;
  /** The timestamp as the API sent it (written to the manifest as the part's first/last key). */
  stamp: string;
  /** The row's bytes as the API sent them, when the source keeps them (see SourcePage.rawRows). */
  raw?: Uint8Array;
}

export interface KeysetOptions {
  /** The cursor's key for the timestamp, e.g. `lastCreated`. */
  positionKey: string;
  /** Source name for messages (its display name). */
  sourceName: string;
}

/** The position after a complete group of rows at `micros` with `ids`. */
export function positionAfterGroup(micros: number, ids: ReadonlySet<string> | readonly string[]): TimestampPosition {
  const list = [...ids];
  return list.length <= MAX_IDS_IN_CURSOR ? { at: formatIsoMicros(micros), idsAtLast: list } : { at: formatIsoMicros(micros + 1), idsAtLast: [] };
}

export function cursorOf(position: TimestampPosition, positionKey: string): SourceCursor {
  return { [positionKey]: position.at, idsAtLast: [...position.idsAtLast] };
}

/** Reads a stored cursor (or null), or throws when it is not one of this keyset's. */
export function positionOfCursor(cursor: SourceCursor | null, options: KeysetOptions): { micros: number; ids: Set<string> } | null {
  if (cursor === null) return null;
  const at = cursor[options.positionKey];
  const idsAtLast = cursor.idsAtLast;
  const micros = typeof at === 'string' ? parseIsoMicros(at) : null;
  if (micros === null || !Array.isArray(idsAtLast) || !idsAtLast.every((id) => typeof id === 'string')) {
    throw new BulkExportError(
      'BAD_CURSOR',
      `Not a ${options.sourceName} checkpoint cursor: ${JSON.stringify(cursor)}; was the range planned for another source?`,
    );
  }
  return { micros, ids: new Set(idsAtLast as string[]) };
}

/** A position as a cursor-shaped object read back: null when the cursor is null. */
export function timestampPositionOf(cursor: SourceCursor | null, options: KeysetOptions): TimestampPosition | null {
  const parsed = positionOfCursor(cursor, options);
  return parsed ? { at: formatIsoMicros(parsed.micros), idsAtLast: [...parsed.ids] } : null;
}

/**
 * The boundary logic of one window: decides which rows are new (never delivered nor held), holds the
 * rows of the latest timestamp until a later timestamp (or the window's end) shows their group is
 * complete, and releases pages that end on a group boundary with the cursor after them.
 *
 * `read` is the position of everything seen so far (released or held), so a restarted request, which
 * asks again from `restartMicros`, has every row it already saw dropped, however many share that
 * timestamp and in whatever order the server returns equal timestamps.
 */
export class GroupedRows {
  /** Everything before `read.micros`, and the listed ids at it, has been seen. */
  private readonly read: { micros: number | null; ids: Set<string> };
  /** New rows at `read.micros`, not released yet: their group may continue on the next page. */
  private held: KeyedRow[] = [];
  /** Rows of complete groups, waiting for `takePage`, and the cursor after them. */
  private ready: KeyedRow[] = [];
  private readyCursor: SourceCursor | null = null;
  private readonly options: KeysetOptions;

  constructor(start: SourceCursor | null, options: KeysetOptions) {
    this.options = options;
    const parsed = positionOfCursor(start, options);
    this.read = parsed ? { micros: parsed.micros, ids: parsed.ids } : { micros: null, ids: new Set() };
  }

  /** Where a new request starts (inclusive lower bound); null = the window's own start. */
  get restartMicros(): number | null {
    return this.read.micros;
  }

  /** Ids already seen at `restartMicros` (what a request restarted there would re-read first). */
  get idsAtRestart(): ReadonlySet<string> {
    return this.read.ids;
  }

  /** Whether `row` was seen before (on an earlier page, walk or checkpoint). */
  isSeen(id: string, micros: number): boolean {
    const { micros: at, ids } = this.read;
    return at !== null && (micros < at || (micros === at && ids.has(id)));
  }

  /** Takes a row if it is new and returns true; returns false (and drops it) if it was seen before. */
  accept(keyed: KeyedRow): boolean {
    if (this.isSeen(keyed.id, keyed.micros)) return false;
    if (this.read.micros === null || keyed.micros > this.read.micros) {
      this.completeGroup();
      this.read.micros = keyed.micros;
      this.read.ids = new Set([keyed.id]);
    } else {
      this.read.ids.add(keyed.id);
    }
    this.held.push(keyed);
    return true;
  }

  /** Rows of complete groups with the cursor after them; null when none are ready. */
  takePage(): SourcePage | null {
    if (this.ready.length === 0 || !this.readyCursor) return null;
    const rows = this.ready;
    this.ready = [];
    const page: SourcePage = {
      rows: rows.map((keyed) => keyed.row),
      cursor: this.readyCursor,
      firstKey: rows[0]!.stamp,
      lastKey: rows.at(-1)!.stamp,
    };
    if (rows.every((keyed) => keyed.raw !== undefined)) page.rawRows = rows.map((keyed) => keyed.raw!);
    return page;
  }

  /** At the end of the window nothing can join the held group: release it too. */
  finish(): SourcePage | null {
    this.completeGroup();
    return this.takePage();
  }

  private completeGroup(): void {
    if (this.held.length === 0 || this.read.micros === null) return;
    this.ready.push(...this.held);
    this.held = [];
    this.readyCursor = cursorOf(positionAfterGroup(this.read.micros, this.read.ids), this.options.positionKey);
  }
}
