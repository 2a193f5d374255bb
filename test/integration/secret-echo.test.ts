import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateCredentialKey } from '../../src/accounts/credential-keyring.js';
import { startRecordingProxy, type RecordingProxy } from '../ratelimit/support/recording-proxy.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';
import { redisContents } from '../support/redis-contents.js';

const TOKEN = 'vt_live_9c1f7a0b2e4d6f8a1c3e5b7d9f0a2c4e';
/** Accounts beside `default`: one read from CREDENTIALS_DIR, one handed over (sealed in Redis). */
const FILE_TOKEN = 'vt_live_acme_4b8e1d7c0a9f3e6b2d5c8a1f4e7b0d3c';
const HANDED_TOKEN = 'vt_live_globex_7e2a9c4f1b6d3e8a0c5f2b9d6e1a4c7f';

/**
 * An API that echoes the credential in an error (`{"message": "... Bearer <token>"}`): the failure is
 * stored and shown everywhere (BullMQ's failedReason, stacktrace and events, the export registry,
 * `status`, `start --wait`, logs, S3), and the token reaches none of them. Every process reads the token
 * from a file (`VIRTUOUS_API_TOKEN_FILE`, as Docker and Kubernetes mount secrets), which changes none of that.
 */
describe('a credential echoed by the API never reaches storage or output', () => {
  let fixture: ExportFixture;
  let proxy: RecordingProxy;
  let secrets: string;

  beforeAll(async () => {
    fixture = await ExportFixture.create('secret-echo', {
      contacts: 1500,
      token: TOKEN,
      organizations: [
        { name: 'acme', tokens: [FILE_TOKEN], contacts: 600 },
        { name: 'globex', tokens: [HANDED_TOKEN], contacts: 600 },
      ],
    });
    secrets = await mkdtemp(join(tmpdir(), 'secret-echo-'));
    await writeFile(join(secrets, 'virtuous-token'), `${TOKEN}\n`, { mode: 0o600 });
    await mkdir(join(secrets, 'accounts', 'virtuous'), { recursive: true });
    await writeFile(join(secrets, 'accounts', 'virtuous', 'acme'), FILE_TOKEN, { mode: 0o600 });
    delete fixture.env.VIRTUOUS_API_TOKEN;
    fixture.env.VIRTUOUS_API_TOKEN_FILE = join(secrets, 'virtuous-token');
    fixture.env.CREDENTIALS_DIR = join(secrets, 'accounts');
    fixture.env.CREDENTIALS_KEY = generateCredentialKey('echo');
    // Planning (abbreviated /Query) goes through; every FullContact page is refused, echoing the credential it was sent with.
    proxy = await startRecordingProxy(fixture.simulator.url, ({ url, authorization }) => {
      if (!url.pathname.endsWith('/FullContact')) return undefined;
      const token = authorization?.replace(/^Bearer /, '') ?? '';
      return {
        status: 400,
        body: JSON.stringify({ message: `Invalid filter in request authorized with ${authorization} (token ${token} is read-only)` }),
      };
    });
    fixture.env.VIRTUOUS_BASE_URL = proxy.url;
    await fixture.startWorkers(1, 2);
  });

  afterAll(async () => {
    await fixture?.close();
    await proxy?.close();
    if (secrets) await rm(secrets, { recursive: true, force: true });
  });

  it('stores and prints the failure with the token redacted', async () => {
    const started = await fixture.start(['--dest', `s3://${BUCKET}/secret`, '--full-contact', '--range-rows', '500', '--wait']);
    expect(started.result.code, started.result.stderr).toBe(1);
    // Planning read the API with the token from the file, and the worker sent it (the API echoed it back).
    expect(proxy.records.some((record) => !record.intercepted && record.status === 200)).toBe(true);
    expect(proxy.records.some((record) => record.url.pathname.endsWith('/FullContact'))).toBe(true);
    expect(started.result.stderr).toContain('[redacted]');
    const status = await fixture.cli(['status', started.exportId]);
    const statusJson = await fixture.cli(['status', started.exportId, '--json']);
    expect(JSON.parse(statusJson.stdout).state).toBe('failed');
    const schedules = await fixture.cli(['list', '--json']);
    const stored = await redisContents(fixture.redisUrl, fixture.prefix);
    expect(stored).toContain('failedReason');

    const everything = [
      started.result.stdout,
      started.result.stderr,
      status.stdout,
      status.stderr,
      statusJson.stdout,
      schedules.stdout,
      fixture.workers[0]!.output(),
      stored,
      await s3Contents(fixture),
    ].join('\n');
    expect(everything).toContain('Invalid filter in request authorized with Bearer [redacted]');
    expect(everything).not.toContain(TOKEN);
    expect(everything).not.toContain(TOKEN.slice(0, 20));
  });

  it('does the same for accounts: a credential from CREDENTIALS_DIR and one handed over, sealed', async () => {
    const outputs: string[] = [];
    const exportIds: string[] = [];
    for (const [account, handover] of [
      ['acme', undefined],
      ['globex', HANDED_TOKEN],
    ] as const) {
      const args = ['--dest', `s3://${BUCKET}/secret-${account}`, '--full-contact', '--account', account, '--range-rows', '300', '--wait'];
      const started = await fixture.start(handover ? [...args, '--credential-stdin'] : args, handover ? { input: handover } : {});
      expect(started.result.code, started.result.stderr).toBe(1);
      // The API echoed this account's own credential, and `--wait` reports the failure with it blanked.
      expect(started.result.stderr).toContain('authorized with Bearer [redacted]');
      exportIds.push(started.exportId);
      outputs.push(started.result.stdout, started.result.stderr);
      for (const args of [
        ['status', started.exportId],
        ['status', started.exportId, '--json'],
        ['list', '--json', '--account', account],
      ]) {
        const shown = await fixture.cli(args);
        outputs.push(shown.stdout, shown.stderr);
      }
    }
    // The failed export still holds its handed-over credential (it may be retried): listed, never shown.
    const listed = await fixture.cli(['credentials', 'list', '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ account: 'globex', holders: [`export:${exportIds[1]}`] })]);
    const everything = [
      ...outputs,
      listed.stdout,
      fixture.workers[0]!.output(),
      await redisContents(fixture.redisUrl, fixture.prefix),
      await s3Contents(fixture),
    ].join('\n');
    expect(everything).toContain('Invalid filter in request authorized with Bearer [redacted]');
    for (const token of [FILE_TOKEN, HANDED_TOKEN]) {
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(token.slice(0, 20));
    }
  });
});

/** Every object in the bucket, with its metadata. */
async function s3Contents(fixture: ExportFixture): Promise<string> {
  const parts: string[] = [];
  for (const object of await fixture.store.list('')) {
    parts.push(object.key, JSON.stringify(await fixture.store.metadata(object.key)));
    if (!object.key.endsWith('.parquet')) parts.push((await fixture.store.getText(object.key)) ?? '');
  }
  return parts.join('\n');
}
