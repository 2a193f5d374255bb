import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { isAuthorized } from '../access/basic-auth.js';
import { assertBindAllowed, type AccessCredentials } from '../access/bind-policy.js';
import { answerHealthProbe } from '../health/health-probes.js';
import type { ReadinessCheck } from '../health/readiness.js';

export interface MetricsServer {
  /** e.g. http://127.0.0.1:9464/metrics */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  port: number;
  /** Default 127.0.0.1; any address but loopback needs `credentials`. */
  host?: string;
  /** HTTP basic auth required on `/metrics` (BOARD_USER / BOARD_PASSWORD, as the board); the health probes never need it. */
  credentials?: AccessCredentials;
  /**
   * Answers `/readyz` (200 or 503 with the reason); `/healthz` is always served.
   * @defaultValue undefined: no `/readyz` (a process that takes no work)
   */
  readiness?: ReadinessCheck;
}

/**
 * Serves `GET /metrics` (Prometheus text) from `registries`, and the health probes `/healthz` and
 * `/readyz`; anything else is a 404. Like the board, it binds to loopback unless credentials are set, and
 * then requires them for `/metrics` (the probes answer without: see answerHealthProbe).
 */
export async function startMetricsServer(registries: Registry[], options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? '127.0.0.1';
  await assertBindAllowed(host, options.credentials, '/metrics');
  const { credentials } = options;
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (answerHealthProbe(request, response, path, options.readiness)) return;
    if (credentials && !isAuthorized(request.headers.authorization, credentials)) {
      response
        .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Basic realm="bulk-export metrics", charset="UTF-8"' })
        .end('authentication required\n');
      return;
    }
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try /metrics, /healthz${options.readiness ? ' or /readyz' : ''}\n`);
      return;
    }
    renderMetrics(registries).then(
      (text) => response.writeHead(200, { 'content-type': registries[0]?.contentType ?? 'text/plain' }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(error as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${port}/metrics`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The Prometheus text of several registries, one after another. */
export async function renderMetrics(registries: Registry[]): Promise<string> {
  const texts = await Promise.all(registries.map((registry) => registry.metrics()));
  return texts.map((text) => (text.endsWith('\n') ? text : `${text}\n`)).join('');
}
