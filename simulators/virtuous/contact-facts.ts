import type { SimTimestamp } from './dotnet-timestamp.js';

/**
 * Everything the simulator knows about one contact, before it is shaped into a Virtuous record.
 * Filters and sort keys read these facts; `contact-records.ts` turns them into response items.
 */
export interface ContactFacts {
  index: number;
  id: number;
  contactType: ContactType;
  name: string;
  informalName: string | null;
  description: string | null;
  website: string | null;
  isPrivate: boolean;
  individuals: IndividualFacts[];
  location: LocationFacts | null;
  tags: string[];
  organizationGroups: string[];
  preferredChannel: string | null;
  volunteerHours: number | null;
  giving: GivingFacts;
  reference: { source: string; id: string } | null;
  created: SimTimestamp;
  modified: SimTimestamp;
  archived: boolean;
}

export type ContactType = 'Household' | 'Organization' | 'Foundation';

export interface IndividualFacts {
  prefix: string | null;
  firstName: string;
  middleName: string | null;
  lastName: string;
  suffix: string | null;
  isDeceased: boolean;
  email: { type: string; value: string; isOptedIn: boolean } | null;
  phone: { type: string; value: string; isOptedIn: boolean } | null;
}

export interface LocationFacts {
  label: string;
  address1: string;
  address2: string | null;
  city: string;
  state: string;
  postal: string;
  country: string;
}

export interface GivingFacts {
  lifeToDate: number;
  yearToDate: number;
  lastGiftAmount: number;
  /** .NET date string, or null when the contact never gave. */
  lastGiftDate: string | null;
}
