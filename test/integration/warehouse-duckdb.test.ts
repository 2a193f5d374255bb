import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { copyPrefix, statementsOnCopy } from '../../simulators/local-services/local-duckdb.js';
import { parseIsoMicros } from '../../src/time/iso-instant.js';
import { loadFilesFor } from '../../src/warehouse/load-files.js';
import { CloseExportFixture } from '../support/close-fixture.js';
import { queryDuckDB } from '../support/duckdb.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';

const CONTACTS = 1500;
const TABLE = 'virtuous/full_contacts';

/**
 * `bulk-export ddl --target duckdb` end to end: a full export and two incremental exports of the Virtuous
 * simulator (edits, archives and inserts between them) on the S3 endpoint, a stray part next to a committed
 * export's parts and an export folder without `_SUCCESS`; the statements the CLI prints are run in DuckDB.
 *
 * DuckDB's httpfs extension cannot be installed here (no network, and @duckdb/node-api does not bundle it),
 * so the statements run on a copy of the destination downloaded from the S3 endpoint: the s3://exports/
 * URLs are rewritten to the copy's folder and the httpfs/secret prelude is left out. Everything else runs
 * as printed.
 *
 * Checked: the table holds every row of each committed export exactly once (rows per export equal each
 * manifest's rows, and `_export_id` agrees; nothing from the stray part or the unfinished export), and the
 * current-rows view equals the simulator's final state exactly: every live and archived id once, with its
 * current name and modifiedDateTimeUtc (at the precision Parquet stores it). The same for Close
 * (`date_updated`). And the Redshift and Athena statements find every export's load files.
 */
describe('bulk-export ddl --target duckdb', () => {
  let fixture: ExportFixture | CloseExportFixture | undefined;
  let copy: string | undefined;
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
    if (copy) await rm(copy, { recursive: true, force: true });
    copy = undefined;
  });

  it('reads exactly the committed exports, and the current rows equal the API', async () => {
    fixture = await ExportFixture.create('ddl-duckdb', { contacts: CONTACTS, seed: 23 });
    const f = fixture;
    const sim = f.simulator;
    await f.startWorkers(1, 3);
    const dest = `s3://${BUCKET}/wh`;
    const tuning = ['--format', 'parquet', '--range-rows', '500', '--part-rows', '200', '--page-size', '100'];
    const run = async (args: string[]) => {
      const { exportId, result } = await f.start([...args, '--dest', dest, ...tuning, '--wait']);
      expect(result.code, result.stderr + f.workers[0]!.output()).toBe(0);
      const folder = await f.folder(dest, exportId);
      expect(folder).toBe(`wh/${TABLE}/export_id=${exportId}`);
      return { exportId, folder, manifest: (await f.manifest(folder))! };
    };

    // 1. A full export of complete records, archived contacts included.
    const full = await run(['--full-contact']);
    expect(full.manifest.rows).toBe(sim.expectedIds({ includeArchived: true }).length);

    // 2. Edits, archives and inserts; the first incremental starts where the full export began.
    const live = sim.expectedIds();
    for (const id of [live[3]!, live[400]!, live[900]!]) sim.edit(id, { name: `Renamed ${id}` });
    for (const id of [live[50]!, live[901]!]) sim.archive(id);
    const inserted = sim.insert(5);
    const second = await run(['--incremental', '--since', full.manifest.startedAt, '--watermark-overlap', '0s']);
    expect(second.manifest.rows).toBeGreaterThanOrEqual(10);

    // 3. More: a contact edited again, one edited then archived, an inserted one edited, new ones.
    sim.edit(live[3]!, { name: `Renamed again ${live[3]}`, description: 'twice' });
    sim.edit(live[1200]!, { name: `Edited ${live[1200]}` });
    sim.archive(live[1200]!);
    sim.edit(inserted[0]!, { name: `Edited insert ${inserted[0]}` });
    sim.insert(3);
    const third = await run(['--incremental', '--watermark-overlap', '0s']);
    expect(third.manifest.rows).toBeGreaterThanOrEqual(6);
    const committed = [full, second, third];

    // What no statement may read: a stray part next to a committed export's parts (as a lost attempt's late
    // upload would be), and an export folder without _SUCCESS (running, failed or cancelled).
    const aPart = full.manifest.parts[0]!.key;
    const bytes = await f.store.getBytes(aPart);
    await f.store.put(`${full.folder}/part-r00000-s000000-adeadbeef.parquet`, bytes, { contentType: 'application/vnd.apache.parquet' });
    await f.store.put(`wh/${TABLE}/export_id=exp-20991231t235959-ffffff/part-r00000-s000000-a12345678.parquet`, bytes, {
      contentType: 'application/vnd.apache.parquet',
    });

    const ddl = await f.cli(['ddl', '--target', 'duckdb', '--dest', dest, '--table', TABLE]);
    expect(ddl.code, ddl.stderr).toBe(0);
    expect(ddl.stdout).not.toMatch(/S3RVER/);
    expect(ddl.stdout).toContain('Not read: exp-20991231t235959-ffffff');
    for (const { manifest } of committed) for (const part of manifest.parts) expect(ddl.stdout).toContain(`s3://${BUCKET}/${part.key}`);

    copy = await mkdtemp(join(tmpdir(), 'bulk-export-ddl-'));
    await copyPrefix(f.store, 'wh/', copy);
    await runStatements(statementsOnCopy(ddl.stdout, BUCKET, copy));

    // Every committed row once, under its export; nothing else.
    const perExport = await queryDuckDB(
      'SELECT export_id, count(*) AS n, count(DISTINCT id) AS ids, count(*) FILTER (WHERE "_export_id" IS DISTINCT FROM export_id) AS mislabelled ' +
        'FROM virtuous_full_contacts GROUP BY ALL ORDER BY export_id',
    );
    expect(perExport).toEqual(
      committed
        .filter(({ manifest }) => manifest.rows > 0)
        .map(({ exportId, manifest }) => ({ export_id: exportId, n: manifest.rows, ids: manifest.rows, mislabelled: 0 }))
        // Export ids started within one second differ only in their random ends: compare in the query's order.
        .sort((a, b) => (a.export_id < b.export_id ? -1 : a.export_id > b.export_id ? 1 : 0)),
    );

    // The current rows: the API's final state, every live and archived contact once.
    const current = await queryDuckDB(
      'SELECT id, name, "modifiedDateTimeUtc" AS modified, export_id FROM virtuous_full_contacts_current ORDER BY id',
    );
    const everyone = sim.expectedIds({ includeArchived: true });
    expect(current.map((row) => row.id)).toEqual(everyone);
    for (const row of current) {
      const truth = sim.fullContact(Number(row.id))!;
      expect({ id: row.id, name: row.name }).toEqual({ id: truth.id, name: truth.name });
      expect(sameInstant(String(row.modified), truth.modifiedDateTimeUtc), `contact ${row.id}: ${row.modified} vs ${truth.modifiedDateTimeUtc}`).toBe(
        true,
      );
    }
    // The edits of the last run are its rows.
    for (const id of [live[3]!, live[1200]!, inserted[0]!]) expect(current.find((row) => row.id === id)!.export_id).toBe(third.exportId);
    console.info(`[ddl duckdb] rows per export ${committed.map(({ manifest }) => manifest.rows).join(' / ')}; current rows ${current.length}`);
  });

  it('gifts join contacts: the giving-per-donor query of docs/warehouse.md equals the API, to the cent', async () => {
    fixture = await ExportFixture.create('ddl-join', { contacts: 400, gifts: 1500, seed: 31 });
    const f = fixture;
    const sim = f.simulator;
    await f.startWorkers(1, 3);
    const dest = `s3://${BUCKET}/wh-join`;
    for (const args of [['--full-contact'], ['--records', 'gifts', '--full-gift']]) {
      const { result } = await f.start([...args, '--dest', dest, '--format', 'parquet', '--range-rows', '500', '--wait']);
      expect(result.code, result.stderr + f.workers[0]!.output()).toBe(0);
    }
    copy = await mkdtemp(join(tmpdir(), 'bulk-export-join-'));
    await copyPrefix(f.store, 'wh-join/', copy);
    for (const table of ['virtuous/full_contacts', 'virtuous/full_gifts']) {
      const ddl = await f.cli(['ddl', '--target', 'duckdb', '--dest', dest, '--table', table]);
      expect(ddl.code, ddl.stderr).toBe(0);
      await runStatements(statementsOnCopy(ddl.stdout, BUCKET, copy));
    }
    const query = /```sql\n(-- Giving per donor[\s\S]*?)```/.exec(await readFile('docs/warehouse.md', 'utf8'))![1]!;
    const rows = await queryDuckDB(query.replace(/;\s*$/, ''));

    const truth = new Map<number, { name: string; gifts: number; cents: number; last: string }>();
    for (const id of sim.expectedGiftIds()) {
      const gift = sim.fullGift(id)!;
      const donor = truth.get(gift.contactId) ?? { name: sim.fullContact(gift.contactId)!.name, gifts: 0, cents: 0, last: '' };
      donor.gifts += 1;
      donor.cents += Math.round(gift.amount * 100);
      if (gift.giftDate.slice(0, 10) > donor.last) donor.last = gift.giftDate.slice(0, 10);
      truth.set(gift.contactId, donor);
    }
    expect(rows.length).toBe(truth.size);
    for (const row of rows) {
      const donor = truth.get(Number(row.contact_id))!;
      expect({ name: row.name, gifts: Number(row.gifts), cents: Math.round(Number(row.given) * 100), last: row.last_gift }).toEqual({
        name: donor.name,
        gifts: donor.gifts,
        cents: donor.cents,
        last: donor.last,
      });
    }
    const totals = rows.map((row) => Number(row.given));
    expect(totals).toEqual([...totals].sort((a, b) => b - a));
  });

  it('Redshift and Athena: every committed export has its load files from the commit, as built from its manifest', async () => {
    fixture = await ExportFixture.create('ddl-load-files', { contacts: 300, seed: 29 });
    const f = fixture;
    await f.startWorkers(1, 2);
    const dest = `s3://${BUCKET}/wh-load`;
    const committed = [];
    for (const args of [['--full-contact'], ['--incremental', '--watermark-overlap', '0s']]) {
      f.simulator.edit(f.simulator.expectedIds()[7]!, { name: `Edited ${args[0]}` });
      const { exportId, result } = await f.start([...args, '--dest', dest, '--format', 'parquet', '--range-rows', '150', '--wait']);
      expect(result.code, result.stderr + f.workers[0]!.output()).toBe(0);
      const folder = await f.folder(dest, exportId);
      const manifest = (await f.manifest(folder))!;
      // The commit writes them before _SUCCESS.
      for (const file of loadFilesFor(manifest, BUCKET, folder)) expect(await f.store.getText(file.key)).toBe(file.body);
      committed.push({ folder, manifest });
    }
    // ddl writes load files only for exports committed without them: none here.
    const redshift = await f.cli(['ddl', '--target', 'redshift', '--dest', dest, '--table', TABLE]);
    expect(redshift.code, redshift.stderr).toBe(0);
    expect(redshift.stderr).not.toMatch(/wrote/);
    for (const { folder } of committed) {
      expect(redshift.stdout).toContain(`FROM 's3://${BUCKET}/${folder}/_load/redshift-manifest.json'`);
    }
    const athena = await f.cli(['ddl', '--target', 'athena', '--dest', dest, '--table', TABLE]);
    expect(athena.code, athena.stderr).toBe(0);
    expect(athena.stderr).not.toMatch(/wrote/);
    for (const { folder } of committed) expect(athena.stdout).toContain(`LOCATION 's3://${BUCKET}/${folder}/_load/athena-symlink/'`);
    expect(redshift.stdout + athena.stdout).not.toMatch(/S3RVER/);
  });

  it('Close: the current rows follow date_updated across a full and two incremental exports', async () => {
    fixture = await CloseExportFixture.create('ddl-duckdb-close', { contacts: 800, seed: 5 });
    const f = fixture;
    const sim = f.simulator;
    await f.startWorkers(1, 3);
    const dest = `s3://${BUCKET}/wh-close`;
    const run = async (args: string[]) => {
      const { exportId, result, folder } = await f.export(dest, ['--format', 'parquet', '--range-rows', '300', '--part-rows', '150', ...args]);
      expect(result.code, result.stderr + f.workerLogs()).toBe(0);
      return { exportId, folder, manifest: (await f.manifest(folder))! };
    };
    const full = await run([]);
    const all = sim.expectedIds();
    for (const id of [all[1]!, all[300]!, all[799]!]) sim.edit(id, { name: `Edited ${id}` });
    const inserted = sim.insert(4);
    const second = await run(['--incremental', '--since', full.manifest.startedAt]);
    sim.edit(all[1]!, { name: 'Edited twice' });
    sim.edit(inserted[2]!, { title: 'Edited insert' });
    const third = await run(['--incremental']);
    const committed = [full, second, third];
    expect(third.manifest.rows).toBeGreaterThanOrEqual(2);

    const ddl = await f.cli(['ddl', '--target', 'duckdb', '--dest', dest, '--table', 'close/contacts']);
    expect(ddl.code, ddl.stderr).toBe(0);
    copy = await mkdtemp(join(tmpdir(), 'bulk-export-ddl-close-'));
    await copyPrefix(f.store, 'wh-close/', copy);
    await runStatements(statementsOnCopy(ddl.stdout, BUCKET, copy));

    const perExport = await queryDuckDB(
      'SELECT export_id, count(*) AS n, count(DISTINCT id) AS ids FROM close_contacts GROUP BY ALL ORDER BY export_id',
    );
    // In export id order, as the query sorts: two exports started within one second have ids in no order of time.
    expect(perExport).toEqual(
      committed
        .filter(({ manifest }) => manifest.rows > 0)
        .map(({ exportId, manifest }) => ({ export_id: exportId, n: manifest.rows, ids: manifest.rows }))
        .sort((a, b) => (a.export_id < b.export_id ? -1 : 1)),
    );
    const current = await queryDuckDB('SELECT id, name, title, date_updated FROM close_contacts_current ORDER BY id');
    expect(current.map((row) => row.id)).toEqual([...sim.expectedIds()].sort());
    for (const row of current) {
      const truth = sim.contact(String(row.id))!;
      expect([row.name, row.title ?? null]).toEqual([truth.name, truth.title ?? null]);
      expect(sameInstant(String(row.date_updated), String(truth.date_updated)), `contact ${row.id}`).toBe(true);
    }
  });
});

async function runStatements(statements: string[]): Promise<void> {
  expect(statements.filter((statement) => statement.startsWith('CREATE OR REPLACE VIEW'))).toHaveLength(2);
  for (const statement of statements) await queryDuckDB(statement);
}

/** The stored instant is the API's, at the precision Parquet keeps (microseconds, or milliseconds). */
function sameInstant(stored: string, api: string): boolean {
  const storedMicros = parseIsoMicros(stored);
  const apiMicros = parseIsoMicros(api);
  if (storedMicros === null || apiMicros === null) return false;
  return storedMicros === apiMicros || storedMicros === Math.floor(apiMicros / 1000) * 1000;
}
