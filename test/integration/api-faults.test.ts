import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Queue } from '../../src/queue/bullmq.js';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import type { ExportStatus } from '../../src/queue/export-status.js';
import { RANGE_QUEUE } from '../../src/queue/queue-names.js';
import { rangeJobId } from '../../src/queue/range-job.js';
import type { CloseSearchBody } from '../../src/sources/close/close-client.js';
import type { CloseQueryNode } from '../../src/sources/close/close-query.js';
import type { VirtuousQueryBody } from '../../src/sources/virtuous/virtuous-query.js';
import {
  editJson,
  isCloseWalk,
  isVirtuousPage,
  startApiFaultProxy,
  type ApiFaultProxy,
  type FaultRules,
  type ProxiedCall,
} from '../support/api-fault-proxy.js';
import { CLI } from '../support/cli-process.js';
import { CloseExportFixture } from '../support/close-fixture.js';
import { BUCKET, ExportFixture } from '../support/export-fixture.js';

/**
 * Whole exports (CLI, worker processes, Redis, S3) against simulators behind a fault-injecting proxy.
 * Every fault ends in an exact export, or in a failed one with a message that names the API's fault and
 * no `_SUCCESS`: never in a committed wrong export.
 */
const DEST = `s3://${BUCKET}/faults`;

let fixture: ExportFixture | CloseExportFixture | undefined;
let proxy: ApiFaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  await fixture?.close();
  proxy = undefined;
  fixture = undefined;
});

/** A Virtuous fixture whose CLI and workers reach the simulator through a proxy with `rules`. */
async function virtuousBehindProxy(
  label: string,
  contacts: number,
  rules: FaultRules,
  env: NodeJS.ProcessEnv = {},
): Promise<{ world: ExportFixture; proxy: ApiFaultProxy }> {
  const world = await ExportFixture.create(label, { contacts, seed: 2 }, { env });
  fixture = world;
  proxy = await startApiFaultProxy(world.simulator.url, rules);
  world.env.VIRTUOUS_BASE_URL = proxy.url;
  return { world, proxy };
}

async function statusJson(world: ExportFixture | CloseExportFixture, exportId: string): Promise<ExportStatus> {
  const result = await world.cli(['status', exportId, '--json']);
  return JSON.parse(result.stdout) as ExportStatus;
}

/** Nothing committed: no `_SUCCESS`, no manifest, and `status` says failed with the reason. */
async function expectNothingCommitted(world: ExportFixture | CloseExportFixture, exportId: string, reason: RegExp): Promise<void> {
  const folder = await world.folder(DEST, exportId);
  expect(await world.store.exists(`${folder}/_SUCCESS`)).toBe(false);
  expect(await world.store.exists(`${folder}/_manifest.json`)).toBe(false);
  const status = await statusJson(world, exportId);
  expect(status.state).toBe('failed');
  expect(status.error).toMatch(reason);
}

/** The range job as BullMQ holds it: how many attempts it made, and why the last one failed. */
async function rangeJob(world: ExportFixture, exportId: string, rangeIndex: number) {
  const connection = new Redis(world.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(RANGE_QUEUE, { connection, prefix: world.prefix });
  try {
    const job = await queue.getJob(rangeJobId(exportId, rangeIndex));
    return { attemptsMade: job!.attemptsMade, failedReason: job!.failedReason };
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

const dropUpperBound: FaultRules = {
  rewriteRequest: (call) =>
    isVirtuousPage(call)
      ? editJson<VirtuousQueryBody>(call.body, (body) => {
          for (const group of body.groups) group.conditions = group.conditions.filter((condition) => condition.operator !== 'LessThanOrEqual');
        })
      : undefined,
};

describe('an API that ignores part of the request', () => {
  it("Virtuous without the range's upper bound: the range fails at once, nothing is committed", async () => {
    const { world } = await virtuousBehindProxy('faults-upper-bound', 300, dropUpperBound);
    await world.startWorkers(1);
    const { exportId, result } = await world.start(['--dest', DEST, '--format', 'ndjson', '--range-rows', '100', '--wait']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/although the request asked only for ids up to \d+: the API ignored the range's upper bound/);
    await expectNothingCommitted(world, exportId, /the API ignored the range's upper bound/);
    // Permanent: no retries spent on a wrong answer.
    expect((await rangeJob(world, exportId, 0)).attemptsMade).toBe(1);
  });

  it("Close without a window's upper bound: the range fails instead of skipping rows, nothing is committed", async () => {
    const world = await CloseExportFixture.create('faults-close-window', { contacts: 400, seed: 5 });
    fixture = world;
    proxy = await startApiFaultProxy(world.simulator.url, {
      rewriteRequest: (call) =>
        isCloseWalk(call)
          ? editJson<CloseSearchBody>(call.body, (body) => {
              for (const node of body.query.queries as CloseQueryNode[]) delete (node.condition as { before?: unknown } | undefined)?.before;
            })
          : undefined,
    });
    world.env.CLOSE_BASE_URL = proxy.url;
    await world.startWorkers(1);
    const { exportId, result } = await world.export(DEST, ['--format', 'ndjson', '--range-rows', '100']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/although the request asked only for date_created .*before .*: the API ignored the window's upper bound/);
    await expectNothingCommitted(world, exportId, /the API ignored the window's upper bound/);
  });
});

describe('an API whose counts lie', () => {
  it('Virtuous with total = page length on every page: the export is exact anyway, ended on short pages', async () => {
    const { world } = await virtuousBehindProxy('faults-total', 330, {
      rewriteResponse: (call, answer) =>
        isVirtuousPage(call) && answer.status === 200
          ? editJson<{ list: unknown[]; total: number }>(answer.body, (body) => (body.total = body.list.length))
          : undefined,
    });
    await world.startWorkers(1);
    const { exportId, result } = await world.start(['--dest', DEST, '--format', 'parquet', '--page-size', '40', '--range-rows', '100', '--wait']);
    expect(result.code, result.stderr).toBe(0);
    const manifest = (await world.manifest(await world.folder(DEST, exportId)))!;
    const expected = world.simulator.expectedIds({ includeArchived: true });
    expect(manifest.rows).toBe(expected.length);
    expect(manifest.ranges).toBeGreaterThan(1);
    const ids = await world.idsInParts(manifest);
    expect(ids.map((row) => row.id)).toEqual(expected);
    expect(ids.every((row) => row.n === 1)).toBe(true);
  });

  it('Virtuous losing rows from its pages while its totals stay true: the commit refuses, nothing is committed', async () => {
    const { world } = await virtuousBehindProxy('faults-lost-rows', 300, {
      rewriteResponse: (call, answer) =>
        isVirtuousPage(call) && answer.status === 200
          ? editJson<{ list: unknown[] }>(answer.body, (body) => (body.list = body.list.filter((_, index) => index % 2 === 0)))
          : undefined,
    });
    await world.startWorkers(1);
    const { exportId, result } = await world.start(['--dest', DEST, '--format', 'ndjson', '--wait']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(/Refusing to commit exp-\S+: Virtuous returned \d+ rows fewer than its own totals said the ranges hold/);
    expect(result.stderr).toContain('No _SUCCESS was written');
    await expectNothingCommitted(world, exportId, /Refusing to commit/);
  });
});

describe('an API that accepts requests and never answers', () => {
  it('a hung range retries a bounded number of times per attempt, shows in status, and completes exactly once the API answers', async () => {
    let holding = true;
    const { world, proxy } = await virtuousBehindProxy(
      'faults-hung-range',
      100,
      { hold: (call) => (holding && isVirtuousPage(call) ? 'silent' : undefined) },
      { SOURCE_REQUEST_TIMEOUT_MS: '300', SOURCE_REQUEST_ATTEMPTS: '3' },
    );
    await world.startWorkers(1);
    const { exportId, result } = await world.start(['--dest', DEST, '--format', 'ndjson']);
    expect(result.code, result.stderr).toBe(0);

    // The fourth held page is the first try of the range's second attempt: the first made exactly three.
    const heldPages = (calls: ProxiedCall[]) => calls.filter((call) => call.held && isVirtuousPage(call)).length;
    await proxy.waitForCall((_, all) => heldPages(all) >= 4);
    const job = await rangeJob(world, exportId, 0);
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toContain('did not answer POST /api/Contact/Query successfully after 3 attempts (last: no answer within 300 ms)');

    const retrying = await statusJson(world, exportId);
    expect(retrying.state).toBe('running');
    expect(retrying.retrying).toEqual([
      expect.objectContaining({
        rangeIndex: 0,
        service: 'api',
        message: expect.stringMatching(/^Virtuous did not answer POST \/api\/Contact\/Query within 300 ms; retrying \([23] of 3\)$/),
      }),
    ]);
    const human = await world.cli(['status', exportId]);
    expect(human.stdout).toMatch(/retrying {5}range 0 \(since \S+\): Virtuous did not answer POST \/api\/Contact\/Query within 300 ms/);

    holding = false;
    await world.waitForCommit(exportId);
    const manifest = (await world.manifest(await world.folder(DEST, exportId)))!;
    const expected = world.simulator.expectedIds({ includeArchived: true });
    expect(manifest.rows).toBe(expected.length);
    expect((await world.idsInParts(manifest)).map((row) => row.id)).toEqual(expected);
    const done = await statusJson(world, exportId);
    expect(done.state).toBe('committed');
    expect(done.retrying).toEqual([]);
  });

  it('start says on stderr, after the configured timeout, that the API does not answer, and gives up after the bounded tries', async () => {
    const { world } = await virtuousBehindProxy(
      'faults-hung-start',
      10,
      { hold: () => 'silent' },
      { SOURCE_REQUEST_TIMEOUT_MS: '400', SOURCE_REQUEST_ATTEMPTS: '3' },
    );
    const child = spawn(process.execPath, [CLI, 'start', '--source', 'virtuous', '--dest', DEST, '--format', 'ndjson'], {
      env: world.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const firstRetry = new Promise<void>((resolve) => {
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('retrying (2 of 3)')) resolve();
      });
    });
    const exited = once(child, 'close') as Promise<[number | null]>;
    // Said while start still runs, after the configured 400 ms (the message names it), not the default minute.
    await firstRetry;
    expect(child.exitCode).toBeNull();
    expect(stderr).toContain('Virtuous did not answer GET /api/Contact/QueryOptions within 400 ms; retrying (2 of 3)');
    const [code] = await exited;
    expect(code).toBe(1);
    expect(stderr).toContain('Virtuous did not answer GET /api/Contact/QueryOptions within 400 ms; retrying (3 of 3)');
    expect(stderr).toContain(
      'error: Virtuous did not answer GET /api/Contact/QueryOptions successfully after 3 attempts (last: no answer within 400 ms)',
    );
  });
});

describe('configuration and answers that are not what the API sends', () => {
  it('a malformed VIRTUOUS_BASE_URL or CLOSE_BASE_URL exits 2 naming the variable', async () => {
    const world = await ExportFixture.create('faults-base-url', { contacts: 10 });
    fixture = world;
    const virtuous = await world.cli(['start', '--source', 'virtuous', '--dest', DEST, '--format', 'ndjson'], {
      VIRTUOUS_BASE_URL: 'api.virtuoussoftware.com',
    });
    expect(virtuous.code).toBe(2);
    expect(virtuous.stderr).toContain(
      'error: VIRTUOUS_BASE_URL is "api.virtuoussoftware.com", which is not a URL: give an absolute URL such as https://api.virtuoussoftware.com.',
    );
    const close = await world.cli(['start', '--source', 'close', '--dest', DEST, '--format', 'ndjson'], {
      CLOSE_BASE_URL: 'ftp://api.close.com/api/v1',
      CLOSE_API_KEY: 'api_key_for_test',
    });
    expect(close.code).toBe(2);
    expect(close.stderr).toContain('error: CLOSE_BASE_URL uses ftp: give an http:// or https:// URL such as https://api.close.com/api/v1.');
    expect(virtuous.stderr + close.stderr).not.toContain('Invalid URL');
  });

  it('a Virtuous answer without "list" fails the range with a clear message, not a TypeError', async () => {
    const { world } = await virtuousBehindProxy('faults-no-list', 50, {
      rewriteResponse: (call, answer) => (isVirtuousPage(call) ? editJson<{ list?: unknown }>(answer.body, (body) => delete body.list) : undefined),
    });
    await world.startWorkers(1);
    const { exportId, result } = await world.start(['--dest', DEST, '--format', 'ndjson', '--wait']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toContain('Virtuous answered POST /api/Contact/Query without a "list" array');
    expect(result.stderr).not.toContain('TypeError');
    await expectNothingCommitted(world, exportId, /without a "list" array .*Check that VIRTUOUS_BASE_URL points at the Virtuous API/);
  });

  it('Virtuous ids that are strings fail the range saying the API returned a non-numeric id', async () => {
    const { world } = await virtuousBehindProxy('faults-string-ids', 50, {
      rewriteResponse: (call, answer) =>
        isVirtuousPage(call)
          ? editJson<{ list: { id: unknown }[] }>(answer.body, (body) => body.list.forEach((row) => (row.id = String(row.id))))
          : undefined,
    });
    await world.startWorkers(1);
    const { exportId, result } = await world.start(['--dest', DEST, '--format', 'ndjson', '--wait']);
    expect(result.code, result.stderr).toBe(1);
    expect(result.stderr).toMatch(
      /Virtuous returned a contact with the non-numeric id "\d+" \(string\), where the API documents whole-number ids: contacts are paged by id/,
    );
    expect(result.stderr).not.toContain('-Infinity');
    await expectNothingCommitted(world, exportId, /non-numeric id/);
  });
});
