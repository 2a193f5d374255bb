import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector, type FaultOptions } from '../virtuous/fault-injector.js';
import { ACCESS_TOKEN_LIFETIME_MS, AccessTokens } from './access-tokens.js';
import { CloseCatalog } from './close-catalog.js';
import { CURSOR_ERROR_SHAPES, SimulatorRequestError, type CursorErrorShape } from './close-errors.js';
import { API_PREFIX, matchRoute } from './close-routes.js';
import { parseIsoMicros } from './close-timestamp.js';
import { ContactGenerator } from './contact-generator.js';
import { ContactStore } from './contact-store.js';
import { listContactCustomFields } from './custom-field-endpoint.js';
import { CUSTOM_FIELD_SHAPES, type CustomFieldShape } from './field-projection.js';
import { toLeadRecord } from './lead-generator.js';
import { MutationClock } from './mutation-clock.js';
import { buildSchemas } from './object-schemas.js';
import { CloseRateLimiter, type CloseRateLimitOptions } from './rate-limiter.js';
import { SearchEndpoint, WALK_CAP_SHAPES, type WalkCapShape } from './search-endpoint.js';
import { countStatus, emptyStats, resetStats, type CloseSimulatorStats } from './simulator-stats.js';
import { SimulatedLatency } from '../shared/simulated-latency.js';
import { readRequestBody } from '../shared/read-request-body.js';
import { requireInteger } from '../shared/require-integer.js';

export interface CloseSimulatorOptions {
  /** How many generated contacts. */
  contacts: number;
  /** Default 1; same seed (and options) => same data. */
  seed?: number;
  /** Accepted API key (HTTP Basic user name, empty password); default 'close-sim-key'. */
  apiKey?: string;
  /** OAuth 2.0 access tokens accepted besides the key (`Authorization: Bearer <token>`), each for an hour from the start. */
  accessTokens?: string[];
  /** Default 0 (random). */
  port?: number;
  /** Default '127.0.0.1'; use '0.0.0.0' inside a container. */
  host?: string;
  /**
   * Fixed windows per key (the API key, each access token) and per organization (default 3x a key's), and
   * which of them the `RateLimit` header reports; default none (header still sent).
   */
  rateLimit?: CloseRateLimitOptions;
  faults?: FaultOptions;
  /** Default 30,000: a cursor older than this (simulator clock) is a 400 naming the cursor. */
  cursorTtlMs?: number;
  /** Default 10,000: one cursor walk returns at most this many objects, then ends as `walkCapShape` says. */
  maxObjectsPerWalk?: number;
  /** `_limit` ceiling, default 200; larger => 400 naming `_limit`. */
  maxLimit?: number;
  /** Most `_fields.contact` entries in one search, default 100; more => 400 naming `_fields`. */
  maxFieldSelectors?: number;
  /** How search answers custom values: `flat` (default) `custom.cf_x` keys, or one `custom` object keyed by field id or by name. */
  customFieldShape?: CustomFieldShape;
  /** How a refused cursor is answered: `field-errors` (default, `{"error", "field-errors": {"cursor"}}`) or `message` (`{"error"}` alone). */
  cursorErrorShape?: CursorErrorShape;
  /** What a walk does at `maxObjectsPerWalk`: `cursor-null` (default) ends it, `refuse` gives a cursor that is refused with a 400. */
  walkCapShape?: WalkCapShape;
  /** Add `lead_id` to results that did not ask for it, as Close's guide says it may (default false). */
  unaskedLeadId?: boolean;
  /** `count` contacts share exactly one date_created (`at`, default 2018-10-01T12:00:00.123456+00:00). */
  sharedTimestamp?: { count: number; at?: string };
  /** Simulator clock in milliseconds, default Date.now. */
  now?: () => number;
  /** How many contact custom fields exist, default 2. */
  customFields?: number;
}

export interface CloseSimulator {
  /** e.g. http://127.0.0.1:PORT/api/v1 (no trailing slash); search at `${url}/data/search/`. */
  url: string;
  apiKey: string;
  /** Accepts `token` as `Authorization: Bearer <token>` for `lifetimeMs` (default an hour, as Close's `expires_in: 3600`). */
  issueAccessToken(token: string, lifetimeMs?: number): void;
  /** Expires an issued access token now, as when its application refreshed the grant: it answers 401 from now on. */
  expireAccessToken(token: string): void;
  /** Live counters. */
  stats: CloseSimulatorStats;
  resetStats(): void;
  setFaults(faults: CloseSimulatorOptions['faults']): void;
  /** Every contact id, in date_created then id order. */
  expectedIds(): string[];
  /** Full contact with every field, custom.cf_ keys included (a copy). */
  contact(id: string): Record<string, unknown> | undefined;
  /** The contact's lead: id, display_name, status_id, status_label, ..., custom.cf_ keys. */
  leadOf(contactId: string): Record<string, unknown> | undefined;
  /** Contact custom field ids (cf_...), in definition order. */
  customFieldIds(): string[];
  /** Contact custom fields: id, name, type, whether they accept multiple values (a copy). */
  customFields(): { id: string; name: string; type: string; acceptsMultipleValues: boolean }[];
  /** Applies REST-shaped changes (name, title, emails, custom.cf_x, ...; undefined removes); bumps date_updated. */
  edit(id: string, changes: Record<string, unknown>): void;
  /** New contacts created "now" (after every existing one); returns their ids. */
  insert(count: number): string[];
  /** Also destroys open sockets; resolves fast. */
  close(): Promise<void>;
}

const DEFAULT_API_KEY = 'close-sim-key';
const DEFAULT_CURSOR_TTL_MS = 30_000;
const DEFAULT_MAX_OBJECTS_PER_WALK = 10_000;
const DEFAULT_MAX_LIMIT = 200;
const DEFAULT_MAX_FIELD_SELECTORS = 100;
const DEFAULT_CUSTOM_FIELDS = 2;
export const DEFAULT_SHARED_TIMESTAMP = '2018-10-01T12:00:00.123456+00:00';
const JSON_TYPE = 'application/json';
/** A request that offers a Bearer credential is answered 401 with a Bearer challenge. */
const BEARER_SCHEME = /^Bearer\b/i;

function oneOf<T extends string>(name: string, value: T, allowed: readonly T[]): T {
  if (!allowed.includes(value)) throw new RangeError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

/** Starts an HTTP simulator of Close's contact search and contact custom field list (see docs/simulators/close.md). */
export async function startCloseSimulator(options: CloseSimulatorOptions): Promise<CloseSimulator> {
  const simulator = new HttpCloseSimulator(options);
  await simulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return simulator;
}

class HttpCloseSimulator implements CloseSimulator {
  readonly apiKey: string;
  readonly stats = emptyStats();
  url = '';

  private readonly catalog: CloseCatalog;
  private readonly store: ContactStore;
  private readonly search: SearchEndpoint;
  private readonly faults: FaultInjector;
  private readonly rateLimiter: CloseRateLimiter;
  private readonly accessTokens: AccessTokens;
  private readonly server: Server;
  private readonly latency = new SimulatedLatency();
  private closing: Promise<void> | undefined;

  constructor(options: CloseSimulatorOptions) {
    const seed = options.seed ?? 1;
    requireInteger('contacts', options.contacts, 0);
    const customFields = options.customFields ?? DEFAULT_CUSTOM_FIELDS;
    requireInteger('customFields', customFields, 0);
    const limits = {
      maxLimit: options.maxLimit ?? DEFAULT_MAX_LIMIT,
      maxObjectsPerWalk: options.maxObjectsPerWalk ?? DEFAULT_MAX_OBJECTS_PER_WALK,
      cursorTtlMs: options.cursorTtlMs ?? DEFAULT_CURSOR_TTL_MS,
      maxFieldSelectors: options.maxFieldSelectors ?? DEFAULT_MAX_FIELD_SELECTORS,
    };
    requireInteger('maxLimit', limits.maxLimit, 1);
    requireInteger('maxFieldSelectors', limits.maxFieldSelectors, 1);
    const modes = {
      customFieldShape: oneOf('customFieldShape', options.customFieldShape ?? 'flat', CUSTOM_FIELD_SHAPES),
      cursorErrorShape: oneOf('cursorErrorShape', options.cursorErrorShape ?? 'field-errors', CURSOR_ERROR_SHAPES),
      walkCapShape: oneOf('walkCapShape', options.walkCapShape ?? 'cursor-null', WALK_CAP_SHAPES),
      unaskedLeadId: options.unaskedLeadId ?? false,
    };
    requireInteger('maxObjectsPerWalk', limits.maxObjectsPerWalk, 1);
    if (!(limits.cursorTtlMs >= 0)) throw new RangeError(`cursorTtlMs must be >= 0, got ${limits.cursorTtlMs}`);
    const shared = options.sharedTimestamp;
    let sharedMicros: number | undefined;
    if (shared) {
      requireInteger('sharedTimestamp.count', shared.count, 0);
      sharedMicros = parseIsoMicros(shared.at ?? DEFAULT_SHARED_TIMESTAMP);
      if (sharedMicros === undefined) throw new RangeError(`sharedTimestamp.at must be an ISO 8601 date-time, got ${shared.at}`);
    }

    const clock = new MutationClock(options.now ?? Date.now);
    this.apiKey = options.apiKey ?? DEFAULT_API_KEY;
    this.accessTokens = new AccessTokens(clock.now);
    for (const token of options.accessTokens ?? []) this.accessTokens.issue(token);
    this.catalog = new CloseCatalog(seed, customFields);
    const generator = new ContactGenerator({ seed, catalog: this.catalog });
    this.store = new ContactStore(
      generator,
      this.catalog,
      options.contacts,
      shared && sharedMicros !== undefined ? { count: shared.count, atMicros: sharedMicros } : undefined,
      clock,
      seed,
    );
    this.search = new SearchEndpoint(this.store, this.catalog, buildSchemas(this.catalog), clock, limits, this.stats, modes);
    this.faults = new FaultInjector(options.faults, seed);
    this.rateLimiter = new CloseRateLimiter(options.rateLimit, clock.now);
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
        this.url = `http://${shownHost}:${address.port}${API_PREFIX}`;
        resolve();
      });
    });
  }

  resetStats(): void {
    resetStats(this.stats);
  }

  issueAccessToken(token: string, lifetimeMs = ACCESS_TOKEN_LIFETIME_MS): void {
    this.accessTokens.issue(token, lifetimeMs);
  }

  expireAccessToken(token: string): void {
    this.accessTokens.expire(token);
  }

  setFaults(faults: CloseSimulatorOptions['faults']): void {
    this.faults.configure(faults);
  }

  expectedIds(): string[] {
    const order = this.store.createdOrder;
    const ids: string[] = [];
    for (let position = 0; position < order.length; position++) ids.push(this.store.idAt(order.indexAt(position)));
    return ids;
  }

  contact(id: string): Record<string, unknown> | undefined {
    const index = this.store.indexOfId(id);
    return index < 0 ? undefined : this.store.record(index);
  }

  leadOf(contactId: string): Record<string, unknown> | undefined {
    const index = this.store.indexOfId(contactId);
    return index < 0 ? undefined : toLeadRecord(this.store.lead(this.store.leadKey(index)));
  }

  customFieldIds(): string[] {
    return this.catalog.contactFields.map((field) => field.id);
  }

  customFields(): { id: string; name: string; type: string; acceptsMultipleValues: boolean }[] {
    return this.catalog.contactFields.map(({ id, name, type, acceptsMultipleValues }) => ({ id, name, type, acceptsMultipleValues }));
  }

  edit(id: string, changes: Record<string, unknown>): void {
    this.store.edit(id, changes);
  }

  insert(count: number): string[] {
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

  /**
   * Order of checks: fault latency, authentication (API key or access token; 401, not charged to the rate budget), rate limit
   * (429), injected drop or 5xx (charged), routing (404/405), then the search or the custom field
   * list itself (400 or 200).
   */
  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://simulator');
    this.stats.requests++;
    const body = await readRequestBody(request);

    const fault = this.faults.decide();
    if (fault.latencyMs > 0 && !(await this.latency.wait(fault.latencyMs))) return;

    const authorization = request.headers.authorization ?? '';
    const keyId = this.keyOf(authorization);
    if (keyId === undefined) {
      const bearer = BEARER_SCHEME.test(authorization);
      return this.sendJson(
        response,
        401,
        {
          error: bearer
            ? 'The access token is invalid or expired. Refresh the OAuth grant and send the new access token.'
            : 'The API key is missing or invalid. Use HTTP Basic auth with the API key as the user name and an empty password.',
        },
        {
          RateLimit: this.rateLimiter.peek(),
          'WWW-Authenticate': bearer ? 'Bearer realm="Close API"' : 'Basic realm="Close API"',
        },
      );
    }
    const rate = this.rateLimiter.consume(keyId);
    const headers: Record<string, string> = { RateLimit: rate.header };
    if (rate.refusal) {
      const { type, limit, windowSeconds, resetSeconds } = rate.refusal;
      this.stats.rateLimited[type]++;
      headers['Retry-After'] = String(Math.max(1, Math.ceil(resetSeconds)));
      return this.sendJson(
        response,
        429,
        {
          error: {
            message: 'API call count exceeded for this period',
            rate_reset: resetSeconds,
            rate_limit: limit,
            rate_window: windowSeconds,
            rate_limit_type: type,
          },
        },
        headers,
      );
    }
    if (fault.outcome === 'drop') {
      countStatus(this.stats, 0);
      request.socket.destroy();
      return;
    }
    if (fault.outcome === 'error') {
      const message = fault.status === 503 ? 'Service temporarily unavailable.' : 'Internal server error.';
      return this.sendJson(response, fault.status, { error: message }, headers);
    }

    const route = matchRoute(request.method ?? 'GET', url.pathname);
    if (route.name === 'unknown') return this.sendJson(response, 404, { error: `Not found: ${url.pathname}` }, headers);
    if (!route.methodAllowed)
      return this.sendJson(response, 405, { error: `Method ${request.method} not allowed.` }, { ...headers, Allow: route.allowed });
    if (body === undefined) return this.sendJson(response, 413, { errors: ['The request body is too large.'], 'field-errors': {} }, headers);
    try {
      if (route.name === 'contact-custom-fields') {
        this.stats.customFieldListings++;
        return this.sendJson(response, 200, listContactCustomFields(this.catalog, url.searchParams), headers);
      }
      this.sendJson(response, 200, this.search.answer(body), headers);
    } catch (error) {
      if (!(error instanceof SimulatorRequestError)) throw error;
      this.sendJson(response, error.status, error.body, headers);
    }
  }

  /**
   * The key a request is authorized by, as the rate limiter names it: the API key as HTTP Basic (user name,
   * empty password), or an issued, unexpired access token as Bearer (each token is a key of the organization);
   * undefined when neither.
   */
  private keyOf(authorization: string): string | undefined {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (bearer) return this.accessTokens.accepts(bearer[1]!) ? `token:${bearer[1]!}` : undefined;
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization);
    if (!basic) return undefined;
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    return decoded === `${this.apiKey}:` ? 'api-key' : undefined;
  }

  private sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string>): void {
    if (response.headersSent || response.destroyed) return;
    countStatus(this.stats, status);
    const text = JSON.stringify(body);
    response.writeHead(status, { ...headers, 'Content-Type': JSON_TYPE, 'Content-Length': Buffer.byteLength(text) });
    response.end(text);
  }

  private sendUnexpected(response: ServerResponse, error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.sendJson(response, 500, { error: `Simulator failure: ${message}` }, {});
  }
}
