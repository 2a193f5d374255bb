import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BulkExportError, RedisRefusedError } from '../errors/index.js';
import type { RedisSettings } from '../config/redis-settings.js';
import { createRedisConnection, redisAccessError } from '../queue/redis-connection.js';
import { createBoardApp } from './board-app.js';
import { assertBindAllowed, type AccessCredentials } from '../access/bind-policy.js';

export interface BoardServerOptions {
  redis: RedisSettings;
  prefix: string;
  host: string;
  /** 0 = any free port. */
  port: number;
  readOnly: boolean;
  credentials?: AccessCredentials;
}

export interface BoardServer {
  /** e.g. http://127.0.0.1:3000/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Checks the bind policy, checks that Redis answers, then serves the board. */
export async function startBoardServer(options: BoardServerOptions): Promise<BoardServer> {
  await assertBindAllowed(options.host, options.credentials);
  const redis = createRedisConnection(options.redis, 'bulk-export:board');
  try {
    await Promise.race([redis.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('no answer within 5 s')), 5000).unref())]);
  } catch (error) {
    redis.disconnect();
    const refused = redisAccessError(error, options.redis.label);
    if (refused instanceof RedisRefusedError) throw refused;
    throw new BulkExportError(
      'REDIS_UNREACHABLE',
      `Redis at ${options.redis.label} does not answer (${(error as Error).message}); the board needs it.`,
    );
  }
  const board = createBoardApp({ redis, prefix: options.prefix, readOnly: options.readOnly, credentials: options.credentials });
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const listening = board.app.listen(options.port, options.host, (error?: Error) => (error ? reject(error) : resolve(listening)));
      listening.once('error', reject);
    });
  } catch (error) {
    await board.close();
    redis.disconnect();
    throw new BulkExportError('BOARD_LISTEN', `cannot serve the board on ${options.host}:${options.port}: ${(error as Error).message}`);
  }
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${shownHost}:${port}/`,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await board.close();
      await redis.quit().catch(() => undefined);
    },
  };
}
