import type { ContactFacts, ContactType, GivingFacts, IndividualFacts, LocationFacts } from './contact-facts.js';
import { formatUtcDay, type SimTimestamp } from './dotnet-timestamp.js';
import { IdSequence } from './id-sequence.js';
import { IndexHasher } from './index-hasher.js';
import {
  ADDRESS_LABELS,
  DESCRIPTIONS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  FOUNDATION_PATTERNS,
  LAST_NAMES,
  LOCATIONS,
  MIDDLE_NAMES,
  NICKNAMES,
  ORGANIZATION_GROUPS,
  ORGANIZATION_SUFFIXES,
  ORGANIZATION_WORDS,
  PREFERRED_CHANNELS,
  PREFIXES,
  STREET_NAMES,
  SUFFIXES,
  TAGS,
} from './generator-vocabulary.js';

export const FIRST_CONTACT_ID = 1000;
/** Ids advance by this stride plus a random gap below it, so index <-> id is pure arithmetic. */
export const ID_STRIDE = 3;

const CREATED_FROM = Date.UTC(2015, 0, 1) / 1000;
const CREATED_UNTIL = Date.UTC(2024, 5, 30) / 1000;
/** Every generated timestamp lies before this instant, so simulator-clock mutations are always newer. */
export const GENERATED_HISTORY_END = Date.UTC(2024, 11, 31) / 1000;

/** Salts: one per independent random draw, so fields can be generated separately and deterministically. */
const enum Salt {
  IdGap = 1,
  Archived,
  ContactType,
  SecondPerson,
  OrgHasPerson,
  NameStyle,
  Nickname,
  OrgWord,
  OrgSuffix,
  FoundationPattern,
  FoundationWord,
  Informal,
  Description,
  DescriptionText,
  Website,
  Private,
  HasLocation,
  LocationPick,
  StreetNumber,
  Street,
  Address2,
  Address2Number,
  Label,
  Postal,
  TagCount,
  TagStart,
  TagStep,
  OrgGroup,
  OrgGroupPick,
  Channel,
  ChannelPick,
  Volunteer,
  VolunteerHours,
  Gives,
  LifeToDate,
  YearToDate,
  LastGift,
  LastGiftDate,
  Reference,
  ReferenceSource,
  CreatedSecond,
  CreatedDigits,
  CreatedTicks,
  Unmodified,
  ModifiedSecond,
  ModifiedDigits,
  ModifiedTicks,
  /** Individual k uses Person + k * PERSON_STRIDE + a PersonField. */
  Person = 100,
}
const PERSON_STRIDE = 20;
const enum PersonField {
  First = 0,
  Last,
  SameLast,
  Middle,
  HasMiddle,
  Prefix,
  HasPrefix,
  Suffix,
  HasSuffix,
  Deceased,
  HasEmail,
  EmailDomain,
  EmailType,
  EmailOptIn,
  EmailNumber,
  HasPhone,
  PhoneFormat,
  PhoneDigits,
  PhoneType,
  PhoneOptIn,
}

export interface ContactGeneratorOptions {
  seed: number;
  archivedFraction: number;
  /** Lowest possible id (the first contact's id is at most ID_STRIDE - 1 above it); default FIRST_CONTACT_ID. */
  firstId?: number;
}

/** Builds contact number `index` from the seed alone; nothing is stored, so any count is cheap. */
export class ContactGenerator {
  private readonly hash: IndexHasher;
  private readonly archivedFraction: number;
  private readonly ids: IdSequence;

  constructor(options: ContactGeneratorOptions) {
    this.hash = new IndexHasher(options.seed);
    this.archivedFraction = options.archivedFraction;
    this.ids = new IdSequence(this.hash, Salt.IdGap, options.firstId ?? FIRST_CONTACT_ID, ID_STRIDE);
  }

  idAt(index: number): number {
    return this.ids.idAt(index);
  }

  /** Smallest index in [0, count] whose id is >= `id` (`count` when there is none). */
  lowerBoundIndex(id: number, count: number): number {
    return this.ids.lowerBoundIndex(id, count);
  }

  /** Index of the contact with this id among `count` contacts, or -1. */
  indexOfId(id: number, count: number): number {
    return this.ids.indexOfId(id, count);
  }

  isInitiallyArchived(index: number): boolean {
    return this.hash.chance(index, Salt.Archived, this.archivedFraction);
  }

  facts(index: number): ContactFacts {
    const h = this.hash;
    const id = this.idAt(index);
    const contactType = this.contactType(index);
    const individuals = this.individuals(index, contactType);
    const name = this.displayName(index, contactType, individuals);
    const created = this.timestamp(
      index,
      h.below(index, Salt.CreatedSecond, CREATED_UNTIL - CREATED_FROM) + CREATED_FROM,
      Salt.CreatedDigits,
      Salt.CreatedTicks,
    );
    const modified = h.chance(index, Salt.Unmodified, 0.25)
      ? created
      : this.timestamp(
          index,
          created.epochSeconds + 1 + h.below(index, Salt.ModifiedSecond, GENERATED_HISTORY_END - created.epochSeconds - 1),
          Salt.ModifiedDigits,
          Salt.ModifiedTicks,
        );
    return {
      index,
      id,
      contactType,
      name,
      informalName: contactType === 'Household' && individuals[0] && h.chance(index, Salt.Informal, 0.5) ? individuals[0].firstName : null,
      description: h.chance(index, Salt.Description, 0.15) ? h.pick(DESCRIPTIONS, index, Salt.DescriptionText) : null,
      website: this.website(index, contactType, name),
      isPrivate: h.chance(index, Salt.Private, 0.04),
      individuals,
      location: this.location(index, contactType),
      tags: this.tags(index),
      organizationGroups: h.chance(index, Salt.OrgGroup, 0.1) ? [h.pick(ORGANIZATION_GROUPS, index, Salt.OrgGroupPick)] : [],
      preferredChannel: h.chance(index, Salt.Channel, 0.7) ? h.pick(PREFERRED_CHANNELS, index, Salt.ChannelPick) : null,
      volunteerHours: h.chance(index, Salt.Volunteer, 0.35) ? h.below(index, Salt.VolunteerHours, 400) / 2 : null,
      giving: this.giving(index, created),
      reference: h.chance(index, Salt.Reference, 0.25)
        ? { source: h.pick(REFERENCE_SOURCES, index, Salt.ReferenceSource), id: `LC-${String(id).padStart(8, '0')}` }
        : null,
      created,
      modified,
      archived: this.isInitiallyArchived(index),
    };
  }

  private contactType(index: number): ContactType {
    const roll = this.hash.unit(index, Salt.ContactType);
    return roll < 0.72 ? 'Household' : roll < 0.92 ? 'Organization' : 'Foundation';
  }

  private individuals(index: number, contactType: ContactType): IndividualFacts[] {
    const h = this.hash;
    if (contactType === 'Household') {
      const primaryLast = h.below(index, Salt.Person + PersonField.Last, LAST_NAMES.length);
      const primary = this.person(index, 0, primaryLast);
      if (!h.chance(index, Salt.SecondPerson, 0.45)) return [primary];
      const partnerSalt = Salt.Person + PERSON_STRIDE;
      const partnerLast = h.chance(index, partnerSalt + PersonField.SameLast, 0.85)
        ? primaryLast
        : h.below(index, partnerSalt + PersonField.Last, LAST_NAMES.length);
      return [primary, this.person(index, 1, partnerLast)];
    }
    const hasPerson = h.chance(index, Salt.OrgHasPerson, contactType === 'Organization' ? 0.6 : 0.4);
    return hasPerson ? [this.person(index, 0, h.below(index, Salt.Person + PersonField.Last, LAST_NAMES.length))] : [];
  }

  private person(index: number, k: number, lastNameIndex: number): IndividualFacts {
    const h = this.hash;
    const salt = Salt.Person + k * PERSON_STRIDE;
    const firstNameIndex = h.below(index, salt + PersonField.First, FIRST_NAMES.length);
    const firstName = FIRST_NAMES[firstNameIndex]!;
    const lastName = LAST_NAMES[lastNameIndex]!;
    let email: IndividualFacts['email'] = null;
    if (h.chance(index, salt + PersonField.HasEmail, k === 0 ? 0.8 : 0.45)) {
      const number = h.chance(index, salt + PersonField.EmailNumber, 0.3) ? String(h.below(index, salt + PersonField.EmailNumber + 1000, 100)) : '';
      const domain = h.pick(EMAIL_DOMAINS, index, salt + PersonField.EmailDomain);
      email = {
        type: h.chance(index, salt + PersonField.EmailType, 0.7) ? 'Home Email' : 'Work Email',
        value: `${FIRST_NAME_SLUGS[firstNameIndex]}.${LAST_NAME_SLUGS[lastNameIndex]}${number}@${domain}`,
        isOptedIn: h.chance(index, salt + PersonField.EmailOptIn, 0.7),
      };
    }
    let phone: IndividualFacts['phone'] = null;
    if (h.chance(index, salt + PersonField.HasPhone, k === 0 ? 0.6 : 0.3)) {
      phone = {
        type: h.pick(PHONE_TYPES, index, salt + PersonField.PhoneType),
        value: formatPhone(h.below(index, salt + PersonField.PhoneDigits, 10_000_000), h.below(index, salt + PersonField.PhoneFormat, 3)),
        isOptedIn: h.chance(index, salt + PersonField.PhoneOptIn, 0.5),
      };
    }
    return {
      prefix: h.chance(index, salt + PersonField.HasPrefix, 0.2) ? h.pick(PREFIXES, index, salt + PersonField.Prefix) : null,
      firstName,
      middleName: h.chance(index, salt + PersonField.HasMiddle, 0.25) ? h.pick(MIDDLE_NAMES, index, salt + PersonField.Middle) : null,
      lastName,
      suffix: h.chance(index, salt + PersonField.HasSuffix, 0.05) ? h.pick(SUFFIXES, index, salt + PersonField.Suffix) : null,
      isDeceased: h.chance(index, salt + PersonField.Deceased, 0.02),
      email,
      phone,
    };
  }

  private displayName(index: number, contactType: ContactType, individuals: IndividualFacts[]): string {
    const h = this.hash;
    if (contactType === 'Organization') {
      return `${h.pick(ORGANIZATION_WORDS, index, Salt.OrgWord)} ${h.pick(ORGANIZATION_SUFFIXES, index, Salt.OrgSuffix)}`;
    }
    if (contactType === 'Foundation') {
      return h
        .pick(FOUNDATION_PATTERNS, index, Salt.FoundationPattern)
        .replace('{last}', h.pick(LAST_NAMES, index, Salt.FoundationWord))
        .replace('{word}', h.pick(ORGANIZATION_WORDS, index, Salt.FoundationWord));
    }
    const [primary, partner] = individuals as [IndividualFacts, IndividualFacts | undefined];
    const style = h.unit(index, Salt.NameStyle);
    if (style < 0.15) return `The ${primary.lastName} Family`;
    if (partner && partner.lastName === primary.lastName && style < 0.6) {
      return `${primary.firstName} & ${partner.firstName} ${primary.lastName}`;
    }
    if (style > 0.96) return `${primary.firstName} "${h.pick(NICKNAMES, index, Salt.Nickname)}" ${primary.lastName}`;
    return `${primary.firstName} ${primary.lastName}`;
  }

  private website(index: number, contactType: ContactType, name: string): string | null {
    const chance = contactType === 'Household' ? 0.03 : 0.5;
    if (!this.hash.chance(index, Salt.Website, chance)) return null;
    let slug = websiteSlugs.get(name);
    if (slug === undefined) {
      slug = asciiSlug(name) || 'contact';
      if (websiteSlugs.size < 10_000) websiteSlugs.set(name, slug);
    }
    return `https://www.${slug}.org`;
  }

  private location(index: number, contactType: ContactType): LocationFacts | null {
    const h = this.hash;
    if (!h.chance(index, Salt.HasLocation, 0.82)) return null;
    const place = h.pick(LOCATIONS, index, Salt.LocationPick);
    const hasAddress2 = h.chance(index, Salt.Address2, 0.12);
    return {
      label: contactType === 'Household' ? h.pick(ADDRESS_LABELS, index, Salt.Label) : 'Work',
      address1: `${1 + h.below(index, Salt.StreetNumber, 9999)} ${h.pick(STREET_NAMES, index, Salt.Street)}`,
      address2: hasAddress2 ? `${contactType === 'Household' ? 'Apt' : 'Suite'} ${1 + h.below(index, Salt.Address2Number, 400)}` : null,
      city: place.city,
      state: place.state,
      postal: `${place.postalPrefix}${String(h.below(index, Salt.Postal, 100)).padStart(2, '0')}`,
      country: 'United States',
    };
  }

  private tags(index: number): string[] {
    const h = this.hash;
    const roll = h.unit(index, Salt.TagCount);
    const count = roll < 0.4 ? 0 : roll < 0.7 ? 1 : roll < 0.9 ? 2 : 3;
    const start = h.below(index, Salt.TagStart, TAGS.length);
    // An odd step over a power-of-two list never repeats a tag.
    const step = 1 + 2 * h.below(index, Salt.TagStep, TAGS.length / 2);
    const tags: string[] = [];
    for (let k = 0; k < count; k++) tags.push(TAGS[(start + k * step) % TAGS.length]!);
    return tags;
  }

  private giving(index: number, created: SimTimestamp): GivingFacts {
    const h = this.hash;
    if (!h.chance(index, Salt.Gives, 0.65)) return { lifeToDate: 0, yearToDate: 0, lastGiftAmount: 0, lastGiftDate: null };
    const lifeToDate = Math.round(10 ** (1 + h.unit(index, Salt.LifeToDate) * 4)) * 100;
    const lastGiftAmount = Math.min(lifeToDate, Math.round(10 ** (3 + h.unit(index, Salt.LastGift) * 3)));
    const yearToDate = h.chance(index, Salt.YearToDate, 0.5) ? lastGiftAmount : 0;
    const giftSecond = created.epochSeconds + h.below(index, Salt.LastGiftDate, GENERATED_HISTORY_END - created.epochSeconds);
    return {
      lifeToDate,
      yearToDate,
      lastGiftAmount,
      lastGiftDate: `${formatUtcDay(Math.floor(giftSecond / 86_400))}T00:00:00`,
    };
  }

  /** A timestamp with 0 to 7 significant fractional digits (never a trailing zero), as seen in real traffic. */
  private timestamp(index: number, epochSeconds: number, digitsSalt: Salt, ticksSalt: Salt): SimTimestamp {
    const digits = this.hash.below(index, digitsSalt, 8);
    if (digits === 0) return { epochSeconds, ticks: 0 };
    const smallest = POWERS_OF_TEN[digits - 1]!;
    let fraction = smallest + this.hash.below(index, ticksSalt, 9 * smallest);
    if (fraction % 10 === 0) fraction += 1;
    return { epochSeconds, ticks: fraction * POWERS_OF_TEN[7 - digits]! };
  }
}

const PHONE_TYPES = ['Home Phone', 'Mobile Phone', 'Work Phone'] as const;
const REFERENCE_SOURCES = ['Legacy CRM', "Raiser's Edge", 'Donorbox'] as const;
const FIRST_NAME_SLUGS = FIRST_NAMES.map(asciiSlug);
const LAST_NAME_SLUGS = LAST_NAMES.map(asciiSlug);
const POWERS_OF_TEN = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000] as const;
const websiteSlugs = new Map<string, string>();

function asciiSlug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ł/gi, 'l')
    .replace(/ø/gi, 'o')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

function formatPhone(sevenDigits: number, style: number): string {
  const digits = String(sevenDigits).padStart(7, '0');
  const area = String(201 + (sevenDigits % 700));
  if (style === 0) return `(${area}) ${digits.slice(0, 3)}-${digits.slice(3)}`;
  if (style === 1) return `${area}-${digits.slice(0, 3)}-${digits.slice(3)}`;
  return `+1 ${area} ${digits.slice(0, 3)} ${digits.slice(3)}`;
}
