import { Registry } from 'prom-client';
import { assertBindAllowed } from '../../access/bind-policy.js';
import { registerFleetCollectors } from '../../metrics/fleet-collectors.js';
import { startMetricsServer } from '../../metrics/metrics-server.js';
import { createRedisConnection } from '../../queue/redis-connection.js';
import { readEnvironment } from '../../config/environment.js';
import { withRedis } from '../with-redis.js';

/**
 * `bulk-export metrics [--port N [--host H]]`: the fleet's gauges (jobs per queue and state, each shared
 * budget's tokens and wait), read from Redis. Without --port, printed once (Prometheus text); with it,
 * served on /metrics until SIGINT/SIGTERM. Per-process counters (rows, requests, ...) are on each worker's
 * --metrics-port.
 */
export async function metricsCommand(options: { port?: number; host: string }): Promise<void> {
  if (options.port === undefined) {
    await withRedis('metrics', async (redis, environment) => {
      const registry = new Registry();
      const fleet = registerFleetCollectors(registry, redis, environment.queuePrefix);
      try {
        process.stdout.write(await registry.metrics());
      } finally {
        await fleet.close();
      }
    });
    return;
  }
  const environment = readEnvironment();
  const credentials = environment.access;
  // Refused before Redis is touched: serving fleet metrics off loopback needs the board's credentials.
  await assertBindAllowed(options.host, credentials, '/metrics');
  const redis = createRedisConnection(environment.redis, 'bulk-export:metrics');
  const registry = new Registry();
  const fleet = registerFleetCollectors(registry, redis, environment.queuePrefix);
  try {
    const server = await startMetricsServer([registry], { port: options.port, host: options.host, credentials });
    process.stdout.write(`serving fleet metrics on ${server.url}\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await server.close();
  } finally {
    await fleet.close();
    redis.disconnect();
  }
}
