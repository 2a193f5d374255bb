/** What a contact query may name: its filter parameters (`GET /api/Contact/QueryOptions`) and its `sortBy` values. */
import type { ContactFacts } from './contact-facts.js';
import { canonicalTimestamp } from './dotnet-timestamp.js';
import { PREFERRED_CHANNELS, TAGS } from './generator-vocabulary.js';
import { DATE_OPERATORS, ID_OPERATORS, LOOKUP_OPERATORS, NUMBER_OPERATORS, TEXT_OPERATORS, type QueryParameter } from './query-parameter.js';
import type { SortOptions, SortOrder } from './sort-order.js';

/** The route that lists the contact parameters, named in the 400 for an unknown one. */
export const CONTACT_OPTIONS_PATH = '/api/Contact/QueryOptions';

const known = (value: string | null | undefined): readonly string[] => (value ? [value] : []);

/** The filter parameters of the simulated organization, including two custom fields. */
export const CONTACT_QUERY_PARAMETERS: readonly QueryParameter<ContactFacts>[] = [
  {
    parameter: 'Contact Id',
    type: 'Int',
    operators: ID_OPERATORS,
    valueOptions: [],
    reader: { kind: 'number', integer: true, isRecordId: true, read: (row) => row.id },
  },
  {
    parameter: 'Contact Type',
    type: 'Lookup',
    operators: LOOKUP_OPERATORS,
    valueOptions: ['Household', 'Organization', 'Foundation'],
    reader: { kind: 'text', read: (row) => [row.facts().contactType] },
  },
  {
    parameter: 'Create Date',
    type: 'Date',
    operators: DATE_OPERATORS,
    valueOptions: [],
    reader: { kind: 'date', read: (row) => canonicalTimestamp(row.facts().created) },
  },
  {
    parameter: 'Last Modified Date',
    type: 'Date',
    operators: DATE_OPERATORS,
    valueOptions: [],
    reader: { kind: 'date', read: (row) => canonicalTimestamp(row.facts().modified) },
  },
  {
    parameter: 'Tag',
    type: 'List',
    operators: ['IsAnyOf', 'IsNoneOf'],
    valueOptions: TAGS,
    reader: { kind: 'list', read: (row) => row.facts().tags },
  },
  {
    parameter: 'First Name',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => row.facts().individuals.map((person) => person.firstName) },
  },
  {
    parameter: 'Last Name',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => row.facts().individuals.map((person) => person.lastName) },
  },
  {
    parameter: 'Email Address',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => row.facts().individuals.flatMap((person) => known(person.email?.value)) },
  },
  {
    parameter: 'Phone Number',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => row.facts().individuals.flatMap((person) => known(person.phone?.value)) },
  },
  {
    parameter: 'City',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => known(row.facts().location?.city) },
  },
  {
    parameter: 'State',
    type: 'String',
    operators: TEXT_OPERATORS,
    valueOptions: [],
    reader: { kind: 'text', read: (row) => known(row.facts().location?.state) },
  },
  {
    parameter: 'Is Private',
    type: 'Boolean',
    operators: ['IsTrue', 'IsFalse'],
    valueOptions: [],
    reader: { kind: 'boolean', read: (row) => row.facts().isPrivate },
  },
  {
    parameter: 'Preferred Channel',
    type: 'Lookup',
    operators: [...LOOKUP_OPERATORS, 'IsKnown', 'IsNotKnown'],
    valueOptions: PREFERRED_CHANNELS,
    reader: { kind: 'text', read: (row) => known(row.facts().preferredChannel) },
  },
  {
    parameter: 'Volunteer Hours',
    type: 'Decimal',
    operators: [...NUMBER_OPERATORS, 'IsKnown', 'IsNotKnown'],
    valueOptions: [],
    reader: { kind: 'number', integer: false, read: (row) => row.facts().volunteerHours },
  },
];

const byLastName = (facts: ContactFacts): string => (facts.individuals[0]?.lastName ?? facts.name).toLowerCase();
const byModified = (facts: ContactFacts): string => canonicalTimestamp(facts.modified);

/**
 * sortBy values seen in working clients; no official list exists. Only `Id` / `Contact Id` are evidenced
 * for contacts; the others were seen on other queries and are kept because clients send them, not because
 * a contact export may rely on them.
 */
export const CONTACT_SORT_ORDERS: SortOptions<ContactFacts> = {
  byName: new Map<string, SortOrder<ContactFacts>>([
    ['id', 'id'],
    ['contact id', 'id'],
    ['last name', byLastName],
    ['lastmodifieddate', byModified],
    ['last modified date', byModified],
    ['modifieddatetimeutc', byModified],
  ]),
  hint: 'Id, Contact Id, Last Name or Last Modified Date',
};
