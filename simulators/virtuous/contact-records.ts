import type { VirtuousAbbreviatedContact, VirtuousContactIndividual, VirtuousContactMethod, VirtuousFullContact } from './virtuous-contact.js';
import type { ContactFacts, IndividualFacts } from './contact-facts.js';
import { formatDotNetTimestamp } from './dotnet-timestamp.js';

export const CUSTOM_FIELD_PREFERRED_CHANNEL = 'Preferred Channel';
export const CUSTOM_FIELD_VOLUNTEER_HOURS = 'Volunteer Hours';

/**
 * Which fields a full contact carries (a mode: the evidence shows both): `documented`, those the API
 * reference lists; `recorded`, also every field a recorded real contact (a public client's fixture of
 * `GET /api/Contact/{id}`) holds, nested ones included, with `lastGiftDate` written `M/D/YYYY` as there.
 */
export type ContactShape = 'documented' | 'recorded';

export const CONTACT_SHAPES: readonly ContactShape[] = ['documented', 'recorded'];

/** Shapes facts into the item of `Query/FullContact` and `GET /api/Contact/{id}` (never with `isArchived`). */
export function toFullContact(facts: ContactFacts, shape: ContactShape = 'documented'): VirtuousFullContact {
  const documented = documentedFullContact(facts);
  return shape === 'recorded' ? withRecordedFields(documented, facts) : documented;
}

function documentedFullContact(facts: ContactFacts): VirtuousFullContact {
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

/** The id of a contact's individual number `k` (ids of its own, apart from every other contact's individuals'). */
export function individualIdOf(contactId: number, k: number): number {
  return contactId * 4 + k;
}

function toIndividual(contactId: number, person: IndividualFacts, k: number): VirtuousContactIndividual {
  const individualId = individualIdOf(contactId, k);
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

/** User names the audit fields of a recorded contact carry. */
const AUDIT_USERS = ['Jordan Admin', 'Data Import', 'Web Form'] as const;

/**
 * The documented record plus the fields the recorded real contact shows beyond it (source-apis "Responses",
 * observed), with values made from the facts: audit fields on the contact, its address and each individual,
 * salutations, anniversary and birth parts, an ask amount as money text, links, and dates as `M/D/YYYY`.
 */
function withRecordedFields(record: VirtuousFullContact, facts: ContactFacts): VirtuousFullContact {
  const { id } = facts;
  const audit = (salt: number) => ({
    createDateTimeUtc: record.createDateTimeUtc,
    createdByUser: AUDIT_USERS[(id + salt) % AUDIT_USERS.length]!,
    modifiedDateTimeUtc: record.modifiedDateTimeUtc,
    modifiedByUser: AUDIT_USERS[(id + salt + 1) % AUDIT_USERS.length]!,
  });
  const primary = facts.individuals[0];
  const recorded: Record<string, unknown> = {
    ...record,
    lastGiftDate: facts.giving.lastGiftDate === null ? 'Unavailable' : monthDayYear(facts.giving.lastGiftDate),
    formalContactName: primary ? `${primary.prefix ?? 'Mx.'} ${primary.firstName} ${primary.lastName}` : record.name,
    alternateContactName: null,
    preferredSalutationName: primary ? primary.firstName : record.name,
    preferredAddresseeName: record.name,
    maritalStatus: facts.individuals.length > 1 ? 'Married' : null,
    anniversaryMonth: facts.individuals.length > 1 ? 1 + (id % 12) : null,
    anniversaryDay: facts.individuals.length > 1 ? 1 + (id % 28) : null,
    anniversaryYear: null,
    giftAskAmount: formatMoney(((id % 20) + 1) * 2500),
    giftAskType: id % 3 === 0 ? 'Upgrade' : 'Renewal',
    contactGiftsUrl: `/api/Gift/ByContact/${id}`,
    primaryAvatarUrl: null,
    originSegmentId: id % 5 === 0 ? 700 + (id % 40) : null,
    originSegment: id % 5 === 0 ? `Appeal ${700 + (id % 40)}` : null,
    createdByUser: audit(0).createdByUser,
    modifiedByUser: audit(0).modifiedByUser,
    address: record.address ? { ...record.address, canBePrimary: true, startMonth: 1, startDay: 1, endMonth: 12, endDay: 31, ...audit(1) } : null,
    contactIndividuals: record.contactIndividuals.map((individual, k) => {
      const birthYear = 1940 + ((id + k) % 60);
      const birthMonth = 1 + ((id + 3 * k) % 12);
      const birthDay = 1 + ((id + 7 * k) % 28);
      return {
        ...individual,
        prefix2: null,
        preMarriageName: k === 1 && id % 4 === 0 ? 'Hale' : null,
        nickname: (id + k) % 6 === 0 ? individual.firstName.slice(0, 3) : null,
        gender: (id + k) % 2 === 0 ? 'Female' : 'Male',
        isSecondary: k > 0,
        birthMonth,
        birthDay,
        birthYear,
        birthDate: `${birthMonth}/${birthDay}/${birthYear}`,
        approximateAge: 2024 - birthYear,
        deceasedDate: '',
        passion: (id + k) % 9 === 0 ? 'Clean water' : null,
        avatarUrl: null,
        customFields: [],
        customCollections: [],
        ...audit(2 + k),
      };
    }),
  };
  return recorded as unknown as VirtuousFullContact;
}

/** `2024-03-01T00:00:00` as recorded records write a date (en-US): `3/1/2024`. */
export function monthDayYear(dotNetDate: string): string {
  const [year, month, day] = dotNetDate.slice(0, 10).split('-');
  return `${Number(month)}/${Number(day)}/${year}`;
}
