import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from '../../src/queue/bullmq.js';
import { Redis } from 'ioredis';
import { RANGE_QUEUE } from '../../src/queue/queue-names.js';
import { rangeJobId } from '../../src/queue/range-job.js';
import { spawnWorker } from '../support/cli-process.js';
import { ExportFixture } from '../support/export-fixture.js';
import { startBoard, type CliServer } from './support/cli-server.js';

const TOKEN = 'board-test-token-7c1d9e0f';

/** The board's URL reached over loopback even when it listens on every interface. */
function local(url: string): string {
  return url.replace('//0.0.0.0:', '//127.0.0.1:');
}

function basic(user: string, password: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

describe('board access: loopback by default, basic auth elsewhere, retries only when allowed', () => {
  let fixture: ExportFixture | undefined;
  const boards: CliServer[] = [];

  afterEach(async () => {
    await Promise.all(boards.splice(0).map((board) => board.stop()));
    await fixture?.close();
    fixture = undefined;
  });

  it('refuses a non-loopback bind without credentials, and with them answers 401 without auth and 200 with it', async () => {
    fixture = await ExportFixture.create('board-auth', { contacts: 100, token: TOKEN });

    for (const host of ['0.0.0.0', '::']) {
      const refused = await fixture.cli(['board', '--host', host, '--port', '0']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain(
        `Refusing to serve the board on ${host}: it is not a loopback address, and BOARD_USER and BOARD_PASSWORD are not set`,
      );
    }
    const half = await fixture.cli(['board', '--host', '0.0.0.0', '--port', '0'], { BOARD_USER: 'ops' });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('Set both BOARD_USER and BOARD_PASSWORD');

    const board = await startBoard({ ...fixture.env, BOARD_USER: 'ops', BOARD_PASSWORD: 'correct horse battery' }, ['--host', '0.0.0.0']);
    boards.push(board);
    expect(board.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
    expect(board.output()).toContain('basic auth required');
    const url = local(board.url);

    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect((await fetch(url, { headers: basic('ops', 'wrong') })).status).toBe(401);
    expect((await fetch(url, { headers: basic('someone', 'correct horse battery') })).status).toBe(401);
    expect((await fetch(`${url}api/queues`)).status).toBe(401);
    expect((await fetch(`${url}metrics`)).status).toBe(401);

    const page = await fetch(url, { headers: basic('ops', 'correct horse battery') });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    const metrics = await fetch(`${url}metrics`, { headers: basic('ops', 'correct horse battery') });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('bulk_export_queue_jobs{queue="export-ranges",state="waiting"} 0');
    expect((await fetch(`${url}healthz`)).status).toBe(200);

    // Loopback needs no credentials.
    const open = await startBoard(fixture.env);
    boards.push(open);
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect((await fetch(open.url)).status).toBe(200);
  });

  it('retries a failed range from the board (not when read-only), refuses other changes, and job data holds no credential', async () => {
    fixture = await ExportFixture.create('board-retry', { contacts: 3_000, token: TOKEN });
    const wrong = await spawnWorker({ ...fixture.env, VIRTUOUS_API_TOKEN: 'not-the-planning-token' }, 2);
    fixture.workers.push(wrong);
    const dest = 's3://exports/board-retry';
    const { exportId, result } = await fixture.start(['--dest', dest, '--format', 'ndjson', '--range-rows', '1500', '--wait']);
    expect(result.code).toBe(1);
    await wrong.stop();

    const redis = new Redis(fixture.redisUrl);
    const ranges = new Queue(RANGE_QUEUE, { connection: redis, prefix: fixture.prefix });
    try {
      const failedIds = (await ranges.getFailed()).map((job) => job.id!).sort();
      expect(failedIds.length).toBeGreaterThan(0);
      const target = failedIds[0]!;

      const readOnly = await startBoard(fixture.env, ['--read-only']);
      boards.push(readOnly);
      const refused = await fetch(`${readOnly.url}api/queues/${RANGE_QUEUE}/${target}/retry`, { method: 'PUT' });
      expect(refused.status).toBe(403);
      expect(await (await ranges.getJob(target))!.getState()).toBe('failed');

      const board = await startBoard(fixture.env);
      boards.push(board);
      // What the board shows: names, progress, data. The spec carries the credential's fingerprint, never the credential.
      const listing = await (await fetch(`${board.url}api/queues?activeQueue=${RANGE_QUEUE}&status=failed&page=1&jobsPerPage=50`)).text();
      expect(listing).toContain(`range 0 of ${exportId} (virtuous, account default)`);
      expect(listing).toContain('credentialFingerprint');
      expect(listing).not.toContain(TOKEN);
      const exportJob = await (await fetch(`${board.url}api/queues/exports/${exportId}`)).text();
      expect(exportJob).toContain('credentialFingerprint');
      expect(exportJob).not.toContain(TOKEN);

      const edit = await fetch(`${board.url}api/queues/${RANGE_QUEUE}/${target}/update-data`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ data: { spec: { source: { baseUrl: 'http://attacker.invalid' } } } }),
      });
      expect(edit.status).toBe(403);
      expect((await fetch(`${board.url}api/queues/${RANGE_QUEUE}/empty`, { method: 'PUT' })).status).toBe(403);
      expect((await fetch(`${board.url}api/queues/${RANGE_QUEUE}/${target}/clean`, { method: 'PUT' })).status).toBe(403);

      for (const id of failedIds) {
        const retried = await fetch(`${board.url}api/queues/${RANGE_QUEUE}/${id}/retry`, { method: 'PUT' });
        expect(retried.status, await retried.text()).toBe(204);
      }
      expect(await (await ranges.getJob(rangeJobId(exportId, 0)))!.getState()).not.toBe('failed');
      await fixture.startWorkers(1, 2);
      await fixture.waitForCommit(exportId);
      const manifest = (await fixture.manifest(await fixture.folder(dest, exportId)))!;
      expect(manifest.rows).toBe(fixture.simulator.expectedIds({ includeArchived: true }).length);

      // A completed range or export is never run again from the board, and its pages hide what it refuses.
      for (const [queue, id] of [
        [RANGE_QUEUE, rangeJobId(exportId, 0)],
        ['exports', exportId],
      ] as const) {
        const again = await fetch(`${board.url}api/queues/${queue}/${id}/retry`, { method: 'PUT' });
        expect(again.status).toBe(403);
        expect(await again.text()).toBe('the board retries failed jobs only; this job is completed\n');
      }
      expect(await (await ranges.getJob(rangeJobId(exportId, 0)))!.getState()).toBe('completed');
      const shell = await (await fetch(`${board.url}queue/exports/${exportId}`)).text();
      expect(shell).toContain('<link rel="stylesheet" href="board-restrictions.css"></head>');
      const stylesheet = await fetch(`${board.url}board-restrictions.css`);
      expect(stylesheet.headers.get('content-type')).toMatch(/^text\/css/);
      expect(await stylesheet.text()).toContain('[class^="jobActions-"] > li:not(:has(svg.lucide-refresh-cw');
    } finally {
      await ranges.close();
      redis.disconnect();
    }
  });
});
