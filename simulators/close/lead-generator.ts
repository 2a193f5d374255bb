import { IndexHasher } from '../virtuous/index-hasher.js';
import type { CloseCatalog } from './close-catalog.js';
import type { CloseIdFactory } from './close-ids.js';
import { formatCloseTimestamp } from './close-timestamp.js';
import { CITIES, COMPANY_SUFFIXES, COMPANY_WORDS, LEAD_DESCRIPTIONS, STREETS } from './close-vocabulary.js';
import { CREATED_FROM_MICROS, CREATED_UNTIL_MICROS, slug } from './contact-generator.js';

export interface CloseAddress {
  label: string;
  address_1: string;
  address_2: string;
  city: string;
  state: string;
  zipcode: string;
  country: string;
}

/** A lead as the simulator knows it; only reachable through `has_related` and `leadOf`. */
export interface LeadFacts {
  id: string;
  display_name: string;
  status_id: string;
  status_label: string;
  description: string;
  url: string | null;
  created_by: string;
  updated_by: string;
  createdMicros: number;
  updatedMicros: number;
  addresses: CloseAddress[];
  /** Lead custom field values by custom field id (absent = unset). */
  custom: Record<string, unknown>;
}

const SECOND = 1_000_000;

const enum Salt {
  Word = 20,
  Suffix,
  Status,
  HasDescription,
  Description,
  HasUrl,
  CreatedSecond,
  CreatedFraction,
  UpdatedSecond,
  CreatedBy,
  UpdatedBy,
  AddressCount,
  Street,
  Number,
  City,
  Zip,
  Suite,
  Custom = 60,
}

/** Builds lead number `key` (a key is the index of the first contact that may point at it). */
export class LeadGenerator {
  private readonly hash: IndexHasher;

  constructor(
    seed: number,
    private readonly ids: CloseIdFactory,
    private readonly catalog: CloseCatalog,
  ) {
    this.hash = new IndexHasher(seed ^ 0x1ead);
  }

  lead(key: number): LeadFacts {
    const h = this.hash;
    const catalog = this.catalog;
    const company = `${h.pick(COMPANY_WORDS, key, Salt.Word)} ${h.pick(COMPANY_SUFFIXES, key, Salt.Suffix)}`;
    // Status weights: Potential 40%, Bad Fit 10%, Qualified 25%, Customer 20%, Canceled 5%.
    const roll = h.unit(key, Salt.Status);
    const status = catalog.leadStatuses[roll < 0.4 ? 0 : roll < 0.5 ? 1 : roll < 0.75 ? 2 : roll < 0.95 ? 3 : 4]!;
    const createdMicros =
      CREATED_FROM_MICROS +
      h.below(key, Salt.CreatedSecond, (CREATED_UNTIL_MICROS - CREATED_FROM_MICROS) / SECOND) * SECOND +
      h.below(key, Salt.CreatedFraction, SECOND);
    const updatedMicros = createdMicros + h.below(key, Salt.UpdatedSecond, 86_400 * 365) * SECOND;
    const createdBy = h.pick(catalog.users, key, Salt.CreatedBy).id;
    const custom: Record<string, unknown> = {};
    catalog.leadFields.forEach((field, k) => {
      const salt = Salt.Custom + k * 2;
      if (!h.chance(key, salt, 0.8)) return;
      custom[field.id] = field.type === 'choices' ? h.pick(field.choices!, key, salt + 1) : 1 + h.below(key, salt + 1, 5000);
    });
    return {
      id: this.ids.idAt(key),
      display_name: company,
      status_id: status.id,
      status_label: status.label,
      description: h.chance(key, Salt.HasDescription, 0.4) ? h.pick(LEAD_DESCRIPTIONS, key, Salt.Description) : '',
      url: h.chance(key, Salt.HasUrl, 0.5) ? `https://www.${slug(company)}.com` : null,
      created_by: createdBy,
      updated_by: updatedMicros === createdMicros ? createdBy : h.pick(catalog.users, key, Salt.UpdatedBy).id,
      createdMicros,
      updatedMicros,
      addresses: this.addresses(key),
      custom,
    };
  }

  private addresses(key: number): CloseAddress[] {
    const h = this.hash;
    const roll = h.unit(key, Salt.AddressCount);
    const count = roll < 0.3 ? 0 : roll < 0.85 ? 1 : 2;
    const addresses: CloseAddress[] = [];
    for (let k = 0; k < count; k++) {
      const salt = k * 40;
      const place = h.pick(CITIES, key, Salt.City + salt);
      addresses.push({
        label: k === 0 ? 'business' : 'mailing',
        address_1: `${1 + h.below(key, Salt.Number + salt, 2000)} ${h.pick(STREETS, key, Salt.Street + salt)}`,
        address_2: h.chance(key, Salt.Suite + salt, 0.2) ? `Suite ${100 + h.below(key, Salt.Suite + salt + 1, 900)}` : '',
        city: place.city,
        state: place.state,
        zipcode: `${place.zip}${String(h.below(key, Salt.Zip + salt, 100)).padStart(2, '0')}`,
        country: place.country,
      });
    }
    return addresses;
  }
}

/** The lead as `leadOf` shows it: REST-like keys, custom fields as `custom.cf_...`. */
export function toLeadRecord(lead: LeadFacts): Record<string, unknown> {
  const record: Record<string, unknown> = {
    id: lead.id,
    display_name: lead.display_name,
    status_id: lead.status_id,
    status_label: lead.status_label,
    description: lead.description,
    url: lead.url,
    addresses: lead.addresses.map((address) => ({ ...address })),
    date_created: formatCloseTimestamp(lead.createdMicros),
    date_updated: formatCloseTimestamp(lead.updatedMicros),
    created_by: lead.created_by,
    updated_by: lead.updated_by,
  };
  for (const [id, value] of Object.entries(lead.custom)) record[`custom.${id}`] = value;
  return record;
}
