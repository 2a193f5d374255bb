import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { BulkExportError } from '../../src/errors/index.js';

export interface LocalRedis {
  url: string;
  /** How it was obtained: the configured server, a private redis-server, or a container. */
  origin: 'configured' | 'redis-server' | 'testcontainers';
  close(): Promise<void>;
}

/**
 * Redis for the demo and tests: the one at `url` when it answers, otherwise a private
 * `redis-server` on a free port when one is installed, otherwise a testcontainers Redis
 * when Docker is available, otherwise an error saying how to get Redis.
 */
export async function obtainRedis(url: string): Promise<LocalRedis> {
  if (await answersPing(url)) return { url, origin: 'configured', close: async () => {} };
  const spawned = await startPrivateRedisServer().catch(() => undefined);
  if (spawned) return spawned;
  const container = await startRedisContainer().catch(() => undefined);
  if (container) return container;
  throw new BulkExportError(
    'REDIS_UNAVAILABLE',
    `No Redis answers at ${url}, redis-server is not installed and Docker is not available. ` +
      'Install Redis (e.g. apt-get install redis-server) and start it, or set REDIS_URL to a reachable server.',
  );
}

export async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export interface PrivateRedisOptions {
  port?: number;
  /** Append-only persistence in `directory`, so a restarted server keeps its data. */
  persistent?: boolean;
  directory?: string;
}

/** A `redis-server` child process on loopback; `close` stops it and removes its folder. */
export interface PrivateRedis extends LocalRedis {
  process: ChildProcess;
  port: number;
  directory: string;
  /** Stops the server but keeps its folder, so a new one on the same port and folder finds the data. */
  stop(): Promise<void>;
}

export async function startPrivateRedisServer(options: PrivateRedisOptions = {}): Promise<PrivateRedis> {
  const port = options.port ?? (await freePort());
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'bulk-export-redis-')));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', directory, '--save', '', '--maxmemory-policy', 'noeviction'];
  args.push('--appendonly', options.persistent ? 'yes' : 'no');
  if (options.persistent) args.push('--appendfsync', 'always');
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'ignore'] });
  const failed = once(child, 'error').then(([error]) => {
    throw error;
  });
  const url = `redis://127.0.0.1:${port}`;
  await Promise.race([waitUntilReady(child), failed]);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
  };
  return {
    url,
    origin: 'redis-server',
    process: child,
    port,
    directory,
    stop,
    async close() {
      await stop();
      if (!options.directory) await rm(directory, { recursive: true, force: true });
    },
  };
}

async function startRedisContainer(): Promise<LocalRedis> {
  const { GenericContainer } = await import('testcontainers');
  const container = await new GenericContainer('redis:7-alpine').withExposedPorts(6379).start();
  return {
    url: `redis://${container.getHost()}:${container.getMappedPort(6379)}`,
    origin: 'testcontainers',
    close: async () => {
      await container.stop();
    },
  };
}

/** Resolves when redis-server logs that it accepts connections (no polling). */
async function waitUntilReady(child: ChildProcess, timeoutMs = 10_000): Promise<void> {
  let seen = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server not ready within ${timeoutMs} ms: ${seen.slice(-500)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes('Ready to accept connections')) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${seen.slice(-500)}`));
    });
  });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (!address || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}
