import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { VirtuousAbbreviatedContact, VirtuousFullContact } from './virtuous-contact.js';
import type { VirtuousAbbreviatedGift, VirtuousFullGift } from './virtuous-gift.js';
import type { ContactFacts } from './contact-facts.js';
import { FIRST_CONTACT_ID } from './contact-generator.js';
import { CONTACT_OPTIONS_PATH, CONTACT_QUERY_PARAMETERS, CONTACT_SORT_ORDERS } from './contact-query-schema.js';
import { CONTACT_SHAPES, toAbbreviatedContact, type ContactShape } from './contact-records.js';
import { FaultInjector, type FaultOptions } from './fault-injector.js';
import { DATE_FILTER_PRECISIONS, type DateFilterPrecision } from './date-filter-value.js';
import type { GiftFacts } from './gift-facts.js';
import { FIRST_GIFT_ID } from './gift-generator.js';
import { GIFT_ID_PARAMETERS, GIFT_OPTIONS_PATH, GIFT_SORT_ORDERS, giftQueryParameters, type GiftIdParameter } from './gift-query-schema.js';
import { GIFT_SHAPES, type GiftShape } from './gift-records.js';
import type { GiftEdit } from './gift-store.js';
import { executeQuery, type QueryableStore } from './query-executor.js';
import { QueryCatalog, requireWithheldParametersExist, type WithheldOperators } from './query-options-catalog.js';
import { parseQueryRequest } from './query-request.js';
import type { RateLimitOptions } from './rate-window.js';
import { SimulatorRequestError, structuredError } from './request-error.js';
import { matchRoute, type MatchedRoute } from './route-matcher.js';
import {
  requireSeparateIdRanges,
  SimulatedOrganization,
  type OrganizationSettings,
  type VirtuousOrganization,
  type VirtuousOrganizationOptions,
} from './simulated-organization.js';
import { SimulatorClock } from './simulator-clock.js';
import { countRequest, countStatus, emptyStats, resetStats, type VirtuousSimulatorStats } from './simulator-stats.js';
import type { SortOptions } from './sort-order.js';
import { TokenRegistry } from './token-registry.js';
import { SimulatedLatency } from '../shared/simulated-latency.js';
import { readRequestBody } from '../shared/read-request-body.js';
import { requireInteger } from '../shared/require-integer.js';

/**
 * The top-level `contacts`, `gifts`, `seed`, `token`, `rateLimit` and `archivedFraction` describe the first
 * organization, named 'default'; `organizations` adds more, each answered by its own tokens. The other
 * options (faults, paging, catalogues, shapes, clock, replay cache) apply to every organization.
 */
export interface VirtuousSimulatorOptions {
  /** How many generated contacts. */
  contacts: number;
  /**
   * How many generated gifts, each belonging to one of the contacts (so `contacts` must be > 0 when this
   * is); default 0 (the Gift endpoints then answer empty lists).
   */
  gifts?: number;
  /** Default 1; same seed => same data. */
  seed?: number;
  /** Accepted Bearer token; default 'sim-token'. */
  token?: string;
  /**
   * More organizations served by the same server: each with its own tokens, contacts (ids apart from
   * every other organization's), rate window and stats. Default none.
   */
  organizations?: readonly VirtuousOrganizationOptions[];
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
  /** Default 1000; take > maxTake => 400 (contact queries). */
  maxTake?: number;
  /**
   * The largest `take` of a gift query, a mode: a production connector pages FullGift with 1000, the
   * vendor's workflow node says 500. Default 1000; take > maxGiftTake => 400.
   */
  maxGiftTake?: number;
  /** Default 0.1. */
  archivedFraction?: number;
  /**
   * Answers a repeated query (contacts or gifts) from the bytes it was answered with before, as a caching proxy in
   * front of the API would (any mutation of contacts or gifts empties the cache). For benchmarks, so that
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
   * Operators the organizations do not offer, by parameter (catalogues vary by organization; here every
   * organization shares one per record type), e.g.
   * `{ 'Last Modified Date': ['OnOrAfter', 'After'] }`: left out of QueryOptions and refused with a 400.
   * A name the contact and gift catalogues share is withheld from both; a name neither has is refused. Default none.
   */
  withheldOperators?: WithheldOperators;
  /**
   * Which fields a full contact carries, in every organization (a mode: the evidence shows both): those the
   * API reference lists (`documented`, the default) or also every field of a recorded real contact
   * (`recorded`: salutations, audit fields, each individual's birth date `M/D/YYYY`, `lastGiftDate` as `M/D/YYYY`).
   */
  contactShape?: ContactShape;
  /**
   * Which fields a full gift carries, in every organization (a mode: the evidence shows both): those the
   * vendor documents for FullGift (`documented`, the default) or also every field of a recorded real gift
   * (`recorded`: `amountFormatted`, currency codes, `giftDateFormatted` as `M/D/YYYY`, `contactName`,
   * `contactUrl`, `receiptDate`, `isPrivate`, `isTaxDeductible` and the empty lists it names).
   */
  giftShape?: GiftShape;
  /**
   * The name of the gift id parameter in the gift QueryOptions (a mode: gift parameter names are not
   * published): `Gift Id` (default, as a catalogue of the same family shows), `Id` or `GiftId`. Any other
   * spelling in a condition is a 400, as for every parameter the catalogue does not list.
   */
  giftIdParameter?: GiftIdParameter;
}

/** The methods about contacts and gifts act on the first organization ('default'); `organization(name)` reaches the others. */
export interface VirtuousSimulator extends Pick<
  VirtuousOrganization,
  | 'expectedIds'
  | 'fullContact'
  | 'abbreviatedContact'
  | 'edit'
  | 'archive'
  | 'insert'
  | 'expectedGiftIds'
  | 'fullGift'
  | 'abbreviatedGift'
  | 'editGift'
  | 'insertGift'
  | 'deleteGift'
> {
  /** e.g. http://127.0.0.1:PORT (no trailing slash). */
  url: string;
  /** The first organization's first token (its current one, after a rotation). */
  readonly token: string;
  /** Live counters over every organization (each organization's own are in its `stats`). */
  stats: VirtuousSimulatorStats;
  /** Every organization, the first ('default', from the top-level options) first. */
  readonly organizations: readonly VirtuousOrganization[];
  /** The organization of that name; throws for an unknown name. */
  organization(name: string): VirtuousOrganization;
  /** Clears the totals and every organization's counters. */
  resetStats(): void;
  setFaults(faults: VirtuousSimulatorOptions['faults']): void;
  /** Answers every request with 429 (and a Retry-After counting down) for `durationMs`, in every organization. */
  serve429Storm(durationMs: number): void;
  /** Also destroys open sockets; resolves fast. */
  close(): Promise<void>;
}

const DEFAULT_TOKEN = 'sim-token';
const DEFAULT_ORGANIZATION = 'default';
/** Default distance between the first possible ids of consecutive organizations (room for 33 million contacts each, and as many gifts). */
const ORGANIZATION_ID_SPACING = 100_000_000;
const DEFAULT_MAX_TAKE = 1000;
const DEFAULT_MAX_GIFT_TAKE = 1000;
const DEFAULT_ARCHIVED_FRACTION = 0.1;
const UNAUTHORIZED_TEXT = 'Authorization has been denied for this request.';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Starts an HTTP simulator of the Virtuous CRM+ Contact and Gift APIs on 127.0.0.1 (its evidence: docs/sources/virtuous.md, "Evidence"). */
export async function startVirtuousSimulator(options: VirtuousSimulatorOptions): Promise<VirtuousSimulator> {
  const simulator = new HttpVirtuousSimulator(options);
  await simulator.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  return simulator;
}

class HttpVirtuousSimulator implements VirtuousSimulator {
  readonly stats = emptyStats();
  readonly organizations: readonly SimulatedOrganization[];
  url = '';

  private readonly tokens = new TokenRegistry<SimulatedOrganization>();
  private readonly clock: SimulatorClock;
  private readonly dateFilterPrecision: DateFilterPrecision;
  private readonly contactCatalog: QueryCatalog<ContactFacts>;
  private readonly giftCatalog: QueryCatalog<GiftFacts>;
  private readonly faults: FaultInjector;
  private readonly maxTake: number;
  private readonly maxGiftTake: number;
  private readonly server: Server;
  private readonly latency = new SimulatedLatency();
  private closing: Promise<void> | undefined;

  constructor(options: VirtuousSimulatorOptions) {
    const seed = options.seed ?? 1;
    requireInteger('maxTake', options.maxTake ?? DEFAULT_MAX_TAKE, 1);
    requireInteger('maxGiftTake', options.maxGiftTake ?? DEFAULT_MAX_GIFT_TAKE, 1);
    const giftIdParameter = options.giftIdParameter ?? GIFT_ID_PARAMETERS[0];
    if (!GIFT_ID_PARAMETERS.includes(giftIdParameter)) {
      throw new RangeError(`giftIdParameter must be one of ${GIFT_ID_PARAMETERS.join(', ')}, got ${String(giftIdParameter)}`);
    }
    this.dateFilterPrecision = options.dateFilterPrecision ?? 'instant';
    if (!DATE_FILTER_PRECISIONS.includes(this.dateFilterPrecision)) {
      throw new RangeError(`dateFilterPrecision must be one of ${DATE_FILTER_PRECISIONS.join(', ')}, got ${String(this.dateFilterPrecision)}`);
    }
    this.clock = new SimulatorClock(options.now);
    const withheld = options.withheldOperators ?? {};
    this.contactCatalog = new QueryCatalog(CONTACT_QUERY_PARAMETERS, CONTACT_OPTIONS_PATH, withheld);
    this.giftCatalog = new QueryCatalog(giftQueryParameters(giftIdParameter), GIFT_OPTIONS_PATH, withheld);
    requireWithheldParametersExist(withheld, [this.contactCatalog, this.giftCatalog]);
    this.maxTake = options.maxTake ?? DEFAULT_MAX_TAKE;
    this.maxGiftTake = options.maxGiftTake ?? DEFAULT_MAX_GIFT_TAKE;
    this.faults = new FaultInjector(options.faults, seed);
    this.organizations = organizationSettings(options).map((settings) => new SimulatedOrganization(settings, this.clock, this.tokens));
    const names = new Set(this.organizations.map((organization) => organization.name));
    if (names.size < this.organizations.length) throw new RangeError('Every simulated organization needs its own name');
    requireSeparateIdRanges(this.organizations);
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => this.sendUnexpected(response, error));
    });
  }

  get token(): string {
    return this.first.token;
  }

  organization(name: string): VirtuousOrganization {
    const found = this.organizations.find((organization) => organization.name === name);
    if (!found) throw new RangeError(`The simulator serves no organization named '${name}'`);
    return found;
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
    for (const organization of this.organizations) resetStats(organization.stats);
  }

  serve429Storm(durationMs: number): void {
    for (const organization of this.organizations) organization.serve429Storm(durationMs);
  }

  setFaults(faults: VirtuousSimulatorOptions['faults']): void {
    this.faults.configure(faults);
  }

  expectedIds(opts: { includeArchived?: boolean } = {}): number[] {
    return this.first.expectedIds(opts);
  }

  fullContact(id: number): VirtuousFullContact | undefined {
    return this.first.fullContact(id);
  }

  abbreviatedContact(id: number): VirtuousAbbreviatedContact | undefined {
    return this.first.abbreviatedContact(id);
  }

  edit(id: number, changes: Partial<Pick<VirtuousFullContact, 'name' | 'informalName' | 'description' | 'tags'>>): void {
    this.first.edit(id, changes);
  }

  archive(id: number): void {
    this.first.archive(id);
  }

  insert(count: number): number[] {
    return this.first.insert(count);
  }

  expectedGiftIds(): number[] {
    return this.first.expectedGiftIds();
  }

  fullGift(id: number): VirtuousFullGift | undefined {
    return this.first.fullGift(id);
  }

  abbreviatedGift(id: number): VirtuousAbbreviatedGift | undefined {
    return this.first.abbreviatedGift(id);
  }

  editGift(id: number, changes: GiftEdit): void {
    this.first.editGift(id, changes);
  }

  insertGift(fields?: GiftEdit): number {
    return this.first.insertGift(fields);
  }

  deleteGift(id: number): void {
    this.first.deleteGift(id);
  }

  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.latency.stop();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  /** The organization 'default', which the top-level options and methods describe. */
  private get first(): SimulatedOrganization {
    return this.organizations[0]!;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://simulator');
    const route = matchRoute(request.method ?? 'GET', url.pathname);
    // A token nobody ever held is charged to the first organization, as when the simulator served only one.
    const credential = this.tokens.lookup(bearerToken(request));
    const organization = credential?.holder ?? this.first;
    countRequest(this.stats, route.name);
    countRequest(organization.stats, route.name);
    const body = await readRequestBody(request);

    const fault = this.faults.decide();
    if (fault.latencyMs > 0 && !(await this.latency.wait(fault.latencyMs))) return;

    const rate = organization.rateWindow.consume();
    const headers = rate.headers;
    if (!rate.allowed) {
      const error = structuredError(429, 'RATE_LIMITED', `API rate limit exceeded. Retry after ${headers['Retry-After']} seconds.`);
      return this.sendJson(response, organization, 429, error.body, headers);
    }
    if (fault.outcome === 'drop') {
      countStatus(this.stats, 0);
      countStatus(organization.stats, 0);
      request.socket.destroy();
      return;
    }
    if (fault.outcome === 'error') {
      const error =
        fault.status === 503
          ? structuredError(503, 'SERVICE_UNAVAILABLE', 'The service is temporarily unavailable.')
          : structuredError(500, 'INTERNAL_ERROR', 'An unexpected error occurred.');
      return this.sendJson(response, organization, fault.status, error.body, headers);
    }
    if (!credential?.accepted) {
      return this.send(response, organization, 401, UNAUTHORIZED_TEXT, headers, 'text/plain; charset=utf-8');
    }
    if (body === undefined) return this.sendJson(response, organization, 413, { message: 'The request body is too large.' }, headers);

    try {
      this.dispatch(organization, route, url, body, response, headers);
    } catch (error) {
      if (!(error instanceof SimulatorRequestError)) throw error;
      this.sendJson(response, organization, error.status, error.body, headers);
    }
  }

  private dispatch(
    organization: SimulatedOrganization,
    route: MatchedRoute,
    url: URL,
    body: string,
    response: ServerResponse,
    headers: Record<string, string>,
  ): void {
    if (route.name === 'unknown') {
      const message = `No HTTP resource was found that matches the request URI '${url.pathname}'.`;
      return this.sendJson(response, organization, 404, { message }, headers);
    }
    if (!route.methodAllowed) {
      return this.sendJson(response, organization, 405, { message: 'The requested resource does not support this HTTP method.' }, headers);
    }
    const { store, giftStore } = organization;
    switch (route.name) {
      case 'query':
      case 'fullContact':
        return this.answerQuery(organization, route, url, body, response, headers, {
          store,
          maxTake: this.maxTake,
          catalog: this.contactCatalog,
          sorts: CONTACT_SORT_ORDERS,
          archivable: true,
          record: route.name === 'fullContact' ? (index) => organization.fullContactAt(index) : (index) => toAbbreviatedContact(store.facts(index)),
        });
      case 'giftQuery':
      case 'fullGift':
        return this.answerQuery(organization, route, url, body, response, headers, {
          store: giftStore,
          maxTake: this.maxGiftTake,
          catalog: this.giftCatalog,
          sorts: GIFT_SORT_ORDERS,
          archivable: false,
          record: route.name === 'fullGift' ? (index) => organization.fullGiftAt(index) : (index) => organization.abbreviatedGiftAt(index),
        });
      case 'queryOptions':
        return this.sendJson(response, organization, 200, this.contactCatalog.response(), headers);
      case 'giftQueryOptions':
        return this.sendJson(response, organization, 200, this.giftCatalog.response(), headers);
      case 'getContact': {
        const index = store.indexOfId(route.contactId ?? -1);
        if (index < 0) return this.send(response, organization, 404, '', headers);
        this.countRows(organization, 1);
        return this.sendJson(response, organization, 200, organization.fullContactAt(index), headers);
      }
    }
  }

  /** Answers `POST .../Query` of one record type: paging, filter and sort checked, then the page in the envelope. */
  private answerQuery<Facts>(
    organization: SimulatedOrganization,
    route: MatchedRoute,
    url: URL,
    body: string,
    response: ServerResponse,
    headers: Record<string, string>,
    target: QueryTarget<Facts>,
  ): void {
    const { replayCache } = organization;
    const cacheKey = replayCache && `${route.name} ${url.search} ${body}`;
    const replay = cacheKey === undefined ? undefined : replayCache!.get(cacheKey);
    if (replay) {
      this.countRows(organization, replay.rows);
      return this.send(response, organization, 200, replay.bytes, headers, JSON_TYPE);
    }
    const query = parseQueryRequest({
      searchParams: url.searchParams,
      body,
      maxTake: target.maxTake,
      ids: target.store,
      filter: { nowMs: this.clock.nowMs(), dateFilterPrecision: this.dateFilterPrecision, catalog: target.catalog },
      sorts: target.sorts,
      archivable: target.archivable,
    });
    const page = executeQuery(target.store, query);
    const list = page.indices.map(target.record);
    this.countRows(organization, list.length);
    const bytes = Buffer.from(JSON.stringify({ list, total: page.total }));
    if (cacheKey !== undefined) replayCache!.set(cacheKey, { bytes, rows: list.length });
    return this.send(response, organization, 200, bytes, headers, JSON_TYPE);
  }

  private countRows(organization: SimulatedOrganization, rows: number): void {
    this.stats.rowsServed += rows;
    organization.stats.rowsServed += rows;
  }

  private sendJson(
    response: ServerResponse,
    organization: SimulatedOrganization,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    this.send(response, organization, status, JSON.stringify(body), headers, JSON_TYPE);
  }

  private send(
    response: ServerResponse,
    organization: SimulatedOrganization | undefined,
    status: number,
    body: string | Buffer,
    headers: Record<string, string>,
    contentType?: string,
  ): void {
    if (response.headersSent || response.destroyed) return;
    countStatus(this.stats, status);
    if (organization) countStatus(organization.stats, status);
    response.writeHead(status, {
      ...headers,
      ...(contentType && body.length > 0 ? { 'Content-Type': contentType } : {}),
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  }

  /** Counted in the totals only: the request's organization is not at hand where the failure is caught. */
  private sendUnexpected(response: ServerResponse, error: unknown): void {
    if (response.headersSent || response.destroyed) return;
    const message = error instanceof Error ? error.message : String(error);
    this.send(response, undefined, 500, JSON.stringify(structuredError(500, 'INTERNAL_ERROR', `Simulator failure: ${message}`).body), {}, JSON_TYPE);
  }
}

/** What answering one record type's query takes: its records, page cap, catalogue, sort orders and item shape. */
interface QueryTarget<Facts> {
  store: QueryableStore<Facts>;
  maxTake: number;
  catalog: QueryCatalog<Facts>;
  sorts: SortOptions<Facts>;
  /** Whether `includeArchived` applies (contacts); gifts have no archived state, so they ignore it. */
  archivable: boolean;
  /** The list item for the record at an index. */
  record: (index: number) => unknown;
}

/** The token of `Authorization: Bearer <token>`, or undefined when the header is missing or has another scheme. */
function bearerToken(request: IncomingMessage): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
}

/** Every organization's settings, defaults resolved: the top-level options' organization first. */
function organizationSettings(options: VirtuousSimulatorOptions): OrganizationSettings[] {
  const seed = options.seed ?? 1;
  const replayCache = options.replayCache ?? false;
  const contactShape = options.contactShape ?? 'documented';
  if (!CONTACT_SHAPES.includes(contactShape))
    throw new RangeError(`contactShape must be one of ${CONTACT_SHAPES.join(', ')}, got ${String(contactShape)}`);
  const giftShape = options.giftShape ?? 'documented';
  if (!GIFT_SHAPES.includes(giftShape)) throw new RangeError(`giftShape must be one of ${GIFT_SHAPES.join(', ')}, got ${String(giftShape)}`);
  const first: OrganizationSettings = {
    name: DEFAULT_ORGANIZATION,
    tokens: [options.token ?? DEFAULT_TOKEN],
    contacts: options.contacts,
    seed,
    firstContactId: FIRST_CONTACT_ID,
    archivedFraction: options.archivedFraction ?? DEFAULT_ARCHIVED_FRACTION,
    gifts: options.gifts ?? 0,
    firstGiftId: FIRST_GIFT_ID,
    rateLimit: options.rateLimit,
    replayCache,
    contactShape,
    giftShape,
  };
  const more = (options.organizations ?? []).map((organization, k): OrganizationSettings => ({
    name: organization.name,
    tokens: organization.tokens,
    contacts: organization.contacts,
    seed: organization.seed ?? seed + k + 1,
    firstContactId: organization.firstContactId ?? FIRST_CONTACT_ID + (k + 1) * ORGANIZATION_ID_SPACING,
    archivedFraction: organization.archivedFraction ?? DEFAULT_ARCHIVED_FRACTION,
    gifts: organization.gifts ?? 0,
    firstGiftId: organization.firstGiftId ?? FIRST_GIFT_ID + (k + 1) * ORGANIZATION_ID_SPACING,
    rateLimit: organization.rateLimit,
    replayCache,
    contactShape,
    giftShape,
  }));
  return [first, ...more];
}
