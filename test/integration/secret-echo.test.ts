import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingProxy, type RecordingProxy } from '../ratelimit/support/recording-proxy.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';
import { redisContents } from '../support/redis-contents.js';

const TOKEN = 'vt_live_9c1f7a0b2e4d6f8a1c3e5b7d9f0a2c4e';

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
    fixture = await ExportFixture.create('secret-echo', { contacts: 1500, token: TOKEN });
    secrets = await mkdtemp(join(tmpdir(), 'secret-echo-'));
    await writeFile(join(secrets, 'virtuous-token'), `${TOKEN}\n`, { mode: 0o600 });
    delete fixture.env.VIRTUOUS_API_TOKEN;
    fixture.env.VIRTUOUS_API_TOKEN_FILE = join(secrets, 'virtuous-token');
    // Planning (abbreviated /Query) goes through; every FullContact page is refused, echoing the token.
    proxy = await startRecordingProxy(fixture.simulator.url, ({ url }) =>
      url.pathname.endsWith('/FullContact')
        ? {
            status: 400,
            body: JSON.stringify({ message: `Invalid filter in request authorized with Bearer ${TOKEN} (token ${TOKEN} is read-only)` }),
          }
        : undefined,
    );
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
