import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUCKET, CloseExportFixture } from '../support/close-fixture.js';
import { queryDuckDB } from '../support/duckdb.js';
import { downloadParts, sqlList } from '../support/export-download.js';
import { waitForCommittedParts } from '../support/progress-events.js';
import { redisContents } from '../support/redis-contents.js';

const CONTACTS = 4_000;
// Access tokens of the partner application's grant for the organization "acme": the first, and the one a refresh gave.
const TOKEN_A = 'tokA-5c81e0f7a93d';
const TOKEN_B = 'tokB-0e6b2d94c17f';

/**
 * A Close account authorized by an OAuth 2.0 access token: the worker sends `Bearer <token>` from the
 * account's file, and when the partner application refreshes its grant midway (the old token expires, the new
 * one reaches the file), the 401 makes the worker read the file again and go on with the new token. The
 * exporter never refreshes anything itself, and neither token reaches a log or Redis.
 */
describe('a Close export authorized by OAuth access tokens', () => {
  let fixture: CloseExportFixture | undefined;
  let credentials: string;

  beforeEach(async () => {
    credentials = await mkdtemp(join(tmpdir(), 'close-oauth-'));
    await mkdir(join(credentials, 'close'));
  });
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
    await rm(credentials, { recursive: true, force: true });
  });

  it('takes up the token the application refreshed midway, and exports every contact exactly', { timeout: 120_000 }, async () => {
    fixture = await CloseExportFixture.create(
      'close-oauth',
      { contacts: CONTACTS, seed: 7, accessTokens: [TOKEN_A], faults: { latencyMs: [60, 90], seed: 5 } },
      { env: { CREDENTIALS_DIR: credentials } },
    );
    const sim = fixture.simulator;
    const file = join(credentials, 'close', 'acme');
    await writeFile(file, `Bearer ${TOKEN_A}\n`);
    await fixture.startWorkers(1, 2);

    const dest = `s3://${BUCKET}/close-oauth`;
    const started = await fixture.cli([
      'start',
      '--source',
      'close',
      '--account',
      'acme',
      '--dest',
      dest,
      '--format',
      'ndjson',
      '--page-size',
      '100',
      '--part-rows',
      '500',
      '--range-rows',
      '2000',
    ]);
    expect(started.code, started.stderr).toBe(0);
    const exportId = started.stdout.trim().split('\n').at(-1)!;
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 1);

    // The application refreshes its grant: Close issues a new access token and the old one stops working;
    // the application then writes the new one where the exporter reads the account's credential.
    sim.issueAccessToken(TOKEN_B);
    sim.expireAccessToken(TOKEN_A);
    await writeFile(file, `Bearer ${TOKEN_B}\n`);

    await fixture.waitForCommit(exportId);
    const status = JSON.parse((await fixture.cli(['status', exportId, '--json'])).stdout);
    expect(status).toMatchObject({ state: 'committed', account: 'acme', rows: CONTACTS });
    expect(sim.stats.byStatus[401] ?? 0, 'requests sent with the expired token').toBeGreaterThanOrEqual(1);

    // Every contact once, each exactly as the simulator holds it (NDJSON lines are Close's own bytes).
    const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
    const parts = await downloadParts(fixture.store, manifest);
    let rows: Record<string, unknown>[];
    try {
      rows = await queryDuckDB(`SELECT json FROM read_json_objects(${sqlList(parts.files)}, format = 'newline_delimited')`);
    } finally {
      await rm(parts.directory, { recursive: true, force: true });
    }
    const exported = rows.map((row) => JSON.parse(String(row.json)) as Record<string, unknown>);
    expect(exported.map((contact) => contact.id).sort()).toEqual([...sim.expectedIds()].sort());
    // A custom field the contact has no value in is answered null when asked for, as every field is here.
    const unsetCustomFields = Object.fromEntries(sim.customFieldIds().map((id) => [`custom.${id}`, null]));
    for (const contact of exported) {
      expect(contact).toEqual({ __object_type: 'contact', ...unsetCustomFields, ...sim.contact(contact.id as string) });
    }

    const everything = [started.stdout, started.stderr, fixture.workerLogs(), await redisContents(fixture.redisUrl, fixture.prefix)].join('\n');
    expect(everything).toContain(exportId);
    expect(everything).not.toContain(TOKEN_A);
    expect(everything).not.toContain(TOKEN_B);
  });
});
