import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startVirtuousSimulator, type VirtuousSimulator } from '../../simulators/index.js';
import type { VirtuousFullContact } from '../../simulators/virtuous/virtuous-contact.js';
import { condition, ids, queryContacts, request } from './simulator-client.js';

/** Filters are checked against a brute-force evaluation of the simulator's own full records (a fresh simulator per test). */
describe('Virtuous simulator filters', () => {
  let sim: VirtuousSimulator;
  let live: VirtuousFullContact[];
  let everyone: VirtuousFullContact[];

  beforeEach(async () => {
    sim = await startVirtuousSimulator({ contacts: 600, seed: 7 });
    live = sim.expectedIds().map((id) => sim.fullContact(id)!);
    everyone = sim.expectedIds({ includeArchived: true }).map((id) => sim.fullContact(id)!);
  });
  afterEach(async () => {
    await sim.close();
  });

  async function matchingIds(body: object): Promise<{ ids: number[]; total: number }> {
    const response = await queryContacts(sim, body, { take: 1000 });
    expect(response.status, response.text).toBe(200);
    return { ids: ids(response), total: response.json.total };
  }

  async function expectMatches(conditionsByGroup: object[][], predicate: (contact: VirtuousFullContact) => boolean): Promise<void> {
    const expected = live.filter(predicate).map((contact) => contact.id);
    const result = await matchingIds({ groups: conditionsByGroup.map((conditions) => ({ conditions })) });
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(live.length);
    expect(result.ids).toEqual(expected);
    expect(result.total).toBe(expected.length);
  }

  const modifiedMs = (contact: VirtuousFullContact): number => Date.parse(`${contact.modifiedDateTimeUtc}Z`);
  const createdMs = (contact: VirtuousFullContact): number => Date.parse(`${contact.createDateTimeUtc}Z`);
  const channel = (contact: VirtuousFullContact): string | null =>
    contact.customFields.find((field) => field.name === 'Preferred Channel')?.value ?? null;

  it('excludes archived contacts unless includeArchived is true', async () => {
    const archivedCount = everyone.length - live.length;
    expect(archivedCount).toBeGreaterThan(20);
    expect((await matchingIds({})).ids).toEqual(sim.expectedIds());
    expect((await matchingIds({ includeArchived: false })).total).toBe(live.length);
    const all = await matchingIds({ includeArchived: true });
    expect(all.ids).toEqual(sim.expectedIds({ includeArchived: true }));
    expect(all.total).toBe(600);
  });

  it('matches Tag IsAnyOf / IsNoneOf with values', async () => {
    const tags = ['Major Donor', 'Volunteer'];
    await expectMatches([[condition('Tag', 'IsAnyOf', undefined, { values: tags })]], (contact) => contact.tags.some((tag) => tags.includes(tag)));
    await expectMatches([[condition('Tag', 'IsNoneOf', undefined, { values: ['Major Donor'] })]], (contact) => !contact.tags.includes('Major Donor'));
  });

  it('ANDs conditions within a group and ORs groups', async () => {
    await expectMatches(
      [[condition('Contact Type', 'Is', 'Household'), condition('Tag', 'IsAnyOf', undefined, { values: ['Major Donor'] })]],
      (contact) => contact.contactType === 'Household' && contact.tags.includes('Major Donor'),
    );
    await expectMatches(
      [[condition('Contact Type', 'Is', 'Foundation')], [condition('State', 'Is', 'AZ')]],
      (contact) => contact.contactType === 'Foundation' || contact.address?.state === 'AZ',
    );
  });

  it('evaluates string, lookup, boolean and custom-field operators case-insensitively', async () => {
    await expectMatches(
      [[condition('Contact Type', 'IsAnyOf', undefined, { values: ['organization', 'Foundation'] })]],
      (contact) => contact.contactType !== 'Household',
    );
    await expectMatches([[condition('City', 'Contains', 'AN')]], (contact) => !!contact.address?.city.toLowerCase().includes('an'));
    await expectMatches([[condition('City', 'IsNotKnown')]], (contact) => contact.address === null);
    await expectMatches([[condition('First Name', 'StartsWith', 'j')]], (contact) =>
      contact.contactIndividuals.some((person) => person.firstName.toLowerCase().startsWith('j')),
    );
    await expectMatches([[condition('Last Name', 'Is', "o'brien")]], (contact) =>
      contact.contactIndividuals.some((person) => person.lastName === "O'Brien"),
    );
    await expectMatches([[condition('Email Address', 'EndsWith', '@gmail.com')]], (contact) =>
      contact.contactIndividuals.some((person) => person.contactMethods.some((method) => method.value.endsWith('@gmail.com'))),
    );
    await expectMatches([[condition('Is Private', 'IsFalse')]], (contact) => !contact.isPrivate);
    await expectMatches([[condition('Preferred Channel', 'Is', 'Email')]], (contact) => channel(contact) === 'Email');
    await expectMatches([[condition('Preferred Channel', 'IsNotKnown')]], (contact) => channel(contact) === null);
  });

  it('compares dates with or without a zone (zoneless meaning UTC) and whole days', async () => {
    const bound = Date.parse('2022-03-01T12:00:00Z');
    const after = (contact: VirtuousFullContact): boolean => modifiedMs(contact) > bound;
    await expectMatches([[condition('Last Modified Date', 'After', '2022-03-01T12:00:00')]], after);
    await expectMatches([[condition('Last Modified Date', 'After', '2022-03-01T12:00:00Z')]], after);
    await expectMatches([[condition('Last Modified Date', 'After', '2022-03-01T14:00:00+02:00')]], after);
    await expectMatches([[condition('Create Date', 'Before', '2018-01-01')]], (contact) => createdMs(contact) < Date.parse('2018-01-01T00:00:00Z'));
    await expectMatches(
      [[condition('Create Date', 'Between', '2019-01-01', { secondaryValue: '2019-12-31' })]],
      (contact) => createdMs(contact) >= Date.parse('2019-01-01T00:00:00Z') && createdMs(contact) < Date.parse('2020-01-01T00:00:00Z'),
    );
  });

  it('offers Contact Id exactly the operators real catalogues show, and refuses In / NotIn / IsNot with a 400', async () => {
    const chosen = live.slice(10, 15).map((contact) => contact.id);
    await expectMatches([[condition('Contact Id', 'Is', chosen[0])]], (contact) => contact.id === chosen[0]);
    await expectMatches(
      [[condition('Contact Id', 'Between', chosen[0], { secondaryValue: String(chosen[4]) })]],
      (contact) => contact.id >= chosen[0]! && contact.id <= chosen[4]!,
    );
    await expectMatches(
      [[condition('Contact Id', 'GreaterThanOrEqual', chosen[0]), condition('Contact Id', 'LessThan', chosen[4])]],
      (contact) => contact.id >= chosen[0]! && contact.id < chosen[4]!,
    );
    const options = await request(sim, 'GET', '/api/Contact/QueryOptions');
    const contactId = options.json.options.find((option: { parameter: string }) => option.parameter === 'Contact Id');
    expect(contactId.operatorOptions.map((option: { operator: string }) => option.operator)).toEqual([
      'Is',
      'LessThan',
      'LessThanOrEqual',
      'GreaterThan',
      'GreaterThanOrEqual',
      'Between',
    ]);
    for (const operator of ['In', 'NotIn', 'IsNot']) {
      const refused = await queryContacts(sim, {
        groups: [{ conditions: [condition('Contact Id', operator, operator === 'IsNot' ? chosen[0] : undefined, { values: chosen.map(String) })] }],
      });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain(`Operator '${operator}' is not valid for parameter 'Contact Id'`);
    }
  });

  it("treats a time of day in a date value by the organization's mode: full precision, its UTC day, or a 400", async () => {
    const pivot = live[300]!.modifiedDateTimeUtc;
    const value = `${pivot.slice(0, 10)}T12:00:00`;
    const dayStart = Date.parse(`${pivot.slice(0, 10)}T00:00:00Z`);
    const onOrAfter = { groups: [{ conditions: [condition('Last Modified Date', 'OnOrAfter', value)] }] };
    const precise = await matchingIds(onOrAfter);
    expect(precise.ids).toEqual(live.filter((contact) => modifiedMs(contact) >= Date.parse(`${value}Z`)).map((contact) => contact.id));
    await sim.close();

    sim = await startVirtuousSimulator({ contacts: 600, seed: 7, dateFilterPrecision: 'day' });
    const byDay = await matchingIds(onOrAfter);
    expect(byDay.ids).toEqual(live.filter((contact) => modifiedMs(contact) >= dayStart).map((contact) => contact.id));
    const after = await matchingIds({ groups: [{ conditions: [condition('Last Modified Date', 'After', value)] }] });
    expect(after.ids).toEqual(live.filter((contact) => modifiedMs(contact) >= dayStart + 86_400_000).map((contact) => contact.id));
    await sim.close();

    sim = await startVirtuousSimulator({ contacts: 600, seed: 7, dateFilterPrecision: 'date-only' });
    const refused = await queryContacts(sim, onOrAfter);
    expect(refused.status).toBe(400);
    expect(refused.text).toMatch(/give a date without a time of day/);
    const dateOnly = await matchingIds({ groups: [{ conditions: [condition('Last Modified Date', 'OnOrAfter', pivot.slice(0, 10))] }] });
    expect(dateOnly.ids).toEqual(byDay.ids);
  });

  it('answers a query without matches with 200 and an empty list', async () => {
    const response = await queryContacts(sim, { groups: [{ conditions: [condition('Contact Id', 'GreaterThan', 99_999_999)] }] });
    expect(response.status).toBe(200);
    expect(response.text).toBe('{"list":[],"total":0}');
    const noneScanned = await queryContacts(sim, { groups: [{ conditions: [condition('City', 'Is', 'Atlantis')] }] });
    expect(noneScanned.text).toBe('{"list":[],"total":0}');
  });

  it('sorts by last modification date, last name and id, ascending or descending', async () => {
    const byModified = await matchingIds({ sortBy: 'LastModifiedDate' });
    expect(byModified.ids).toHaveLength(live.length);
    const stamps = byModified.ids.map((id) => modifiedMs(sim.fullContact(id)!));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    for (const sortBy of ['Last Modified Date', 'modifiedDateTimeUtc']) {
      expect((await matchingIds({ sortBy })).ids).toEqual(byModified.ids);
    }
    expect((await matchingIds({ sortBy: 'Last Modified Date', descending: true })).ids).toEqual([...byModified.ids].reverse());
    expect((await matchingIds({ sortBy: 'Contact Id', descending: true })).ids).toEqual(sim.expectedIds().reverse());
    const byLastName = await matchingIds({ sortBy: 'Last Name' });
    expect(new Set(byLastName.ids).size).toBe(live.length);
    // Values no client was seen sending are refused.
    const refused = await queryContacts(sim, { sortBy: 'Create Date' }, { take: 10 });
    expect(refused.status).toBe(400);
  });

  it('pages with skip/take over filtered results', async () => {
    const body = { groups: [{ conditions: [condition('Tag', 'IsNoneOf', undefined, { values: ['Prospect'] })] }] };
    const all = await matchingIds(body);
    const pages: number[] = [];
    for (let skip = 0; skip < all.total; skip += 70) {
      const response = await queryContacts(sim, body, { skip, take: 70 });
      expect(response.json.total).toBe(all.total);
      pages.push(...ids(response));
    }
    expect(pages).toEqual(all.ids);
  });

  describe('rejections', () => {
    async function expectInvalidFilter(conditions: object[], ...mentions: string[]) {
      const response = await queryContacts(sim, { groups: [{ conditions }] });
      expect(response.status).toBe(400);
      expect(response.json.error.code).toBe('INVALID_FILTER');
      expect(response.json.error.details.length).toBeGreaterThan(0);
      for (const mention of mentions) expect(response.json.error.message).toContain(mention);
      return response.json.error;
    }

    it('rejects an unknown parameter, naming it (parameter names are case-sensitive)', async () => {
      const error = await expectInvalidFilter([condition('Favourite Colour', 'Is', 'blue')], 'Favourite Colour');
      expect(error.details[0].parameter).toBe('Favourite Colour');
      await expectInvalidFilter([condition('contact id', 'GreaterThan', 1)], 'contact id');
    });

    it('rejects an operator not allowed for the parameter, or unknown', async () => {
      const error = await expectInvalidFilter([condition('Tag', 'Is', 'Major Donor')], 'Is', 'Tag');
      expect(error.details[0]).toMatchObject({ parameter: 'Tag', operator: 'Is' });
      await expectInvalidFilter([condition('Contact Id', 'Matches', '1')], 'Matches');
      await expectInvalidFilter([condition('City', 'Resembles', 'x')], 'Resembles');
    });

    it('rejects missing or malformed values', async () => {
      await expectInvalidFilter([condition('Contact Id', 'GreaterThan')], 'value');
      await expectInvalidFilter([condition('Contact Id', 'GreaterThan', 'abc')], 'abc');
      await expectInvalidFilter([condition('Contact Id', 'Between', 5)], 'secondaryValue');
      await expectInvalidFilter([condition('Last Modified Date', 'After', 'next tuesday-ish')], 'next tuesday-ish');
      await expectInvalidFilter([condition('Tag', 'IsAnyOf')], 'values');
    });

    it('rejects an unknown sortBy', async () => {
      const response = await queryContacts(sim, { sortBy: 'Favourite Colour' });
      expect(response.status).toBe(400);
      expect(response.text).toContain('Favourite Colour');
    });
  });
});
