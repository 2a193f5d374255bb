import { execFile } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentialKey } from '../../src/accounts/credential-keyring.js';
import { BulkExporter, InvalidInputError, type StartRequest } from '../../src/api/index.js';
import { ExportFixture } from '../support/export-fixture.js';
import { redisContents } from '../support/redis-contents.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TOKEN = 'acme-token-0001';

/** The package as an application imports it: `import ... from 'crm-bulk-export'`, compiled, with its declarations. */
describe('the package', () => {
  beforeAll(async () => {
    await run(process.execPath, ['scripts/build.mjs', '--if-stale'], { cwd: ROOT });
  });

  it('exports the client and the errors through package.json "exports"', async () => {
    const script = "const api = await import('crm-bulk-export'); process.stdout.write(JSON.stringify(Object.keys(api).sort()));";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    expect(JSON.parse(stdout)).toEqual([
      'BulkExportError',
      'BulkExporter',
      'CredentialKeyUnknownError',
      'CredentialUnreadableError',
      'InvalidConfigurationError',
      'InvalidInputError',
      'MissingConfigurationError',
      'MissingCredentialError',
      'PartsMissingError',
      'RedisOutageError',
      'RedisRefusedError',
      'RedisUnavailableError',
      'RowCountMismatchError',
      'S3RequestError',
      'SourceRequestError',
      'SourceUnavailableError',
    ]);
  });

  it('is typed: a TypeScript application compiles against dist/api/index.d.ts, and a wrong field type does not', async () => {
    const folder = `${ROOT}.tmp/api-consumer-${process.pid}/`;
    await mkdir(folder, { recursive: true });
    try {
      await writeFile(
        `${folder}consumer.ts`,
        [
          "import { BulkExporter, InvalidInputError, type ErrorCode, type ExportStatus, type StartRequest } from 'crm-bulk-export';",
          "const request: StartRequest = { source: 'virtuous', dest: 's3://b/p', account: 'acme', credential: 'x', sourceOptions: { where: ['Tag IsAnyOf A'] } };",
          "export const code: ErrorCode = new InvalidInputError('x').code;",
          'export async function backfill(exporter: BulkExporter): Promise<ExportStatus> {',
          '  const { exportId } = await exporter.start(request);',
          '  return exporter.wait(exportId, { signal: AbortSignal.timeout(1000) });',
          '}',
          '// @ts-expect-error partRows is a number',
          "export const wrong: StartRequest = { source: 'virtuous', dest: 's3://b/p', partRows: '10' };",
          '',
        ].join('\n'),
      );
      await writeFile(
        `${folder}tsconfig.json`,
        JSON.stringify({
          compilerOptions: {
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            target: 'ES2023',
            strict: true,
            noEmit: true,
            skipLibCheck: true,
            types: ['node'],
          },
          files: ['consumer.ts'],
        }),
      );
      const compiled = await run(process.execPath, [`${ROOT}node_modules/typescript/bin/tsc`, '-p', `${folder}tsconfig.json`], { cwd: ROOT }).then(
        () => 'compiled',
        (error: { stdout?: string }) => error.stdout ?? String(error),
      );
      expect(compiled).toBe('compiled');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

/**
 * An application's day with one customer (the Virtuous organization `acme`): the customer's token handed over
 * with a backfill, the export followed to its commit, an hourly schedule registered and removed, bad input
 * refused without a trace in Redis, and the token nowhere in Redis.
 */
describe('BulkExporter', () => {
  let fixture: ExportFixture;
  let exporter: BulkExporter;

  beforeAll(async () => {
    fixture = await ExportFixture.create(
      'api',
      { contacts: 200, seed: 7, organizations: [{ name: 'acme', tokens: [TOKEN], contacts: 1_200 }] },
      { env: { CREDENTIALS_KEY: generateCredentialKey('k1') } },
    );
    exporter = new BulkExporter({ variables: fixture.env, onNotice: () => undefined });
  });
  afterAll(async () => {
    await exporter?.close();
    await fixture?.close();
  });

  async function keysWritten(): Promise<string[]> {
    const redis = new Redis(fixture.redisUrl);
    try {
      return await redis.keys(`${fixture.prefix}:*`);
    } finally {
      redis.disconnect();
    }
  }

  const backfill: StartRequest = {
    source: 'virtuous',
    records: 'contacts',
    dest: 's3://exports/acme',
    account: 'acme',
    credential: TOKEN,
    pageSize: 100,
    partRows: 500,
  };

  it('refuses bad input with InvalidInputError (INVALID_INPUT), as the CLI does, and writes nothing', async () => {
    const refusals: [() => Promise<unknown>, RegExp][] = [
      [() => exporter.start({ ...backfill, partRows: 0 }), /--part-rows must be a whole number from 1 to 10000000, got 0/],
      [() => exporter.start({ ...backfill, records: 'pledges' }), /Unknown --records "pledges" for --source virtuous: use one of contacts, gifts\./],
      [() => exporter.start({ ...backfill, pageSize: '100' as unknown as number }), /--page-size must be a whole number from 1 to 1000, got "100"/],
      [() => exporter.start({ ...backfill, rangeRows: 5 }), /--range-rows must be a whole number of at least 100, got 5/],
      [() => exporter.start({ ...backfill, account: 'Acme/../x' }), /--account must be an account name/],
      [() => exporter.start({ ...backfill, dest: '/tmp/out' }), /--dest must look like s3:\/\/BUCKET\/PREFIX/],
      [() => exporter.start({ ...backfill, source: 'salesforce' }), /Unknown --source "salesforce"/],
      [() => exporter.start({ ...backfill, format: 'csv' as 'parquet' }), /Unknown --format "csv"/],
      [() => exporter.start({ ...backfill, limit: 10, incremental: true }), /--limit makes a trial export/],
      [() => exporter.start({ ...backfill, sourceOptions: { fields: 'name' } }), /--fields applies to --source close only/],
      [() => exporter.start({ ...backfill, sourceOptions: { wher: ['Tag IsAnyOf A'] } as never }), /Unknown source option "wher"/],
      [() => exporter.start({ ...backfill, sourceOptions: { fullContact: 'yes' as unknown as boolean } }), /--full-contact is a switch/],
      [() => exporter.start({ ...backfill, credential: 42 as unknown as string }), /credential must be a string/],
      [() => exporter.preview({ ...backfill, since: 'last tuesday' }), /--since must be an ISO 8601 date/],
      [() => exporter.schedule({ ...backfill }), /Give exactly one of --every DURATION/],
      [() => exporter.schedule({ ...backfill, every: '500ms' }), /--every must be a duration of at least 1s/],
      [() => exporter.schedule({ ...backfill, cron: '0 2 * * *', tz: 'Mars/Olympus' }), /--tz "Mars\/Olympus" is not an IANA time zone name/],
      [() => exporter.status('../../etc'), /"\.\.\/\.\.\/etc" is not an export id/],
      [() => exporter.wait('exp-nope'), /"exp-nope" is not an export id/],
      [() => exporter.retry('exp-20261130t120000-abcdef', { range: -1 }), /--range must be a whole number of at least 0, got -1/],
      [() => exporter.list({ limit: 0 }), /--limit must be a whole number from 1 to 1000, got 0/],
      [() => exporter.list({ account: 'a/b' }), /--account must be an account name/],
      [() => exporter.setCredential({ source: 'virtuous', account: 'acme', credential: '\n' }), /The credential handed over is empty/],
      [() => exporter.deleteCredential({ source: 'salesforce', account: 'acme' }), /Unknown --source "salesforce"/],
    ];
    for (const [call, message] of refusals) {
      const error = await call().then(
        () => undefined,
        (failure: unknown) => failure,
      );
      expect(error, String(message)).toBeInstanceOf(InvalidInputError);
      expect(error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(message) });
      expect((error as Error).message).not.toContain(TOKEN);
    }
    expect(await keysWritten()).toEqual([]);
  });

  it('starts a backfill with the credential handed over, waits for its commit, and reports it by account', { timeout: 120_000 }, async () => {
    const started = await exporter.start(backfill);
    expect(started).toMatchObject({
      exportId: expect.stringMatching(/^exp-/),
      state: 'enqueued',
      source: 'virtuous',
      records: 'contacts',
      account: 'acme',
    });
    // The credential is held, sealed, by the export: never in Redis as it is.
    expect(await exporter.credentials({ account: 'acme' })).toEqual([
      expect.objectContaining({ source: 'virtuous', account: 'acme', holders: [`export:${started.exportId}`] }),
    ]);
    expect(await redisContents(fixture.redisUrl, fixture.prefix)).not.toContain(TOKEN);

    // No worker yet: an abandoned wait ends with its signal's reason, and the export goes on.
    const abandon = new AbortController();
    const abandoned = exporter.wait(started.exportId, { signal: abandon.signal });
    abandon.abort(new Error('the customer left the page'));
    await expect(abandoned).rejects.toThrow('the customer left the page');

    await fixture.startWorkers(1, 2);
    const committed = await exporter.wait(started.exportId);
    const acme = fixture.simulator.organization('acme');
    const expected = acme.expectedIds({ includeArchived: true });
    expect(committed).toMatchObject({ exportId: started.exportId, state: 'committed', account: 'acme', rows: expected.length });
    expect(await exporter.status(started.exportId)).toMatchObject({ state: 'committed', rows: expected.length });
    const manifest = (await fixture.manifest(await fixture.folder(backfill.dest, started.exportId)))!;
    expect((await fixture.idsInParts(manifest)).map((row) => row.id)).toEqual(expected);

    expect((await exporter.list({ account: 'acme' })).map((entry) => [entry.exportId, entry.state])).toEqual([[started.exportId, 'committed']]);
    expect(await exporter.list({ account: 'globex' })).toEqual([]);
    // A committed export is no longer waited for: waiting again resolves at once; a retry finds nothing to do.
    expect(await exporter.wait(started.exportId)).toMatchObject({ state: 'committed' });
    expect(await exporter.retry(started.exportId)).toEqual({ ranges: [] });
  });

  it('schedules incremental loads with the credential, keeps the credential out of the schedule, and unschedules', async () => {
    const scheduled = await exporter.schedule({
      source: 'virtuous',
      dest: 's3://exports/acme-incremental',
      account: 'acme',
      credential: TOKEN,
      // Far from now, so that no run starts during the test.
      cron: '0 3 1 1 *',
      name: 'acme-yearly',
    });
    expect(scheduled).toEqual({ name: 'acme-yearly', account: 'acme', nextRunAt: expect.any(String) });
    expect(await exporter.schedules({ account: 'acme' })).toEqual([
      expect.objectContaining({ name: 'acme-yearly', account: 'acme', cron: '0 3 1 1 *', destination: 's3://exports/acme-incremental' }),
    ]);
    expect(await exporter.schedules({ account: 'globex' })).toEqual([]);
    expect((await exporter.credentials({ account: 'acme' }))[0]?.holders).toContain('schedule:acme-yearly');
    expect(await redisContents(fixture.redisUrl, fixture.prefix)).not.toContain(TOKEN);

    // The token is refreshed: running exports and the schedule's runs read the new one.
    expect(await exporter.setCredential({ source: 'virtuous', account: 'acme', credential: 'acme-token-0002' })).toEqual({
      holders: expect.arrayContaining(['schedule:acme-yearly']),
    });

    expect(await exporter.unschedule('acme-yearly')).toBe(true);
    expect(await exporter.unschedule('acme-yearly')).toBe(false);
    expect(await exporter.schedules()).toEqual([]);
    expect((await exporter.credentials()).flatMap((listing) => listing.holders)).not.toContain('schedule:acme-yearly');
    // On disconnect: the credential is forgotten whoever holds it (false once it is gone).
    await exporter.deleteCredential({ source: 'virtuous', account: 'acme' });
    expect(await exporter.credentials()).toEqual([]);
    expect(await exporter.deleteCredential({ source: 'virtuous', account: 'acme' })).toBe(false);
  });

  it('is unusable once closed', async () => {
    const closed = new BulkExporter({ variables: fixture.env });
    await closed.close();
    await expect(closed.list()).rejects.toThrow('The BulkExporter was closed.');
  });
});
