// The benchmark's services process: Virtuous simulators and an S3 endpoint (s3rver) on loopback, in a
// process of their own so that they do not share an event loop (or a CPU reading) with the benchmark.
// Driven over the IPC channel by services-client.ts.
import { once } from 'node:events';
import { createServer, request as httpRequest, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { startLocalS3 } from '../../simulators/local-services/local-s3.js';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/virtuous/index.js';
import type { AnswerRecord, ServicesCommand, ServicesReady, ServicesReply, SimulatorRequest, StartedSimulator } from './services-protocol.js';

const BUCKET = 'bench';

interface Entry {
  simulator: VirtuousSimulator;
  proxy?: { server: Server; records: AnswerRecord[]; agent: Agent };
}

const simulators = new Map<number, Entry>();
let nextId = 1;
const directory = process.argv[2];
if (!directory) throw new Error('usage: services.ts S3_DIRECTORY');
const s3 = await startLocalS3([BUCKET], { directory });

async function startSimulator(args: SimulatorRequest): Promise<StartedSimulator> {
  const simulator = await startVirtuousSimulator({
    contacts: args.contacts,
    seed: args.seed ?? 7,
    ...(args.rateLimit ? { rateLimit: args.rateLimit } : {}),
    ...(args.faults ? { faults: args.faults } : {}),
    ...(args.replayCache ? { replayCache: true } : {}),
    ...(args.organizations ? { organizations: args.organizations } : {}),
  });
  const id = nextId++;
  const entry: Entry = { simulator };
  let url = simulator.url;
  if (args.record) {
    entry.proxy = await startRecordingProxy(simulator, args.pageLatencyMs ?? 0);
    const { port } = entry.proxy.server.address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
  }
  simulators.set(id, entry);
  return { id, url, token: simulator.token };
}

/**
 * A pass-through proxy that notes when each request arrived (and was passed on, so the simulator counted
 * it then), when its answer went back, its status, its rate-limit window, the request's `take` and the
 * organization its token names. The answers of data pages (take > 1) are held `pageLatencyMs` before they
 * go back: an API counts a request when it arrives, then takes its time to read the page.
 */
async function startRecordingProxy(
  simulator: VirtuousSimulator,
  pageLatencyMs: number,
): Promise<{ server: Server; records: AnswerRecord[]; agent: Agent }> {
  const upstream = new URL(simulator.url);
  // The bench rotates no token, so the names are known from the start; a token nobody holds is the first organization's, as the simulator charges it.
  const organizationOf = new Map(simulator.organizations.flatMap((organization) => organization.tokens.map((token) => [token, organization.name])));
  const firstOrganization = simulator.organizations[0]!.name;
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const records: AnswerRecord[] = [];
  const server = createServer((incoming, outgoing) => {
    const arrivedAt = Date.now();
    const [path = '', query = ''] = (incoming.url ?? '').split('?');
    const takeText = new URLSearchParams(query).get('take');
    const token = /^Bearer\s+(\S+)\s*$/i.exec(incoming.headers.authorization ?? '')?.[1];
    const organization = (token && organizationOf.get(token)) || firstOrganization;
    const take = takeText === null || takeText === '' ? null : Number(takeText);
    const holdMs = take !== null && take > 1 ? pageLatencyMs : 0;
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers, agent },
      (answer) => {
        const header = (name: string) => {
          const value = answer.headers[name];
          return typeof value === 'string' && value !== '' ? Number(value) : null;
        };
        const body: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => body.push(chunk));
        answer.on('end', () => {
          const passBack = () => {
            records.push({
              arrivedAt,
              at: Date.now(),
              status: answer.statusCode ?? 0,
              reset: header('x-ratelimit-reset'),
              remaining: header('x-ratelimit-remaining'),
              path,
              take,
              organization,
            });
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            outgoing.end(Buffer.concat(body));
          };
          const left = holdMs - (Date.now() - arrivedAt);
          if (left > 0) setTimeout(passBack, left);
          else passBack();
        });
      },
    );
    forward.on('error', () => incoming.socket.destroy());
    incoming.pipe(forward);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, records, agent };
}

function entryOf(id: number): Entry {
  const entry = simulators.get(id);
  if (!entry) throw new Error(`no simulator ${id}`);
  return entry;
}

async function closeEntry(id: number): Promise<void> {
  const entry = simulators.get(id);
  if (!entry) return;
  simulators.delete(id);
  if (entry.proxy) {
    entry.proxy.server.closeAllConnections();
    entry.proxy.server.close();
    entry.proxy.agent.destroy();
  }
  await entry.simulator.close();
}

async function handle(message: ServicesCommand): Promise<unknown> {
  switch (message.cmd) {
    case 'simulator.start':
      return startSimulator(message.args);
    case 'simulator.faults':
      entryOf(message.args.id).simulator.setFaults(message.args.faults);
      return null;
    case 'simulator.stats':
      return entryOf(message.args.id).simulator.stats;
    case 'simulator.records':
      return entryOf(message.args.id).proxy?.records ?? [];
    case 'simulator.organizations':
      return entryOf(message.args.id).simulator.organizations.map((organization) => ({ name: organization.name, stats: organization.stats }));
    case 'simulator.expectedIds':
      return entryOf(message.args.id).simulator.organization(message.args.organization).expectedIds({ includeArchived: true });
    case 'simulator.close':
      await closeEntry(message.args.id);
      return null;
    case 's3.purge':
      // s3rver keeps each object as files under DIRECTORY/BUCKET/KEY; dropping a finished export's
      // folder keeps a 5M-row run from filling the disk.
      await rm(join(directory!, BUCKET, message.args.key), { recursive: true, force: true });
      return null;
    case 'close':
      for (const id of [...simulators.keys()]) await closeEntry(id);
      await s3.close();
      setImmediate(() => process.exit(0));
      return null;
  }
}

process.on('message', (raw: { requestId: number } & ServicesCommand) => {
  handle(raw).then(
    (result) => process.send!({ type: 'reply', requestId: raw.requestId, ok: true, result } satisfies ServicesReply),
    (error: unknown) =>
      process.send!({
        type: 'reply',
        requestId: raw.requestId,
        ok: false,
        error: error instanceof Error ? error.message : String(error),
      } satisfies ServicesReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send!({ type: 'ready', bucket: BUCKET, s3Variables: s3.variables, s3Endpoint: s3.endpoint } satisfies ServicesReady);
