import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCloseSimulator, type CloseSimulator } from '../../../simulators/close/index.js';
import { contactQuery, custom, fieldCondition, ids, OBJECT_TYPE_CONTACT, regular, search, walk } from './close-client.js';

type Contact = Record<string, any>;

const NOW = Date.UTC(2025, 0, 15, 12);

describe('Close simulator query language', () => {
  let sim: CloseSimulator;
  let contacts: Contact[];
  let fields: string[];

  beforeAll(async () => {
    sim = await startCloseSimulator({ contacts: 800, seed: 7, customFields: 8, now: () => NOW });
    contacts = sim.expectedIds().map((id) => sim.contact(id)!);
    fields = sim.customFieldIds();
  });
  afterAll(async () => {
    await sim.close();
  });

  /** Runs the query (all pages) and checks it returns exactly the contacts `expected` accepts. */
  async function expectMatches(query: unknown, expected: (contact: Contact) => boolean): Promise<string[]> {
    const pages = await walk(sim, { query, _limit: 200 });
    const found = pages.flatMap(ids);
    const wanted = contacts.filter(expected).map((contact) => contact['id'] as string);
    expect(found.length, 'no duplicates').toBe(new Set(found).size);
    expect(new Set(found)).toEqual(new Set(wanted));
    return found;
  }

  const words = (text: unknown) =>
    typeof text === 'string'
      ? text
          .toLowerCase()
          .split(/[^\p{L}\p{N}]+/u)
          .filter(Boolean)
      : [];

  it('generates data that exercises every filter (sanity of the fixture)', () => {
    expect(contacts).toHaveLength(800);
    expect(contacts.filter((contact) => contact['title'] === 'CEO').length).toBeGreaterThan(5);
    expect(contacts.filter((contact) => contact['emails'].length === 0).length).toBeGreaterThan(50);
    expect(contacts.filter((contact) => contact['emails'].length >= 2).length).toBeGreaterThan(50);
  });

  it('matches everything with object_type contact, nothing with another object type', async () => {
    await expectMatches(OBJECT_TYPE_CONTACT, () => true);
    await expectMatches({ type: 'object_type', object_type: 'lead' }, () => false);
    await expectMatches({ type: 'object_type', object_type: 'contact', negate: true }, () => false);
  });

  it('combines with and / or / negate at any depth', async () => {
    const ceo = fieldCondition(regular('title'), { type: 'text', mode: 'full_words', value: 'CEO' });
    const manyEmails = fieldCondition(regular('emails_count'), { type: 'number_range', gt: 1 });
    const isCeo = (c: Contact) => words(c['title']).includes('ceo');
    await expectMatches(contactQuery(ceo, manyEmails), (c) => isCeo(c) && c['emails'].length > 1);
    await expectMatches(contactQuery({ type: 'or', queries: [ceo, manyEmails] }), (c) => isCeo(c) || c['emails'].length > 1);
    await expectMatches(contactQuery({ ...ceo, negate: true }), (c) => !isCeo(c));
    await expectMatches(contactQuery({ type: 'or', negate: true, queries: [ceo, manyEmails] }), (c) => !(isCeo(c) || c['emails'].length > 1));
    await expectMatches(contactQuery({ type: 'and', queries: [] }), () => true);
    await expectMatches(contactQuery({ type: 'or', queries: [] }), () => false);
  });

  it('supports the id query and the text query over name, title and emails', async () => {
    const target = contacts[123]!;
    await expectMatches(contactQuery({ type: 'id', value: target['id'] }), (c) => c['id'] === target['id']);
    const searched = (c: Contact) => [c['name'], c['title'], ...c['emails'].map((email: any) => email.email)];
    await expectMatches(contactQuery({ type: 'text', mode: 'full_words', value: 'gmail ceo' }), (c) =>
      ['gmail', 'ceo'].every((word) => searched(c).flatMap(words).includes(word)),
    );
    await expectMatches(contactQuery({ type: 'text', mode: 'phrase', value: 'co-founder & ceo' }), (c) =>
      searched(c).some((text) => words(text).join(' ').includes('co founder ceo')),
    );
  });

  it('applies text conditions in all four modes', async () => {
    const title = (mode: string, value: string) => contactQuery(fieldCondition(regular('title'), { type: 'text', mode, value }));
    await expectMatches(title('full_words', 'ceo founder'), (c) => ['ceo', 'founder'].every((word) => words(c['title']).includes(word)));
    await expectMatches(title('phrase', 'CEO & Co'), (c) => words(c['title']).join(' ').startsWith('ceo co'));
    await expectMatches(title('exact_value', 'ceo'), (c) => typeof c['title'] === 'string' && c['title'].toLowerCase() === 'ceo');
    await expectMatches(title('beginning_of_words', 'gesch'), (c) => words(c['title']).some((word) => word.startsWith('gesch')));
    const unicode = await expectMatches(
      contactQuery(fieldCondition(regular('title'), { type: 'text', value: 'Geschäftsführer' })),
      (c) => c['title'] === 'Geschäftsführer',
    );
    expect(unicode.length).toBeGreaterThan(0);
  });

  it('applies term, reference, exists and number_range', async () => {
    await expectMatches(contactQuery(fieldCondition(regular('title'), { type: 'term', values: ['CTO', 'CFO'] })), (c) =>
      ['CTO', 'CFO'].includes(c['title']),
    );
    const user = contacts[0]!['created_by'];
    await expectMatches(
      contactQuery(fieldCondition(regular('created_by'), { type: 'reference', reference_type: 'user', object_ids: [user] })),
      (c) => c['created_by'] === user,
    );
    await expectMatches(
      contactQuery(fieldCondition(regular('title'), { type: 'exists' })),
      (c) => typeof c['title'] === 'string' && c['title'] !== '',
    );
    await expectMatches(contactQuery(fieldCondition(regular('title'), { type: 'exists' }, true)), (c) => !c['title']);
    await expectMatches(
      contactQuery(fieldCondition(regular('phones_count'), { type: 'number_range', gte: 1, lt: 2 })),
      (c) => c['phones'].length === 1,
    );
    await expectMatches(contactQuery(fieldCondition(regular('urls_count'), { type: 'number_range', lte: 0 })), (c) => c['urls'].length === 0);
    await expectMatches(
      contactQuery(fieldCondition(regular('lead_id'), { type: 'reference', reference_type: 'lead', object_ids: [contacts[5]!['lead_id']] })),
      (c) => c['lead_id'] === contacts[5]!['lead_id'],
    );
  });

  it('applies moment_range with fixed_utc, fixed_local_date, now and offset moments', async () => {
    const micros = (text: string) => Date.parse(text) * 1000 + Number(text.slice(23, 26));
    const created = (c: Contact) => micros(c['date_created']);
    const pivot = contacts[400]!['date_created'] as string;
    const range = (condition: unknown) => contactQuery(fieldCondition(regular('date_created'), condition));
    // on_or_after is inclusive to the microsecond, before is exclusive.
    await expectMatches(range({ type: 'moment_range', on_or_after: { type: 'fixed_utc', value: pivot } }), (c) => created(c) >= micros(pivot));
    await expectMatches(
      range({ type: 'moment_range', before: { type: 'fixed_utc', value: pivot }, on_or_after: null }),
      (c) => created(c) < micros(pivot),
    );
    await expectMatches(
      range({
        type: 'moment_range',
        on_or_after: { type: 'fixed_local_date', value: '2016-01-01', which: 'start' },
        before: { type: 'fixed_local_date', value: '2016-12-31', which: 'end' },
      }),
      (c) => c['date_created'].startsWith('2016-'),
    );
    await expectMatches(
      range({ type: 'moment_range', on_or_after: { type: 'fixed_utc', value: '2019-03-01T00:00:00+01:00' } }),
      (c) => created(c) >= Date.UTC(2019, 1, 28, 23) * 1000,
    );
    // Generated history ends in 2024, the clock says 2025: nothing was created in the last 30 days...
    await expectMatches(range({ type: 'moment_range', on_or_after: { type: 'offset', value: '-P30D' } }), () => false);
    await expectMatches(range({ type: 'moment_range', before: { type: 'now' } }), () => true);
    // ...but a year back reaches into it (offset in milliseconds).
    const yearAgo = (NOW - 365 * 86_400_000) * 1000;
    await expectMatches(range({ type: 'moment_range', on_or_after: { type: 'offset', value: -365 * 86_400_000 } }), (c) => created(c) >= yearAgo);
    await expectMatches(
      contactQuery(fieldCondition(regular('date_updated'), { type: 'moment_range', on_or_after: { type: 'fixed_utc', value: '2024-01-01' } })),
      (c) => c['date_updated'] >= '2024-01-01',
    );
  });

  it('applies conditions to every kind of custom field', async () => {
    const [tier, score, notes, renewal, interests, newsletter, lastDemo] = fields.map((id) => `custom.${id}`) as [string, ...string[]];
    const on = (k: number, condition: unknown) => contactQuery(fieldCondition(custom(fields[k]!), condition));
    await expectMatches(on(0, { type: 'term', values: ['Gold'] }), (c) => c[tier] === 'Gold');
    await expectMatches(on(1, { type: 'number_range', gt: 50 }), (c) => typeof c[score!] === 'number' && c[score!] > 50);
    await expectMatches(on(2, { type: 'text', mode: 'full_words', value: 'product' }), (c) => words(c[notes!]).includes('product'));
    await expectMatches(
      on(3, { type: 'moment_range', on_or_after: { type: 'fixed_local_date', value: '2023-01-01', which: 'start' } }),
      (c) => typeof c[renewal!] === 'string' && c[renewal!] >= '2023-01-01',
    );
    await expectMatches(on(4, { type: 'term', values: ['Pricing'] }), (c) => Array.isArray(c[interests!]) && c[interests!].includes('Pricing'));
    await expectMatches(on(5, { type: 'boolean', value: true }), (c) => c[newsletter!] === true);
    await expectMatches(on(6, { type: 'exists' }), (c) => typeof c[lastDemo!] === 'string');
    // Unset (absent) and null values do not exist.
    await expectMatches(on(0, { type: 'exists' }), (c) => typeof c[tier] === 'string');
    const missing = contacts.filter((c) => !(tier in c)).length;
    const nulls = contacts.filter((c) => tier in c && c[tier] === null).length;
    expect(missing).toBeGreaterThan(100);
    expect(nulls).toBeGreaterThan(10);
  });

  it('matches current_user against one fixed user (the API key owner) on user fields', async () => {
    const response = await search(sim, {
      query: contactQuery(fieldCondition(regular('created_by'), { type: 'current_user' })),
      _fields: { contact: ['created_by'] },
      _limit: 200,
    });
    const creators = new Set((response.json.data as Contact[]).map((item) => item['created_by']));
    expect(creators.size).toBe(1);
    const current = [...creators][0];
    expect(current).toMatch(/^user_[A-Za-z0-9]{43}$/);
    await expectMatches(contactQuery(fieldCondition(regular('updated_by'), { type: 'current_user' })), (c) => c['updated_by'] === current);
    await expectMatches(contactQuery(fieldCondition(custom(fields[7]!), { type: 'current_user' })), (c) => c[`custom.${fields[7]}`] === current);
  });

  it('follows has_related to the lead (status, name, custom field) and to emails and phones', async () => {
    const leadOf = new Map(contacts.map((c) => [c['id'], sim.leadOf(c['id'])!]));
    const qualified = leadOf.get(contacts[0]!['id'])!['status_id'];
    const related = (type: string, query: unknown, negate?: boolean) =>
      contactQuery({
        type: 'has_related',
        this_object_type: 'contact',
        related_object_type: type,
        related_query: query,
        ...(negate ? { negate } : {}),
      });
    const byStatus = await expectMatches(
      related('lead', fieldCondition(regular('status_id', 'lead'), { type: 'reference', reference_type: 'status.lead', object_ids: [qualified] })),
      (c) => leadOf.get(c['id'])!['status_id'] === qualified,
    );
    expect(byStatus.length).toBeGreaterThan(10);
    expect(byStatus.length).toBeLessThan(800);
    await expectMatches(
      related('lead', fieldCondition(regular('status_id', 'lead'), { type: 'term', values: [qualified] }), true),
      (c) => leadOf.get(c['id'])!['status_id'] !== qualified,
    );
    await expectMatches(related('lead', fieldCondition(regular('display_name', 'lead'), { type: 'text', value: 'acme' })), (c) =>
      words(leadOf.get(c['id'])!['display_name']).includes('acme'),
    );
    const industry = Object.keys(leadOf.get(contacts[0]!['id'])!).find((key) => key.startsWith('custom.cf_'))!;
    await expectMatches(
      related('lead', fieldCondition(custom(industry.slice('custom.'.length)), { type: 'term', values: ['Software as a service'] })),
      (c) => leadOf.get(c['id'])![industry] === 'Software as a service',
    );
    await expectMatches(
      related('contact_email', fieldCondition(regular('email', 'contact_email'), { type: 'text', mode: 'full_words', value: 'gmail' })),
      (c) => c['emails'].some((email: any) => words(email.email).includes('gmail')),
    );
    await expectMatches(
      related('contact_email', {
        type: 'and',
        queries: [
          fieldCondition(regular('type', 'contact_email'), { type: 'term', values: ['office'] }),
          fieldCondition(regular('email', 'contact_email'), { type: 'text', mode: 'beginning_of_words', value: 'yah' }),
        ],
      }),
      (c) => c['emails'].some((email: any) => email.type === 'office' && email.email.includes('@yahoo.')),
    );
    await expectMatches(
      related('contact_phone', fieldCondition(regular('phone', 'contact_phone'), { type: 'text', mode: 'beginning_of_words', value: '44' })),
      (c) => c['phones'].some((phone: any) => phone.phone.startsWith('+44')),
    );
    // A field of another object type must go through has_related.
    const wrong = await search(sim, { query: related('lead', fieldCondition(regular('title'), { type: 'exists' })) });
    expect(wrong.status).toBe(400);
    expect(Object.keys(wrong.json['field-errors'])).toEqual(['query.queries[1].related_query.field.object_type']);
  });

  it('keeps results identical whatever the page size', async () => {
    const query = contactQuery(fieldCondition(regular('emails_count'), { type: 'number_range', gte: 1 }));
    const small = (await walk(sim, { query, _limit: 7 })).flatMap(ids);
    const large = (await walk(sim, { query, _limit: 200 })).flatMap(ids);
    expect(small).toEqual(large);
  });
});
