import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VirtuousAbbreviatedContact, VirtuousFullContact } from './virtuous-contact.js';
import { ContactGenerator } from './contact-generator.js';
import { toAbbreviatedContact, toFullContact } from './contact-records.js';
import { matchRoute, type MatchedRoute } from './contact-routes.js';
import { ContactStore } from './contact-store.js';
import { FaultInjector, type FaultOptions } from './fault-injector.js';
import { DATE_FILTER_PRECISIONS, type DateFilterPrecision } from './date-filter-value.js';
import { executeQuery } from './query-executor.js';
import { QueryCatalog, type WithheldOperators } from './query-options-catalog.js';
import { parseQueryRequest } from './query-request.js';
import { RateWindow, type RateLimitOptions } from './rate-window.js';
import { SimulatorRequestError, structuredError } from './request-error.js';
import { SimulatorClock } from './simulator-clock.js';
import { countRequest, countStatus, emptyStats, resetStats, type VirtuousSimulatorStats } from './simulator-stats.js';
import { SimulatedLatency } from '../shared/simulated-latency.js';
import { readRequestBody } from '../shared/read-request-body.js';
import { requireInteger } from '../shared/require-integer.js';

export interface VirtuousSimulatorOptions {
  /** How many generated contacts. */
  contacts: number;
  /** Default 1; same seed => same data. */
  seed?: number;
  /** Accepted Bearer token; default 'sim-token'. */
  token?: string;
  /** Default 0 (random). */
  port?: number;
  /** Default '127.0.0.1'; use '0.0.0.0' inside a container. */
  host?: string;
  /**
   * Fixed-window budget, its windows opening with the first request after the previous one ended or
   * aligned to the clock (`alignment`, a mode: the evidence does not say); default none (headers still
   * sent, advertising 1,000,000 per hour).
   */
  rateLimit?: RateLimitOptions;
  faults?: FaultOptions;
  /** Default 1000; take > maxTake => 400. */
  maxTake?: number;
  /** Default 0.1. */
  archivedFraction?: number;
  /**
   * Answers a repeated contact query from the bytes it was answered with before, as a caching proxy in
   * front of the API would (any edit, archive or insert empties the cache). For benchmarks, so that
   * serving pages costs the simulator little CPU. Default false.
   */
  replayCache?: boolean;
  /**
   * How date parameters treat a time of day in a value (unknown for the real API, so each plausible
   * behaviour is a mode): full precision (`instant`, the default), the UTC calendar day only (`day`), or
   * refused with a 400 (`date-only`).
   */
  dateFilterPrecision?: DateFilterPrecision;
  /** Simulator clock in milliseconds (mutation timestamps, relative dates); default Date.now. */
  now?: () => number;
  /**
   * Operators this organization does not offer, by parameter (catalogues vary by organization), e.g.
   * `{ 'Last Modified Date': ['OnOrAfter', 'After'] }`: left out of QueryOptions and refused with a 400.
   */
  withheldOperators?: WithheldOperators;
}

export interface VirtuousSimulator {
  /** e.g. http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  token: string;
  /** Live counters. */
  stats: VirtuousSimulatorStats;
  resetStats(): void;
  setFaults(faults: VirtuousSimulatorOptions['faults']): void;
  /** Answers every request with 429 (and a Retry-After counting down) for `durationMs`. */
  serve429Storm(durationMs: number): void;
  /** Every contact id currently present, ascending, filtered by archived state. */
  expectedIds(opts?: { includeArchived?: boolean }): number[];
  /** Full record as GET /api/Contact/{id} would return it (undefined if none). */
  fullContact(id: number): VirtuousFullContact | undefined;
  abbreviatedContact(id: number): VirtuousAbbreviatedContact | undefined;
  /** Bumps modifiedDateTimeUtc to "now" (simulator clock). */
  edit(id: number, changes: Partial<Pick<VirtuousFullContact, 'name' | 'informalName' | 'description' | 'tags'>>): void;
  /** Bumps modifiedDateTimeUtc. */
  archive(id: number): void;
  /** New contacts with ids above the current max; returns their ids. */
  insert(count: number): number[];
  /** Also destroys open sockets; resolves fast. */
  close(): Promise<void>;
}

const DEFAULT_TOKEN = 'sim-token';
const DEFAULT_MAX_TAKE = 1000;
const DEFAULT_ARCHIVED_FRACTION = 0.1;
const UNAUTHORIZED_TEXT = 'Authorization has been denied for this request.';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Starts an HTTP simulator of the Virtuous CRM+ Contact API on 127.0.0.1 (its evidence: docs/sources/virtuous.md, "Evidence"). */
export async function startVirtuousSimulator(options: VirtuousSimulatorOptions): Promise<VirtuousSimulator> {
  const simulator = new HttpVirtuousSimulator(options);
  await simulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return simulator;
}

class HttpVirtuousSimulator implements VirtuousSimulator {
  readonly token: string;
  readonly stats = emptyStats();
  url = '';

  private readonly store: ContactStore;
  private readonly clock: SimulatorClock;
  private readonly dateFilterPrecision: DateFilterPrecision;
  private readonly catalog: QueryCatalog;
  private readonly faults: FaultInjector;
  private readonly rateWindow: RateWindow;
  private readonly maxTake: number;
  private readonly server: Server;
  private readonly latency = new SimulatedLatency();
  private readonly replayCache: Map<string, { bytes: Buffer; rows: number }> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: VirtuousSimulatorOptions) {
    const seed = options.seed ?? 1;
    const archivedFraction = options.archivedFraction ?? DEFAULT_ARCHIVED_FRACTION;
    requireInteger('contacts', options.contacts, 0);
    requireInteger('maxTake', options.maxTake ?? DEFAULT_MAX_TAKE, 1);
    if (!(archivedFraction >= 0 && archivedFraction <= 1)) throw new RangeError(`archivedFraction must be in [0, 1], got ${archivedFraction}`);
    this.dateFilterPrecision = options.dateFilterPrecision ?? 'instant';
    if (!DATE_FILTER_PRECISIONS.includes(this.dateFilterPrecision)) {
      throw new RangeError(`dateFilterPrecision must be one of ${DATE_FILTER_PRECISIONS.join(', ')}, got ${String(this.dateFilterPrecision)}`);
    }
    this.clock = new SimulatorClock(options.now);
    this.catalog = new QueryCatalog(options.withheldOperators);

    this.token = options.token ?? DEFAULT_TOKEN;
    this.maxTake = options.maxTake ?? DEFAULT_MAX_TAKE;
    this.store = new ContactStore(new ContactGenerator({ seed, archivedFraction }), options.contacts, this.clock);
    this.faults = new FaultInjector(options.faults, seed);
    this.rateWindow = new RateWindow(options.rateLimit);
    this.replayCache = options.replayCache ? new Map() : undefined;
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => this.sendUnexpected(response, error));
    });
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const address = this.server.address() as AddressInfo;
        const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
        this.url = `http://${shownHost}:${address.port}`;
        resolve();
      });
    });
  }

  resetStats(): void {
    resetStats(this.stats);
  }

  serve429Storm(durationMs: number): void {
    this.rateWindow.storm(durationMs);
  }

  setFaults(faults: VirtuousSimulatorOptions['faults']): void {
    this.faults.configure(faults);
  }

  expectedIds(opts: { includeArchived?: boolean } = {}): number[] {
    const ids: number[] = [];
    for (let index = 0; index < this.store.count; index++) {
      if (opts.includeArchived || !this.store.isArchived(index)) ids.push(this.store.idAt(index));
    }
    return ids;
  }

  fullContact(id: number): VirtuousFullContact | undefined {
    const index = this.store.indexOfId(id);
    return index < 0 ? undefined : toFullContact(this.store.facts(index));
  }

  abbreviatedContact(id: number): VirtuousAbbreviatedContact | undefined {
    const index = this.store.indexOfId(id);
    return index < 0 ? undefined : toAbbreviatedContact(this.store.facts(index));
  }

  edit(id: number, changes: Partial<Pick<VirtuousFullContact, 'name' | 'informalName' | 'description' | 'tags'>>): void {
    this.store.edit(id, changes);
    this.replayCache?.clear();
  }

  archive(id: number): void {
    this.store.archive(id);
    this.replayCache?.clear();
  }

  insert(count: number): number[] {
    this.replayCache?.clear();
    return this.store.insert(count);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.latency.stop();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const route = matchRoute(request.method ?? 'GET', url.pathname);
    countRequest(this.stats, route.name);
    const body = await readRequestBody(request);

    const fault = this.faults.decide();
    if (fault.latencyMs > 0 && !(await this.latency.wait(fault.latencyMs))) return;

    const rate = this.rateWindow.consume();
    const headers = rate.headers;
    if (!rate.allowed) {
      const error = structuredError(429, 'RATE_LIMITED', `API rate limit exceeded. Retry after ${headers['Retry-After']} seconds.`);
      return this.sendJson(response, 429, error.body, headers);
    }
    if (fault.outcome === 'drop') {
      countStatus(this.stats, 0);
      request.socket.destroy();
      return;
    }
    if (fault.outcome === 'error') {
      const error =
        fault.status === 503
          ? structuredError(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable.')
          : structuredError(500, 'INTERNAL_ERROR', 'An unexpected error occurred.');
      return this.sendJson(response, fault.status, error.body, headers);
    }
    if (!this.isAuthorized(request)) {
      return this.send(response, 401, UNAUTHORIZED_TEXT, headers, 'text/plain; charset=utf-8');
    }
    if (body === undefined) return this.sendJson(response, 413, { message: 'The request body is too large.' }, headers);

    try {
      this.dispatch(route, url, body, response, headers);
    } catch (error) {
      if (!(error instanceof SimulatorRequestError)) throw error;
      this.sendJson(response, error.status, error.body, headers);
    }
  }

  private dispatch(route: MatchedRoute, url: URL, body: string, response: ServerResponse, headers: Record<string, string>): void {
    if (route.name === 'unknown') {
      return this.sendJson(response, 404, { message: `No HTTP resource was found that matches the request URI '${url.pathname}'.` }, headers);
    }
    if (!route.methodAllowed) {
      return this.sendJson(response, 405, { message: 'The requested resource does not support this HTTP method.' }, headers);
    }
    switch (route.name) {
      case 'query':
      case 'fullContact': {
        const cacheKey = this.replayCache && `${route.name} ${url.search} ${body}`;
        const replay = cacheKey === undefined ? undefined : this.replayCache!.get(cacheKey);
        if (replay) {
          this.stats.rowsServed += replay.rows;
          return this.send(response, 200, replay.bytes, headers, JSON_TYPE);
        }
        const query = parseQueryRequest({
          searchParams: url.searchParams,
          body,
          maxTake: this.maxTake,
          ids: this.store,
          filter: { nowMs: this.clock.nowMs(), dateFilterPrecision: this.dateFilterPrecision, catalog: this.catalog },
        });
        const page = executeQuery(this.store, query);
        const shape = route.name === 'fullContact' ? toFullContact : toAbbreviatedContact;
        const list = page.indices.map((index) => shape(this.store.facts(index)));
        this.stats.rowsServed += list.length;
        const bytes = Buffer.from(JSON.stringify({ list, total: page.total }));
        if (cacheKey !== undefined) this.replayCache!.set(cacheKey, { bytes, rows: list.length });
        return this.send(response, 200, bytes, headers, JSON_TYPE);
      }
      case 'queryOptions':
        return this.sendJson(response, 200, this.catalog.response(), headers);
      case 'getContact': {
        const index = this.store.indexOfId(route.contactId ?? -1);
        if (index < 0) return this.send(response, 404, '', headers);
        this.stats.rowsServed++;
        return this.sendJson(response, 200, toFullContact(this.store.facts(index)), headers);
      }
    }
  }

  private isAuthorized(request: IncomingMessage): boolean {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    return match?.[1] === this.token;
  }

  private sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    this.send(response, status, JSON.stringify(body), headers, JSON_TYPE);
  }

  private send(response: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>, contentType?: string): void {
    if (response.headersSent || response.destroyed) return;
    countStatus(this.stats, status);
    response.writeHead(status, {
      ...headers,
      ...(contentType && body.length > 0 ? { 'Content-Type': contentType } : {}),
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  }

  private sendUnexpected(response: ServerResponse, error: unknown): void {
    if (response.headersSent || response.destroyed) return;
    const message = error instanceof Error ? error.message : String(error);
    this.sendJson(response, 500, structuredError(500, 'INTERNAL_ERROR', `Simulator failure: ${message}`).body, {});
  }
}
