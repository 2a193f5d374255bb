import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from '../support/cli-process.js';
import { ExportWorld, type WorldManifest } from '../support/export-world.js';
import { HARNESSES } from './harnesses/index.js';
import type { ContactId, SourceHarness } from './source-harness.js';

/**
 * One suite, every source (like bullmq's adapter conformance tests): each harness in harnesses/index.ts gets
 * its own simulator, S3 endpoint and bucket, queue prefix and one worker process, and the exporter is driven
 * through the CLI only (compiled bin/bulk-export.js), against real Redis and s3rver, with DuckDB reading
 * the parts. See README.md in this folder.
 */

/** Small enough for several ranges and several parts per range out of 2,000 contacts. */
const SMALL = ['--page-size', '100', '--part-rows', '200', '--range-rows', '500'];
/**
 * Exports that must last while the test acts on them: small pages (about 27 rounds of 3 pages for 2,000
 * contacts), each answered after an added latency; planning's few requests pay it too, so it stays low.
 */
const PAGE_SIZE = 25;
const SLOW = ['--page-size', String(PAGE_SIZE), '--part-rows', '50', '--range-rows', '500'];
/**
 * Cancel: after the first part about 25 rounds (~10 s) would remain; the cancel CLI acts within ~1 s on a
 * quiet machine, and well within ten on a busy one, so the export cannot commit first.
 */
const CANCEL_LATENCY_MS = 400;
/** Resume: the SIGKILL follows the 4th part's progress event at once; about 23 rounds (~1 s) would remain. */
const RESUME_LATENCY_MS = 50;
const CONCURRENCY = 3;
/** A SIGKILLed worker's ranges are taken over within lock duration + stalled interval (defaults 8 s + 4 s). */
const WORKER_ENV = { WORKER_LOCK_DURATION_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' };

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const keys = (ids: ContactId[]) => ids.map(String).sort(byText);

/** An ISO 8601 instant as microseconds since the epoch (no zone: UTC, as Virtuous sends it). */
function instantMicros(text: string): number {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:?\d\d)?$/.exec(text.trim());
  if (!match) throw new Error(`not an ISO 8601 instant: ${text}`);
  const seconds = Date.parse(`${match[1]}${match[3] ?? 'Z'}`);
  return seconds * 1000 + Number((match[2] ?? '').padEnd(6, '0').slice(0, 6));
}

// The sources run side by side (each has its own simulator, S3, queue prefix and worker); each source's
// tests run in order, sharing its fixture.
describe.concurrent.each(HARNESSES)('source conformance: $label', (harness: SourceHarness) => {
  describe.sequential('through the CLI', () => {
    let world: ExportWorld;

    beforeAll(async () => {
      await harness.start();
      world = await ExportWorld.create(`conformance-${harness.label}`, `conformance-${harness.label}`, harness.env(), WORKER_ENV);
      await world.startWorker(CONCURRENCY);
    });

    afterAll(async () => {
      await world?.close();
      await harness.stop();
    });

    const startArgs = (dest: string) => ['--source', harness.source, ...(harness.records ? ['--records', harness.records] : []), '--dest', dest];
    const explain = (result: CliResult) => `${result.stderr}\n--- worker ---\n${world.workerLogs().slice(-4000)}`;

    /** `start ... --wait`: exit 0, `_SUCCESS`, a manifest of this source; returns it and the export's folder. */
    async function exportAndCommit(dest: string, args: string[]) {
      const { exportId, result } = await world.start([...startArgs(dest), ...args, '--wait']);
      expect(result.code, explain(result)).toBe(0);
      expect(exportId).toMatch(/^exp-/);
      const folder = await world.folder(dest, exportId);
      expect(await world.exists(`${folder}/_SUCCESS`), `${folder}/_SUCCESS`).toBe(true);
      const manifest = (await world.manifest(folder))!;
      expect(manifest).toMatchObject({ exportId, source: harness.source });
      return { exportId, result, folder, manifest };
    }

    /** Every id in the manifest's parts as DuckDB reads them (as text, sorted), with how often each appears. */
    async function idCounts(manifest: WorldManifest): Promise<{ id: string; n: number }[]> {
      const id = harness.idColumn.name;
      const rows = await world.queryParts(
        manifest,
        (reader) => `SELECT CAST("${id}" AS VARCHAR) AS id, count(*) AS n FROM ${reader} GROUP BY 1 ORDER BY 1`,
      );
      return rows.map((row) => ({ id: String(row.id), n: Number(row.n) }));
    }

    async function expectExactly(manifest: WorldManifest, expected: ContactId[]): Promise<void> {
      const counts = await idCounts(manifest);
      expect(
        counts.filter((row) => row.n !== 1),
        'ids written more than once',
      ).toEqual([]);
      expect(counts.map((row) => row.id)).toEqual(keys(expected));
      expect(manifest.rows).toBe(expected.length);
      expect(manifest.parts.reduce((sum, part) => sum + part.rows, 0)).toBe(manifest.rows);
    }

    /** Nothing under the queue prefix but the credential's request budget, nothing on stdout, nothing on S3. */
    async function expectNothingEnqueued(result: CliResult, prefix: string, destPath: string): Promise<void> {
      expect(result.stdout).toBe('');
      expect(await world.keysUnder(prefix)).toEqual([]);
      expect(await world.list(`${destPath}/`)).toEqual([]);
    }

    /** The part objects in an export's folder (its other objects, `_export.json` and `_ranges/`, serve `resume --dest`). */
    async function partObjects(folder: string): Promise<string[]> {
      return (await world.list(`${folder}/`)).filter((key) => key.slice(folder.length + 1).startsWith('part-'));
    }

    async function status(exportId: string): Promise<{ state: string; rows: number }> {
      const result = await world.cli(['status', exportId, '--json']);
      return JSON.parse(result.stdout) as { state: string; rows: number };
    }

    it('refuses a bad filter with exit 2 and its message, enqueuing nothing', async () => {
      const refused = await harness.refusedFilter();
      const prefix = world.freshPrefix(`conformance-${harness.label}-filter`);
      const result = await world.cli(['start', ...startArgs(world.dest('bad-filter')), '--format', 'parquet', ...refused.args], {
        BULK_EXPORT_QUEUE_PREFIX: prefix,
      });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toMatch(refused.message);
      await expectNothingEnqueued(result, prefix, 'bad-filter');
    });

    it('refuses a wrong credential before anything is enqueued, naming the credential variable and not echoing it', async () => {
      const wrong = `conformance-wrong-${harness.label}-credential`;
      const prefix = world.freshPrefix(`conformance-${harness.label}-credential`);
      const result = await world.cli(['start', ...startArgs(world.dest('bad-credential')), '--format', 'parquet'], {
        [harness.credentialVariable]: wrong,
        BULK_EXPORT_QUEUE_PREFIX: prefix,
      });
      expect(result.code, result.stderr).not.toBe(0);
      expect(result.code).not.toBeNull();
      expect(result.stderr).toContain(harness.credentialVariable);
      expect(result.stderr).not.toContain(wrong);
      await expectNothingEnqueued(result, prefix, 'bad-credential');
      // The refusal came from the API (a request spent the credential's budget under this very prefix), so the
      // empty prefix above is evidence, not an accident of a CLI that looked elsewhere.
      expect((await world.keysUnder(prefix, { budget: true })).length, 'no :budget: key: did the CLI use BULK_EXPORT_QUEUE_PREFIX?').toBeGreaterThan(
        0,
      );
    });

    it('full export: every id exactly once in Parquet and in NDJSON, typed id column, a manifest and _SUCCESS', async () => {
      const expected = harness.currentIds();
      await Promise.all(
        [['parquet'], ['ndjson', '--gzip']].map(async ([format, ...extra]) => {
          const dest = world.dest(`full-${format}`);
          const { exportId, folder, manifest } = await exportAndCommit(dest, ['--format', format!, ...extra, ...SMALL]);
          expect(manifest.format).toBe(format);
          expect(manifest.ranges, 'several ranges').toBeGreaterThan(1);
          expect(manifest.parts.length, 'several parts per range').toBeGreaterThan(manifest.ranges);
          await expectExactly(manifest, expected);
          // The part objects are exactly the manifest's: none left by an attempt that no checkpoint committed.
          expect(await partObjects(folder)).toEqual(manifest.parts.map((part) => part.key).sort(byText));
          const types = await world.queryParts(manifest, (reader) => `DESCRIBE SELECT "${harness.idColumn.name}" FROM ${reader}`);
          expect(types.map((row) => row.column_type)).toEqual([harness.idColumn.type]);
          expect(await status(exportId)).toMatchObject({ state: 'committed', rows: expected.length });
        }),
      );
    });

    it('--dry-run plans as start does and prints the plan as JSON, enqueuing and writing nothing', async () => {
      const prefix = world.freshPrefix(`conformance-${harness.label}-dry-run`);
      const result = await world.cli(['start', ...startArgs(world.dest('dry-run')), '--format', 'parquet', ...SMALL, '--dry-run', '--json'], {
        BULK_EXPORT_QUEUE_PREFIX: prefix,
      });
      expect(result.code, explain(result)).toBe(0);
      const plan = JSON.parse(result.stdout) as {
        dryRun: boolean;
        plannedRows: number;
        pageSize: number;
        ranges: { estimatedRows: number }[];
        requests: { planning: number; pages: number };
        budget: { availableNow: number | null };
      };
      expect(plan).toMatchObject({ dryRun: true, plannedRows: harness.currentIds().length, pageSize: 100 });
      expect(plan.ranges.length, 'several ranges, as start plans them').toBeGreaterThan(1);
      expect(plan.ranges.reduce((sum, range) => sum + range.estimatedRows, 0)).toBe(plan.plannedRows);
      expect(plan.requests.planning).toBeGreaterThan(0);
      expect(plan.requests.pages).toBeGreaterThanOrEqual(Math.ceil(plan.plannedRows / 100));
      expect(plan.requests.pages).toBeLessThanOrEqual(Math.ceil(plan.plannedRows / 100) + plan.ranges.length);
      expect(plan.budget.availableNow).toBeGreaterThan(0);
      expect(await world.keysUnder(prefix)).toEqual([]);
      expect(await world.list('dry-run/')).toEqual([]);
    });

    it('--limit N: a trial export of exactly N contacts, reported by --json', async () => {
      const served = harness.rowsServed();
      const result = await world.cli([
        'start',
        ...startArgs(world.dest('limit')),
        '--format',
        'parquet',
        '--limit',
        '150',
        '--page-size',
        '100',
        '--json',
        '--wait',
      ]);
      expect(result.code, explain(result)).toBe(0);
      const started = JSON.parse(result.stdout) as { exportId: string; state: string; rows: number; limit: number; destination: string };
      expect(started).toMatchObject({ state: 'committed', rows: 150, limit: 150 });
      const folder = await world.folder(world.dest('limit'), started.exportId);
      expect(started.destination).toBe(`s3://${world.bucket}/${folder}/`);
      const manifest = (await world.manifest(folder))!;
      expect(manifest.rows).toBe(150);
      const counts = await idCounts(manifest);
      expect(counts.every((row) => row.n === 1)).toBe(true);
      expect(counts.length).toBe(150);
      const current = new Set(keys(harness.currentIds()));
      expect(counts.every((row) => current.has(row.id))).toBe(true);
      // Two pages of 100 were read, planning's probes aside: the trial asks for no page beyond its rows.
      expect(harness.rowsServed() - served).toBeLessThan(150 + 100 + 10);
    });

    it('a filtered export holds exactly the ids the filter selects', async () => {
      const filter = await harness.validFilter();
      expect(filter.ids.length, 'the filter selects some contacts').toBeGreaterThan(0);
      expect(filter.ids.length, 'the filter leaves some out').toBeLessThan(harness.currentIds().length);
      const { manifest } = await exportAndCommit(world.dest('filtered'), ['--format', 'parquet', ...SMALL, ...filter.args]);
      await expectExactly(manifest, filter.ids);
    });

    it('incremental: a full load, then exactly the changed contacts in their current version, then nothing', async () => {
      const dest = world.dest('incremental');
      const { name: id, type: idType } = harness.idColumn;
      const modified = harness.modifiedColumn;
      const run = async () => {
        const done = await exportAndCommit(dest, ['--incremental', '--format', 'ndjson', ...SMALL]);
        const rows = await world.queryParts(
          done.manifest,
          (reader) => `SELECT CAST("${id}" AS VARCHAR) AS id, "${modified}" AS modified FROM ${reader}`,
          {
            [id]: idType,
            [modified]: 'VARCHAR',
          },
        );
        const ids = rows.map((row) => String(row.id));
        expect(new Set(ids).size, 'a contact written twice in one run').toBe(ids.length);
        expect(done.manifest.rows).toBe(ids.length);
        // Every row is the API's current version of the contact.
        const stale = rows.filter((row) => row.modified !== harness.modifiedAt(String(row.id)));
        expect(stale, 'rows older than the API holds').toEqual([]);
        return { ...done, ids: ids.sort(byText) };
      };

      const first = await run();
      expect(first.result.stderr).toMatch(/FULL LOAD/);
      expect(first.manifest.incremental).toMatchObject({ mode: 'incremental', fullLoad: true });
      expect(first.ids).toEqual(keys(harness.currentIds()));

      const changed = keys(harness.changeContacts());
      const second = await run();
      expect(second.manifest.incremental).toMatchObject({ mode: 'incremental', fullLoad: false, previousExportId: first.exportId });
      expect(
        changed.filter((changedId) => !second.ids.includes(changedId)),
        'changed contacts missing',
      ).toEqual([]);
      const unchanged = second.ids.filter((written) => !changed.includes(written));
      if (harness.incrementalMayRepeatBoundary) {
        // Only contacts modified at or after the previous watermark may come again.
        const since = instantMicros(second.manifest.incremental!.since!);
        const beforeWatermark = unchanged.filter((written) => instantMicros(harness.modifiedAt(written)!) < since);
        expect(beforeWatermark, `unchanged contacts modified before the watermark ${second.manifest.incremental!.since}`).toEqual([]);
      } else {
        expect(unchanged, 'unchanged contacts written again').toEqual([]);
      }

      const third = await run();
      expect(third.manifest.rows).toBe(0);
      expect(third.manifest.parts).toEqual([]);
      expect(await partObjects(third.folder)).toEqual([]);
    });

    it('cancel during an export: no _SUCCESS, no manifest, status says cancelled, no more requests', async () => {
      harness.setLatency(CANCEL_LATENCY_MS);
      try {
        const dest = world.dest('cancel');
        const { exportId, result } = await world.start([...startArgs(dest), '--format', 'ndjson', ...SLOW]);
        expect(result.code, explain(result)).toBe(0);
        await world.waitForCommittedParts(exportId, 1);
        const cancelled = await world.cli(['cancel', exportId]);
        expect(cancelled.code, cancelled.stderr).toBe(0);
        expect(cancelled.stdout).toContain(`cancelled ${exportId}`);
        const requestsAtCancel = harness.requestsReceived();
        expect((await status(exportId)).state).toBe('cancelled');
        const folder = await world.folder(dest, exportId);
        expect(await world.exists(`${folder}/_SUCCESS`)).toBe(false);
        expect(await world.manifest(folder)).toBeUndefined();
        // Cancel returned once no range was working: no request went out while status ran and S3 was checked. (A
        // page read ahead and aborted by the cancel may still be answered, to nobody, after its latency: the
        // API's rows served may grow, its requests received do not.)
        expect(harness.requestsReceived()).toBe(requestsAtCancel);
      } finally {
        harness.setLatency(0);
      }
    });

    it('resumes from the checkpoints after the only worker is SIGKILLed: every id once, committed parts not read again', async () => {
      const expected = harness.currentIds();
      const total = expected.length;
      const servedBefore = harness.rowsServed();
      harness.setLatency(RESUME_LATENCY_MS);
      let servedAtKill: number;
      let kept: number;
      const dest = world.dest('resume');
      let exportId: string;
      try {
        const started = await world.start([...startArgs(dest), '--format', 'parquet', ...SLOW]);
        exportId = started.exportId;
        expect(started.result.code, explain(started.result)).toBe(0);
        await world.waitForCommittedParts(exportId, 4);
        expect(world.workers).toHaveLength(1);
        await world.killWorker(world.workers[0]!);
        servedAtKill = harness.rowsServed();
        const stopped = await status(exportId);
        expect(stopped.state).toBe('running');
        kept = stopped.rows;
        expect(kept, 'rows in committed parts when the worker died').toBeGreaterThan(0);
        expect(kept).toBeLessThan(total);
      } finally {
        harness.setLatency(0);
      }

      await world.startWorker(CONCURRENCY);
      await world.waitForCommit(exportId);
      const folder = await world.folder(dest, exportId);
      expect(await world.exists(`${folder}/_SUCCESS`)).toBe(true);
      const manifest = (await world.manifest(folder))!;
      await expectExactly(manifest, expected);

      const served = harness.rowsServed() - servedBefore;
      expect(served, 'rows served for the whole export').toBeLessThan(2 * total);
      // After the kill, only the rows no committed part held are read again, give or take the pages the dead
      // worker had asked for and, per range, the walk that resumes it and the one that confirms its end.
      const slack = CONCURRENCY * PAGE_SIZE + 2 * manifest.ranges * harness.rowsReadAgainPerWalk;
      expect(slack, 'the slack must not hide a re-read of the committed parts').toBeLessThan(kept);
      expect(harness.rowsServed() - servedAtKill, `rows served after the kill (${kept} of ${total} were in committed parts)`).toBeLessThanOrEqual(
        total - kept + slack,
      );
    });
  });
});
