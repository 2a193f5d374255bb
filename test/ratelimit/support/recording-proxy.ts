import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request as the server side saw it. Times are `performance.timeOrigin + performance.now()` ms. */
export interface ProxiedRequest {
  arrivedAt: number;
  /** When the answer was passed back to the client (undefined while in flight or when dropped). */
  answeredAt?: number;
  method: string;
  url: URL;
  status?: number;
  headers?: Headers;
  /** True when `intercept` answered instead of the upstream server. */
  intercepted: boolean;
}

export interface RecordingProxy {
  url: string;
  records: ProxiedRequest[];
  /** Emits 'answered' (record) after each answer. */
  events: EventEmitter;
  /** Resolves with the first answered record for which `predicate` holds (checking those already there). */
  waitFor(predicate: (record: ProxiedRequest, all: ProxiedRequest[]) => boolean): Promise<ProxiedRequest>;
  close(): Promise<void>;
}

export interface Interception {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

export const preciseNow = () => performance.timeOrigin + performance.now();

export interface RecordingProxyOptions {
  /**
   * Holds every answer this long before passing it back: the time a server takes to produce a page,
   * after it counted the request against its rate limit on arrival. Default 0.
   */
  answerDelayMs?: number;
}

/**
 * An HTTP proxy in front of a simulator that records when each request arrived and what was answered,
 * i.e. the server-side view of the traffic. `intercept` may answer a request itself (fault injection).
 */
export async function startRecordingProxy(
  target: string,
  intercept?: (request: { method: string; url: URL; body: string; authorization: string | undefined }) => Interception | undefined,
  options: RecordingProxyOptions = {},
): Promise<RecordingProxy> {
  const answerDelayMs = options.answerDelayMs ?? 0;
  const records: ProxiedRequest[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);
  const server = createServer((request, response) => {
    const record: ProxiedRequest = {
      arrivedAt: preciseNow(),
      method: request.method ?? 'GET',
      url: new URL(request.url ?? '/', target),
      intercepted: false,
    };
    records.push(record);
    const answer = (status: number, headers: Headers, body: string) => {
      record.status = status;
      record.headers = headers;
      const outgoing: Record<string, string> = {};
      headers.forEach((value, name) => {
        if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'content-encoding'].includes(name)) outgoing[name] = value;
      });
      outgoing['content-length'] = String(Buffer.byteLength(body));
      record.answeredAt = preciseNow();
      response.writeHead(status, outgoing);
      response.end(body);
      events.emit('answered', record);
    };
    void (async () => {
      const body = await readBody(request);
      const faked = intercept?.({
        method: record.method,
        url: record.url,
        body: body.toString('utf8'),
        authorization: request.headers.authorization,
      });
      if (faked) {
        record.intercepted = true;
        return answer(faked.status, new Headers({ 'content-type': 'application/json', ...faked.headers }), faked.body);
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) {
        if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name)) headers[name] = value;
      }
      try {
        const upstream = await fetch(record.url, { method: record.method, headers, ...(body.length > 0 ? { body } : {}) });
        const text = await upstream.text();
        if (answerDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, answerDelayMs));
        answer(upstream.status, upstream.headers, text);
      } catch {
        request.socket.destroy();
      }
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    records,
    events,
    waitFor(predicate) {
      const found = records.find((record) => record.answeredAt !== undefined && predicate(record, records));
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const listener = (record: ProxiedRequest) => {
          if (!predicate(record, records)) return;
          events.off('answered', listener);
          resolve(record);
        };
        events.on('answered', listener);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
