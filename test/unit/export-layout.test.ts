import { describe, expect, it } from 'vitest';
import { exportFolder, exportIdOfFolder, exportIndexKey, folderOf, legacyExportFolder, tableFolder } from '../../src/sinks/export-layout.js';
import { compareColumns, hasSchemaChanges } from '../../src/sinks/schema-changes.js';

describe('export layout', () => {
  const destination = { bucket: 'b', prefix: 'crm' };
  const id = 'exp-20261130t062126-7be421';

  it('puts each export in a Hive partition of its table, and the exporter state apart', () => {
    expect(tableFolder(destination, 'virtuous/contacts')).toBe('crm/virtuous/contacts');
    expect(exportFolder(destination, 'virtuous/contacts', id)).toBe(`crm/virtuous/contacts/export_id=${id}`);
    expect(exportFolder({ bucket: 'b', prefix: '' }, 'close/contacts', id)).toBe(`close/contacts/export_id=${id}`);
    expect(exportIndexKey(destination, id)).toBe(`crm/_bulk_export/exports/${id}.json`);
    expect(exportIdOfFolder(`crm/virtuous/contacts/export_id=${id}/`)).toBe(id);
    expect(exportIdOfFolder('crm/virtuous/contacts/_load/')).toBeUndefined();
  });

  it('keeps reading the folder of exports started before tables', () => {
    expect(legacyExportFolder(destination, id)).toBe(`crm/${id}`);
    expect(folderOf({ exportId: id, destination })).toBe(`crm/${id}`);
    expect(folderOf({ exportId: id, destination, folder: 'crm/close/contacts/export_id=x' })).toBe('crm/close/contacts/export_id=x');
  });
});

describe('schema changes', () => {
  const before = [
    { name: 'id', type: 'BIGINT' },
    { name: 'amount', type: 'DOUBLE' },
    { name: 'gone', type: 'VARCHAR' },
  ];
  const after = [
    { name: 'amount', type: 'DECIMAL(18,2)' },
    { name: 'id', type: 'BIGINT' },
    { name: 'new_field', type: 'DATE' },
  ];

  it('names the added, removed and retyped columns, not reordered ones', () => {
    const changes = compareColumns('exp-a', before, after, { unknownFields: ['zeta', 'alpha'], refusedValues: ['id'] });
    expect(changes).toEqual({
      previousExportId: 'exp-a',
      added: [{ name: 'new_field', type: 'DATE' }],
      removed: [{ name: 'gone', type: 'VARCHAR' }],
      retyped: [{ name: 'amount', from: 'DOUBLE', to: 'DECIMAL(18,2)' }],
      unknownFields: ['alpha', 'zeta'],
      refusedValues: ['id'],
    });
    expect(hasSchemaChanges(changes)).toBe(true);
  });

  it('finds none between equal columns in another order', () => {
    const changes = compareColumns('exp-a', before, [...before].reverse(), { unknownFields: [], refusedValues: [] });
    expect(hasSchemaChanges(changes)).toBe(false);
  });
});
