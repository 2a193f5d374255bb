import { afterEach, describe, expect, it, vi } from 'vitest';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { CLI } from '../support/cli-process.js';
import { ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';

describe('status --watch and list', () => {
  let fixture: ExportFixture | undefined;

  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
  });

  it('on a non-TTY prints plain progress lines every interval and exits 0 when the export commits; list shows it', async () => {
    fixture = await ExportFixture.create('watch', { contacts: 6_000, faults: { latencyMs: 100 } });
    const dest = 's3://exports/watch';
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'ndjson',
      '--part-rows',
      '500',
      '--range-rows',
      '1500',
      '--page-size',
      '100',
      '--rate-limit',
      '3000/1m',
    ]);
    expect(result.code, result.stderr).toBe(0);

    // The watch starts before any worker, so it sees the whole export whatever the machine's load.
    const watch = spawn(process.execPath, [CLI, 'status', exportId, '--watch', '--interval', '1'], {
      env: fixture.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const watched = { stdout: '', stderr: '', code: null as number | null };
    watch.stdout.on('data', (chunk: Buffer) => (watched.stdout += chunk.toString()));
    watch.stderr.on('data', (chunk: Buffer) => (watched.stderr += chunk.toString()));
    const exited = once(watch, 'close');
    await vi.waitFor(() => expect(watched.stdout).toContain(`${exportId} running  0/`), { timeout: 30_000, interval: 100 });
    await fixture.startWorkers(1, 2);
    [watched.code] = (await exited) as [number | null];
    expect(watched.code, watched.stderr).toBe(0);
    const lines = watched.stdout.trim().split('\n');
    console.log(`status --watch output:\n${watched.stdout}`);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const progress = lines.slice(0, -1);
    for (const line of progress) {
      expect(line).toMatch(
        new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${exportId} (running|committed)  [\\d,]+/[\\d,]+ rows \\(\\d+%\\)  parts \\d+  ranges \\d+/\\d+  `),
      );
      expect(line).not.toContain('\r');
      expect(line).not.toContain('\x1b');
    }
    expect(progress.some((line) => /running .* rows\/s  ETA \d+s  budget ETA \d+s$/.test(line))).toBe(true);
    expect(progress.at(-1)).toMatch(new RegExp(`${exportId} committed  [\\d,]+/[\\d,]+ rows \\(100%\\)`));
    expect(lines.at(-1)).toBe(
      `committed ${fixture.simulator.expectedIds({ includeArchived: true }).length} rows in ${/parts (\d+)/.exec(progress.at(-1)!)![1]} parts to ${dest}/virtuous/contacts/export_id=${exportId}/`,
    );

    const listed = await fixture.cli(['list', '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const [entry] = JSON.parse(listed.stdout);
    expect(entry).toMatchObject({
      exportId,
      state: 'committed',
      rows: fixture.simulator.expectedIds({ includeArchived: true }).length,
      destination: `${dest}/virtuous/contacts/export_id=${exportId}/`,
      format: 'ndjson',
      account: 'default',
    });
    expect(entry.durationSeconds).toBeGreaterThanOrEqual(0);
    const table = await fixture.cli(['list', '--limit', '5']);
    expect(table.stdout.split('\n')[0]).toMatch(/^EXPORT\s+STATE\s+ACCOUNT\s+ROWS\s+RANGES\s+DURATION\s+STARTED\s+DESTINATION$/);
    expect(table.stdout).toMatch(
      new RegExp(`${exportId}\\s+committed\\s+default\\s+[\\d,]+\\s+\\d+/\\d+\\s+\\d+s\\s+\\S+\\s+${dest}/virtuous/contacts/export_id=${exportId}/`),
    );
    // Another account's exports only: none of this one.
    expect(JSON.parse((await fixture.cli(['list', '--json', '--account', 'acme'])).stdout)).toEqual([]);
  });

  it('--json --watch prints one JSON object per update; a cancelled export ends the watch with exit 1', async () => {
    fixture = await ExportFixture.create('watch-json', { contacts: 20_000, faults: { latencyMs: 80 } });
    await fixture.startWorkers(1, 2);
    const { exportId } = await fixture.start([
      '--dest',
      's3://exports/watch-json',
      '--format',
      'ndjson',
      '--part-rows',
      '500',
      '--range-rows',
      '5000',
      '--page-size',
      '100',
    ]);
    const watching = fixture.cli(['status', exportId, '--watch', '--json', '--interval', '1']);
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 3);
    const cancelled = await fixture.cli(['cancel', exportId]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    const watched = await watching;
    expect(watched.code).toBe(1);
    const updates = watched.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(updates.length).toBeGreaterThanOrEqual(2);
    expect(updates.some((update) => update.state === 'running' && update.rows > 0)).toBe(true);
    for (const update of updates) {
      expect(update).toMatchObject({ exportId, ranges: { total: expect.any(Number) }, at: expect.any(String) });
      expect(update).toHaveProperty('rowsPerSecond');
      expect(update).toHaveProperty('etaSeconds');
      expect(update.budgetEtaSeconds).toBeNull();
    }
    expect(updates.at(-1).state).toBe('cancelled');
  });

  it('refuses an unknown export', async () => {
    fixture = await ExportFixture.create('watch-unknown', { contacts: 10 });
    const watched = await fixture.cli(['status', 'exp-20261130t120000-abcdef', '--watch']);
    expect(watched.code).toBe(2);
    expect(watched.stderr).toContain('No export "exp-20261130t120000-abcdef"');
  });
});
