/** Word lists the contact and gift generators draw from; some entries carry non-ASCII letters and quotes on purpose. */

export const FIRST_NAMES = [
  'James',
  'Mary',
  'John',
  'Patricia',
  'Robert',
  'Jennifer',
  'Michael',
  'Linda',
  'William',
  'Elizabeth',
  'David',
  'Barbara',
  'Richard',
  'Susan',
  'Joseph',
  'Jessica',
  'Thomas',
  'Sarah',
  'Charles',
  'Karen',
  'Daniel',
  'Nancy',
  'Matthew',
  'Lisa',
  'Anthony',
  'Betty',
  'Mark',
  'Margaret',
  'Steven',
  'Sandra',
  'José',
  'Zoë',
  'Renée',
  'François',
  'Søren',
  'Łukasz',
  'Aisha',
  'Mei',
  'Hiroshi',
  'Siobhán',
  'Ngozi',
  'Björn',
  'Chloé',
  'Mateo',
  'Priya',
  'Joaquín',
  'Anaïs',
  'Dmitri',
  'Fatima',
  'Kwame',
] as const;

export const LAST_NAMES = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Rodriguez',
  'Martinez',
  'Wilson',
  'Anderson',
  'Taylor',
  'Thomas',
  'Moore',
  'Jackson',
  'Martin',
  'Lee',
  'Thompson',
  'White',
  'Hernández',
  "O'Brien",
  "D'Angelo",
  'Müller',
  'Nguyễn',
  'Kowalski',
  'Østergaard',
  'Peña',
  'Van der Berg',
  'Okafor',
  'Tanaka',
  'MacDonald',
  'St. John',
  'Schröder',
  'Dubois',
  "O'Connor",
  'Papadopoulos',
  'Ivanova',
  'Haddad',
  'Chen',
] as const;

export const MIDDLE_NAMES = ['A.', 'Lee', 'Marie', 'J.', 'Ann', 'Ray', 'Élise', 'Grace'] as const;
export const NICKNAMES = ['Bob', 'Bill', 'Liz', 'Kate', 'Jim', 'Peggy', 'Chuck', 'Sandy'] as const;
export const PREFIXES = ['Mr.', 'Mrs.', 'Ms.', 'Dr.', 'Rev.'] as const;
export const SUFFIXES = ['Jr.', 'Sr.', 'III', 'PhD'] as const;

export const ORGANIZATION_WORDS = [
  'Grace',
  'Hope',
  'Riverside',
  'Summit',
  'Cedar',
  'Lakeview',
  'Crossroads',
  "St. Mary's",
  'Northwind',
  'Sonnenschein',
  'Harvest',
  'Cornerstone',
  'Bright Futures',
  'Desert Bloom',
  'Évangile',
  'Pine Ridge',
] as const;
export const ORGANIZATION_SUFFIXES = [
  'Community Church',
  'Ministries',
  'Partners LLC',
  'Rotary Club',
  'Elementary PTA',
  'Outreach, Inc.',
  'Credit Union',
  'Food Bank',
  'Youth Alliance',
  '& Sons Hardware',
] as const;
export const FOUNDATION_PATTERNS = ['The {last} Family Foundation', '{last} Charitable Trust', 'The {word} Fund'] as const;

export const LOCATIONS: readonly { city: string; state: string; postalPrefix: string }[] = [
  { city: 'Mesa', state: 'AZ', postalPrefix: '852' },
  { city: 'Phoenix', state: 'AZ', postalPrefix: '850' },
  { city: 'Boise', state: 'ID', postalPrefix: '837' },
  { city: "Coeur d'Alene", state: 'ID', postalPrefix: '838' },
  { city: 'Austin', state: 'TX', postalPrefix: '787' },
  { city: 'San José', state: 'CA', postalPrefix: '951' },
  { city: 'Portland', state: 'OR', postalPrefix: '972' },
  { city: 'Denver', state: 'CO', postalPrefix: '802' },
  { city: 'Nashville', state: 'TN', postalPrefix: '372' },
  { city: 'Chicago', state: 'IL', postalPrefix: '606' },
  { city: 'Brooklyn', state: 'NY', postalPrefix: '112' },
  { city: 'Santa Fe', state: 'NM', postalPrefix: '875' },
  { city: 'Anchorage', state: 'AK', postalPrefix: '995' },
  { city: 'Honolulu', state: 'HI', postalPrefix: '968' },
  { city: 'Boston', state: 'MA', postalPrefix: '021' },
  { city: 'Seattle', state: 'WA', postalPrefix: '981' },
];
export const STREET_NAMES = ['Main St', 'Oak Ave', 'Maple Dr', 'Cactus Rd', 'Elm St', 'Broadway', 'Camino del Sol', 'Lakeshore Blvd'] as const;
export const ADDRESS_LABELS = ['Home', 'Work', 'Mailing', 'Seasonal'] as const;

export const TAGS = [
  'Major Donor',
  'Monthly Donor',
  'Volunteer',
  'Board Member',
  'Event Attendee',
  'Prospect',
  'Lapsed Donor',
  'Newsletter',
] as const;
export const ORGANIZATION_GROUPS = ['Development', 'Events', 'Finance'] as const;
export const PREFERRED_CHANNELS = ['Email', 'Phone', 'Mail', 'Text'] as const;
export const EMAIL_DOMAINS = ['gmail.com', 'yahoo.com', 'outlook.com', 'example.org', 'icloud.com'] as const;
export const DESCRIPTIONS = [
  'Met at the 2019 gala; prefers "email" over calls.',
  'Long-time supporter — gives every December.',
  'Introduced by the board chair.\nFollow up after the spring campaign.',
  'Prefers to be contacted in Spanish (español).',
  'Interested in the building fund 🏗️',
] as const;

/** Gift types, with how often each is drawn (ours: the evidence names the field, not its values). */
export const GIFT_TYPES: readonly { name: string; share: number }[] = [
  { name: 'Credit', share: 0.4 },
  { name: 'Check', share: 0.3 },
  { name: 'Cash', share: 0.15 },
  { name: 'EFT', share: 0.1 },
  { name: 'Stock', share: 0.03 },
  { name: 'Non-Cash', share: 0.02 },
];
export const GIFT_SEGMENTS = ['Year-End Appeal', 'Spring Newsletter', 'Gala 2023', 'Web Donation', 'Monthly Partners', 'Giving Tuesday'] as const;
export const TRANSACTION_SOURCES = ['Online Giving', 'Mail', 'Event', 'Import'] as const;
/** Projects a gift's designations name: ids and names that never change. */
export const PROJECTS: readonly { id: number; name: string }[] = [
  { id: 101, name: 'General Fund' },
  { id: 102, name: 'Clean Water' },
  { id: 103, name: 'Scholarships' },
  { id: 104, name: 'Building Fund 🏗️' },
  { id: 105, name: 'Disaster Relief' },
  { id: 106, name: 'Niños "Futuro" Program' },
];
