import { BulkExportError } from '../../errors/index.js';
import { parseIsoMicros } from '../../time/iso-instant.js';
import type { SourceRow } from '../export-source.js';
import type { TimestampPosition } from '../../planning/timestamp-position.js';
import type { VirtuousRecords } from './virtuous-records.js';

/** The record field holding a record's modification time (full records only: FullContact, FullGift). */
export const MODIFIED_FIELD = 'modifiedDateTimeUtc';

/** A contact's modification time, as sent and as microseconds since the epoch. */
export interface ModificationStamp {
  stamp: string;
  micros: number;
}

/**
 * The exact lower bound of an export of changes, applied to each record's own `modifiedDateTimeUtc`
 * (zone-less UTC with 0 to 7 fractional digits, compared as instants at microsecond precision): the
 * API's date filter only narrows what is read, whatever it does with a time of day.
 *
 * A contact is kept when it was modified after `since.at`, or exactly then and is not one of
 * `since.idsAtLast`, and it is not a version an earlier run already wrote (`since.written`).
 */
export class ChangeCut {
  private readonly sinceMicros: number | null;
  private readonly idsAtSince: ReadonlySet<string>;
  /** Modification instant of each version already written, by id. */
  private readonly written: ReadonlyMap<string, number>;

  constructor(since: TimestampPosition | null) {
    this.sinceMicros = since === null ? null : positionMicros(since);
    this.idsAtSince = new Set(since?.idsAtLast ?? []);
    this.written = new Map((since?.written ?? []).map((version) => [version.id, parseIsoMicros(version.modified) ?? NaN]));
  }

  /** The modification time of `row`; throws when the record has none (it cannot be placed). */
  static stampOf(row: SourceRow, records: Pick<VirtuousRecords, 'noun' | 'resource' | 'fullQuery'>): ModificationStamp {
    const stamp = row[MODIFIED_FIELD];
    const micros = typeof stamp === 'string' ? parseIsoMicros(stamp) : null;
    if (typeof stamp !== 'string' || micros === null) {
      throw new BulkExportError(
        'UNEXPECTED_ROW',
        `Virtuous returned ${records.noun} ${JSON.stringify(row.id)} without a readable ${MODIFIED_FIELD} (${JSON.stringify(stamp)}); ` +
          `exports of changes read ${records.resource}${records.fullQuery}, whose records carry it. Check VIRTUOUS_BASE_URL points at the Virtuous API.`,
      );
    }
    return { stamp, micros };
  }

  keeps(row: SourceRow, modified: ModificationStamp): boolean {
    const id = String(row.id);
    if (this.written.get(id) === modified.micros) return false;
    if (this.sinceMicros === null || modified.micros > this.sinceMicros) return true;
    return modified.micros === this.sinceMicros && !this.idsAtSince.has(id);
  }
}

/** The instant of a position, in microseconds; throws when it is not an ISO 8601 instant. */
export function positionMicros(position: TimestampPosition): number {
  const micros = parseIsoMicros(position.at);
  if (micros === null)
    throw new BulkExportError('BAD_CURSOR', `The export's start ${JSON.stringify(position.at)} is not an ISO 8601 instant; start the export again.`);
  return micros;
}
