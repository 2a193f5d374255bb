import type { CommittedPart } from '../../src/sinks/manifest.js';
import { parseColumns } from '../../src/warehouse/column-types.js';
import type { CommittedExport, DdlInput, WarehouseManifest, WarehouseTable } from '../../src/warehouse/ddl-target.js';

/** Fixed exports for the golden tests: the statements of every engine are pinned for these. */
export const BUCKET = 'my-bucket';

export const FULL_CONTACTS: WarehouseTable = {
  source: 'virtuous',
  object: 'full_contacts',
  name: 'virtuous/full_contacts',
  key: 'id',
  modifiedColumn: 'modifiedDateTimeUtc',
  archivedColumn: null,
  bucket: BUCKET,
  folder: 'crm/virtuous/full_contacts',
};

export const CLOSE_CONTACTS: WarehouseTable = {
  source: 'close',
  object: 'contacts',
  name: 'close/contacts',
  key: 'id',
  modifiedColumn: 'date_updated',
  archivedColumn: null,
  bucket: BUCKET,
  folder: 'crm/close/contacts',
};

const LINEAGE = [
  { name: '_export_id', type: 'VARCHAR' },
  { name: '_extracted_at', type: 'TIMESTAMP WITH TIME ZONE' },
  { name: '_extra', type: 'VARCHAR (JSON)' },
];

const FULL_CONTACT_COLUMNS = [
  { name: 'id', type: 'BIGINT' },
  { name: 'contactType', type: 'VARCHAR' },
  { name: 'isPrivate', type: 'BOOLEAN' },
  { name: 'name', type: 'VARCHAR' },
  { name: 'address', type: 'STRUCT(id BIGINT, city VARCHAR, postal VARCHAR, isPrimary BOOLEAN)' },
  { name: 'tags', type: 'VARCHAR[]' },
  { name: 'contactIndividuals', type: 'STRUCT(id BIGINT, firstName VARCHAR, contactMethods STRUCT(type VARCHAR, value VARCHAR)[])[]' },
  { name: 'customCollections', type: 'VARCHAR (JSON)' },
  { name: 'createDateTimeUtc', type: 'TIMESTAMP WITH TIME ZONE' },
  { name: 'modifiedDateTimeUtc', type: 'TIMESTAMP WITH TIME ZONE' },
  ...LINEAGE,
];

function committed(
  table: WarehouseTable,
  exportId: string,
  columns: { name: string; type: string }[],
  parts: { range: number; sequence: number; tag: string; rows: number; bytes: number }[],
): CommittedExport {
  const folder = `${table.folder}/export_id=${exportId}`;
  const committedParts: CommittedPart[] = parts.map((part) => ({
    key: `${folder}/part-r${String(part.range).padStart(5, '0')}-s${String(part.sequence).padStart(6, '0')}-a${part.tag}.parquet`,
    rows: part.rows,
    bytes: part.bytes,
    firstKey: null,
    lastKey: null,
    rangeIndex: part.range,
    sequence: part.sequence,
  }));
  const manifest: WarehouseManifest = {
    exportId,
    source: table.source,
    table: table.name,
    folder,
    format: 'parquet',
    compression: 'zstd',
    schema: `${table.source}.fixture`,
    columns,
    schemaChanges: { previousExportId: null, added: [], removed: [], retyped: [], unknownFields: [], refusedValues: [] },
    rows: committedParts.reduce((sum, part) => sum + part.rows, 0),
    parts: committedParts,
    ranges: 2,
    startedAt: '2026-11-22T21:45:01.000Z',
    endedAt: '2026-11-22T21:47:12.000Z',
  };
  return { exportId, folder, manifest, columns: parseColumns(columns) };
}

export const FULL_LOAD = committed(FULL_CONTACTS, 'exp-20261122t214501-3f9a1c', FULL_CONTACT_COLUMNS, [
  { range: 0, sequence: 0, tag: '3f9c01d2', rows: 1000, bytes: 512_345 },
  { range: 0, sequence: 1, tag: '3f9c01d2', rows: 250, bytes: 130_002 },
  { range: 1, sequence: 0, tag: '77aa0c13', rows: 980, bytes: 501_777 },
]);

export const INCREMENTAL = committed(FULL_CONTACTS, 'exp-20261123t091500-1c2d3e', FULL_CONTACT_COLUMNS, [
  { range: 0, sequence: 0, tag: '0b1e2d3c', rows: 12, bytes: 9_876 },
]);

const CLOSE_COLUMNS = [
  { name: 'id', type: 'VARCHAR' },
  { name: 'lead_id', type: 'VARCHAR' },
  { name: 'name', type: 'VARCHAR' },
  { name: 'emails', type: 'STRUCT(email VARCHAR, type VARCHAR)[]' },
  { name: 'date_created', type: 'TIMESTAMP WITH TIME ZONE' },
  { name: 'date_updated', type: 'TIMESTAMP WITH TIME ZONE' },
];

export const CLOSE_FIRST = committed(
  CLOSE_CONTACTS,
  'exp-20261201t010000-aa01bb',
  [...CLOSE_COLUMNS, ...LINEAGE],
  [{ range: 0, sequence: 0, tag: '11112222', rows: 400, bytes: 80_000 }],
);

/** A custom field appeared between the two exports: the table gains a column. */
export const CLOSE_SECOND = committed(
  CLOSE_CONTACTS,
  'exp-20261202t010000-cc02dd',
  [...CLOSE_COLUMNS, { name: 'custom_cf_budget', type: 'DECIMAL(18,2)' }, { name: 'order', type: 'BIGINT' }, ...LINEAGE],
  [
    { range: 0, sequence: 0, tag: '33334444', rows: 30, bytes: 7_000 },
    { range: 1, sequence: 0, tag: '55556666', rows: 0, bytes: 1_200 },
  ],
);

const S3 = { region: 'us-east-1', endpoint: undefined };

export const GOLDEN_CASES: { name: string; input: DdlInput }[] = [
  {
    name: 'full-contacts-table',
    input: { table: FULL_CONTACTS, exports: [FULL_LOAD, INCREMENTAL], scope: 'table', name: 'virtuous_full_contacts', s3: S3, notes: [] },
  },
  {
    name: 'full-contacts-export',
    input: { table: FULL_CONTACTS, exports: [INCREMENTAL], scope: 'export', name: 'virtuous_full_contacts', s3: S3, notes: [] },
  },
  {
    name: 'close-contacts-columns-changed',
    input: { table: CLOSE_CONTACTS, exports: [CLOSE_FIRST, CLOSE_SECOND], scope: 'table', name: 'close_contacts', s3: S3, notes: [] },
  },
];
