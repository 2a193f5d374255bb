import { afterEach, describe, expect, it } from 'vitest';
import { credentialFingerprint } from '../../src/sources/credential-fingerprint.js';
import { ExportFixture } from '../support/export-fixture.js';
import { parseMetrics, startCliServer, startMeteredWorker, sumMetric, type CliServer } from './support/cli-server.js';

describe('worker /metrics', () => {
  let fixture: ExportFixture | undefined;
  let worker: CliServer | undefined;

  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await fixture?.close();
    fixture = undefined;
  });

  it('counts exactly the requests, statuses and rows the simulator served, and the parts and bytes in the manifest', async () => {
    fixture = await ExportFixture.create('metrics', { contacts: 8_000, faults: { errorRate: 0.05, seed: 11 } });
    const dest = 's3://exports/metrics';
    // Planning runs in the `start` process; only what the worker does afterwards is on its /metrics.
    const { exportId, result } = await fixture.start([
      '--dest',
      dest,
      '--format',
      'parquet',
      '--part-rows',
      '1000',
      '--range-rows',
      '2000',
      '--page-size',
      '500',
      '--rate-limit',
      '100000/1h',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const before = {
      requests: fixture.simulator.stats.requests,
      rows: fixture.simulator.stats.rowsServed,
      byStatus: { ...fixture.simulator.stats.byStatus },
    };

    worker = await startMeteredWorker(fixture.env, 2);
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await fixture.waitForCommit(exportId);
    const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;

    const response = await fetch(worker.url);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const metrics = parseMetrics(await response.text());

    const served = fixture.simulator.stats;
    const requests = served.requests - before.requests;
    const rows = served.rowsServed - before.rows;
    expect(requests).toBeGreaterThan(0);
    expect(sumMetric(metrics, 'bulk_export_source_requests_total', 'source="virtuous"')).toBe(requests);
    for (const [status, total] of Object.entries(served.byStatus)) {
      const during = total - (before.byStatus[Number(status)] ?? 0);
      expect(metrics.get(`bulk_export_source_requests_total{source="virtuous",status="${status}"}`) ?? 0, `status ${status}`).toBe(during);
    }
    const errors = (served.byStatus[500] ?? 0) + (served.byStatus[503] ?? 0) - (before.byStatus[500] ?? 0) - (before.byStatus[503] ?? 0);
    expect(errors).toBeGreaterThan(0);
    expect(sumMetric(metrics, 'bulk_export_source_rate_limited_total')).toBe(0);

    expect(rows).toBe(manifest.rows);
    expect(metrics.get('bulk_export_rows_written_total{format="parquet"}')).toBe(rows);
    expect(metrics.get('bulk_export_parts_written_total{format="parquet"}')).toBe(manifest.parts.length);
    expect(metrics.get('bulk_export_bytes_written_total{format="parquet"}')).toBe(manifest.parts.reduce((sum, part) => sum + part.bytes, 0));

    expect(metrics.get('bulk_export_range_attempt_duration_seconds_count{outcome="completed"}')).toBe(manifest.ranges);
    expect(metrics.get('bulk_export_queue_jobs{queue="export-ranges",state="completed"}')).toBe(manifest.ranges);
    expect(metrics.get('bulk_export_queue_jobs{queue="exports",state="completed"}')).toBe(1);
    expect(metrics.get('bulk_export_queue_jobs{queue="export-ranges",state="waiting"}')).toBe(0);

    // The shared budget of the account, read from its Redis hash: every grant spent one token of 100,000.
    const tokens = [...metrics].find(([key]) => key.startsWith('bulk_export_budget_tokens{'));
    expect(tokens, 'budget gauge').toBeDefined();
    expect(tokens![0]).toBe('bulk_export_budget_tokens{source="virtuous",account="default",scope="organization"}');
    // Nothing derived from the credential is labelled.
    expect(tokens![0]).not.toContain(credentialFingerprint(fixture.simulator.token));
    expect(tokens![1]).toBeGreaterThan(100_000 - served.requests - 5);
    expect(tokens![1]).toBeLessThanOrEqual(100_000);
    expect([...metrics].find(([key]) => key.startsWith('bulk_export_budget_wait_seconds{'))?.[1]).toBe(0);
    expect(metrics.get('bulk_export_process_cpu_user_seconds_total')).toBeGreaterThan(0);
  });

  it('serves fleet metrics off loopback only with the board credentials, and then only to requests carrying them', async () => {
    fixture = await ExportFixture.create('metrics-auth', { contacts: 100 });
    for (const args of [
      ['metrics', '--port', '0', '--host', '0.0.0.0'],
      ['worker', '--metrics-port', '0', '--metrics-host', '0.0.0.0'],
    ]) {
      const refused = await fixture.cli(args);
      expect(refused.code, refused.stderr).toBe(2);
      expect(refused.stderr).toContain(
        'Refusing to serve /metrics on 0.0.0.0: it is not a loopback address, and BOARD_USER and BOARD_PASSWORD are not set',
      );
    }
    const started = await fixture.start(['--dest', 's3://exports/metrics-auth']);
    expect(started.result.code, started.result.stderr).toBe(0);
    worker = await startCliServer(
      ['metrics', '--port', '0', '--host', '0.0.0.0'],
      { ...fixture.env, BOARD_USER: 'ops', BOARD_PASSWORD: 'correct horse battery' },
      /serving fleet metrics on (http:\/\/\S+)/,
    );
    const url = worker.url.replace('0.0.0.0', '127.0.0.1');
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await fetch(url, { headers: { authorization: `Basic ${Buffer.from('ops:wrong').toString('base64')}` } })).status).toBe(401);
    const allowed = await fetch(url, { headers: { authorization: `Basic ${Buffer.from('ops:correct horse battery').toString('base64')}` } });
    expect(allowed.status).toBe(200);
    const text = await allowed.text();
    expect(text).toMatch(/bulk_export_budget_tokens\{source="virtuous",account="default",scope="organization"\}/);
    expect(text).not.toContain(credentialFingerprint(fixture.simulator.token));
  });
});
