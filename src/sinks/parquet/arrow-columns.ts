import { RecordBatch, Struct, Table, makeData } from 'apache-arrow';
import type { Schema, TimestampMicrosecond, Utf8 } from 'apache-arrow';
import { PARQUET_TRAILING_FIELDS, parquetColumnsOf } from '../parquet-columns.js';
import type { PageContext } from '../part-encoder.js';
import type { RecordRow, RecordSchema } from '../record-schema.js';
import type { ColumnAccumulator } from './column-accumulator.js';
import { accumulatorFor, keptByTwin } from './column-accumulators.js';
import { ExtraPaths } from './extra-paths.js';
import { arrowSchemaFor } from './arrow-schema.js';
import { TrailingColumns } from './trailing-columns.js';

export const DEFAULT_RECORD_BATCH_ROWS = 10_000;

export interface ArrowTableOptions {
  /** Rows per record batch (default 10,000). */
  batchRows?: number;
  /** `arrowSchemaFor(parquetColumnsOf(schema))`, when the caller has it already. */
  arrowSchema?: Schema;
}

const utf8Encoder = new TextEncoder();

/**
 * Builds an Arrow table page by page: each row is read once, straight into its columns' buffers
 * (Arrow's generic builders were measured to cost 85% of the write), so a page's row objects can die
 * as soon as it has been added. A record batch is sealed every `batchRows` rows.
 *
 * The columns are `parquetColumnsOf(schema)`: the schema's own, read from each row's keys, then the
 * page's lineage (`_export_id`, `_extracted_at`) and `_extra`, a JSON object of everything of the row that
 * no column holds (NULL when there is nothing): the keys the schema does not name, and, under a column's
 * key, what the column left of its value (in the value's shape: a nested object's unknown keys, a list's
 * items' leftovers, a value its type cannot hold). A key of `_extra` that names a column is therefore a
 * leftover of that column's value, any other an unknown field.
 */
export class ArrowTableBuilder {
  private readonly arrowSchema: Schema;
  private readonly batchRows: number;
  private readonly keys: readonly string[];
  /** The keys the schema reads or omits on purpose; any other key of a row is an unknown field. */
  private readonly knownKeys: ReadonlySet<string>;
  /** Per column: whether it is a struct or list, which names its own leftovers' paths. */
  private readonly nested: readonly boolean[];
  /** Per column: whether the key's `_text` twin holds what the column's type cannot. */
  private readonly twinKept: readonly boolean[];
  private readonly paths = new ExtraPaths();
  private readonly batches: RecordBatch[] = [];
  private columns: ColumnAccumulator[];
  private trailing: TrailingColumns;
  private batchLength = 0;
  private totalRows = 0;
  private exportId: { text: string; utf8: Uint8Array } = { text: '', utf8: new Uint8Array(0) };

  constructor(
    private readonly schema: RecordSchema,
    options: ArrowTableOptions = {},
  ) {
    this.arrowSchema = options.arrowSchema ?? arrowSchemaFor(parquetColumnsOf(schema));
    if (this.arrowSchema.fields.length !== schema.fields.length + PARQUET_TRAILING_FIELDS.length) {
      throw new Error(
        `arrowSchema has ${this.arrowSchema.fields.length} fields; arrowSchemaFor(parquetColumnsOf(schema)) has ${schema.fields.length + PARQUET_TRAILING_FIELDS.length}`,
      );
    }
    this.batchRows = options.batchRows ?? DEFAULT_RECORD_BATCH_ROWS;
    if (!Number.isInteger(this.batchRows) || this.batchRows < 1) {
      throw new RangeError(`batchRows must be a positive integer, got ${this.batchRows}`);
    }
    this.keys = schema.fields.map((field) => field.sourceKey ?? field.name);
    this.knownKeys = new Set([...this.keys, ...(schema.omittedKeys ?? [])]);
    this.nested = schema.fields.map((field) => field.type.kind === 'struct' || field.type.kind === 'list');
    this.twinKept = keptByTwin(schema.fields);
    this.columns = this.newColumns();
    this.trailing = this.newTrailingColumns();
  }

  /** Rows added so far. */
  get rows(): number {
    return this.totalRows;
  }

  /** The paths of the keys seen so far that the schema does not name (`_extra` holds them), sorted; at most `MAX_UNKNOWN_FIELDS`. */
  get unknownFields(): string[] {
    return this.paths.unknownFields;
  }

  /** The paths of named fields some value of which the column's type could not hold (`_extra` holds them), sorted; at most `MAX_UNKNOWN_FIELDS`. */
  get refusedValues(): string[] {
    return this.paths.refusedValues;
  }

  add(rows: readonly RecordRow[], page: PageContext): void {
    const extractedAt = page.extractedAt;
    if (!Number.isSafeInteger(extractedAt)) throw new RangeError(`extractedAt must be whole microseconds since the epoch, got ${extractedAt}`);
    if (page.exportId !== this.exportId.text) this.exportId = { text: page.exportId, utf8: utf8Encoder.encode(page.exportId) };
    const exportId = this.exportId.utf8;
    const keys = this.keys;
    const knownKeys = this.knownKeys;
    for (let rowIndex = 0; rowIndex < rows.length; rowIndex++) {
      if (this.batchLength === this.batchRows) this.sealBatch();
      const row = rows[rowIndex]!;
      const columns = this.columns;
      // A null prototype: a key such as "__proto__" stays an ordinary key.
      let extra: Record<string, unknown> | undefined;
      for (let column = 0; column < columns.length; column++) {
        const key = keys[column]!;
        const left = columns[column]!.append(row[key]);
        if (left === undefined || this.twinKept[column]) continue;
        if (!this.nested[column]) this.paths.refused(key);
        extra ??= Object.create(null) as Record<string, unknown>;
        extra[key] = left;
      }
      for (const key in row) {
        if (knownKeys.has(key) || !Object.hasOwn(row, key)) continue;
        extra ??= Object.create(null) as Record<string, unknown>;
        extra[key] = row[key];
        this.paths.unknown(key);
      }
      this.trailing.append(exportId, extractedAt, extra === undefined ? undefined : JSON.stringify(extra));
      this.batchLength++;
    }
    this.totalRows += rows.length;
  }

  /** The table of every row added (one empty batch when there were none); the builder is spent afterwards. */
  finish(): Table {
    if (this.batchLength > 0 || this.batches.length === 0) this.sealBatch();
    return new Table(this.arrowSchema, this.batches.splice(0));
  }

  private sealBatch(): void {
    const children = [...this.columns.map((column) => column.finish()), ...this.trailing.finish()];
    const data = makeData({ type: new Struct(this.arrowSchema.fields), length: this.batchLength, nullCount: 0, children });
    this.batches.push(new RecordBatch(this.arrowSchema, data));
    this.columns = this.newColumns();
    this.trailing = this.newTrailingColumns();
    this.batchLength = 0;
  }

  private capacity(): number {
    return Math.min(this.batchRows, 1024);
  }

  private newColumns(): ColumnAccumulator[] {
    const fields = this.arrowSchema.fields;
    return this.schema.fields.map((field, index) =>
      accumulatorFor(field.type, fields[index]!.type, this.capacity(), { path: this.keys[index]!, paths: this.paths }),
    );
  }

  private newTrailingColumns(): TrailingColumns {
    const fields = this.arrowSchema.fields;
    const first = this.schema.fields.length;
    return new TrailingColumns(
      {
        exportId: fields[first]!.type as Utf8,
        extractedAt: fields[first + 1]!.type as TimestampMicrosecond,
        extra: fields[first + 2]!.type as Utf8,
      },
      this.capacity(),
    );
  }
}
