import { IndexHasher } from '../virtuous/index-hasher.js';
import { FIRST_NAMES, LAST_NAMES } from '../virtuous/generator-vocabulary.js';
import type { CloseCatalog, CustomFieldDefinition } from './close-catalog.js';
import { CloseIdFactory } from './close-ids.js';
import { formatCloseTimestamp, formatLocalDate, MICROS_PER_DAY } from './close-timestamp.js';
import { EMAIL_DOMAINS, EMAIL_TYPES, NOTE_PHRASES, PHONE_COUNTRIES, PHONE_TYPES, TITLES } from './close-vocabulary.js';

/** Generated date_created values lie in [CREATED_FROM, CREATED_UNTIL). */
export const CREATED_FROM_MICROS = Date.UTC(2013, 0, 1) * 1000;
export const CREATED_UNTIL_MICROS = Date.UTC(2024, 5, 30) * 1000;
/** Every generated timestamp (created or updated, contacts and leads) lies before this instant. */
export const GENERATED_HISTORY_END_MICROS = Date.UTC(2024, 11, 31) * 1000;

const SECOND = 1_000_000;

/** A contact as the REST API shows it: `custom.cf_...` keys at the top level. */
export type ContactRecord = Record<string, unknown>;

export interface CloseEmail {
  type: string;
  email: string;
}
export interface ClosePhone {
  type: string;
  phone: string;
  phone_formatted: string;
  country: string;
}
export interface CloseUrl {
  type: string;
  url: string;
}

/** Salts of independent draws. Ids use 1..9; emails, phones and custom fields use strided blocks. */
const enum Salt {
  IdOrder = 1,
  LeadBack = 20,
  NameStyle,
  First,
  Last,
  HasTitle,
  Title,
  EmailCount,
  PhoneCount,
  HasUrl,
  UrlNumber,
  CreatedSecond,
  CreatedWholeMs,
  CreatedFraction,
  Unmodified,
  UpdatedSecond,
  UpdatedFraction,
  CreatedBy,
  UpdatedBy,
  Email = 40,
  Phone = 60,
  Custom = 80,
}
const EMAIL_STRIDE = 5;
const enum EmailField {
  Type = 0,
  Domain,
  Style,
  Number,
}
const PHONE_STRIDE = 5;
const enum PhoneField {
  Type = 0,
  Country,
  Lead,
  Digits,
  MoreDigits,
}
const CUSTOM_STRIDE = 3;
const enum CustomField {
  Presence = 0,
  Value,
  Extra,
}

export interface ContactGeneratorOptions {
  seed: number;
  catalog: CloseCatalog;
}

/**
 * Builds contact number `index` from the seed alone. `date_created` is drawn separately
 * (`createdMicros`) so that the store can index it without building records, and so that it can be
 * overridden (shared timestamps, inserted contacts) with `date_updated` following it.
 */
export class ContactGenerator {
  readonly ids: CloseIdFactory;
  readonly leadIds: CloseIdFactory;
  private readonly hash: IndexHasher;
  private readonly catalog: CloseCatalog;
  /** `custom.cf_x` key -> position of the field in the catalog. */
  private readonly customFieldPosition: ReadonlyMap<string, number>;

  constructor(options: ContactGeneratorOptions) {
    this.hash = new IndexHasher(options.seed);
    this.ids = new CloseIdFactory(this.hash, 'cont_', Salt.IdOrder);
    this.leadIds = new CloseIdFactory(new IndexHasher(options.seed ^ 0x1ead), 'lead_', 1);
    this.catalog = options.catalog;
    this.customFieldPosition = new Map(options.catalog.contactFields.map((field, k) => [`custom.${field.id}`, k]));
  }

  /** Key of the contact's lead: its own index or one of the two before, so neighbours share leads. */
  leadKey(index: number): number {
    return Math.max(0, index - this.hash.below(index, Salt.LeadBack, 3));
  }

  createdMicros(index: number): number {
    const h = this.hash;
    const second = h.below(index, Salt.CreatedSecond, (CREATED_UNTIL_MICROS - CREATED_FROM_MICROS) / SECOND);
    // About 40% carry whole milliseconds (`.625000`), the rest full microseconds.
    const fraction = h.chance(index, Salt.CreatedWholeMs, 0.4)
      ? h.below(index, Salt.CreatedFraction, 1000) * 1000
      : h.below(index, Salt.CreatedFraction, SECOND);
    return CREATED_FROM_MICROS + second * SECOND + fraction;
  }

  /** Last update: equal to creation for about 30%, otherwise between creation and the history end. */
  updatedMicros(index: number, createdMicros: number): number {
    const h = this.hash;
    const room = Math.floor((GENERATED_HISTORY_END_MICROS - createdMicros) / SECOND) - 1;
    if (room < 1 || h.chance(index, Salt.Unmodified, 0.3)) return createdMicros;
    return createdMicros + (1 + h.below(index, Salt.UpdatedSecond, room)) * SECOND + h.below(index, Salt.UpdatedFraction, SECOND) - SECOND / 2;
  }

  /** The full record, given the contact's date_created and date_updated. */
  record(index: number, createdMicros: number, updatedMicros: number): ContactRecord {
    const person = this.person(index);
    const emails = this.emails(index, person);
    const phones = this.phones(index);
    const createdBy = this.createdBy(index);
    const record: ContactRecord = {
      id: this.ids.idAt(index),
      organization_id: this.catalog.organizationId,
      lead_id: this.leadIds.idAt(this.leadKey(index)),
      name: person.name,
      display_name: displayName(person.name, emails, phones),
      title: this.title(index),
      emails,
      phones,
      urls: this.urls(index, person),
      date_created: formatCloseTimestamp(createdMicros),
      date_updated: formatCloseTimestamp(updatedMicros),
      created_by: createdBy,
      updated_by: this.updatedBy(index, createdMicros, updatedMicros, createdBy),
    };
    this.catalog.contactFields.forEach((field, k) => {
      const value = this.customValue(field, k, index);
      if (value !== undefined) record[`custom.${field.id}`] = value;
    });
    return record;
  }

  /**
   * One field of the record (same value as `record(...)[key]`), generated alone: filters and sorts
   * over many contacts read one or two fields, and building whole records would dominate.
   */
  field(index: number, key: string, createdMicros: number, updatedMicros: number): unknown {
    switch (key) {
      case 'id':
        return this.ids.idAt(index);
      case 'organization_id':
        return this.catalog.organizationId;
      case 'lead_id':
        return this.leadIds.idAt(this.leadKey(index));
      case 'name':
        return this.person(index).name;
      case 'display_name': {
        const person = this.person(index);
        return person.name || displayName(person.name, this.emails(index, person), this.phones(index));
      }
      case 'title':
        return this.title(index);
      case 'emails':
        return this.emails(index, this.person(index));
      case 'phones':
        return this.phones(index);
      case 'urls':
        return this.urls(index, this.person(index));
      case 'date_created':
        return formatCloseTimestamp(createdMicros);
      case 'date_updated':
        return formatCloseTimestamp(updatedMicros);
      case 'created_by':
        return this.createdBy(index);
      case 'updated_by':
        return this.updatedBy(index, createdMicros, updatedMicros, this.createdBy(index));
    }
    const k = this.customFieldPosition.get(key);
    return k === undefined ? undefined : this.customValue(this.catalog.contactFields[k]!, k, index);
  }

  private person(index: number): Person {
    const h = this.hash;
    const firstIndex = h.below(index, Salt.First, FIRST_NAMES.length);
    const lastIndex = h.below(index, Salt.Last, LAST_NAMES.length);
    const first = FIRST_NAMES[firstIndex]!;
    const style = h.unit(index, Salt.NameStyle);
    return {
      name: style < 0.04 ? '' : style < 0.1 ? first : `${first} ${LAST_NAMES[lastIndex]!}`,
      firstSlug: FIRST_SLUGS[firstIndex]!,
      lastSlug: LAST_SLUGS[lastIndex]!,
    };
  }

  private title(index: number): string | null {
    return this.hash.chance(index, Salt.HasTitle, 0.75) ? this.hash.pick(TITLES, index, Salt.Title) : null;
  }

  private urls(index: number, person: Person): CloseUrl[] {
    const h = this.hash;
    if (!h.chance(index, Salt.HasUrl, 0.2)) return [];
    return [{ type: 'url', url: `https://www.linkedin.com/in/${person.firstSlug}-${person.lastSlug}-${h.below(index, Salt.UrlNumber, 1000)}` }];
  }

  private createdBy(index: number): string {
    return this.hash.pick(this.catalog.users, index, Salt.CreatedBy).id;
  }

  private updatedBy(index: number, createdMicros: number, updatedMicros: number, createdBy: string): string {
    return updatedMicros === createdMicros ? createdBy : this.hash.pick(this.catalog.users, index, Salt.UpdatedBy).id;
  }

  /** 25% unset (undefined: the key is absent), 5% null, otherwise a value of the field's kind. */
  private customValue(field: CustomFieldDefinition, k: number, index: number): unknown {
    const salt = Salt.Custom + k * CUSTOM_STRIDE;
    const presence = this.hash.unit(index, salt + CustomField.Presence);
    if (presence < 0.25) return undefined;
    return presence < 0.3 ? null : this.customFieldValue(field, index, salt);
  }

  private emails(index: number, person: Person): CloseEmail[] {
    const first = person.firstSlug;
    const last = person.lastSlug;
    const h = this.hash;
    const roll = h.unit(index, Salt.EmailCount);
    const count = roll < 0.15 ? 0 : roll < 0.7 ? 1 : roll < 0.92 ? 2 : 3;
    const emails: CloseEmail[] = [];
    for (let k = 0; k < count; k++) {
      const salt = Salt.Email + k * EMAIL_STRIDE;
      const style = h.below(index, salt + EmailField.Style, 3);
      const local = style === 0 ? `${first}.${last}` : style === 1 ? `${first[0] ?? 'x'}${last}` : first;
      const number = h.below(index, salt + EmailField.Number, 10_000);
      emails.push({
        type: h.pick(EMAIL_TYPES, index, salt + EmailField.Type),
        email: `${local}${number}@${h.pick(EMAIL_DOMAINS, index, salt + EmailField.Domain)}`,
      });
    }
    return emails;
  }

  private phones(index: number): ClosePhone[] {
    const h = this.hash;
    const roll = h.unit(index, Salt.PhoneCount);
    const count = roll < 0.3 ? 0 : roll < 0.8 ? 1 : 2;
    const phones: ClosePhone[] = [];
    for (let k = 0; k < count; k++) {
      const salt = Salt.Phone + k * PHONE_STRIDE;
      const place = h.pick(PHONE_COUNTRIES, index, salt + PhoneField.Country);
      const length = place.groups.reduce((sum, size) => sum + size, 0);
      const raw =
        `${2 + h.below(index, salt + PhoneField.Lead, 8)}${String(h.below(index, salt + PhoneField.Digits, 1_000_000_000)).padStart(9, '0')}` +
        String(h.below(index, salt + PhoneField.MoreDigits, 100)).padStart(2, '0');
      const digits = raw.slice(0, length);
      const groups: string[] = [];
      let offset = 0;
      for (const size of place.groups) {
        groups.push(digits.slice(offset, offset + size));
        offset += size;
      }
      const formatted = place.callingCode === '1' ? `+1 ${groups[0]}-${groups[1]}-${groups[2]}` : `+${place.callingCode} ${groups.join(' ')}`;
      phones.push({
        type: h.pick(PHONE_TYPES, index, salt + PhoneField.Type),
        phone: `+${place.callingCode}${digits}`,
        phone_formatted: formatted,
        country: place.country,
      });
    }
    return phones;
  }

  private customFieldValue(field: CustomFieldDefinition, index: number, salt: number): unknown {
    const h = this.hash;
    const valueSalt = salt + CustomField.Value;
    switch (field.type) {
      case 'choices': {
        const choices = field.choices!;
        if (!field.acceptsMultipleValues) return h.pick(choices, index, valueSalt);
        const mask = 1 + h.below(index, valueSalt, (1 << choices.length) - 1);
        return choices.filter((_, k) => (mask >> k) & 1);
      }
      case 'number': {
        const scale = 10 ** (field.decimals ?? 0);
        return h.below(index, valueSalt, 100 * scale + 1) / scale;
      }
      case 'text':
        return h.pick(NOTE_PHRASES, index, valueSalt);
      case 'date':
        return formatLocalDate(Date.UTC(2020, 0, 1) * 1000 + h.below(index, valueSalt, 7 * 365) * MICROS_PER_DAY);
      case 'datetime':
        return formatCloseTimestamp(
          Date.UTC(2021, 0, 1) * 1000 + h.below(index, valueSalt, 3 * 365 * 86_400) * SECOND + h.below(index, salt + CustomField.Extra, SECOND),
        );
      case 'user': {
        const users = this.catalog.users;
        if (!field.acceptsMultipleValues) return h.pick(users, index, valueSalt).id;
        const mask = 1 + h.below(index, valueSalt, (1 << Math.min(users.length, 4)) - 1);
        return users
          .slice(0, 4)
          .filter((_, k) => (mask >> k) & 1)
          .map((user) => user.id);
      }
      // Another contact, created no later than this one (so its id exists whatever the contact count).
      case 'contact':
        return this.ids.idAt(h.below(index, valueSalt, index + 1));
      // Hidden fields hold "any value" for integrations; the simulator stores a flag.
      case 'hidden':
        return h.chance(index, valueSalt, 0.5);
    }
  }
}

interface Person {
  name: string;
  /** ASCII slugs of the first and last name, for emails and urls. */
  firstSlug: string;
  lastSlug: string;
}

/** Close shows the name, or else the first email address or phone number. */
function displayName(name: string, emails: readonly CloseEmail[], phones: readonly ClosePhone[]): string {
  return name || emails[0]?.email || phones[0]?.phone_formatted || '';
}

const FIRST_SLUGS = FIRST_NAMES.map(slug);
const LAST_SLUGS = LAST_NAMES.map(slug);

export function slug(text: string): string {
  return text
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .replace(/ł/gi, 'l')
    .replace(/ø/gi, 'o')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}
