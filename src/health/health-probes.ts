import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReadinessCheck } from './readiness.js';

/** `/healthz`: the process is alive. `/readyz`: it can take work now. */
export const LIVENESS_PATH = '/healthz';
export const READINESS_PATH = '/readyz';

/**
 * Answers the health probes; returns false for any other request, which the caller then serves.
 *
 * `/healthz` is 200 whenever the process answers at all: a blocked event loop answers nothing, and the
 * probe's own timeout turns that into a failure. It depends on no other service, so an outage of Redis
 * never gets healthy workers restarted (they wait it out on their own).
 *
 * `/readyz` is 200 when `readiness` says so and 503 with the reason otherwise; without a readiness check
 * (a process that takes no work) it is not served.
 *
 * Probes carry no credentials (the kubelet, Docker's HEALTHCHECK) and learn nothing but up or ready, so
 * they are answered without the basic auth that guards `/metrics`.
 */
export function answerHealthProbe(request: IncomingMessage, response: ServerResponse, path: string, readiness?: ReadinessCheck): boolean {
  if (request.method !== 'GET' && request.method !== 'HEAD') return false;
  if (path === LIVENESS_PATH) {
    sendJson(response, 200, { status: 'alive' });
    return true;
  }
  if (path === READINESS_PATH && readiness) {
    readiness().then(
      (answer) =>
        answer.ready ? sendJson(response, 200, { status: 'ready' }) : sendJson(response, 503, { status: 'not ready', reason: answer.reason }),
      (error: unknown) => sendJson(response, 503, { status: 'not ready', reason: `readiness check failed: ${(error as Error).message}` }),
    );
    return true;
  }
  return false;
}

function sendJson(response: ServerResponse, status: number, body: Record<string, string>): void {
  // Never cached: a probe must see the state of now.
  response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
}
