import { makeData } from 'apache-arrow';
import type {
  Bool,
  Data,
  DataType,
  DateDay,
  Decimal,
  Float64,
  Int64,
  List,
  Struct,
  TimestampMicrosecond,
  TimestampMillisecond,
  Utf8,
} from 'apache-arrow';
import type { Field, FieldType } from '../record-schema.js';
import type { ColumnAccumulator } from './column-accumulator.js';
import { DateDayAccumulator, TimestampMicrosecondAccumulator } from './date-accumulators.js';
import { DecimalAccumulator } from './decimal-accumulator.js';
import {
  BoolAccumulator,
  Float64Accumulator,
  Int64Accumulator,
  JsonAccumulator,
  TimestampAccumulator,
  Utf8Accumulator,
} from './scalar-accumulators.js';
import { ValidityBitmap } from './validity-bitmap.js';
import { itemsPath, keyPath, type ExtraPaths } from './extra-paths.js';

/** Where a column sits in the row, for naming in the manifest what it leaves to `_extra` (see ExtraPaths). */
export interface ColumnPlace {
  path: string;
  paths: ExtraPaths;
}

/** The accumulator of a column of `type` at `place`; `arrowType` must be `arrowTypeFor(type)`. */
export function accumulatorFor(type: FieldType, arrowType: DataType, capacity: number, place: ColumnPlace): ColumnAccumulator {
  switch (type.kind) {
    case 'int64':
      return new Int64Accumulator(arrowType as Int64, capacity);
    case 'float64':
      return new Float64Accumulator(arrowType as Float64, capacity);
    case 'utf8':
      return new Utf8Accumulator(arrowType as Utf8, capacity);
    case 'bool':
      return new BoolAccumulator(arrowType as Bool, capacity);
    case 'timestamp':
      return type.unit === 'microsecond'
        ? new TimestampMicrosecondAccumulator(arrowType as TimestampMicrosecond, capacity)
        : new TimestampAccumulator(arrowType as TimestampMillisecond, capacity);
    case 'date':
      return new DateDayAccumulator(arrowType as DateDay, capacity, type);
    case 'decimal':
      return new DecimalAccumulator(arrowType as Decimal, capacity);
    case 'json':
      return new JsonAccumulator(arrowType as Utf8, capacity);
    case 'struct':
      return new StructAccumulator(type.fields, arrowType as Struct, capacity, place);
    case 'list':
      return new ListAccumulator(type.item, arrowType as List, capacity, place);
  }
}

/** Whether a column of `type` holds any value (as text): a key it reads loses nothing to another column's type. */
function holdsAnyValue(type: FieldType): boolean {
  return type.kind === 'utf8' || type.kind === 'json';
}

/**
 * For each field, whether another field reads the same key into a column that holds any value (the `_text`
 * twin of a typed column): what the field's own type cannot hold is then kept there, not in `_extra`.
 */
export function keptByTwin(fields: readonly Field[]): boolean[] {
  const keyOf = (field: Field) => field.sourceKey ?? field.name;
  return fields.map((field, index) =>
    fields.some((other, otherIndex) => otherIndex !== index && keyOf(other) === keyOf(field) && holdsAnyValue(other.type)),
  );
}

/** Whether a column of `type` records its own leftovers' paths (nested ones do, by their keys and items). */
function isNested(type: FieldType): boolean {
  return type.kind === 'struct' || type.kind === 'list';
}

/**
 * A struct is present when its value is a non-array object; each child reads its key from it. Its leftover:
 * the keys its fields do not name, and what its fields could not hold; a value that is no object, whole.
 */
export class StructAccumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private readonly children: ColumnAccumulator[];
  private readonly keys: string[];
  private readonly knownKeys: ReadonlySet<string>;
  private readonly keyPaths: string[];
  private readonly nested: boolean[];
  private readonly twinKept: boolean[];

  constructor(
    fields: readonly Field[],
    private readonly type: Struct,
    capacity: number,
    private readonly place: ColumnPlace,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.keys = fields.map((field) => field.sourceKey ?? field.name);
    this.keyPaths = this.keys.map((key) => keyPath(place.path, key));
    this.children = fields.map((field, index) =>
      accumulatorFor(field.type, type.children[index]!.type, capacity, { path: this.keyPaths[index]!, paths: place.paths }),
    );
    this.knownKeys = new Set(this.keys);
    this.nested = fields.map((field) => isNested(field.type));
    this.twinKept = keptByTwin(fields);
  }

  append(value: unknown): unknown {
    const children = this.children;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const record = value as Record<string, unknown>;
      const keys = this.keys;
      let leftover: Record<string, unknown> | undefined;
      for (let index = 0; index < children.length; index++) {
        const key = keys[index]!;
        const left = children[index]!.append(record[key]);
        if (left === undefined || this.twinKept[index]) continue;
        if (!this.nested[index]) this.place.paths.refused(this.keyPaths[index]!);
        // A null prototype: a key such as "__proto__" stays an ordinary key.
        leftover ??= Object.create(null) as Record<string, unknown>;
        leftover[key] = left;
      }
      for (const key in record) {
        if (this.knownKeys.has(key) || !Object.hasOwn(record, key)) continue;
        leftover ??= Object.create(null) as Record<string, unknown>;
        leftover[key] = record[key];
        this.place.paths.unknown(keyPath(this.place.path, key));
      }
      this.validity.appendValid();
      return leftover;
    }
    for (let index = 0; index < children.length; index++) children[index]!.append(undefined);
    this.validity.appendNull();
    if (value === null || value === undefined) return undefined;
    this.place.paths.refused(this.place.path);
    return value;
  }

  finish(): Data<Struct> {
    const { length, nullCount } = this.validity;
    const children = this.children.map((child) => child.finish());
    return makeData({ type: this.type, length, nullCount, nullBitmap: this.validity.nullBitmap(), children });
  }
}

/**
 * A list is present when its value is an array; the items of all lists form one child column. Its leftover:
 * an array as long as the list, each item's leftover (null for an item held whole); a value that is no array, whole.
 */
export class ListAccumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private readonly items: ColumnAccumulator;
  private readonly itemPath: string;
  private readonly nestedItems: boolean;
  private offsets: Int32Array;
  private itemCount = 0;

  constructor(
    item: FieldType,
    private readonly type: List,
    capacity: number,
    private readonly place: ColumnPlace,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.itemPath = itemsPath(place.path);
    this.items = accumulatorFor(item, type.children[0]!.type, capacity, { path: this.itemPath, paths: place.paths });
    this.nestedItems = isNested(item);
    this.offsets = new Int32Array(Math.max(8, capacity + 1));
  }

  append(value: unknown): unknown {
    let leftover: unknown;
    if (Array.isArray(value)) {
      const items = this.items;
      let lefts: unknown[] | undefined;
      for (let index = 0; index < value.length; index++) {
        const left = items.append(value[index]);
        if (left === undefined) continue;
        lefts ??= new Array<unknown>(value.length).fill(null);
        lefts[index] = left;
        if (!this.nestedItems) this.place.paths.refused(this.itemPath);
      }
      leftover = lefts;
      this.itemCount += value.length;
      this.validity.appendValid();
    } else {
      this.validity.appendNull();
      if (value !== null && value !== undefined) {
        this.place.paths.refused(this.place.path);
        leftover = value;
      }
    }
    const end = this.validity.length;
    if (end >= this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[end] = this.itemCount;
    return leftover;
  }

  finish(): Data<List> {
    const { length, nullCount } = this.validity;
    return makeData({
      type: this.type,
      length,
      nullCount,
      nullBitmap: this.validity.nullBitmap(),
      valueOffsets: this.offsets.subarray(0, length + 1),
      child: this.items.finish(),
    });
  }
}
