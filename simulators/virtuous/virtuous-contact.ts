/**
 * Contact shapes returned by Virtuous CRM+ (docs/sources/virtuous.md, "Evidence: answers").
 * Timestamps are .NET strings without a zone suffix and with 0 to 7 fractional digits; they mean UTC.
 */

/** Item of `POST /api/Contact/Query`: no modification timestamp. */
export interface VirtuousAbbreviatedContact {
  id: number;
  name: string;
  contactType: string;
  contactName: string;
  /** One line such as "Mesa, AZ", or "". */
  address: string;
  email: string;
  phone: string;
  contactViewUrl: string;
}

export interface VirtuousAddress {
  id: number;
  label: string;
  address1: string;
  address2: string | null;
  city: string;
  state: string;
  postal: string;
  country: string;
  isPrimary: boolean;
}

export interface VirtuousContactMethod {
  id: number;
  type: string;
  value: string;
  isOptedIn: boolean;
  isPrimary: boolean;
}

export interface VirtuousContactIndividual {
  id: number;
  contactId: number;
  prefix: string | null;
  firstName: string;
  middleName: string | null;
  lastName: string;
  suffix: string | null;
  isPrimary: boolean;
  isDeceased: boolean;
  contactMethods: VirtuousContactMethod[];
}

export interface VirtuousCustomField {
  name: string;
  value: string | null;
  displayName: string;
}

/** Item of `POST /api/Contact/Query/FullContact` and `GET /api/Contact/{id}`. */
export interface VirtuousFullContact {
  id: number;
  contactType: string;
  isPrivate: boolean;
  name: string;
  informalName: string | null;
  description: string | null;
  website: string | null;
  address: VirtuousAddress | null;
  /** Money as display strings, e.g. "$1,200". */
  lifeToDateGiving: string;
  yearToDateGiving: string;
  lastGiftAmount: string;
  /** A .NET date string, or "Unavailable". */
  lastGiftDate: string;
  contactIndividuals: VirtuousContactIndividual[];
  contactReferences: { source: string; id: string }[];
  tags: string[];
  organizationGroups: string[];
  customFields: VirtuousCustomField[];
  customCollections: unknown[];
  mergedIntoContactId: number | null;
  createDateTimeUtc: string;
  modifiedDateTimeUtc: string;
  /** Not part of the public record; kept for the simulator's archived flag when serialised. */
  isArchived?: boolean;
}

export type VirtuousContact = VirtuousAbbreviatedContact | VirtuousFullContact;
