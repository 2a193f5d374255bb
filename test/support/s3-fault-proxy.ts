import { EventEmitter, once } from 'node:events';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the proxy saw it, in the order it was settled. */
export interface ProxiedRequest {
  /** Order in which requests were settled (answered, failed, dropped). */
  sequence: number;
  method: string;
  /** The object key (path-style: what follows `/bucket/`), '' for bucket-level requests. */
  key: string;
  outcome: 'forwarded' | 'failed' | 'held-then-forwarded' | 'held-then-dropped';
  /** S3's (or the injected) status; undefined when the request was dropped. */
  status: number | undefined;
}

/** A request the proxy keeps without answering, the way a hung connection or a stuck server would. */
export interface HeldRequest {
  method: string;
  key: string;
  /**
   * Resolves once the client gave up on the request (it closed the connection: a timeout or an abort),
   * or, after `forward`, once the answer went out; with the proxy's sequence number at that moment, to
   * order it against the requests in `log`.
   */
  readonly clientGone: Promise<number>;
  /**
   * Sends the request on to S3 now, as a server that completes a request long after its client left;
   * resolves with S3's status. Its answer goes to the client if it is still there.
   */
  forward(): Promise<number>;
  /** Forgets the request: it never reaches S3. */
  drop(): void;
}

/** Which requests a rule applies to. */
export interface RequestMatch {
  method?: string;
  /** Tested against the object key. */
  key?: RegExp;
}

interface HoldRule extends RequestMatch {
  /** Hold the nth matching request (1 = the first). */
  nth: number;
  seen: number;
}

interface FailRule extends RequestMatch {
  status: number;
  code: string;
  /** How many more matching requests fail; Infinity until `stopFailing`. */
  remaining: number;
}

/**
 * An HTTP proxy between the exporter and an S3 endpoint (s3rver) that injects S3 faults: it can hold a
 * request without answering, fail requests with an S3 error (500/503/403...), or refuse every connection
 * for a while (an outage). Requests are signed for the proxy's host, which the proxy forwards unchanged,
 * so the upstream checks the same signature. Point S3_ENDPOINT at `endpoint`.
 */
export class S3FaultProxy {
  readonly log: ProxiedRequest[] = [];
  readonly held: HeldRequest[] = [];
  /** Connections refused (closed at once) during outages. */
  refusedConnections = 0;
  private readonly events = new EventEmitter();
  private readonly holdRules: HoldRule[] = [];
  private readonly failRules: FailRule[] = [];
  private readonly sockets = new Set<Socket>();
  /** Held requests already returned by `nextHeld`. */
  private readonly handedOut = new Set<HeldRequest>();
  private sequence = 0;
  private outage = false;

  private constructor(
    private readonly server: Server,
    private readonly upstream: URL,
    readonly port: number,
  ) {}

  static async start(upstreamEndpoint: string): Promise<S3FaultProxy> {
    let proxy: S3FaultProxy | undefined;
    const server = createServer((incoming, response) => void proxy!.handle(incoming, response));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    proxy = new S3FaultProxy(server, new URL(upstreamEndpoint), (server.address() as AddressInfo).port);
    server.on('connection', (socket: Socket) => proxy!.track(socket));
    return proxy;
  }

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Holds the `nth` request matching `match` (default: the first) without answering it. */
  hold(match: RequestMatch & { nth?: number }): void {
    this.holdRules.push({ ...match, nth: match.nth ?? 1, seen: 0 });
  }

  /** Resolves with the next request held (or the first one already held and not yet awaited). */
  async nextHeld(): Promise<HeldRequest> {
    const waiting = this.held.find((held) => !this.handedOut.has(held));
    if (waiting) {
      this.handedOut.add(waiting);
      return waiting;
    }
    const [held] = (await once(this.events, 'held')) as [HeldRequest];
    this.handedOut.add(held);
    return held;
  }

  /** Answers matching requests with an S3 error (`count` of them, or every one until `stopFailing`). */
  fail(match: RequestMatch & { status: number; code?: string; count?: number }): void {
    this.failRules.push({ ...match, code: match.code ?? defaultCode(match.status), remaining: match.count ?? Infinity });
  }

  stopFailing(): void {
    this.failRules.length = 0;
  }

  /** Refuses every connection (closes it as soon as it opens), and drops the open ones, until `endOutage`. */
  startOutage(): void {
    this.outage = true;
    for (const socket of this.sockets) socket.destroy();
  }

  endOutage(): void {
    this.outage = false;
  }

  async close(): Promise<void> {
    for (const held of this.held) held.drop();
    for (const socket of this.sockets) socket.destroy();
    this.server.close();
    this.server.closeAllConnections();
  }

  private track(socket: Socket): void {
    if (this.outage) {
      this.refusedConnections += 1;
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private record(entry: Omit<ProxiedRequest, 'sequence'>): void {
    const settled = { ...entry, sequence: ++this.sequence };
    this.log.push(settled);
  }

  private async handle(incoming: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = incoming.method ?? 'GET';
    const key = keyOf(incoming.url ?? '/');
    const body = await readBody(incoming);
    const failing = this.failRules.find((rule) => rule.remaining > 0 && matches(rule, method, key));
    if (failing) {
      failing.remaining -= 1;
      response.writeHead(failing.status, { 'content-type': 'application/xml' });
      response.end(
        `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${failing.code}</Code><Message>injected by the test proxy</Message><Key>${key}</Key></Error>`,
      );
      this.record({ method, key, outcome: 'failed', status: failing.status });
      return;
    }
    const holding = this.holdRules.find((rule) => matches(rule, method, key) && ++rule.seen === rule.nth);
    if (holding) {
      this.holdRules.splice(this.holdRules.indexOf(holding), 1);
      this.keep(incoming, response, method, key, body);
      return;
    }
    const status = await this.forward(incoming, body, response);
    this.record({ method, key, outcome: 'forwarded', status });
  }

  private keep(incoming: IncomingMessage, response: ServerResponse, method: string, key: string, body: Buffer): void {
    let settled = false;
    const clientGone = new Promise<number>((resolve) => response.once('close', () => resolve(++this.sequence)));
    const held: HeldRequest = {
      method,
      key,
      clientGone,
      forward: async () => {
        if (settled) throw new Error(`held ${method} ${key} was already settled`);
        settled = true;
        const status = await this.forward(incoming, body, response);
        this.record({ method, key, outcome: 'held-then-forwarded', status });
        return status;
      },
      drop: () => {
        if (settled) return;
        settled = true;
        response.destroy();
        this.record({ method, key, outcome: 'held-then-dropped', status: undefined });
      },
    };
    this.held.push(held);
    this.events.emit('held', held);
  }

  /** Sends the request to S3 and its answer back to the client, if it is still connected; resolves with S3's status. */
  private forward(incoming: IncomingMessage, body: Buffer, response: ServerResponse): Promise<number> {
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: this.upstream.hostname,
          port: this.upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: withoutHopByHop(incoming.headers, body.length),
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('error', reject);
          answer.on('end', () => {
            if (!response.destroyed && !response.headersSent) {
              response.writeHead(answer.statusCode ?? 502, answer.headers);
              response.end(Buffer.concat(chunks));
            }
            resolve(answer.statusCode ?? 502);
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}

function matches(match: RequestMatch, method: string, key: string): boolean {
  return (match.method === undefined || match.method === method) && (match.key === undefined || match.key.test(key));
}

/** `/bucket/some/key?x-id=PutObject` -> `some/key`. */
function keyOf(url: string): string {
  const path = url.split('?')[0] ?? '';
  const slash = path.indexOf('/', 1);
  return slash === -1 ? '' : decodeURIComponent(path.slice(slash + 1));
}

async function readBody(incoming: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function withoutHopByHop(headers: IncomingHttpHeaders, length: number): IncomingHttpHeaders {
  const copy: IncomingHttpHeaders = { ...headers };
  delete copy.connection;
  delete copy['keep-alive'];
  delete copy.expect;
  delete copy['transfer-encoding'];
  copy['content-length'] = String(length);
  return copy;
}

function defaultCode(status: number): string {
  if (status === 503) return 'ServiceUnavailable';
  if (status === 403) return 'AccessDenied';
  if (status === 500) return 'InternalError';
  return 'InjectedError';
}
