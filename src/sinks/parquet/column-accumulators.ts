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

/** The accumulator of a column of `type`; `arrowType` must be `arrowTypeFor(type)`. */
export function accumulatorFor(type: FieldType, arrowType: DataType, capacity: number): ColumnAccumulator {
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
      return new DateDayAccumulator(arrowType as DateDay, capacity, type.fromDateTime ?? false);
    case 'decimal':
      return new DecimalAccumulator(arrowType as Decimal, capacity);
    case 'json':
      return new JsonAccumulator(arrowType as Utf8, capacity);
    case 'struct':
      return new StructAccumulator(type.fields, arrowType as Struct, capacity);
    case 'list':
      return new ListAccumulator(type.item, arrowType as List, capacity);
  }
}

/** A struct is present when its value is a non-array object; each child reads its key from it. */
export class StructAccumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private readonly children: ColumnAccumulator[];
  private readonly keys: string[];

  constructor(
    fields: readonly Field[],
    private readonly type: Struct,
    capacity: number,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.children = fields.map((field, index) => accumulatorFor(field.type, type.children[index]!.type, capacity));
    this.keys = fields.map((field) => field.sourceKey ?? field.name);
  }

  append(value: unknown): void {
    const children = this.children;
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      const keys = this.keys;
      for (let index = 0; index < children.length; index++) {
        children[index]!.append((value as Record<string, unknown>)[keys[index]!]);
      }
      this.validity.appendValid();
    } else {
      for (let index = 0; index < children.length; index++) children[index]!.append(undefined);
      this.validity.appendNull();
    }
  }

  finish(): Data<Struct> {
    const { length, nullCount } = this.validity;
    const children = this.children.map((child) => child.finish());
    return makeData({ type: this.type, length, nullCount, nullBitmap: this.validity.nullBitmap(), children });
  }
}

/** A list is present when its value is an array; the items of all lists form one child column. */
export class ListAccumulator implements ColumnAccumulator {
  private readonly validity: ValidityBitmap;
  private readonly items: ColumnAccumulator;
  private offsets: Int32Array;
  private itemCount = 0;

  constructor(
    item: FieldType,
    private readonly type: List,
    capacity: number,
  ) {
    this.validity = new ValidityBitmap(capacity);
    this.items = accumulatorFor(item, type.children[0]!.type, capacity);
    this.offsets = new Int32Array(Math.max(8, capacity + 1));
  }

  append(value: unknown): void {
    if (Array.isArray(value)) {
      const items = this.items;
      for (let index = 0; index < value.length; index++) items.append(value[index]);
      this.itemCount += value.length;
      this.validity.appendValid();
    } else {
      this.validity.appendNull();
    }
    const end = this.validity.length;
    if (end >= this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    this.offsets[end] = this.itemCount;
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
