import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Watermark } from '../../src/queue/watermark.js';
import { credentialFingerprint } from '../../src/sources/credential-fingerprint.js';
import { generateCredentialKey } from '../../src/accounts/credential-keyring.js';
import type { HandedCredentialListing } from '../../src/accounts/handed-credentials.js';
import { ExportFixture } from '../support/export-fixture.js';
import { redisContents } from '../support/redis-contents.js';
import { Redis } from 'ioredis';
import { waitForCommittedParts } from '../support/progress-events.js';

/**
 * Several organizations on one fleet: the simulator serves each organization's own contacts by its token
 * (their ids apart, so a mix-up cannot pass), the workers find each account's credential in
 * CREDENTIALS_DIR or handed over with the export (sealed in Redis), and the `default` account is the
 * environment's credential.
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

  it(
    "exports each account's own organization, exactly, on one fleet with a worker SIGKILLed (file, sealed and default credentials)",
    { timeout: 120_000 },
    async () => {
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
        { env: { CREDENTIALS_DIR: credentials, CREDENTIALS_KEY: `${generateCredentialKey('k2')},${generateCredentialKey('k1')}` } },
      );
      await writeFile(join(credentials, 'virtuous', 'acme'), 'acme-token-0001\n');
      const [victim] = await fixture.startWorkers(2, 2);

      const exports = new Map<string, { dest: string; exportId: string }>();
      for (const account of ['default', 'acme', 'globex']) {
        const dest = `s3://exports/${account}`;
        const accountArgs = account === 'default' ? [] : ['--account', account];
        // globex's credential is handed over by the application, on standard input.
        const handover = account === 'globex' ? ['--credential-stdin'] : [];
        const { exportId, result } = await fixture.start(['--dest', dest, ...PAGES, ...accountArgs, ...handover], {
          ...(account === 'globex' ? { input: 'globex-token-0001\n' } : {}),
        });
        expect(result.code, result.stderr).toBe(0);
        exports.set(account, { dest, exportId });
      }
      const held = JSON.parse((await fixture.cli(['credentials', 'list', '--json'])).stdout) as HandedCredentialListing[];
      expect(held).toEqual([
        expect.objectContaining({ source: 'virtuous', account: 'globex', keyId: 'k2', holders: [`export:${exports.get('globex')!.exportId}`] }),
      ]);
      expect(await redisContents(fixture.redisUrl, fixture.prefix)).not.toContain('globex-token-0001');
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
      // The handed-over credential went with the export that held it; no token is anywhere in Redis or a log.
      expect(JSON.parse((await fixture.cli(['credentials', 'list', '--json'])).stdout)).toEqual([]);
      const everything = [await redisContents(fixture.redisUrl, fixture.prefix), ...fixture.workers.map((worker) => worker.output())].join('\n');
      for (const token of ['acme-token-0001', 'globex-token-0001', fixture.simulator.token]) expect(everything).not.toContain(token);
    },
  );

  it.each(['file', 'handed-over'] as const)(
    'takes up a credential replaced mid-export (%s): the 401 reads it again, and the export commits exactly',
    { timeout: 120_000 },
    async (where) => {
      fixture = await ExportFixture.create(
        `rotation-${where}`,
        {
          contacts: 100,
          seed: 4,
          faults: { latencyMs: [60, 90], seed: 3 },
          organizations: [{ name: 'acme', tokens: ['acme-token-0001'], contacts: 4_000 }],
        },
        { env: { CREDENTIALS_DIR: credentials, CREDENTIALS_KEY: generateCredentialKey('k1') } },
      );
      const file = join(credentials, 'virtuous', 'acme');
      if (where === 'file') await writeFile(file, 'acme-token-0001');
      await fixture.startWorkers(1, 2);
      const dest = 's3://exports/rotation';
      const handover = where === 'handed-over' ? { args: ['--credential-stdin'], input: 'acme-token-0001' } : { args: [], input: undefined };
      const { exportId, result } = await fixture.start(['--dest', dest, ...PAGES, '--account', 'acme', ...handover.args], {
        ...(handover.input ? { input: handover.input } : {}),
      });
      expect(result.code, result.stderr).toBe(0);
      await waitForCommittedParts(fixture.redisUrl, fixture.prefix, exportId, 1);

      // The organization's administrator rotates the key; the new one reaches the Secret's file, or the
      // application hands it over, a moment later.
      const acme = fixture.simulator.organization('acme');
      const rotated = acme.rotateToken({ newToken: 'acme-token-0002' });
      if (where === 'file') await writeFile(file, rotated);
      else {
        const set = await fixture.cli(['credentials', 'set', '--source', 'virtuous', '--account', 'acme'], {}, { input: `${rotated}\n` });
        expect(set.code, set.stderr).toBe(0);
        expect(set.stdout).toContain(`held by export:${exportId}`);
      }

      await fixture.waitForCommit(exportId);
      const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
      const ids = await fixture.idsInParts(manifest);
      expect(ids.filter((row) => row.n !== 1)).toEqual([]);
      expect(ids.map((row) => row.id)).toEqual(acme.expectedIds({ includeArchived: true }));
      expect(acme.stats.byStatus[401] ?? 0, 'requests sent with the old token after the rotation').toBeGreaterThanOrEqual(1);
      const everything = [await redisContents(fixture.redisUrl, fixture.prefix), ...fixture.workers.map((worker) => worker.output())].join('\n');
      expect(everything).not.toContain('acme-token-000');
    },
  );

  it(
    "keys budgets and watermarks by account: a rotated credential keeps both, and a credential's old watermark carries over",
    { timeout: 120_000 },
    async () => {
      fixture = await ExportFixture.create(
        'account-keys',
        { contacts: 600, seed: 5, organizations: [{ name: 'acme', tokens: ['acme-token-0001'], contacts: 800 }] },
        { env: { CREDENTIALS_DIR: credentials } },
      );
      const f = fixture;
      const file = join(credentials, 'virtuous', 'acme');
      await writeFile(file, 'acme-token-0001');
      await f.startWorkers(1, 2);
      const incremental = async (dest: string, accountArgs: string[]) => {
        const { exportId, result } = await f.start(['--dest', dest, ...PAGES, '--incremental', '--wait', ...accountArgs]);
        expect(result.code, result.stderr).toBe(0);
        const ids = await f.exportedIds(dest, exportId);
        return { exportId, stderr: result.stderr, ids: ids.map((row) => row.id) };
      };
      const watermarkOf = async (key: string) => JSON.parse((await f.store.getText(key)) ?? 'null') as Watermark | null;

      // An account: its first run is a full load; then its token is rotated and two contacts change.
      const acme = f.simulator.organization('acme');
      const first = await incremental('s3://exports/acme', ['--account', 'acme']);
      expect(first.stderr).toMatch(/FULL LOAD/);
      expect(first.ids).toEqual(acme.expectedIds({ includeArchived: true }));
      await writeFile(file, acme.rotateToken({ newToken: 'acme-token-0002' }));
      const [edited1, edited2] = [acme.expectedIds()[10]!, acme.expectedIds()[700]!];
      acme.edit(edited1, { name: 'Renamed one' });
      acme.edit(edited2, { name: 'Renamed two' });
      const second = await incremental('s3://exports/acme', ['--account', 'acme']);
      expect(second.stderr, 'the rotated token continues the same watermark').not.toMatch(/FULL LOAD/);
      expect(second.ids).toEqual(expect.arrayContaining([edited1, edited2]));
      expect(second.ids.length).toBeLessThan(first.ids.length);
      const acmeMark = await watermarkOf('acme/_bulk_export/watermarks/virtuous/full_contacts/acme/unfiltered.json');
      expect(acmeMark).toMatchObject({ account: 'acme', exportId: second.exportId });

      // One budget per account, whichever token spent it.
      const redis = new Redis(f.redisUrl);
      try {
        const budgets = (await redis.keys(`${f.prefix}:budget:*`)).sort();
        expect(budgets).toEqual([`${f.prefix}:budget:virtuous:acme`]);
      } finally {
        redis.disconnect();
      }

      // The default account, loaded while watermarks were named by the credential: its watermark is moved to
      // that old name, and the next run goes on from it and writes the account's.
      const dest = 's3://exports/legacy';
      const ownKey = 'legacy/_bulk_export/watermarks/virtuous/full_contacts/default/unfiltered.json';
      const legacyKey = `legacy/_bulk_export/watermarks/virtuous-${credentialFingerprint(f.simulator.token)}.json`;
      const full = await incremental(dest, []);
      expect(full.stderr).toMatch(/FULL LOAD/);
      await f.store.put(legacyKey, (await f.store.getText(ownKey))!, { contentType: 'application/json' });
      await f.store.delete(ownKey);
      const changed = f.simulator.expectedIds()[300]!;
      f.simulator.edit(changed, { name: 'Renamed three' });
      const carried = await incremental(dest, []);
      expect(carried.stderr, 'the old watermark carried over').not.toMatch(/FULL LOAD/);
      expect(carried.ids).toContain(changed);
      expect(carried.ids.length).toBeLessThan(full.ids.length);
      expect(await watermarkOf(ownKey)).toMatchObject({ account: 'default', exportId: carried.exportId });
    },
  );
});
