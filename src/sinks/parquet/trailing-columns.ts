import { makeData } from 'apache-arrow';
import type { Data, TimestampMicrosecond, Utf8 } from 'apache-arrow';
import { Int64Slots } from './int64-slots.js';
import { Utf8ColumnWriter } from './utf8-column-writer.js';

/**
 * The columns of a record batch that are not read from a record's keys (see parquet-columns.ts):
 * `_export_id` and `_extracted_at`, the same for every row of a page, and `_extra`, the JSON text of the
 * record's unknown fields. The first two are never null.
 */
export class TrailingColumns {
  private readonly exportIds: Utf8ColumnWriter;
  private readonly extractedAt: Int64Slots;
  private readonly extra: Utf8ColumnWriter;
  private length = 0;

  constructor(
    private readonly types: { exportId: Utf8; extractedAt: TimestampMicrosecond; extra: Utf8 },
    capacity: number,
  ) {
    this.exportIds = new Utf8ColumnWriter(capacity);
    this.extractedAt = new Int64Slots(capacity);
    this.extra = new Utf8ColumnWriter(capacity);
  }

  /** `exportId`: the export id's UTF-8 bytes; `extractedAtMicros`: a safe integer; `extraJson`: undefined when the record has no unknown field. */
  append(exportId: Uint8Array, extractedAtMicros: number, extraJson: string | undefined): void {
    this.exportIds.appendBytes(exportId);
    this.extractedAt.setSafeInteger(this.length, extractedAtMicros);
    if (extraJson === undefined) this.extra.appendNull();
    else this.extra.appendString(extraJson);
    this.length++;
  }

  /** The Arrow data of `_export_id`, `_extracted_at` and `_extra`, in that order. */
  finish(): Data[] {
    const length = this.length;
    return [
      utf8Data(this.types.exportId, this.exportIds),
      makeData({ type: this.types.extractedAt, length, nullCount: 0, data: this.extractedAt.view(length) }),
      utf8Data(this.types.extra, this.extra),
    ];
  }
}

function utf8Data(type: Utf8, writer: Utf8ColumnWriter): Data<Utf8> {
  return makeData({
    type,
    length: writer.length,
    nullCount: writer.validity.nullCount,
    nullBitmap: writer.validity.nullBitmap(),
    valueOffsets: writer.valueOffsets(),
    data: writer.valueBytes(),
  });
}
