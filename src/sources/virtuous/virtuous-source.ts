import { BulkExportError, SourceUnavailableError } from '../../errors/index.js';
import type { ExportRange } from '../../planning/export-range.js';
import { defaultTargetRows, splitIdRange } from '../../planning/id-range-splitter.js';
import type { RecordSchema } from '../../sinks/record-schema.js';
import { virtuousAbbreviatedContactSchema } from '../../sinks/schemas/virtuous-abbreviated-contact-schema.js';
import { virtuousFullContactSchema } from '../../sinks/schemas/virtuous-full-contact-schema.js';
import type { ExportSource, PlanOptions, SourceCursor, SourcePage, SourcePlan, SourceRow } from '../export-source.js';
import { keysetQuery } from './keyset-query.js';
import { findIdParameter } from './query-options.js';
import type { VirtuousClient } from './virtuous-client.js';

export interface VirtuousSourceSettings {
  /** Read `/Query/FullContact` (complete records) instead of the abbreviated `/Query` items. */
  fullContact: boolean;
  includeArchived: boolean;
  /** Records per request (`take`); the API allows at most 1000. */
  pageSize: number;
  /** `sortBy` value meaning "by contact id". */
  sortBy: string;
  /** Discovered from QueryOptions when planning; null = discover now. */
  idParameter: string | null;
}

export const DEFAULT_VIRTUOUS_SETTINGS: VirtuousSourceSettings = {
  fullContact: false,
  includeArchived: false,
  pageSize: 1000,
  sortBy: 'Id',
  idParameter: null,
};

/**
 * Smaller and smaller `take` values for a page that keeps failing transiently, as a production
 * connector does for large FullContact pages (see shared/docs/source-apis.md).
 */
export const TAKE_LADDER = [1000, 500, 250, 50, 10, 1] as const;
/** Attempts at one `take` before trying a smaller one (the smallest gets the client's full count). */
export const ATTEMPTS_BEFORE_SMALLER_TAKE = 3;
/** Consecutive successful pages at a reduced `take` before trying the next larger one again. */
export const PAGES_BEFORE_LARGER_TAKE = 4;

/** The `take` values to try, from the configured page size down to 1. */
export function takeLevels(pageSize: number): number[] {
  return [pageSize, ...TAKE_LADDER.filter((take) => take < pageSize)];
}

interface VirtuousCursor extends SourceCursor {
  lastId: number;
}

interface IdentifiedRow extends SourceRow {
  id: number;
}

/** Virtuous contacts split by numeric `Contact Id` and paged with an id keyset cursor. */
export class VirtuousSource implements ExportSource {
  readonly name = 'virtuous';
  readonly schema: RecordSchema;
  private idParameter: string | null;

  constructor(
    private readonly client: VirtuousClient,
    private readonly settings: VirtuousSourceSettings,
  ) {
    this.schema = settings.fullContact ? virtuousFullContactSchema : virtuousAbbreviatedContactSchema;
    this.idParameter = settings.idParameter;
  }

  /** The id parameter in use, discovering it from QueryOptions the first time. */
  async resolveIdParameter(signal?: AbortSignal): Promise<string> {
    this.idParameter ??= findIdParameter(await this.client.queryOptions(signal));
    return this.idParameter;
  }

  async validate(signal?: AbortSignal): Promise<void> {
    await this.resolveIdParameter(signal);
  }

  async plan(options: PlanOptions, signal?: AbortSignal): Promise<SourcePlan> {
    const idParameter = await this.resolveIdParameter(signal);
    const probe = async (afterId: number | null, upToId: number | null, descending = false) =>
      this.client.query<IdentifiedRow>(
        keysetQuery({ idParameter, afterId, upToId, includeArchived: this.settings.includeArchived, sortBy: this.settings.sortBy, descending }),
        { take: 1, fullContact: false },
        signal,
      );
    const lowest = await probe(null, null);
    const first = lowest.list[0];
    if (!first || lowest.total === 0) {
      return { totalRows: 0, ranges: [{ kind: 'id', index: 0, afterId: null, upToId: null, estimatedRows: 0 }] };
    }
    const highest = await probe(null, null, true);
    const maxId = highest.list[0]?.id ?? first.id;
    const ranges = await splitIdRange({
      minId: first.id,
      maxId,
      totalRows: lowest.total,
      targetRows: options.targetRowsPerRange ?? defaultTargetRows(lowest.total),
      count: async (afterId, upToId) => (await probe(afterId, upToId)).total,
    });
    return { totalRows: lowest.total, ranges };
  }

  /**
   * Pages of one range, in id order. A page that keeps failing transiently (5xx, timeouts, dropped
   * connections) is asked again with a smaller `take` (see `TAKE_LADDER`) before the range gives up;
   * after a few good pages the size goes back up towards the configured page size. Permanent errors
   * (400, 401, 403, ...) are not retried at any size.
   */
  async *pages(range: ExportRange, cursor: SourceCursor | null, signal?: AbortSignal): AsyncIterable<SourcePage> {
    if (range.kind !== 'id') throw new BulkExportError('WRONG_RANGE_KIND', `Virtuous ranges are id ranges, got ${range.kind}.`);
    const idParameter = await this.resolveIdParameter(signal);
    const levels = takeLevels(this.settings.pageSize);
    let level = 0;
    let goodPagesAtLevel = 0;
    let afterId = (cursor as VirtuousCursor | null)?.lastId ?? range.afterId;
    for (;;) {
      const smallest = level === levels.length - 1;
      let envelope;
      try {
        envelope = await this.client.query<IdentifiedRow>(
          keysetQuery({ idParameter, afterId, upToId: range.upToId, includeArchived: this.settings.includeArchived, sortBy: this.settings.sortBy }),
          {
            take: levels[level]!,
            fullContact: this.settings.fullContact,
            ...(smallest ? {} : { maxAttempts: ATTEMPTS_BEFORE_SMALLER_TAKE }),
          },
          signal,
        );
      } catch (error) {
        if (!(error instanceof SourceUnavailableError) || smallest) throw error;
        level += 1;
        goodPagesAtLevel = 0;
        continue;
      }
      const rows = envelope.list;
      if (rows.length === 0) return;
      assertAscendingAfter(rows, afterId);
      const firstId = rows[0]!.id;
      const lastId = rows.at(-1)!.id;
      yield { rows, cursor: { lastId }, firstKey: firstId, lastKey: lastId };
      if (envelope.total <= rows.length) return;
      afterId = lastId;
      if (level > 0 && ++goodPagesAtLevel >= PAGES_BEFORE_LARGER_TAKE) {
        level -= 1;
        goodPagesAtLevel = 0;
      }
    }
  }
}

/** The keyset cursor is only sound when the server honours the id sort; refuse to guess otherwise. */
function assertAscendingAfter(rows: IdentifiedRow[], afterId: number | null): void {
  let previous = afterId ?? -Infinity;
  for (const row of rows) {
    if (typeof row.id !== 'number' || !(row.id > previous)) {
      throw new BulkExportError(
        'UNSORTED_PAGE',
        `Virtuous returned contact ${String(row.id)} after ${previous}: the page is not sorted by ascending id, so paging by id could skip rows. ` +
          'Check the sortBy value (--sort-by) against what this organization accepts.',
      );
    }
    previous = row.id;
  }
}
