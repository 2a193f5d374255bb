import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3 } from '../../simulators/local-services/local-s3.js';
import { startPrivateRedisServer, type PrivateRedis } from '../../simulators/local-services/local-redis.js';
import { uniquePrefix } from '../support/test-redis.js';
import { startCliServer, type CliServer } from './support/cli-server.js';

interface Probe {
  status: number;
  body: { status?: string; reason?: string };
}

/** GET `path` on the worker's HTTP server, without credentials (as the kubelet and Docker's HEALTHCHECK ask). */
async function probe(base: string, path: string): Promise<Probe> {
  const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(5_000) });
  const text = await response.text();
  return { status: response.status, body: response.headers.get('content-type')?.includes('json') ? (JSON.parse(text) as Probe['body']) : {} };
}

/**
 * Asks /readyz until it answers `status`, as a readiness probe does; Redis reconnects happen inside the
 * worker with nothing to observe from outside but this answer.
 */
async function readyzBecomes(base: string, status: number, timeoutMs = 20_000): Promise<Probe> {
  const deadline = Date.now() + timeoutMs;
  let last: Probe = await probe(base, '/readyz');
  while (last.status !== status && Date.now() < deadline) {
    await delay(100);
    last = await probe(base, '/readyz');
  }
  return last;
}

describe('worker health probes: /healthz and /readyz beside /metrics', () => {
  /** The worker's current Redis; a restarted one joins `servers`, which are all closed after the test. */
  let redis: PrivateRedis | undefined;
  let servers: PrivateRedis[] = [];
  let s3: LocalS3 | undefined;
  let worker: CliServer | undefined;

  afterEach(async () => {
    // A test may leave Redis paused: let it run so the worker can finish stopping.
    for (const server of servers) server.process.kill('SIGCONT');
    await worker?.stop();
    worker = undefined;
    for (const server of servers.reverse()) await server.close();
    servers = [];
    redis = undefined;
    await s3?.close();
    s3 = undefined;
  });

  /** A worker on its own redis-server, serving its HTTP endpoints on a free port; resolves with their base URL. */
  async function startWorker(env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<string> {
    redis = await startPrivateRedisServer();
    servers.push(redis);
    s3 = await startLocalS3(['exports']);
    worker = await startCliServer(
      ['worker', '--concurrency', '1', '--metrics-port', '0', ...args],
      { PATH: process.env.PATH, LOG_LEVEL: 'info', REDIS_URL: redis.url, BULK_EXPORT_QUEUE_PREFIX: uniquePrefix('health'), ...s3.variables, ...env },
      /"metricsUrl":"(http:\/\/[^"]+)\/metrics"[\s\S]*"worker ready"/,
    );
    return worker.url.replace('://0.0.0.0:', '://127.0.0.1:');
  }

  it('answers /healthz and /readyz without credentials, while /metrics off loopback still requires them', async () => {
    const base = await startWorker({ BOARD_USER: 'ops', BOARD_PASSWORD: 'correct horse battery' }, ['--metrics-host', '0.0.0.0']);

    expect(await probe(base, '/healthz')).toEqual({ status: 200, body: { status: 'alive' } });
    expect(await probe(base, '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
    const head = await fetch(`${base}/readyz`, { method: 'HEAD' });
    expect(head.status).toBe(200);

    expect((await fetch(`${base}/metrics`)).status).toBe(401);
    const authorization = `Basic ${Buffer.from('ops:correct horse battery').toString('base64')}`;
    const metrics = await fetch(`${base}/metrics`, { headers: { authorization } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('bulk_export_queue_jobs{');
    expect((await fetch(`${base}/elsewhere`, { headers: { authorization } })).status).toBe(404);
  });

  it('is not ready while its Redis is down, stays alive, and is ready again once Redis is back', async () => {
    const base = await startWorker();
    expect((await probe(base, '/readyz')).status).toBe(200);

    const { port, directory } = redis!;
    await redis!.stop();
    const down = await probe(base, '/readyz');
    expect(down.status).toBe(503);
    expect(down.body.status).toBe('not ready');
    expect(down.body.reason).toMatch(/Redis/);
    expect(await probe(base, '/healthz')).toEqual({ status: 200, body: { status: 'alive' } });

    // A new server on the same port: the worker's connections reconnect on their own.
    redis = await startPrivateRedisServer({ port, directory });
    servers.push(redis);
    expect(await readyzBecomes(base, 200)).toEqual({ status: 200, body: { status: 'ready' } });
    // Log collectors parse each line: Redis going away is told in JSON lines only, no stack printed between them.
    expect(
      worker!
        .output()
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('{')),
    ).toEqual([]);
  });

  it('stops and exits 0 when SIGTERMed while its Redis is down and Redis comes back', async () => {
    await startWorker();
    const { port, directory } = redis!;
    await redis!.stop();
    const child = worker!.child;
    const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    child.kill('SIGTERM');
    redis = await startPrivateRedisServer({ port, directory });
    servers.push(redis);

    // The hand-back waits for Redis; then the worker closes its connections, which were reconnecting when the stop began.
    expect(await exited).toEqual([0, null]);
    expect(worker!.output()).not.toContain('error while stopping');
  });

  it('is not ready when Redis stops answering (a paused server), within the probe timeout', async () => {
    const base = await startWorker();
    expect((await probe(base, '/readyz')).status).toBe(200);

    redis!.process.kill('SIGSTOP');
    const paused = await probe(base, '/readyz');
    // Bounded by the PING timeout (800 ms, within the 2 s the probes of docs/kubernetes.md allow): the answer
    // comes from that timeout, as its reason says, not from a request left hanging (which `probe` gives up on).
    expect(paused).toEqual({ status: 503, body: { status: 'not ready', reason: expect.stringMatching(/Redis did not answer PING within 800 ms/) } });
    expect((await probe(base, '/healthz')).status).toBe(200);

    redis!.process.kill('SIGCONT');
    expect((await readyzBecomes(base, 200)).status).toBe(200);
  });

  it('is not ready from SIGTERM on, while it hands its work back, and then exits 0', async () => {
    const base = await startWorker();
    expect((await probe(base, '/readyz')).status).toBe(200);

    // A paused Redis holds the stop at its first Redis command, so the stopping state lasts long enough to
    // be asked; the worker's HTTP server is the last thing it closes.
    redis!.process.kill('SIGSTOP');
    const child = worker!.child;
    const stopping = new Promise<void>((resolve) => {
      let seen = '';
      const onData = (chunk: Buffer) => {
        seen += chunk.toString();
        if (seen.includes('"stopping: taking no new job')) {
          child.stderr!.off('data', onData);
          resolve();
        }
      };
      child.stderr!.on('data', onData);
    });
    child.kill('SIGTERM');
    await stopping;

    const answer = await probe(base, '/readyz');
    expect(answer.status).toBe(503);
    expect(answer.body.reason).toMatch(/^stopping/);
    expect((await probe(base, '/healthz')).status).toBe(200);

    const exited = once(child, 'close') as Promise<[number | null, NodeJS.Signals | null]>;
    redis!.process.kill('SIGCONT');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(worker!.output()).not.toContain('error while stopping');
  });
});
