import type { FieldType } from './record-schema.js';

/** How DuckDB (and most warehouses) name the Parquet column a field type becomes, for listings. */
export function columnTypeName(type: FieldType): string {
  switch (type.kind) {
    case 'int64':
      return 'BIGINT';
    case 'float64':
      return 'DOUBLE';
    case 'utf8':
      return 'VARCHAR';
    case 'bool':
      return 'BOOLEAN';
    case 'timestamp':
      return 'TIMESTAMP WITH TIME ZONE';
    case 'date':
      return 'DATE';
    case 'decimal':
      return `DECIMAL(${type.precision},${type.scale})`;
    case 'json':
      return 'VARCHAR (JSON)';
    case 'struct':
      return `STRUCT(${type.fields.map((field) => `${field.name} ${columnTypeName(field.type)}`).join(', ')})`;
    case 'list':
      return `${columnTypeName(type.item)}[]`;
  }
}
