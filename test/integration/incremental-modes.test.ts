import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { parseIsoMicros } from '../../src/time/iso-instant.js';
import type { Watermark } from '../../src/queue/watermark.js';
import type { DateFilterPrecision } from '../../simulators/virtuous/date-filter-value.js';
import type { ExportManifest } from '../../src/sinks/manifest.js';
import { queryDuckDB } from '../support/duckdb.js';
import { downloadParts, sqlList } from '../support/export-download.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';

const CONTACTS = 3000;
const MINUTE = 60_000;

interface Mode {
  precision: DateFilterPrecision;
  /** How far the API's clock is from this machine's (and Redis'): the watermark must not care. */
  clockOffsetMs: number;
  overlap: string;
}

/**
 * Virtuous incremental exports end to end in each way the organization's date parameter may treat a
 * time of day (full precision, UTC day, refused), with the API's clock behind or ahead of ours: edits,
 * archives and inserts between runs and while a run reads. Checked with DuckDB on the NDJSON parts:
 *   - within a run every contact appears at most once;
 *   - every contact changed since the previous run's reads is in the next run, in its current version
 *     unless changed again meanwhile;
 *   - a contact not changed since appears only at the boundary: modified at or after the watermark the
 *     previous run left (the documented repeat);
 *   - no change is ever lost: per contact, the newest version across all runs equals the API's final state;
 *   - a `--since` export holds exactly the contacts modified from that instant on.
 */
describe.each<Mode>([
  { precision: 'instant', clockOffsetMs: 0, overlap: '0s' },
  { precision: 'day', clockOffsetMs: -7 * MINUTE, overlap: '0s' },
  { precision: 'date-only', clockOffsetMs: 7 * MINUTE, overlap: '60s' },
])('Virtuous incremental exports, date filter $precision, API clock $clockOffsetMs ms off, overlap $overlap', (mode) => {
  let fixture: ExportFixture | undefined;
  afterEach(() => fixture?.close());

  const dest = `s3://${BUCKET}/inc`;

  it('exports every change exactly once per run and loses none, whatever happens while a run reads', async () => {
    fixture = await ExportFixture.create(`inc-${mode.precision}`, {
      contacts: CONTACTS,
      seed: 11,
      dateFilterPrecision: mode.precision,
      now: () => Date.now() + mode.clockOffsetMs,
      // Slow enough that edits land while the first run reads.
      faults: { latencyMs: [5, 15] },
    });
    await fixture.startWorkers(1, 3);
    const sim = fixture.simulator;
    const f = fixture;
    const watermarkKey = 'inc/_bulk_export/watermarks/virtuous/full_contacts/default/unfiltered.json';
    const readWatermark = async () => JSON.parse((await f.store.getText(watermarkKey))!) as Watermark;
    const modifiedMicros = (id: number) => parseIsoMicros(sim.fullContact(id)!.modifiedDateTimeUtc)!;
    const args = [
      '--dest',
      dest,
      '--incremental',
      '--format',
      'ndjson',
      '--range-rows',
      '600',
      '--part-rows',
      '200',
      '--page-size',
      '100',
      '--watermark-overlap',
      mode.overlap,
    ];
    const versions: { id: number; modified: string; name: string; run: number }[] = [];

    const runRows = async (exportId: string, run: number) => {
      const manifest = (await f.manifest(await f.folder(dest, exportId)))!;
      expect(await f.store.exists(`${await f.folder(dest, exportId)}/_SUCCESS`)).toBe(true);
      const rows = await readRows(f, manifest);
      versions.push(...rows.map((row) => ({ ...row, run })));
      const ids = rows.map((row) => row.id);
      expect(new Set(ids).size, `run ${run} wrote a contact twice`).toBe(ids.length);
      return { manifest, ids: new Set(ids), rows };
    };
    const incremental = async (run: number) => {
      const { exportId, result } = await f.start([...args, '--wait']);
      expect(result.code, result.stderr + f.workers[0]!.output()).toBe(0);
      return { exportId, result, ...(await runRows(exportId, run)) };
    };
    /** Contacts modified at or after a watermark: the only unchanged ones the next run may repeat (when more than the remembered versions). */
    const boundaryOf = (mark: Watermark, ids: number[]) => ids.filter((id) => modifiedMicros(id) >= parseIsoMicros(mark.position.at)!);

    // 1. No watermark yet: a full load, archived contacts included, with edits while it reads: every
    //    150th contact once two parts are committed, so some are read before their edit and some after.
    const started = await f.start(args);
    expect(started.result.code, started.result.stderr).toBe(0);
    expect(started.result.stderr).toMatch(/this run is a FULL LOAD/);
    await waitForCommittedParts(f.redisUrl, f.prefix, started.exportId, 2);
    const editedDuring = sim.expectedIds({ includeArchived: true }).filter((_, index) => index % 150 === 75);
    for (const id of editedDuring) sim.edit(id, { name: `During ${id}` });
    await f.waitForCommit(started.exportId);
    const first = await runRows(started.exportId, 1);
    expect([...first.ids].sort((a, b) => a - b)).toEqual(sim.expectedIds({ includeArchived: true }));
    expect(first.manifest.incremental).toMatchObject({ mode: 'incremental', field: 'modifiedDateTimeUtc', since: null, fullLoad: true });
    const mark1 = await readWatermark();
    expect(mark1.exportId).toBe(started.exportId);
    const missed = editedDuring.filter((id) => first.rows.find((row) => row.id === id)!.name !== `During ${id}`);
    expect(missed.length, 'some edits came after their page was read').toBeGreaterThan(0);
    expect(missed.length, 'some edits came before their page was read').toBeLessThan(editedDuring.length);
    // The watermark never passes a change the run did not write.
    for (const id of missed) expect(modifiedMicros(id)).toBeGreaterThanOrEqual(parseIsoMicros(mark1.position.at)!);
    const boundary1 = boundaryOf(mark1, sim.expectedIds({ includeArchived: true }));

    // 2. Between runs: edits (one twice), archives (one of an edited contact) and inserts.
    const betweenRuns = new Date(Date.now() + mode.clockOffsetMs).toISOString();
    const live = sim.expectedIds();
    const edited = [live[10]!, live[500]!, live[1500]!, live[2200]!, live.at(-1)!];
    const archived = [live[42]!, live[1500]!, live[2600]!];
    for (const id of edited) sim.edit(id, { name: `Renamed ${id}` });
    sim.edit(edited[0]!, { description: 'edited twice' });
    for (const id of archived) sim.archive(id);
    const inserted = sim.insert(4);
    const changed = [...new Set([...edited, ...archived, ...inserted, ...missed])];

    // 3. The second run: every change since the first run's reads, the missed edits included, in its current
    //    version; nothing else but the boundary.
    const second = await incremental(2);
    expect(second.result.stderr).toMatch(new RegExp(`continuing from the watermark .* set by ${started.exportId}`));
    for (const id of changed) expect(second.ids.has(id), `changed contact ${id} missing from run 2`).toBe(true);
    const allowed = new Set([...changed, ...boundary1]);
    expect([...second.ids].filter((id) => !allowed.has(id))).toEqual([]);
    for (const row of second.rows) expect(row.name).toBe(sim.fullContact(row.id)!.name);
    expect(second.manifest.incremental).toMatchObject({
      mode: 'incremental',
      fullLoad: false,
      previousExportId: started.exportId,
      since: mark1.position.at,
    });
    const mark2 = await readWatermark();
    expect(parseIsoMicros(mark2.position.at)!).toBeGreaterThanOrEqual(parseIsoMicros(mark1.position.at)!);

    // 4. Nothing changed: an empty run (the versions written at the boundary are remembered with the
    //    watermark), _SUCCESS, and the watermark does not go back.
    const third = await incremental(3);
    expect(third.manifest.rows).toBe(0);
    expect(third.manifest.parts).toEqual([]);
    const mark3 = await readWatermark();
    expect(parseIsoMicros(mark3.position.at)!).toBeGreaterThanOrEqual(parseIsoMicros(mark2.position.at)!);

    // 5. --since an instant between the runs (by the API's clock): exactly the contacts modified from then on.
    const since = await f.start(['--dest', `s3://${BUCKET}/since`, '--since', betweenRuns, '--format', 'ndjson', '--range-rows', '600', '--wait']);
    expect(since.result.code, since.result.stderr).toBe(0);
    const sinceRows = await readRows(f, (await f.manifest(await f.folder(`s3://${BUCKET}/since`, since.exportId)))!);
    const modifiedSince = sim.expectedIds({ includeArchived: true }).filter((id) => modifiedMicros(id) >= parseIsoMicros(betweenRuns)!);
    expect(sinceRows.map((row) => row.id).sort((a, b) => a - b)).toEqual(modifiedSince);
    expect(modifiedSince.length).toBe(changed.length - missed.length);

    // Nothing lost: per contact, the newest version written equals the API's final state.
    const newest = new Map<number, { modified: string; name: string }>();
    for (const version of versions) {
      const known = newest.get(version.id);
      if (!known || parseIsoMicros(version.modified)! >= parseIsoMicros(known.modified)!)
        newest.set(version.id, { modified: version.modified, name: version.name });
    }
    const everyone = sim.expectedIds({ includeArchived: true });
    expect(newest.size).toBe(everyone.length);
    for (const id of everyone) {
      const truth = sim.fullContact(id)!;
      expect(newest.get(id), `contact ${id}`).toEqual({ modified: truth.modifiedDateTimeUtc, name: truth.name });
    }
    console.info(
      `[incremental ${mode.precision}] rows per run ${[first, second, third].map((run) => run.ids.size).join(' / ')}; ` +
        `edited during run 1: ${editedDuring.length}, read before the edit: ${missed.length}; changed between runs: ${changed.length - missed.length}`,
    );
  });
});

/** Id, modification stamp (as the API sent it) and name of every row of an NDJSON export. */
async function readRows(fixture: ExportFixture, manifest: ExportManifest): Promise<{ id: number; modified: string; name: string }[]> {
  if (manifest.parts.length === 0) return [];
  const parts = await downloadParts(fixture.store, manifest);
  try {
    const rows = await queryDuckDB(
      `SELECT id, modifiedDateTimeUtc AS modified, name FROM read_json(${sqlList(parts.files)}, format = 'newline_delimited', ` +
        `columns = {id: 'BIGINT', modifiedDateTimeUtc: 'VARCHAR', name: 'VARCHAR'})`,
    );
    return rows.map((row) => ({ id: Number(row.id), modified: String(row.modified), name: String(row.name) }));
  } finally {
    await rm(parts.directory, { recursive: true, force: true });
  }
}
