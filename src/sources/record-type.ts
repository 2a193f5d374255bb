/**
 * One kind of record a source exports (`--records`): its name, what one record is called, the field that
 * says when a record changed, and the tables its exports land in. The source declares its record types
 * (its definition's `recordTypes`, the first one the default); how a type's records are read is the
 * source's own, chosen by the name the export's spec carries (`SourceSpec.records`). One budget serves
 * every record type of an account (the API counts requests per organization or key, not per record type),
 * and each table has its own watermarks and schedules.
 */
export interface RecordTypeDefinition {
  /** `--records` value, and the table's folder under `<source>/`: `contacts`. */
  readonly name: string;
  /** One record, in messages: `contact`. */
  readonly noun: string;
  /** The record's modification time, as incremental and `--since` exports read it. */
  readonly changeField: string;
  /** The tables (`<source>/<object>/` folders) its exports land in, as `bulk-export ddl` reads them (src/warehouse/). */
  readonly warehouseTables: readonly WarehouseTableDescription[];
}

/** One table of a source, for the statements `bulk-export ddl` prints (the current-rows view above all). */
export interface WarehouseTableDescription {
  /** The table's folder under `<dest>/<source>/`, e.g. `contacts`. */
  object: string;
  /** The column that identifies a record across exports. */
  key: string;
  /** The record's modification time; null when the records carry none (the latest export's row is then current). */
  modifiedColumn: string | null;
  /** A column flagging archived records; null when the source's records carry none. */
  archivedColumn: string | null;
}
