import { EventEmitter, once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the client sent it. */
export interface ApiCall {
  method: string;
  url: URL;
  /** The body as the client sent it (before any rewrite). */
  body: string;
}

/** How the proxy treats a request it holds: never answers at all, or sends the status line and headers and then nothing. */
export type HoldMode = 'silent' | 'headers-then-silence';

/** What the proxy changes; every rule sees each call and returns undefined to leave it alone. */
export interface FaultRules {
  /** A new body for the request sent upstream (e.g. a query without its upper bound). */
  rewriteRequest?: (call: ApiCall) => string | undefined;
  /** A new body for the answer the client gets (e.g. a `total` that lies, a missing `list`). */
  rewriteResponse?: (call: ApiCall, answer: { status: number; body: string }) => string | undefined;
  /** Holds the request instead of forwarding it. */
  hold?: (call: ApiCall) => HoldMode | undefined;
}

/** One call as the proxy handled it. */
export interface ProxiedCall extends ApiCall {
  arrivedAt: number;
  /** The body sent upstream, when a rule rewrote it. */
  forwardedBody?: string;
  /** Set when the call was held instead of forwarded. */
  held?: HoldMode;
  status?: number;
  /** The body the client got, when a rule rewrote it. */
  rewrittenAnswer?: string;
}

export interface ApiFaultProxy {
  /** The proxy's origin plus the target's path: use it as the client's base URL. */
  url: string;
  calls: ProxiedCall[];
  /** Replaces the rules; calls already held stay held (their clients time out). */
  setRules(rules: FaultRules): void;
  /** Resolves with the first call (held or answered) for which `predicate` holds, counting those already seen. */
  waitForCall(predicate: (call: ProxiedCall, all: ProxiedCall[]) => boolean): Promise<ProxiedCall>;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'content-encoding', 'host']);

/**
 * An HTTP proxy in front of a simulator that injects API faults the simulator itself never shows: it
 * rewrites what the client asked (the API ignoring a condition), rewrites what the API answered (a lying
 * count, a broken envelope), or holds a request without answering (an API that accepts the connection
 * and goes silent). The simulator behind it only does what the evidence shows.
 */
export async function startApiFaultProxy(target: string, initialRules: FaultRules = {}): Promise<ApiFaultProxy> {
  const targetUrl = new URL(target);
  const calls: ProxiedCall[] = [];
  const events = new EventEmitter();
  events.setMaxListeners(100);
  let rules = initialRules;
  const held = new Set<ServerResponse>();

  const server = createServer((request, response) => {
    void (async () => {
      const body = (await readBody(request)).toString('utf8');
      const call: ProxiedCall = {
        method: request.method ?? 'GET',
        url: new URL(request.url ?? '/', targetUrl.origin),
        body,
        arrivedAt: performance.now(),
      };
      calls.push(call);
      const holdMode = rules.hold?.(call);
      if (holdMode) {
        call.held = holdMode;
        held.add(response);
        response.on('close', () => held.delete(response));
        if (holdMode === 'headers-then-silence') {
          response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
          response.write('{"list":[');
        }
        events.emit('call', call);
        return;
      }
      const forwardedBody = rules.rewriteRequest?.(call);
      if (forwardedBody !== undefined) call.forwardedBody = forwardedBody;
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(request.headers)) if (typeof value === 'string' && !HOP_BY_HOP.has(name)) headers[name] = value;
      let upstream: Response;
      let answer: string;
      try {
        const sent = forwardedBody ?? body;
        upstream = await fetch(call.url, { method: call.method, headers, ...(sent.length > 0 ? { body: sent } : {}) });
        answer = await upstream.text();
      } catch {
        request.socket.destroy();
        return;
      }
      const rewritten = rules.rewriteResponse?.(call, { status: upstream.status, body: answer });
      if (rewritten !== undefined) call.rewrittenAnswer = rewritten;
      const outgoing: Record<string, string> = {};
      upstream.headers.forEach((value, name) => {
        if (!HOP_BY_HOP.has(name)) outgoing[name] = value;
      });
      const sentBody = rewritten ?? answer;
      outgoing['content-length'] = String(Buffer.byteLength(sentBody));
      call.status = upstream.status;
      response.writeHead(upstream.status, outgoing);
      response.end(sentBody);
      events.emit('call', call);
    })();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}${targetUrl.pathname.replace(/\/+$/, '')}`,
    calls,
    setRules(next) {
      rules = next;
    },
    waitForCall(predicate) {
      const handled = (call: ProxiedCall) => call.held !== undefined || call.status !== undefined;
      const found = calls.find((call) => handled(call) && predicate(call, calls));
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => {
        const listener = (call: ProxiedCall) => {
          if (!predicate(call, calls)) return;
          events.off('call', listener);
          resolve(call);
        };
        events.on('call', listener);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of held) response.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Virtuous: the `take` of a contact query (planning probes ask `take=1`, range pages more). */
export function takeOf(call: ApiCall): number {
  return Number(call.url.searchParams.get('take') ?? 0);
}

/** Virtuous: a range page (`POST /api/Contact/Query[/FullContact]` with a take above 1), as opposed to a planning probe. */
export function isVirtuousPage(call: ApiCall): boolean {
  return call.method === 'POST' && call.url.pathname.startsWith('/api/Contact/Query') && takeOf(call) > 1;
}

/** Close: a walk's search (it asks for contacts, `_limit` above 1, and no counts), as opposed to planning's counts and probes. */
export function isCloseWalk(call: ApiCall): boolean {
  if (call.method !== 'POST' || !call.url.pathname.endsWith('/data/search/')) return false;
  const body = JSON.parse(call.body) as { _limit?: number; results_limit?: number; include_counts?: boolean };
  return (body._limit ?? 0) > 1 && body.results_limit === undefined && !body.include_counts;
}

/** `JSON.parse`, edit, `JSON.stringify`. */
export function editJson<T>(text: string, edit: (value: T) => void): string {
  const value = JSON.parse(text) as T;
  edit(value);
  return JSON.stringify(value);
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}
