import { BulkExportError } from '../../errors/index.js';
import { formatIsoMicros, parseIsoMicros } from '../../planning/time-window-splitter.js';
import type { SourceCursor, SourcePage, SourceRow } from '../export-source.js';

/**
 * Where a Close window's reading stands, as stored in a checkpoint: every contact of the window
 * created before `lastCreated` has been written, and of those created exactly at `lastCreated`, the
 * ones listed in `idsAtLast`. A restart asks for `date_created on_or_after lastCreated` and drops the
 * rows that are listed (and any created earlier).
 *
 * Pages are only ever released at the end of a whole group of equal timestamps, so `idsAtLast` is the
 * complete group. When that group is large (e.g. 2,000 contacts imported in one transaction), the
 * cursor says the same thing compactly: `lastCreated` one microsecond later and no ids. The cursor is
 * copied into every part's S3 metadata (2 KB in all on AWS) and into the checkpoint, so it must stay small.
 */
export interface CloseCursor extends SourceCursor {
  /** A microsecond ISO 8601 instant in Close's format, `2013-02-20T05:44:35.625000+00:00`. */
  lastCreated: string;
  idsAtLast: string[];
}

/** Groups listing more ids than this are written as "one microsecond later, no ids". */
export const MAX_IDS_IN_CURSOR = 8;

/** A row with its key already read: `id` and `date_created` (as microseconds and as sent). */
export interface KeyedRow {
  row: SourceRow;
  id: string;
  micros: number;
  created: string;
}

/** The cursor after a complete group of rows created at `micros` with `ids`. */
export function cursorAfterGroup(micros: number, ids: ReadonlySet<string>): CloseCursor {
  return ids.size <= MAX_IDS_IN_CURSOR
    ? { lastCreated: formatIsoMicros(micros), idsAtLast: [...ids] }
    : { lastCreated: formatIsoMicros(micros + 1), idsAtLast: [] };
}

/** Reads a stored cursor, or throws when it is not one of ours. */
export function parseCloseCursor(cursor: SourceCursor | null): { micros: number; ids: Set<string> } | null {
  if (cursor === null) return null;
  const { lastCreated, idsAtLast } = cursor as Partial<CloseCursor>;
  const micros = typeof lastCreated === 'string' ? parseIsoMicros(lastCreated) : null;
  if (micros === null || !Array.isArray(idsAtLast) || !idsAtLast.every((id) => typeof id === 'string')) {
    throw new BulkExportError('BAD_CURSOR', `Not a Close checkpoint cursor: ${JSON.stringify(cursor)}; was the range planned for another source?`);
  }
  return { micros, ids: new Set(idsAtLast) };
}

/**
 * The boundary logic of one window: decides which rows are new (never delivered nor held), holds the
 * rows of the latest timestamp until a later timestamp (or the window's end) shows their group is
 * complete, and releases pages that end on a group boundary with the cursor after them.
 *
 * `read` is the position of everything seen so far (released or held), so a restarted walk, which
 * asks again from `restartMicros`, has every row it already saw dropped, however many share that
 * timestamp and in whatever order the server returns equal timestamps.
 */
export class GroupedRows {
  /** Everything created before `read.micros`, and the listed ids at it, has been seen. */
  private readonly read: { micros: number | null; ids: Set<string> };
  /** New rows at `read.micros`, not released yet: their group may continue on the next page. */
  private held: KeyedRow[] = [];
  /** Rows of complete groups, waiting for `takePage`, and the cursor after them. */
  private ready: KeyedRow[] = [];
  private readyCursor: CloseCursor | null = null;

  constructor(start: CloseCursor | null) {
    const parsed = parseCloseCursor(start);
    this.read = parsed ? { micros: parsed.micros, ids: parsed.ids } : { micros: null, ids: new Set() };
  }

  /** Where a new walk starts (`on_or_after`); null = the window's own start. */
  get restartMicros(): number | null {
    return this.read.micros;
  }

  /** Ids already seen at `restartMicros` (what a walk restarted there would re-read first). */
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
    return { rows: rows.map((keyed) => keyed.row), cursor: this.readyCursor, firstKey: rows[0]!.created, lastKey: rows.at(-1)!.created };
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
    this.readyCursor = cursorAfterGroup(this.read.micros, this.read.ids);
  }
}
