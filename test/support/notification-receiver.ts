import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyNotificationSignature, type SignatureCheck } from '../../src/notifications/notification-signature.js';

/** One POST the receiver got, and what it answered. */
export interface ReceivedNotification {
  headers: IncomingHttpHeaders;
  /** The raw body, as signed. */
  body: string;
  /** The signature checked with the helper receivers are told to copy. */
  check: SignatureCheck;
  /** The status the receiver answered. */
  status: number;
}

/**
 * A receiver of completion notifications on a real local HTTP server: checks each POST's signature with
 * `verifyNotificationSignature`, answers what `answer` says (200 by default), and can go down (its port
 * closed, connections dropped) and come back on the same port.
 */
export class NotificationReceiver {
  readonly received: ReceivedNotification[] = [];
  /** The status to answer the `index`-th request (from 0) with. */
  answer: (index: number) => { status: number; body?: string } = () => ({ status: 200 });
  private readonly events = new EventEmitter();
  private server: Server;

  private constructor(
    private readonly secret: string,
    private port: number,
  ) {
    this.server = this.createServer();
  }

  static async start(secret: string): Promise<NotificationReceiver> {
    const receiver = new NotificationReceiver(secret, 0);
    await receiver.comeBack();
    return receiver;
  }

  /** The receiver's URL with `path` (and any query string). */
  url(path = '/hooks/bulk-export'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Resolves once `count` requests arrived (at once when they did already). */
  async requests(count: number): Promise<ReceivedNotification[]> {
    while (this.received.length < count) await once(this.events, 'request');
    return this.received.slice(0, count);
  }

  /** Stops listening and drops open connections: a receiver that is down refuses connections. */
  async goDown(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  /** Listens again, on the same port as before. */
  async comeBack(): Promise<void> {
    this.server = this.createServer();
    this.server.listen(this.port, '127.0.0.1');
    await once(this.server, 'listening');
    this.port = (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    if (this.server.listening) await this.goDown();
  }

  private createServer(): Server {
    return createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const check = verifyNotificationSignature(this.secret, request.headers, body);
        const { status, body: answer = '' } = check.valid ? this.answer(this.received.length) : { status: 401, body: check.reason };
        this.received.push({ headers: request.headers, body, check, status });
        response.writeHead(status, { 'content-type': 'text/plain' });
        response.end(answer);
        this.events.emit('request');
      });
    });
  }
}
