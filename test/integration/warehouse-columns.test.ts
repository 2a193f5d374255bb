import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExportManifest } from '../../src/sinks/manifest.js';
import { parseIsoMicros } from '../../src/time/iso-instant.js';
import { editJson, isCloseWalk, isVirtuousPage, startApiFaultProxy, type ApiFaultProxy } from '../support/api-fault-proxy.js';
import { CloseExportFixture } from '../support/close-fixture.js';
import { describeDuckDB, queryDuckDB } from '../support/duckdb.js';
import { downloadParts, sqlList } from '../support/export-download.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';
import { comparable, recordOfParquetRow } from '../support/parquet-record.js';
import type { RecordRow } from '../../src/sinks/record-schema.js';
import { virtuousFullContactSchema } from '../../src/sources/virtuous/virtuous-full-contact-schema.js';
import { virtuousFullGiftSchema } from '../../src/sources/virtuous/virtuous-gift-schema.js';

/**
 * Warehouse-ready Parquet end to end (CLI, worker processes, Redis, S3, DuckDB): money as DECIMAL beside
 * its text, dates NULL where the API says "Unavailable", timestamps to the microsecond, lineage columns on
 * every row, and a field the API starts sending (injected by a proxy: the simulators only send what the
 * evidence shows) kept in `_extra` and named in the committed parts.
 */
let proxy: ApiFaultProxy | undefined;
let world: ExportFixture | CloseExportFixture | undefined;
afterEach(async () => {
  await proxy?.close();
  await world?.close();
  proxy = undefined;
  world = undefined;
});

/** "$1,200.50" as DuckDB prints its DECIMAL(18,2) ("1200.50"), from the text alone; null for anything else. */
function decimalTextOfMoney(text: string): string | null {
  const match = /^(-)?\$(\d{1,3}(?:,\d{3})*)(?:\.(\d{1,2}))?$/.exec(text);
  if (!match) return null;
  return `${match[1] ?? ''}${BigInt(match[2]!.replaceAll(',', ''))}.${(match[3] ?? '').padEnd(2, '0')}`;
}

/** The export's window in epoch microseconds: planned (`startedAt`) to committed (`endedAt`). */
function windowOf(manifest: ExportManifest): [number, number] {
  return [Date.parse(manifest.startedAt) * 1000, Date.parse(manifest.endedAt) * 1000];
}

const MONEY = ['lifeToDateGiving', 'yearToDateGiving', 'lastGiftAmount'] as const;

describe('warehouse-ready Parquet parts, read back with DuckDB', () => {
  it('Virtuous FullContact: DECIMAL money and DATE lastGiftDate beside their text, lineage, and a new API field in _extra', async () => {
    const contacts = 3000;
    const fixture = await ExportFixture.create('warehouse-virtuous', { contacts, seed: 19 });
    world = fixture;
    const injected = (id: unknown) => ({ tier: 'gold', since: id });
    proxy = await startApiFaultProxy(fixture.simulator.url, {
      rewriteResponse: (call, answer) =>
        isVirtuousPage(call) && answer.status === 200
          ? editJson<{ list: Record<string, unknown>[] }>(answer.body, (body) => body.list.forEach((item) => (item.donorScore = injected(item.id))))
          : undefined,
    });
    fixture.env.VIRTUOUS_BASE_URL = proxy.url;
    await fixture.startWorkers(2);

    const dest = `s3://${BUCKET}/warehouse`;
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'parquet',
      '--full-contact',
      '--page-size',
      '250',
      '--part-rows',
      '500',
      '--wait',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
    expect(manifest.rows).toBe(contacts);
    expect(manifest.parts.length).toBeGreaterThan(3);
    expect(manifest.parts.map((part) => part.unknownFields)).toEqual(manifest.parts.map(() => ['donorScore']));

    const parts = await downloadParts(fixture.store, manifest);
    try {
      const reader = `read_parquet(${sqlList(parts.files)})`;
      const columns = await describeDuckDB(`SELECT * FROM ${reader}`);
      const types = Object.fromEntries(columns.map((column) => [column.column_name, column.column_type]));
      expect(types).toMatchObject({
        lifeToDateGiving: 'DECIMAL(18,2)',
        lifeToDateGiving_text: 'VARCHAR',
        yearToDateGiving: 'DECIMAL(18,2)',
        lastGiftAmount: 'DECIMAL(18,2)',
        lastGiftDate: 'DATE',
        lastGiftDate_text: 'VARCHAR',
        createDateTimeUtc: 'TIMESTAMP WITH TIME ZONE',
        modifiedDateTimeUtc: 'TIMESTAMP WITH TIME ZONE',
      });
      expect(columns.slice(-3)).toEqual([
        { column_name: '_export_id', column_type: 'VARCHAR' },
        { column_name: '_extracted_at', column_type: 'TIMESTAMP WITH TIME ZONE' },
        { column_name: '_extra', column_type: 'VARCHAR' },
      ]);

      const rows = await queryDuckDB(
        `SELECT id, ${MONEY.map((key) => `CAST(${key} AS VARCHAR) AS ${key}, ${key}_text`).join(', ')},
                CAST(lastGiftDate AS VARCHAR) AS lastGiftDate, lastGiftDate_text, epoch_us(modifiedDateTimeUtc) AS modified,
                _export_id, epoch_us(_extracted_at) AS extractedAt, _extra
         FROM ${reader} ORDER BY id`,
      );
      expect(rows.map((row) => row.id)).toEqual(fixture.simulator.expectedIds({ includeArchived: true }));
      const [from, to] = windowOf(manifest);
      let unavailable = 0;
      let withCents = 0;
      for (const row of rows) {
        const truth = fixture.simulator.fullContact(row.id as number)!;
        for (const key of MONEY) {
          expect(row[key], `${key} of ${truth.id}: ${truth[key]}`).toBe(decimalTextOfMoney(truth[key]));
          expect(row[key]).not.toBeNull();
          expect(row[`${key}_text`]).toBe(truth[key]);
          if (truth[key].includes('.')) withCents++;
        }
        if (truth.lastGiftDate === 'Unavailable') unavailable++;
        expect(row.lastGiftDate).toBe(truth.lastGiftDate === 'Unavailable' ? null : truth.lastGiftDate.slice(0, 10));
        expect(row.lastGiftDate_text).toBe(truth.lastGiftDate);
        expect(row.modified).toBe(parseIsoMicros(truth.modifiedDateTimeUtc));
        expect(row._export_id).toBe(exportId);
        expect(row.extractedAt).toBeGreaterThanOrEqual(from);
        expect(row.extractedAt).toBeLessThanOrEqual(to);
        expect(row._extra).toBe(JSON.stringify({ donorScore: injected(row.id) }));
      }
      expect(unavailable).toBeGreaterThan(contacts / 10);
      expect(withCents).toBeGreaterThan(contacts / 10);
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  });

  it('Virtuous FullContact shaped like the recorded real contact: every field kept at every depth, each record read back equal to the API JSON', async () => {
    const contacts = 1500;
    const fixture = await ExportFixture.create('warehouse-recorded', { contacts, seed: 29, contactShape: 'recorded' });
    world = fixture;
    await fixture.startWorkers(2);
    const dest = `s3://${BUCKET}/warehouse-recorded`;
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'parquet', '--full-contact', '--part-rows', '400', '--wait']);
    expect(result.code, result.stderr).toBe(0);
    const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
    expect(manifest.rows).toBe(contacts);
    const named = new Set(manifest.parts.flatMap((part) => part.unknownFields ?? []));
    for (const path of ['formalContactName', 'address.canBePrimary', 'contactIndividuals[].gender', 'contactIndividuals[].birthDate'])
      expect(named).toContain(path);
    expect(manifest.schemaChanges.unknownFields).toEqual([...named].sort());
    expect(manifest.schemaChanges.refusedValues).toEqual([]);

    const parts = await downloadParts(fixture.store, manifest);
    try {
      const rows = await queryDuckDB(`SELECT *, CAST(lastGiftDate AS VARCHAR) AS day FROM read_parquet(${sqlList(parts.files)}) ORDER BY id`);
      expect(rows.map((row) => row.id)).toEqual(fixture.simulator.expectedIds({ includeArchived: true }));
      let datesWritten = 0;
      for (const row of rows) {
        const truth = fixture.simulator.fullContact(row.id as number)! as unknown as RecordRow;
        expect(comparable(virtuousFullContactSchema, recordOfParquetRow(virtuousFullContactSchema, row))).toEqual(
          comparable(virtuousFullContactSchema, truth),
        );
        // lastGiftDate comes as M/D/YYYY here: the DATE column holds it.
        const written = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(String(truth.lastGiftDate));
        expect(row.day).toBe(written ? `${written[3]}-${written[1]!.padStart(2, '0')}-${written[2]!.padStart(2, '0')}` : null);
        if (written) datesWritten++;
      }
      expect(datesWritten).toBeGreaterThan(contacts / 3);
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  });

  it('Virtuous FullGift shaped like the recorded real gift, with the id parameter spelt GiftId and take capped at 500: every gift read back equals the API JSON', async () => {
    const gifts = 1200;
    const fixture = await ExportFixture.create('warehouse-gifts', {
      contacts: 200,
      gifts,
      seed: 43,
      giftShape: 'recorded',
      giftIdParameter: 'GiftId',
      maxGiftTake: 500,
    });
    world = fixture;
    await fixture.startWorkers(2);
    const dest = `s3://${BUCKET}/warehouse-gifts`;
    const { exportId, result } = await fixture.start(['--dest', dest, '--records', 'gifts', '--full-gift', '--format', 'parquet', '--wait']);
    expect(result.code, result.stderr).toBe(0);
    // The gift page size is settled at start: 1000 is refused here, 500 taken.
    expect(result.stderr).toContain('virtuous: Virtuous refused take=1000 for gifts; pages of 500 are read instead');
    const folder = await fixture.folder(dest, exportId);
    expect(folder).toBe(`warehouse-gifts/virtuous/full_gifts/export_id=${exportId}`);
    const manifest = (await fixture.manifest(folder))!;
    expect(manifest.rows).toBe(gifts);
    const named = new Set(manifest.parts.flatMap((part) => part.unknownFields ?? []));
    for (const path of ['amountFormatted', 'giftDateFormatted', 'currencyCode', 'pledgePayments']) expect(named).toContain(path);

    const parts = await downloadParts(fixture.store, manifest);
    try {
      const rows = await queryDuckDB(`SELECT *, CAST(amount AS VARCHAR) AS amount_decimal FROM read_parquet(${sqlList(parts.files)}) ORDER BY id`);
      expect(rows.map((row) => row.id)).toEqual(fixture.simulator.expectedGiftIds());
      for (const row of rows) {
        const truth = fixture.simulator.fullGift(row.id as number)! as unknown as RecordRow;
        const restored = recordOfParquetRow(virtuousFullGiftSchema, row);
        // amount_text is the JSON number's text; the API sent the number.
        restored.amount = Number(restored.amount);
        expect(comparable(virtuousFullGiftSchema, restored)).toEqual(comparable(virtuousFullGiftSchema, truth));
        expect(row.amount_decimal).toBe(Number(truth.amount).toFixed(2));
      }
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
  });

  it('Close: date_created to the microsecond, lineage, and a new API field in _extra (not __object_type)', async () => {
    const contacts = 2500;
    const fixture = await CloseExportFixture.create('warehouse-close', { contacts, seed: 23 });
    world = fixture;
    proxy = await startApiFaultProxy(fixture.simulator.url, {
      rewriteResponse: (call, answer) =>
        isCloseWalk(call) && answer.status === 200
          ? editJson<{ data: Record<string, unknown>[] }>(answer.body, (body) => body.data.forEach((contact) => (contact.lifecycle_stage = 'lead')))
          : undefined,
    });
    fixture.env.CLOSE_BASE_URL = proxy.url;
    await fixture.startWorkers(1);

    const { exportId, result, folder } = await fixture.export(`s3://${BUCKET}/warehouse-close`, ['--format', 'parquet', '--part-rows', '500']);
    expect(result.code, result.stderr).toBe(0);
    const manifest = (await fixture.manifest(folder))!;
    expect(manifest.rows).toBe(contacts);
    expect(manifest.parts.length).toBeGreaterThan(3);
    expect(manifest.parts.map((part) => part.unknownFields)).toEqual(manifest.parts.map(() => ['lifecycle_stage']));

    const types = Object.fromEntries(
      (await fixture.queryParts(manifest, (reader) => `DESCRIBE SELECT * FROM ${reader}`)).map((column) => [column.column_name, column.column_type]),
    );
    expect(types).toMatchObject({ date_created: 'TIMESTAMP WITH TIME ZONE', date_updated: 'TIMESTAMP WITH TIME ZONE', _export_id: 'VARCHAR' });
    // The manifest lists the files' columns as DuckDB reads them, in file order, and records the field no column holds.
    // (DuckDB quotes a struct field named by a keyword, "type"; the manifest never quotes.)
    const described = Object.entries(types).map(([name, type]) => [name, String(type).replaceAll('"', '')]);
    expect(manifest.columns.map((column) => [column.name, column.type.replace(' (JSON)', '')])).toEqual(described);
    expect(manifest.schemaChanges).toEqual({
      previousExportId: null,
      added: [],
      removed: [],
      retyped: [],
      unknownFields: ['lifecycle_stage'],
      refusedValues: [],
    });
    const rows = await fixture.queryParts(
      manifest,
      (reader) =>
        `SELECT id, epoch_us(date_created) AS created, epoch_us(date_updated) AS updated, _export_id, epoch_us(_extracted_at) AS extractedAt, _extra
         FROM ${reader}`,
    );
    expect(rows.map((row) => row.id).sort()).toEqual([...fixture.simulator.expectedIds()].sort());
    const [from, to] = windowOf(manifest);
    let subMillisecond = 0;
    for (const row of rows) {
      const truth = fixture.simulator.contact(row.id as string)!;
      expect(row.created).toBe(parseIsoMicros(truth.date_created as string));
      expect(row.updated).toBe(parseIsoMicros(truth.date_updated as string));
      if ((row.created as number) % 1000 !== 0) subMillisecond++;
      expect(row._export_id).toBe(exportId);
      expect(row.extractedAt).toBeGreaterThanOrEqual(from);
      expect(row.extractedAt).toBeLessThanOrEqual(to);
      expect(row._extra).toBe('{"lifecycle_stage":"lead"}');
    }
    expect(subMillisecond).toBeGreaterThan(contacts / 4);

    // A later export of the same table with fewer fields: the manifest names what it lost against this one.
    const narrower = await fixture.export(`s3://${BUCKET}/warehouse-close`, ['--format', 'parquet', '--fields', 'name,emails']);
    expect(narrower.result.code, narrower.result.stderr).toBe(0);
    const next = (await fixture.manifest(narrower.folder))!;
    const kept = new Set(next.columns.map((column) => column.name));
    expect(kept.has('name') && kept.has('emails') && !kept.has('phones')).toBe(true);
    expect(next.schemaChanges).toEqual({
      previousExportId: exportId,
      added: [],
      removed: manifest.columns.filter((column) => !kept.has(column.name)),
      retyped: [],
      unknownFields: ['lifecycle_stage'],
      refusedValues: [],
    });
    expect(next.schemaChanges.removed.map((column) => column.name)).toContain('phones');
  });
});
