import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExportFixture } from '../support/export-fixture.js';
import { waitForCommittedParts } from '../support/progress-events.js';

/**
 * Several organizations on one fleet: the simulator serves each organization's own contacts by its token
 * (their ids apart, so a mix-up cannot pass), the workers find each account's credential in
 * CREDENTIALS_DIR, and the `default` account is the environment's credential.
 */
describe('accounts', () => {
  let fixture: ExportFixture | undefined;
  let credentials: string;

  beforeEach(async () => {
    credentials = await mkdtemp(join(tmpdir(), 'accounts-'));
    await mkdir(join(credentials, 'virtuous'));
  });
  afterEach(async () => {
    await fixture?.close();
    fixture = undefined;
    await rm(credentials, { recursive: true, force: true });
  });

  const PAGES = ['--format', 'parquet', '--page-size', '100', '--part-rows', '500'];

  it("exports each account's own organization, exactly, on one fleet with a worker SIGKILLed", { timeout: 120_000 }, async () => {
    fixture = await ExportFixture.create(
      'accounts',
      {
        contacts: 1_500,
        seed: 3,
        faults: { latencyMs: [20, 40], seed: 2 },
        organizations: [
          { name: 'acme', tokens: ['acme-token-0001'], contacts: 2_500 },
          { name: 'globex', tokens: ['globex-token-0001'], contacts: 2_000 },
        ],
      },
      { env: { CREDENTIALS_DIR: credentials } },
    );
    await writeFile(join(credentials, 'virtuous', 'acme'), 'acme-token-0001\n');
    await writeFile(join(credentials, 'virtuous', 'globex'), 'globex-token-0001');
    const [victim] = await fixture.startWorkers(2, 2);

    const exports = new Map<string, { dest: string; exportId: string }>();
    for (const account of ['default', 'acme', 'globex']) {
      const dest = `s3://exports/${account}`;
      const accountArgs = account === 'default' ? [] : ['--account', account];
      const { exportId, result } = await fixture.start(['--dest', dest, ...PAGES, ...accountArgs]);
      expect(result.code, result.stderr).toBe(0);
      exports.set(account, { dest, exportId });
    }
    await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exports.get('acme')!.exportId, 1);
    victim!.child.kill('SIGKILL');
    await victim!.stop();
    await fixture.startWorkers(1, 2);

    for (const [account, { dest, exportId }] of exports) {
      await fixture.waitForCommit(exportId);
      const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
      const expected = fixture.simulator.organization(account).expectedIds({ includeArchived: true });
      const ids = await fixture.idsInParts(manifest);
      expect(
        ids.filter((row) => row.n !== 1),
        account,
      ).toEqual([]);
      expect(
        ids.map((row) => row.id),
        account,
      ).toEqual(expected);
      const status = JSON.parse((await fixture.cli(['status', exportId, '--json'])).stdout);
      expect(status).toMatchObject({ state: 'committed', account, rows: expected.length });
    }

    const listed = JSON.parse((await fixture.cli(['list', '--json', '--account', 'acme'])).stdout) as { exportId: string; account: string }[];
    expect(listed.map((entry) => [entry.exportId, entry.account])).toEqual([[exports.get('acme')!.exportId, 'acme']]);
    // Each organization was asked with its own token only: none answered 401.
    for (const organization of fixture.simulator.organizations) expect(organization.stats.byStatus[401] ?? 0, organization.name).toBe(0);
  });

  it(
    'takes up a credential rotated in its file mid-export: the 401 reads it again, and the export commits exactly',
    { timeout: 120_000 },
    async () => {
      fixture = await ExportFixture.create(
        'rotation',
        {
          contacts: 100,
          seed: 4,
          faults: { latencyMs: [60, 90], seed: 3 },
          organizations: [{ name: 'acme', tokens: ['acme-token-0001'], contacts: 4_000 }],
        },
        { env: { CREDENTIALS_DIR: credentials } },
      );
      const file = join(credentials, 'virtuous', 'acme');
      await writeFile(file, 'acme-token-0001');
      await fixture.startWorkers(1, 2);
      const dest = 's3://exports/rotation';
      const { exportId, result } = await fixture.start(['--dest', dest, ...PAGES, '--account', 'acme']);
      expect(result.code, result.stderr).toBe(0);
      await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 1);

      // The organization's administrator rotates the key; the new one reaches the Secret's file a moment later.
      const acme = fixture.simulator.organization('acme');
      const rotated = acme.rotateToken({ newToken: 'acme-token-0002' });
      await writeFile(file, rotated);

      await fixture.waitForCommit(exportId);
      const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
      const ids = await fixture.idsInParts(manifest);
      expect(ids.filter((row) => row.n !== 1)).toEqual([]);
      expect(ids.map((row) => row.id)).toEqual(acme.expectedIds({ includeArchived: true }));
      expect(acme.stats.byStatus[401] ?? 0, 'requests sent with the old token after the rotation').toBeGreaterThanOrEqual(1);
      const workerLogs = fixture.workers.map((worker) => worker.output()).join('\n');
      expect(workerLogs).not.toContain('acme-token-000');
    },
  );
});
