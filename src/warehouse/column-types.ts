import { InvalidInputError } from '../errors/index.js';
import type { ManifestColumn } from '../sinks/manifest.js';

/**
 * A column type as the manifest names it (DuckDB's spelling, see src/sinks/column-type-name.ts), parsed
 * so that each engine can spell it its own way: `BIGINT`, `VARCHAR`, `DECIMAL(18,2)`,
 * `TIMESTAMP WITH TIME ZONE`, `STRUCT(a BIGINT, b VARCHAR[])`, `VARCHAR[]`, `VARCHAR (JSON)` (JSON text).
 */
export type ColumnType =
  | { kind: 'scalar'; name: ScalarName; json?: boolean }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'struct'; fields: { name: string; type: ColumnType }[] }
  | { kind: 'list'; item: ColumnType };

export type ScalarName =
  | 'BIGINT'
  | 'INTEGER'
  | 'SMALLINT'
  | 'TINYINT'
  | 'DOUBLE'
  | 'FLOAT'
  | 'VARCHAR'
  | 'BOOLEAN'
  | 'DATE'
  | 'TIMESTAMP'
  | 'TIMESTAMP WITH TIME ZONE'
  | 'BLOB';

/** A column with its parsed type. */
export interface Column {
  name: string;
  /** The manifest's spelling, for messages and for DuckDB. */
  typeName: string;
  type: ColumnType;
}

const SCALAR_ALIASES: Record<string, ScalarName> = {
  BIGINT: 'BIGINT',
  INT8: 'BIGINT',
  LONG: 'BIGINT',
  INTEGER: 'INTEGER',
  INT: 'INTEGER',
  INT4: 'INTEGER',
  SMALLINT: 'SMALLINT',
  INT2: 'SMALLINT',
  TINYINT: 'TINYINT',
  INT1: 'TINYINT',
  DOUBLE: 'DOUBLE',
  FLOAT8: 'DOUBLE',
  FLOAT: 'FLOAT',
  FLOAT4: 'FLOAT',
  REAL: 'FLOAT',
  VARCHAR: 'VARCHAR',
  TEXT: 'VARCHAR',
  STRING: 'VARCHAR',
  JSON: 'VARCHAR',
  BOOLEAN: 'BOOLEAN',
  BOOL: 'BOOLEAN',
  DATE: 'DATE',
  TIMESTAMP: 'TIMESTAMP',
  DATETIME: 'TIMESTAMP',
  TIMESTAMP_MS: 'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE': 'TIMESTAMP WITH TIME ZONE',
  TIMESTAMPTZ: 'TIMESTAMP WITH TIME ZONE',
  BLOB: 'BLOB',
  BYTEA: 'BLOB',
};

/** Parses a manifest's type name; an InvalidInputError names the column when the type is not one this knows. */
export function parseColumnType(text: string, column = 'a column'): ColumnType {
  const parser = new TypeParser(text, column);
  const type = parser.type();
  parser.end();
  return type;
}

export function parseColumns(columns: readonly ManifestColumn[]): Column[] {
  return columns.map((column) => ({ name: column.name, typeName: column.type, type: parseColumnType(column.type, column.name) }));
}

/** Whether two types are the same (JSON text and VARCHAR count as the same: both are text). */
export function sameType(a: ColumnType, b: ColumnType): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'scalar':
      return a.name === (b as typeof a).name;
    case 'decimal':
      return a.precision === (b as typeof a).precision && a.scale === (b as typeof a).scale;
    case 'list':
      return sameType(a.item, (b as typeof a).item);
    case 'struct': {
      const other = b as typeof a;
      return (
        a.fields.length === other.fields.length &&
        a.fields.every((field, i) => field.name === other.fields[i]!.name && sameType(field.type, other.fields[i]!.type))
      );
    }
  }
}

/**
 * The columns of several exports as one table: every column once, in the order the exports (oldest
 * first) introduce them. A column whose type differs between exports cannot be one column of a
 * warehouse table: that is an InvalidInputError naming the exports (read them one at a time with --export).
 */
export function unionColumns(exports: readonly { exportId: string; columns: readonly Column[] }[]): Column[] {
  const union = new Map<string, { column: Column; exportId: string }>();
  for (const { exportId, columns } of exports) {
    for (const column of columns) {
      const known = union.get(column.name);
      if (!known) union.set(column.name, { column, exportId });
      else if (!sameType(known.column.type, column.type)) {
        throw new InvalidInputError(
          `Column "${column.name}" is ${known.column.typeName} in export ${known.exportId} but ${column.typeName} in export ${exportId}: ` +
            'a warehouse table cannot hold both. Read the exports one at a time with --export ID.',
        );
      }
    }
  }
  return [...union.values()].map((entry) => entry.column);
}

/** The column list of a set of columns, as a key: exports with the same key can share one external table. */
export function columnsSignature(columns: readonly Column[]): string {
  return columns.map((column) => `${column.name} ${column.typeName}`).join(', ');
}

class TypeParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly column: string,
  ) {}

  type(): ColumnType {
    let type = this.base();
    for (;;) {
      this.spaces();
      if (this.text.startsWith('[]', this.position)) {
        this.position += 2;
        type = { kind: 'list', item: type };
      } else if (this.text.startsWith('(JSON)', this.position)) {
        // `VARCHAR (JSON)`: column-type-name's listing of JSON text.
        this.position += '(JSON)'.length;
        if (type.kind === 'scalar' && type.name === 'VARCHAR') type = { kind: 'scalar', name: 'VARCHAR', json: true };
        else this.fail();
      } else return type;
    }
  }

  end(): void {
    this.spaces();
    if (this.position !== this.text.length) this.fail();
  }

  private base(): ColumnType {
    this.spaces();
    const word = /^[A-Za-z_][A-Za-z0-9_]*(?: WITH TIME ZONE)?/i.exec(this.text.slice(this.position))?.[0];
    if (!word) this.fail();
    const upper = word.toUpperCase();
    this.position += word.length;
    if (upper === 'STRUCT') return this.struct();
    if (upper === 'DECIMAL' || upper === 'NUMERIC') return this.decimal();
    const name = SCALAR_ALIASES[upper];
    if (!name) this.fail();
    return upper === 'JSON' ? { kind: 'scalar', name, json: true } : { kind: 'scalar', name };
  }

  private decimal(): ColumnType {
    const match = /^\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)/.exec(this.text.slice(this.position));
    if (!match) return { kind: 'decimal', precision: 18, scale: 3 };
    this.position += match[0].length;
    return { kind: 'decimal', precision: Number(match[1]), scale: Number(match[2]) };
  }

  private struct(): ColumnType {
    this.expect('(');
    const fields: { name: string; type: ColumnType }[] = [];
    for (;;) {
      this.spaces();
      fields.push({ name: this.fieldName(), type: this.type() });
      this.spaces();
      if (this.text[this.position] === ',') this.position += 1;
      else break;
    }
    this.expect(')');
    return { kind: 'struct', fields };
  }

  private fieldName(): string {
    if (this.text[this.position] === '"') {
      let name = '';
      this.position += 1;
      for (;;) {
        const char = this.text[this.position];
        if (char === undefined) this.fail();
        this.position += 1;
        if (char === '"') {
          if (this.text[this.position] !== '"') return name;
          this.position += 1;
        }
        name += char;
      }
    }
    const word = /^[A-Za-z_][A-Za-z0-9_$]*/.exec(this.text.slice(this.position))?.[0];
    if (!word) this.fail();
    this.position += word.length;
    return word;
  }

  private expect(char: string): void {
    this.spaces();
    if (this.text[this.position] !== char) this.fail();
    this.position += 1;
  }

  private spaces(): void {
    while (this.text[this.position] === ' ') this.position += 1;
  }

  private fail(): never {
    throw new InvalidInputError(
      `The manifest gives ${this.column} the type "${this.text}", which bulk-export ddl cannot translate (at character ${this.position + 1}).`,
    );
  }
}
