/** Word lists specific to the Close generator; person names come from the shared Virtuous vocabulary. */

export const TITLES = [
  'CEO',
  'CEO & Co-Founder',
  'Co-Founder & CEO',
  'CTO',
  'CFO',
  'COO',
  'VP Sales',
  'VP of Engineering',
  'Head of Marketing',
  'Sales Manager',
  'Account Executive',
  'Office Manager',
  'Software Engineer',
  'Product Manager',
  'Customer Success Lead',
  'Operations Director',
  'Directeur général',
  'Geschäftsführer',
  'Responsable des achats',
  'Consultant',
  'Owner',
  'Founder',
  'Procurement Specialist',
  'Director of IT',
] as const;

export const COMPANY_WORDS = [
  'Acme',
  'Globex',
  'Initech',
  'Umbrella',
  'Hooli',
  'Vandelay',
  'Stark',
  'Wayne',
  'Wonka',
  'Tyrell',
  'Cyberdyne',
  'Soylent',
  'Nakatomi',
  'Gekko',
  'Sterling',
  'Pied Piper',
  'Müller',
  'Société Générale',
  'Kōbō',
  'Zürich',
] as const;
export const COMPANY_SUFFIXES = ['Inc.', 'LLC', 'GmbH', 'Ltd', 'Corp', 'Labs', 'Group', 'S.A.', '& Co.', 'Technologies'] as const;

export const EMAIL_TYPES = ['office', 'home', 'direct', 'other'] as const;
export const PHONE_TYPES = ['office', 'mobile', 'home', 'direct', 'fax'] as const;
export const EMAIL_DOMAINS = ['gmail.com', 'outlook.com', 'yahoo.com', 'proton.me', 'example.com'] as const;

export const PHONE_COUNTRIES: readonly { country: string; callingCode: string; groups: readonly number[] }[] = [
  { country: 'US', callingCode: '1', groups: [3, 3, 4] },
  { country: 'US', callingCode: '1', groups: [3, 3, 4] },
  { country: 'US', callingCode: '1', groups: [3, 3, 4] },
  { country: 'CA', callingCode: '1', groups: [3, 3, 4] },
  { country: 'GB', callingCode: '44', groups: [2, 4, 4] },
  { country: 'DE', callingCode: '49', groups: [3, 4, 4] },
  { country: 'FR', callingCode: '33', groups: [1, 2, 2, 2, 2] },
];

export const LEAD_DESCRIPTIONS = [
  'Inbound from the pricing page.',
  'Met at SaaStr; wants a demo next quarter.',
  'Referral from an existing customer — high intent.',
  'Évaluation en cours, décision prévue au T3.',
  'Legacy account migrated from the old CRM.',
] as const;

export const STREETS = ['Market St', 'Main St', 'Baker Street', 'Friedrichstraße', 'Rue de Rivoli', 'Mission St'] as const;
export const CITIES: readonly { city: string; state: string; country: string; zip: string }[] = [
  { city: 'San Francisco', state: 'CA', country: 'US', zip: '941' },
  { city: 'New York', state: 'NY', country: 'US', zip: '100' },
  { city: 'Austin', state: 'TX', country: 'US', zip: '787' },
  { city: 'London', state: '', country: 'GB', zip: 'EC1A ' },
  { city: 'Berlin', state: '', country: 'DE', zip: '101' },
  { city: 'Paris', state: '', country: 'FR', zip: '750' },
  { city: 'São Paulo', state: 'SP', country: 'BR', zip: '010' },
];

export const USER_NAMES = ['Sim API User', 'Steli Efti', 'Ana Souza', 'Jürgen Weiß', 'Mei Chen'] as const;

export const LEAD_STATUSES = ['Potential', 'Bad Fit', 'Qualified', 'Customer', 'Canceled'] as const;

export const NOTE_PHRASES = [
  'Prefers email over phone',
  'Decision maker for the EMEA region',
  'Asked about annual billing',
  'Spricht Deutsch und Englisch',
  'Champion — loves the product 🚀',
  'Met at the Berlin meetup',
] as const;
