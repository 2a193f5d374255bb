import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIsoMicros } from '../../src/time/iso-instant.js';
import type { Watermark } from '../../src/queue/watermark.js';
import { BUCKET, CloseExportFixture } from '../support/close-fixture.js';

const CONTACTS = 3000;

/** Incremental Close exports walk date_updated with the same keyset as the date_created windows. */
describe('incremental Close exports on date_updated', () => {
  let fixture: CloseExportFixture;
  let directory: string;

  beforeAll(async () => {
    fixture = await CloseExportFixture.create('close-incremental', { contacts: CONTACTS, seed: 9, maxObjectsPerWalk: 700 });
    directory = await mkdtemp(join(tmpdir(), 'close-incremental-'));
    await fixture.startWorkers(1, 3);
  });

  afterAll(async () => {
    await fixture?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  const sorted = (ids: string[]) => [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

  async function run(dest: string, args: string[]) {
    const { exportId, result, folder } = await fixture.export(dest, ['--format', 'parquet', '--range-rows', '800', '--part-rows', '400', ...args]);
    expect(result.code, result.stderr + fixture.workerLogs()).toBe(0);
    expect(await fixture.store.exists(`${folder}/_SUCCESS`)).toBe(true);
    const manifest = (await fixture.manifest(folder))!;
    const ids =
      manifest.parts.length === 0
        ? []
        : await fixture.queryParts(manifest, (reader) => `SELECT id, count(*) AS n FROM ${reader} GROUP BY id ORDER BY id`);
    return { exportId, result, manifest, ids };
  }

  it('loads everything first, then exactly the edited and inserted contacts, then nothing', async () => {
    const sim = fixture.simulator;
    const dest = `s3://${BUCKET}/close-inc`;
    const watermarkKey = 'close-inc/_bulk_export/watermarks/close/contacts/default/unfiltered.json';
    const first = await run(dest, ['--incremental']);
    expect(first.result.stderr).toMatch(/this run is a FULL LOAD/);
    expect(first.manifest.rows).toBe(CONTACTS);
    expect(first.manifest.ranges).toBeGreaterThan(2);
    expect(first.ids.map((row) => row.id)).toEqual(sorted(sim.expectedIds()));
    expect(first.ids.every((row) => row.n === 1)).toBe(true);
    expect(first.manifest.incremental).toMatchObject({ mode: 'incremental', field: 'date_updated', fullLoad: true });
    const mark1 = JSON.parse((await fixture.store.getText(watermarkKey))!) as Watermark;
    const newest = sim
      .expectedIds()
      .map((id) => sim.contact(id)!.date_updated as string)
      .reduce((a, b) => (parseIsoMicros(a)! >= parseIsoMicros(b)! ? a : b));
    expect(mark1.modifiedAt).toBe(newest);

    const all = sim.expectedIds();
    const edited = [all[3]!, all[700]!, all[1400]!, all[2999]!];
    for (const id of edited) sim.edit(id, { title: `Edited ${id}` });
    sim.edit(edited[0]!, { name: 'Twice Edited' });
    const inserted = sim.insert(3);
    const changed = sorted([...edited, ...inserted]);

    const second = await run(dest, ['--incremental']);
    expect(second.ids.map((row) => row.id)).toEqual(changed);
    expect(second.ids.every((row) => row.n === 1)).toBe(true);
    expect(second.manifest.incremental).toMatchObject({ fullLoad: false, previousExportId: first.exportId, since: mark1.position.at });
    const titles = await fixture.queryParts(second.manifest, (reader) => `SELECT id, name, title FROM ${reader} ORDER BY id`);
    for (const row of titles)
      expect([row.name, row.title]).toEqual([sim.contact(row.id as string)!.name, sim.contact(row.id as string)!.title ?? null]);
    const mark2 = JSON.parse((await fixture.store.getText(watermarkKey))!) as Watermark;
    expect(parseIsoMicros(mark2.modifiedAt!)!).toBeGreaterThan(parseIsoMicros(mark1.modifiedAt!)!);

    const third = await run(dest, ['--incremental']);
    expect(third.manifest.rows).toBe(0);
    expect(third.manifest.parts).toEqual([]);
    const mark3 = JSON.parse((await fixture.store.getText(watermarkKey))!) as Watermark;
    expect(mark3.position).toEqual(mark2.position);
  });

  it('--since with a --query exports the changed contacts the query matches, and sets no watermark', async () => {
    const sim = fixture.simulator;
    const since = new Date(Date.now() - 1).toISOString();
    const withEmail = (id: string) => (sim.contact(id)!.emails as unknown[]).length >= 1;
    const all = sim.expectedIds();
    const edited = [...all.filter(withEmail).slice(10, 14), ...all.filter((id) => !withEmail(id)).slice(10, 13)];
    for (const id of edited) sim.edit(id, { title: 'Campaign 2026' });
    const expected = sorted(edited.filter(withEmail));
    expect(expected).toHaveLength(4);

    const queryFile = join(directory, 'with-email.json');
    await writeFile(
      queryFile,
      JSON.stringify({
        type: 'field_condition',
        field: { type: 'regular_field', object_type: 'contact', field_name: 'emails_count' },
        condition: { type: 'number_range', gte: 1 },
      }),
    );
    const dest = `s3://${BUCKET}/close-since`;
    const { manifest, ids, result } = await run(dest, ['--since', since, '--query', queryFile, '--fields', 'name,title']);
    expect(result.stderr).toMatch(/since: contacts modified at or after/);
    expect(ids.map((row) => row.id)).toEqual(expected);
    expect(manifest.incremental).toMatchObject({ mode: 'since', field: 'date_updated', watermarkKey: null });
    expect(parseIsoMicros(manifest.incremental!.since!)).toBe(parseIsoMicros(since));
    expect(await fixture.store.list('close-since/_bulk_export/watermarks/')).toEqual([]);
  });
});
