import type { VirtuousAbbreviatedContact, VirtuousContactIndividual, VirtuousContactMethod, VirtuousFullContact } from './virtuous-contact.js';
import type { ContactFacts, IndividualFacts } from './contact-facts.js';
import { formatDotNetTimestamp } from './dotnet-timestamp.js';

export const CUSTOM_FIELD_PREFERRED_CHANNEL = 'Preferred Channel';
export const CUSTOM_FIELD_VOLUNTEER_HOURS = 'Volunteer Hours';

/** Shapes facts into the item of `Query/FullContact` and `GET /api/Contact/{id}` (never with `isArchived`). */
export function toFullContact(facts: ContactFacts): VirtuousFullContact {
  const { id, location, giving } = facts;
  return {
    id,
    contactType: facts.contactType,
    isPrivate: facts.isPrivate,
    name: facts.name,
    informalName: facts.informalName,
    description: facts.description,
    website: facts.website,
    address: location
      ? {
          id: id * 2 + 1,
          label: location.label,
          address1: location.address1,
          address2: location.address2,
          city: location.city,
          state: location.state,
          postal: location.postal,
          country: location.country,
          isPrimary: true,
        }
      : null,
    lifeToDateGiving: formatMoney(giving.lifeToDate),
    yearToDateGiving: formatMoney(giving.yearToDate),
    lastGiftAmount: formatMoney(giving.lastGiftAmount),
    lastGiftDate: giving.lastGiftDate ?? 'Unavailable',
    contactIndividuals: facts.individuals.map((person, k) => toIndividual(id, person, k)),
    contactReferences: facts.reference ? [{ ...facts.reference }] : [],
    tags: [...facts.tags],
    organizationGroups: [...facts.organizationGroups],
    customFields: [
      { name: CUSTOM_FIELD_PREFERRED_CHANNEL, value: facts.preferredChannel, displayName: CUSTOM_FIELD_PREFERRED_CHANNEL },
      {
        name: CUSTOM_FIELD_VOLUNTEER_HOURS,
        value: facts.volunteerHours === null ? null : String(facts.volunteerHours),
        displayName: CUSTOM_FIELD_VOLUNTEER_HOURS,
      },
    ],
    customCollections: [],
    mergedIntoContactId: null,
    createDateTimeUtc: formatDotNetTimestamp(facts.created),
    modifiedDateTimeUtc: formatDotNetTimestamp(facts.modified),
  };
}

/** Shapes facts into the item of `POST /api/Contact/Query`. */
export function toAbbreviatedContact(facts: ContactFacts): VirtuousAbbreviatedContact {
  const primary = facts.individuals[0];
  return {
    id: facts.id,
    name: facts.name,
    contactType: facts.contactType,
    contactName: primary ? `${primary.firstName} ${primary.lastName}` : facts.name,
    address: facts.location ? `${facts.location.city}, ${facts.location.state}` : '',
    email: primaryEmail(facts) ?? '',
    phone: primaryPhone(facts) ?? '',
    contactViewUrl: `/api/Contact/${facts.id}`,
  };
}

export function primaryEmail(facts: ContactFacts): string | undefined {
  return facts.individuals.find((person) => person.email)?.email?.value;
}

export function primaryPhone(facts: ContactFacts): string | undefined {
  return facts.individuals.find((person) => person.phone)?.phone?.value;
}

/** "$1,200" for whole dollars, "$1,200.50" otherwise. */
export function formatMoney(cents: number): string {
  const dollars = Math.floor(cents / 100);
  const rest = cents % 100;
  const grouped = String(dollars).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return rest === 0 ? `$${grouped}` : `$${grouped}.${String(rest).padStart(2, '0')}`;
}

function toIndividual(contactId: number, person: IndividualFacts, k: number): VirtuousContactIndividual {
  const individualId = contactId * 4 + k;
  const contactMethods: VirtuousContactMethod[] = [];
  for (const method of [person.email, person.phone]) {
    if (!method) continue;
    contactMethods.push({
      id: individualId * 4 + contactMethods.length,
      type: method.type,
      value: method.value,
      isOptedIn: method.isOptedIn,
      isPrimary: true,
    });
  }
  return {
    id: individualId,
    contactId,
    prefix: person.prefix,
    firstName: person.firstName,
    middleName: person.middleName,
    lastName: person.lastName,
    suffix: person.suffix,
    isPrimary: k === 0,
    isDeceased: person.isDeceased,
    contactMethods,
  };
}
