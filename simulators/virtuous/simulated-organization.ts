import { randomBytes } from 'node:crypto';
import type { VirtuousAbbreviatedContact, VirtuousFullContact } from './virtuous-contact.js';
import type { VirtuousAbbreviatedGift, VirtuousFullGift } from './virtuous-gift.js';
import { ContactGenerator, ID_STRIDE } from './contact-generator.js';
import { toAbbreviatedContact, toFullContact, type ContactShape } from './contact-records.js';
import { ContactStore } from './contact-store.js';
import { GIFT_ID_STRIDE, GiftGenerator } from './gift-generator.js';
import { toAbbreviatedGift, toFullGift, type GiftShape } from './gift-records.js';
import { GiftStore, type GiftEdit } from './gift-store.js';
import { RateWindow, type RateLimitOptions } from './rate-window.js';
import type { SimulatorClock } from './simulator-clock.js';
import { emptyStats, type VirtuousSimulatorStats } from './simulator-stats.js';
import type { TokenRegistry } from './token-registry.js';
import { requireInteger } from '../shared/require-integer.js';

/** One more organization the simulator serves beside the one its top-level options describe. */
export interface VirtuousOrganizationOptions {
  /** Names it in `simulator.organization(name)`; unique ('default' is the top-level organization). */
  name: string;
  /** Its API keys, at least one, each unique in the simulator; every one of them spends its one rate window. */
  tokens: readonly string[];
  /** How many generated contacts (the same generator as the top-level organization's). */
  contacts: number;
  /** Default: the top-level seed plus the organization's position (1 for the first of these), so its data differ. */
  seed?: number;
  /**
   * Lowest id its contacts can have; default 1000 + position x 100,000,000, so that no two organizations
   * share an id and a mix-up between them cannot go unnoticed. Organizations' id ranges must not overlap.
   */
  firstContactId?: number;
  /** Default 0.1. */
  archivedFraction?: number;
  /** How many generated gifts, each belonging to one of its contacts (so it needs contacts when > 0); default 0. */
  gifts?: number;
  /**
   * Lowest id its gifts can have; default 50,000,000 + position x 100,000,000 (far above its contact ids,
   * and apart from every other organization's gift ids). Organizations' gift id ranges must not overlap.
   */
  firstGiftId?: number;
  /** Its own fixed-window budget, shared by all its tokens (as the real limit is per organization); default none. */
  rateLimit?: RateLimitOptions;
}

export interface TokenRotation {
  /** The token to retire; default the organization's first token. */
  oldToken?: string;
  /** Its replacement; default a new random token. */
  newToken?: string;
  /** How long the old token still authorizes, in milliseconds; default 0 (401 from now on). */
  graceMs?: number;
}

/** An organization the simulator serves: its tokens, its contacts, its rate window and its counters. */
export interface VirtuousOrganization {
  readonly name: string;
  /** Its first token (the one `rotateToken` retires unless told otherwise). */
  readonly token: string;
  /** Every token that authorizes for it, except rotated-out ones still in their grace period. */
  readonly tokens: readonly string[];
  /**
   * Requests charged to it (those carrying a token it holds or held; for the first organization also
   * those carrying no token or one nobody ever held) and rows served from its contacts.
   */
  readonly stats: VirtuousSimulatorStats;
  /** Every contact id it holds now, ascending, filtered by archived state. */
  expectedIds(opts?: { includeArchived?: boolean }): number[];
  /** Full record as GET /api/Contact/{id} would return it with its token (undefined if none). */
  fullContact(id: number): VirtuousFullContact | undefined;
  abbreviatedContact(id: number): VirtuousAbbreviatedContact | undefined;
  /** Bumps modifiedDateTimeUtc to "now" (simulator clock). */
  edit(id: number, changes: Partial<Pick<VirtuousFullContact, 'name' | 'informalName' | 'description' | 'tags'>>): void;
  /** Bumps modifiedDateTimeUtc. */
  archive(id: number): void;
  /** New contacts with ids above its current max; returns their ids. */
  insert(count: number): number[];
  /** Every gift id it holds now (deleted gifts are gone), ascending. */
  expectedGiftIds(): number[];
  /** Full record as POST /api/Gift/Query/FullGift returns it with its token, in the simulator's gift shape (undefined if none). */
  fullGift(id: number): VirtuousFullGift | undefined;
  /** Record as POST /api/Gift/Query returns it with its token (undefined if none). */
  abbreviatedGift(id: number): VirtuousAbbreviatedGift | undefined;
  /** Changes the gift and bumps its modifiedDateTimeUtc to "now" (simulator clock); a new amount is split anew between its projects. */
  editGift(id: number, changes: GiftEdit): void;
  /**
   * A new gift with an id above its current max, belonging to one of its generated contacts, created now
   * (simulator clock) and dated today unless `fields` say otherwise; returns its id.
   */
  insertGift(fields?: GiftEdit): number;
  /** Hard-deletes the gift, as `DELETE /api/Gift/{id}` does: no query returns it any more. */
  deleteGift(id: number): void;
  /**
   * Gives it a new token in place of an old one, which answers 401 (`Authorization has been denied for
   * this request.`) once `graceMs` has passed; returns the new token.
   */
  rotateToken(rotation?: TokenRotation): string;
  /** Answers its requests with 429 (and a Retry-After counting down) for `durationMs`. */
  serve429Storm(durationMs: number): void;
}

/** Everything an organization is made from, defaults resolved. */
export interface OrganizationSettings {
  name: string;
  tokens: readonly string[];
  contacts: number;
  seed: number;
  firstContactId: number;
  archivedFraction: number;
  gifts: number;
  firstGiftId: number;
  rateLimit: RateLimitOptions | undefined;
  replayCache: boolean;
  contactShape: ContactShape;
  giftShape: GiftShape;
}

interface ReplayedAnswer {
  bytes: Buffer;
  rows: number;
}

export class SimulatedOrganization implements VirtuousOrganization {
  readonly name: string;
  readonly stats = emptyStats();
  readonly store: ContactStore;
  readonly giftStore: GiftStore;
  readonly rateWindow: RateWindow;
  /** Answers to repeated queries, per organization since each answers from its own contacts and gifts. */
  readonly replayCache: Map<string, ReplayedAnswer> | undefined;
  /** Lowest id any of its contacts can have. */
  readonly firstContactId: number;
  /** Lowest id any of its gifts can have. */
  readonly firstGiftId: number;
  private readonly contactShape: ContactShape;
  private readonly giftShape: GiftShape;
  /** The contacts gifts are drawn among: the generated ones (inserted contacts have no gifts). */
  private readonly generatedContacts: number;
  private readonly currentTokens: string[];

  constructor(
    settings: OrganizationSettings,
    clock: SimulatorClock,
    private readonly registry: TokenRegistry<SimulatedOrganization>,
  ) {
    if (typeof settings.name !== 'string' || settings.name === '') throw new RangeError('Every simulated organization needs a non-empty name');
    requireInteger('contacts', settings.contacts, 0);
    requireInteger('firstContactId', settings.firstContactId, 1);
    requireInteger('gifts', settings.gifts, 0);
    requireInteger('firstGiftId', settings.firstGiftId, 1);
    if (settings.gifts > 0 && settings.contacts === 0) {
      throw new RangeError(`Organization '${settings.name}' has gifts but no contacts for them to belong to`);
    }
    const { archivedFraction } = settings;
    if (!(archivedFraction >= 0 && archivedFraction <= 1)) throw new RangeError(`archivedFraction must be in [0, 1], got ${archivedFraction}`);
    if (settings.tokens.length === 0) throw new RangeError(`Organization '${settings.name}' needs at least one token`);

    this.name = settings.name;
    this.firstContactId = settings.firstContactId;
    const generator = new ContactGenerator({ seed: settings.seed, archivedFraction, firstId: settings.firstContactId });
    this.store = new ContactStore(generator, settings.contacts, clock);
    this.firstGiftId = settings.firstGiftId;
    const giftGenerator = new GiftGenerator({
      seed: settings.seed,
      firstId: settings.firstGiftId,
      contacts: generator,
      contactCount: settings.contacts,
    });
    this.giftStore = new GiftStore(giftGenerator, settings.gifts, clock);
    this.generatedContacts = settings.contacts;
    this.rateWindow = new RateWindow(settings.rateLimit);
    this.replayCache = settings.replayCache ? new Map() : undefined;
    this.contactShape = settings.contactShape;
    this.giftShape = settings.giftShape;
    this.currentTokens = [...settings.tokens];
    for (const token of this.currentTokens) registry.add(token, this);
  }

  get token(): string {
    return this.currentTokens[0]!;
  }

  get tokens(): readonly string[] {
    return [...this.currentTokens];
  }

  /** Ids its generated contacts can take: [firstContactId, idsEnd), before any insert. */
  get idsEnd(): number {
    return this.firstContactId + this.store.count * ID_STRIDE;
  }

  /** Ids its generated gifts can take: [firstGiftId, giftIdsEnd), before any insert. */
  get giftIdsEnd(): number {
    return this.firstGiftId + this.giftStore.count * GIFT_ID_STRIDE;
  }

  expectedIds(opts: { includeArchived?: boolean } = {}): number[] {
    const ids: number[] = [];
    for (let index = 0; index < this.store.count; index++) {
      if (opts.includeArchived || !this.store.isArchived(index)) ids.push(this.store.idAt(index));
    }
    return ids;
  }

  /** The full record of the contact at `index`, in the simulator's contact shape. */
  fullContactAt(index: number): VirtuousFullContact {
    return toFullContact(this.store.facts(index), this.contactShape);
  }

  fullContact(id: number): VirtuousFullContact | undefined {
    const index = this.store.indexOfId(id);
    return index < 0 ? undefined : this.fullContactAt(index);
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

  expectedGiftIds(): number[] {
    const ids: number[] = [];
    for (let index = 0; index < this.giftStore.count; index++) {
      if (!this.giftStore.isHidden(index)) ids.push(this.giftStore.idAt(index));
    }
    return ids;
  }

  /** The full record of the gift at `index`, in the simulator's gift shape. */
  fullGiftAt(index: number): VirtuousFullGift {
    return toFullGift(this.giftStore.facts(index), this.giftShape);
  }

  abbreviatedGiftAt(index: number): VirtuousAbbreviatedGift {
    return toAbbreviatedGift(this.giftStore.facts(index));
  }

  fullGift(id: number): VirtuousFullGift | undefined {
    const index = this.giftStore.indexOfId(id);
    return index < 0 ? undefined : this.fullGiftAt(index);
  }

  abbreviatedGift(id: number): VirtuousAbbreviatedGift | undefined {
    const index = this.giftStore.indexOfId(id);
    return index < 0 ? undefined : this.abbreviatedGiftAt(index);
  }

  editGift(id: number, changes: GiftEdit): void {
    this.giftStore.edit(id, changes);
    this.replayCache?.clear();
  }

  insertGift(fields: GiftEdit = {}): number {
    if (this.generatedContacts === 0) throw new RangeError(`Organization '${this.name}' has no generated contacts for a gift to belong to`);
    this.replayCache?.clear();
    return this.giftStore.insert(fields);
  }

  deleteGift(id: number): void {
    this.giftStore.delete(id);
    this.replayCache?.clear();
  }

  rotateToken(rotation: TokenRotation = {}): string {
    const oldToken = rotation.oldToken ?? this.token;
    const position = this.currentTokens.indexOf(oldToken);
    if (position < 0) throw new RangeError(`Organization '${this.name}' holds no such token`);
    const newToken = rotation.newToken ?? `sim-${randomBytes(12).toString('base64url')}`;
    this.registry.rotate(oldToken, newToken, rotation.graceMs ?? 0);
    this.currentTokens[position] = newToken;
    return newToken;
  }

  serve429Storm(durationMs: number): void {
    this.rateWindow.storm(durationMs);
  }
}

/** Refuses organizations whose generated id ranges overlap, so that every contact id and every gift id names one organization. */
export function requireSeparateIdRanges(organizations: readonly SimulatedOrganization[]): void {
  requireApart(organizations, 'contact', 'firstContactId', (organization) => [organization.firstContactId, organization.idsEnd]);
  requireApart(organizations, 'gift', 'firstGiftId', (organization) => [organization.firstGiftId, organization.giftIdsEnd]);
}

function requireApart(
  organizations: readonly SimulatedOrganization[],
  kind: 'contact' | 'gift',
  option: 'firstContactId' | 'firstGiftId',
  range: (organization: SimulatedOrganization) => readonly [first: number, end: number],
): void {
  const byFirstId = [...organizations].sort((a, b) => range(a)[0] - range(b)[0]);
  for (let k = 1; k < byFirstId.length; k++) {
    const before = byFirstId[k - 1]!;
    const after = byFirstId[k]!;
    if (range(after)[0] < range(before)[1]) {
      throw new RangeError(
        `Organizations '${before.name}' and '${after.name}' would share ${kind} ids: '${after.name}' needs ${option} >= ${range(before)[1]}`,
      );
    }
  }
}
