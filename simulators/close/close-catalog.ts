import { IndexHasher } from '../virtuous/index-hasher.js';
import { CloseIdFactory, ID_SALT_SPAN } from './close-ids.js';
import { LEAD_STATUSES, USER_NAMES } from './close-vocabulary.js';

/**
 * Close's custom field types (developer.close.com, "Custom Fields"; `textarea` and `custom_object`,
 * which Close also lists, do not occur on the simulator's contacts).
 */
export type CustomFieldType = 'text' | 'number' | 'date' | 'datetime' | 'choices' | 'user' | 'contact' | 'hidden';

export interface CustomFieldDefinition {
  id: string;
  name: string;
  type: CustomFieldType;
  /** Close allows multiple values for choices, user, contact and custom_object fields. */
  acceptsMultipleValues: boolean;
  /** For `choices`. */
  choices?: readonly string[];
  /** For `number`: digits after the decimal point of generated values (default 0). */
  decimals?: number;
}

export interface LeadStatus {
  id: string;
  label: string;
}

export interface CloseUser {
  id: string;
  name: string;
}

/** The contact custom field types, in the order field k takes them (k modulo the length). */
const CONTACT_FIELD_TEMPLATES: readonly Omit<CustomFieldDefinition, 'id'>[] = [
  { name: 'Tier', type: 'choices', acceptsMultipleValues: false, choices: ['Gold', 'Silver', 'Bronze', 'Trial'] },
  { name: 'Score', type: 'number', acceptsMultipleValues: false },
  { name: 'Notes', type: 'text', acceptsMultipleValues: false },
  { name: 'Renewal Date', type: 'date', acceptsMultipleValues: false },
  { name: 'Interests', type: 'choices', acceptsMultipleValues: true, choices: ['Product', 'Pricing', 'Support', 'Partnerships'] },
  { name: 'Newsletter Sync', type: 'hidden', acceptsMultipleValues: false },
  { name: 'Last Demo', type: 'datetime', acceptsMultipleValues: false },
  { name: 'Account Owner', type: 'user', acceptsMultipleValues: false },
  { name: 'Referred By', type: 'contact', acceptsMultipleValues: false },
  { name: 'Reviewers', type: 'user', acceptsMultipleValues: true },
  { name: 'Discount Rate', type: 'number', acceptsMultipleValues: false, decimals: 2 },
];

const LEAD_FIELD_TEMPLATES: readonly Omit<CustomFieldDefinition, 'id'>[] = [
  {
    name: 'Industry',
    type: 'choices',
    acceptsMultipleValues: false,
    choices: ['Software as a service', 'Manufacturing', 'Retail', 'Healthcare', 'Education'],
  },
  { name: 'Employees', type: 'number', acceptsMultipleValues: false },
];

/** First salt of each id factory; factories occupy ID_SALT_SPAN (< 10) consecutive salts. */
const enum CatalogSalt {
  Organization = 1,
  User = 11,
  Status = 21,
  ContactField = 31,
  LeadField = 41,
}
if (ID_SALT_SPAN > 10) throw new Error('catalog salts overlap');

/**
 * Everything organization-wide: the organization id, its users (the first one owns the API key and is
 * "the current user"), lead statuses, and the contact and lead custom field definitions.
 */
export class CloseCatalog {
  readonly organizationId: string;
  readonly users: readonly CloseUser[];
  readonly currentUserId: string;
  readonly leadStatuses: readonly LeadStatus[];
  readonly contactFields: readonly CustomFieldDefinition[];
  readonly leadFields: readonly CustomFieldDefinition[];

  constructor(seed: number, contactFieldCount: number) {
    const hasher = new IndexHasher(seed ^ 0x0c105e);
    const ids = (prefix: string, salt: CatalogSalt) => new CloseIdFactory(hasher, prefix, salt);
    this.organizationId = ids('orga_', CatalogSalt.Organization).idAt(0);
    const userIds = ids('user_', CatalogSalt.User);
    this.users = USER_NAMES.map((name, k) => ({ id: userIds.idAt(k), name }));
    this.currentUserId = this.users[0]!.id;
    const statusIds = ids('stat_', CatalogSalt.Status);
    this.leadStatuses = LEAD_STATUSES.map((label, k) => ({ id: statusIds.idAt(k), label }));
    this.contactFields = defineFields(ids('cf_', CatalogSalt.ContactField), CONTACT_FIELD_TEMPLATES, contactFieldCount);
    this.leadFields = defineFields(ids('cf_', CatalogSalt.LeadField), LEAD_FIELD_TEMPLATES, LEAD_FIELD_TEMPLATES.length);
  }
}

function defineFields(ids: CloseIdFactory, templates: readonly Omit<CustomFieldDefinition, 'id'>[], count: number): CustomFieldDefinition[] {
  const fields: CustomFieldDefinition[] = [];
  for (let k = 0; k < count; k++) {
    const template = templates[k % templates.length]!;
    const round = Math.floor(k / templates.length);
    fields.push({ ...template, id: ids.idAt(k), name: round === 0 ? template.name : `${template.name} ${round + 1}` });
  }
  return fields;
}
