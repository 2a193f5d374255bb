// An application's end of `--notify`: answers every POST with 204 and keeps which exports it heard of, and
// in which state, so that the bench can say every export's notification arrived.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class NotificationReceiver {
  /** State (`committed`, `failed`) by export id, from each notification's body. */
  readonly states = new Map<string, string>();
  received = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<NotificationReceiver> {
    let receiver: NotificationReceiver | undefined;
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { exportId?: string; state?: string };
          receiver!.received++;
          if (body.exportId && body.state) receiver!.states.set(body.exportId, body.state);
        } catch {
          // Not a notification: counted nowhere.
        }
        response.writeHead(204).end();
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    receiver = new NotificationReceiver(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/bulk-export`);
    return receiver;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
