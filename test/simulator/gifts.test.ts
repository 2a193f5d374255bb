import { afterEach, describe, expect, it } from 'vitest';
import {
  OPERATOR_NAMES,
  startVirtuousSimulator,
  type VirtuousFullGift,
  type VirtuousSimulator,
  type VirtuousSimulatorOptions,
} from '../../simulators/index.js';
import { giftKeysetBody, giftKeysetExport, queryGifts } from './gift-client.js';
import { condition, ids, queryContacts, request, type SimResponse } from './simulator-client.js';

const ABBREVIATED_KEYS = [
  'id',
  'contactId',
  'contactIndividualId',
  'giftType',
  'giftDate',
  'amount',
  'segment',
  'batch',
  'giftUrl',
  'culture',
  'exchangeRate',
];
const FULL_KEYS = [...ABBREVIATED_KEYS, 'createDateTimeUtc', 'modifiedDateTimeUtc', 'transactionSource', 'transactionId', 'giftDesignations'];
const RECORDED_KEYS = [
  ...FULL_KEYS,
  'amountFormatted',
  'currencyCode',
  'baseCurrencyCode',
  'giftDateFormatted',
  'contactName',
  'contactUrl',
  'receiptDate',
  'isPrivate',
  'isTaxDeductible',
  'customFields',
  'giftPremiums',
  'pledgePayments',
  'recurringGiftPayments',
];
const ID_OPERATORS = ['Is', 'LessThan', 'LessThanOrEqual', 'GreaterThan', 'GreaterThanOrEqual', 'Between'];
const DATE_OPERATORS = ['Before', 'After', 'OnOrBefore', 'OnOrAfter', 'Between', 'IsKnown', 'IsNotKnown'];
const MIDNIGHT = /^\d{4}-\d{2}-\d{2}T00:00:00$/;
const GIFT_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$/;
const DENIED = 'Authorization has been denied for this request.';
/** Long enough that no window of these tests ends while it runs, however slow the machine. */
const HOUR_MS = 3_600_000;

describe('Virtuous simulator gifts', () => {
  let sim: VirtuousSimulator;
  afterEach(async () => {
    await sim.close();
  });

  const start = async (options: Partial<VirtuousSimulatorOptions> = {}): Promise<VirtuousSimulator> =>
    (sim = await startVirtuousSimulator({ contacts: 80, gifts: 250, seed: 5, ...options }));
  const cents = (amount: number): number => Math.round(amount * 100);

  it('answers POST /api/Gift/Query with the envelope: 10 abbreviated gifts by default, total counting every match', async () => {
    await start();
    const expected = sim.expectedGiftIds();
    expect(expected).toHaveLength(250);
    expect(expected.slice(1).every((id, k) => id > expected[k]!)).toBe(true);

    const response = await queryGifts(sim, { groups: [] });
    expect(response.status).toBe(200);
    expect(response.json.total).toBe(250);
    expect(ids(response)).toEqual(expected.slice(0, 10));
    for (const item of response.json.list) {
      expect(Object.keys(item)).toEqual(ABBREVIATED_KEYS);
      expect(item).toEqual(sim.abbreviatedGift(item.id));
    }
    expect((await queryGifts(sim, undefined, { rawBody: '' })).json.total).toBe(250);

    const all = (await queryGifts(sim, {}, { take: 250 })).json.list as ReturnType<VirtuousSimulator['abbreviatedGift']>[];
    const contacts = new Set(sim.expectedIds({ includeArchived: true }));
    let withIndividual = 0;
    for (const gift of all.map((item) => item!)) {
      expect(typeof gift.amount).toBe('number');
      expect(gift.amount).toBeGreaterThan(0);
      expect(cents(gift.amount) / 100).toBe(gift.amount);
      expect(gift.giftDate).toMatch(MIDNIGHT);
      expect(gift).toMatchObject({ giftUrl: `/api/Gift/${gift.id}`, culture: 'en-US', exchangeRate: 1 });
      expect(contacts.has(gift.contactId)).toBe(true);
      if (gift.contactIndividualId !== null) {
        withIndividual++;
        const individuals = sim.fullContact(gift.contactId)!.contactIndividuals.map((individual) => individual.id);
        expect(individuals).toContain(gift.contactIndividualId);
      }
    }
    expect(withIndividual).toBeGreaterThan(50);
    expect(withIndividual).toBeLessThan(250);
    expect(all.some((gift) => !Number.isInteger(gift!.amount))).toBe(true);
  });

  it('answers an organization without gifts with an empty list', async () => {
    await start({ gifts: 0 });
    const response = await queryGifts(sim, { groups: [] }, { full: true });
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ list: [], total: 0 });
    expect(sim.expectedGiftIds()).toEqual([]);
  });

  it('answers FullGift with the documented fields, zoned 7-digit timestamps and designations adding up to the amount', async () => {
    await start();
    const response = await queryGifts(sim, {}, { full: true, take: 250 });
    expect(response.status).toBe(200);
    const gifts = response.json.list as VirtuousFullGift[];
    expect(gifts.map((gift) => gift.id)).toEqual(sim.expectedGiftIds());
    let split = 0;
    for (const gift of gifts) {
      expect(Object.keys(gift)).toEqual(FULL_KEYS);
      expect(gift).toEqual(sim.fullGift(gift.id));
      const abbreviated = Object.fromEntries(ABBREVIATED_KEYS.map((key) => [key, gift[key as keyof VirtuousFullGift]]));
      expect(abbreviated).toEqual(sim.abbreviatedGift(gift.id));
      expect(gift.createDateTimeUtc).toMatch(GIFT_TIMESTAMP);
      expect(gift.modifiedDateTimeUtc).toMatch(GIFT_TIMESTAMP);
      expect(gift.modifiedDateTimeUtc >= gift.createDateTimeUtc).toBe(true);
      expect(gift.createDateTimeUtc.slice(0, 10) >= gift.giftDate.slice(0, 10)).toBe(true);
      expect(gift.modifiedDateTimeUtc < '2025-01-01').toBe(true);
      expect(gift.giftDesignations.length).toBeGreaterThan(0);
      for (const designation of gift.giftDesignations) {
        expect(Object.keys(designation)).toEqual(['id', 'projectId', 'project', 'amountDesignated']);
      }
      expect(gift.giftDesignations.reduce((sum, designation) => sum + cents(designation.amountDesignated), 0)).toBe(cents(gift.amount));
      if (gift.giftDesignations.length > 1) split++;
    }
    expect(split).toBeGreaterThan(10);
    expect(gifts.some((gift) => gift.transactionId !== null)).toBe(true);
    expect(gifts.some((gift) => gift.segment === null)).toBe(true);
  });

  it("adds the recorded gift's fields in the recorded shape, abbreviated items unchanged", async () => {
    await start({ giftShape: 'recorded', gifts: 120 });
    const full = (await queryGifts(sim, {}, { full: true, take: 120 })).json.list as (VirtuousFullGift & Record<string, unknown>)[];
    expect(full).toHaveLength(120);
    for (const gift of full) {
      expect(Object.keys(gift)).toEqual(RECORDED_KEYS);
      expect(gift).toEqual(sim.fullGift(gift.id));
      const formatted = gift['amountFormatted'] as string;
      expect(formatted).toMatch(/^\$\d{1,3}(,\d{3})*\.\d{2}$/);
      expect(Number(formatted.replace(/[$,]/g, ''))).toBe(gift.amount);
      const [year, month, day] = gift.giftDate.slice(0, 10).split('-');
      expect(gift['giftDateFormatted']).toBe(`${Number(month)}/${Number(day)}/${year}`);
      expect(gift).toMatchObject({
        currencyCode: 'USD',
        baseCurrencyCode: 'USD',
        culture: 'en-US',
        contactName: sim.fullContact(gift.contactId)!.name,
        contactUrl: `/api/Contact/${gift.contactId}`,
        customFields: [],
        giftPremiums: [],
        pledgePayments: [],
        recurringGiftPayments: [],
      });
      expect(gift['receiptDate'] === null || MIDNIGHT.test(gift['receiptDate'] as string)).toBe(true);
      expect(typeof gift['isPrivate']).toBe('boolean');
      expect(typeof gift['isTaxDeductible']).toBe('boolean');
    }
    expect(full.some((gift) => gift['amountFormatted'] === `$${gift.amount.toFixed(2)}`)).toBe(true);
    expect(full.some((gift) => gift['receiptDate'] === null)).toBe(true);
    const abbreviated = await queryGifts(sim, {}, { take: 5 });
    for (const item of abbreviated.json.list) expect(Object.keys(item)).toEqual(ABBREVIATED_KEYS);
    await expect(startVirtuousSimulator({ contacts: 1, giftShape: 'fancy' as never })).rejects.toThrow(/giftShape must be one of/);
  });

  it('pages every gift exactly once, in id order, with an id keyset (GreaterThan the last id, sortBy Id)', async () => {
    await start({ contacts: 300, gifts: 2600, seed: 9 });
    const expected = sim.expectedGiftIds();
    const { seen, pages } = await giftKeysetExport(sim, 'Gift Id', 1000);
    expect(pages).toEqual([1000, 1000, 600]);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(2600);

    const full = await giftKeysetExport(sim, 'Gift Id', 700, { full: true });
    expect(full.seen).toEqual(expected);

    const middle = expected[1300]!;
    const window = await queryGifts(sim, giftKeysetBody('Gift Id', expected[999]!, middle), { take: 1000 });
    expect(ids(window)).toEqual(expected.slice(1000, 1301));
    expect(window.json.total).toBe(301);
    const top = await queryGifts(sim, { sortBy: 'Id', descending: true }, { take: 1 });
    expect(ids(top)).toEqual([expected.at(-1)]);
    const skipped = await queryGifts(sim, { sortBy: 'id' }, { skip: 1234, take: 100 });
    expect(ids(skipped)).toEqual(expected.slice(1234, 1334));
  });

  it('lists the gift parameters in GET /api/Gift/QueryOptions, beside the contacts’ own', async () => {
    await start();
    const response = await request(sim, 'GET', '/api/Gift/QueryOptions');
    expect(response.status).toBe(200);
    const { options, operatorOptions } = response.json;
    expect(operatorOptions.map((option: { operator: string }) => option.operator)).toEqual([...OPERATOR_NAMES]);
    const operators = (option: { operatorOptions: { operator: string }[] }) => option.operatorOptions.map((entry) => entry.operator);
    expect(options.map((option: { parameter: string; type: string }) => [option.parameter, option.type, operators(option as never)])).toEqual([
      ['Gift Id', 'Int', ID_OPERATORS],
      ['Gift Date', 'Date', DATE_OPERATORS],
      ['Last Modified Date', 'Date', DATE_OPERATORS],
      ['Last Modified DateTime UTC', 'Date', DATE_OPERATORS],
    ]);
    expect(options[0]).toMatchObject({
      valueOptions: [],
      operatorOptions: expect.arrayContaining([{ operator: 'GreaterThan', multipleValuesAllowed: false, valueRequired: true }]),
    });
    const contactOptions = (await request(sim, 'GET', '/api/Contact/QueryOptions')).json.options;
    expect(contactOptions[0].parameter).toBe('Contact Id');
    expect(contactOptions.map((option: { parameter: string }) => option.parameter)).not.toContain('Gift Id');

    // A contact parameter, or an operator real catalogues never give ids, is a 400 on a gift query.
    const contactParameter = await queryGifts(sim, { groups: [{ conditions: [condition('Contact Id', 'GreaterThan', 0)] }] });
    expect(contactParameter.status).toBe(400);
    expect(contactParameter.json.error).toMatchObject({ code: 'INVALID_FILTER', message: expect.stringContaining('GET /api/Gift/QueryOptions') });
    const inOnId = await queryGifts(sim, { groups: [{ conditions: [condition('Gift Id', 'In', undefined, { values: ['1'] })] }] });
    expect(inOnId.status).toBe(400);
    expect(inOnId.json.error.code).toBe('INVALID_FILTER');
  });

  it('names the gift id parameter as giftIdParameter says, refusing any other spelling', async () => {
    await start({ giftIdParameter: 'Id' });
    const options = (await request(sim, 'GET', '/api/Gift/QueryOptions')).json.options;
    expect(options.map((option: { parameter: string }) => option.parameter)).toEqual([
      'Id',
      'Gift Date',
      'Last Modified Date',
      'Last Modified DateTime UTC',
    ]);
    expect(options[0].operatorOptions.map((entry: { operator: string }) => entry.operator)).toEqual(ID_OPERATORS);

    const refused = await queryGifts(sim, giftKeysetBody('Gift Id', 0));
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ code: 'INVALID_FILTER', details: [expect.objectContaining({ parameter: 'Gift Id' })] });
    const { seen } = await giftKeysetExport(sim, 'Id', 100);
    expect(seen).toEqual(sim.expectedGiftIds());
    // The contacts keep their documented id parameter.
    expect((await queryContacts(sim, { groups: [{ conditions: [condition('Contact Id', 'GreaterThan', 0)] }] })).status).toBe(200);

    await expect(startVirtuousSimulator({ contacts: 1, giftIdParameter: 'Gift ID' as never })).rejects.toThrow(/giftIdParameter must be one of/);
  });

  it('withholds operators from gift parameters too, and refuses a withheld name no catalogue has', async () => {
    await start({ withheldOperators: { 'Gift Id': ['GreaterThan'], 'Last Modified Date': ['OnOrAfter'] } });
    const giftOptions = (await request(sim, 'GET', '/api/Gift/QueryOptions')).json.options;
    const offered = (options: { parameter: string; operatorOptions: { operator: string }[] }[], name: string) =>
      options.find((option) => option.parameter === name)!.operatorOptions.map((entry) => entry.operator);
    expect(offered(giftOptions, 'Gift Id')).toEqual(['Is', 'LessThan', 'LessThanOrEqual', 'GreaterThanOrEqual', 'Between']);
    expect(offered(giftOptions, 'Last Modified Date')).not.toContain('OnOrAfter');
    expect(offered(giftOptions, 'Last Modified DateTime UTC')).toContain('OnOrAfter');
    const contactOptions = (await request(sim, 'GET', '/api/Contact/QueryOptions')).json.options;
    expect(offered(contactOptions, 'Last Modified Date')).not.toContain('OnOrAfter');
    expect(offered(contactOptions, 'Contact Id')).toEqual(ID_OPERATORS);

    expect((await queryGifts(sim, giftKeysetBody('Gift Id', 0))).status).toBe(400);
    const lowerBound = await queryGifts(sim, { groups: [{ conditions: [condition('Gift Id', 'GreaterThanOrEqual', 0)] }] });
    expect(lowerBound.json.total).toBe(250);
    await sim.close();

    await expect(startVirtuousSimulator({ contacts: 1, withheldOperators: { Nope: ['Is'] } })).rejects.toThrow(/names no parameter "Nope"/);
    await expect(startVirtuousSimulator({ contacts: 1, giftIdParameter: 'Id', withheldOperators: { 'Gift Id': ['Is'] } })).rejects.toThrow(
      /names no parameter "Gift Id"/,
    );
  });

  it('refuses a take above maxGiftTake with the older 400 shape, independently of the contacts’ maxTake', async () => {
    await start();
    for (const full of [false, true]) {
      const response = await queryGifts(sim, {}, { take: 1001, full });
      expect(response.status).toBe(400);
      expect(response.json.message).toContain('1000 or fewer');
      expect((await queryGifts(sim, {}, { take: 1000, full })).status).toBe(200);
    }
    await sim.close();

    await start({ maxGiftTake: 500 });
    const refused = await queryGifts(sim, {}, { take: 501, full: true });
    expect(refused.status).toBe(400);
    expect(refused.json.message).toContain('500 or fewer');
    expect((await queryGifts(sim, {}, { take: 500, full: true })).json.list).toHaveLength(250);
    expect((await queryContacts(sim, {}, { take: 1000 })).status).toBe(200);
    await expect(startVirtuousSimulator({ contacts: 1, maxGiftTake: 0 })).rejects.toThrow(/maxGiftTake/);
  });

  it('sorts by the documented gift sortBy values, ties by id, and refuses any other with a 400', async () => {
    await start({ giftShape: 'recorded', gifts: 300 });
    const gifts = sim.expectedGiftIds().map((id) => sim.fullGift(id)! as VirtuousFullGift & { receiptDate: string | null });
    const sortedIds = (key: (gift: (typeof gifts)[number]) => string | number, descending = false): number[] =>
      [...gifts]
        .sort((a, b) => {
          const [x, y] = [key(a), key(b)];
          return (descending ? -1 : 1) * (x < y ? -1 : x > y ? 1 : a.id - b.id);
        })
        .map((gift) => gift.id);
    const sortBy = async (value: string, descending = false): Promise<SimResponse> => {
      const response = await queryGifts(sim, { sortBy: value, descending }, { take: 1000 });
      expect(response.status, `${value}: ${response.text}`).toBe(200);
      expect(response.json.total).toBe(300);
      return response;
    };
    expect(ids(await sortBy('Amount'))).toEqual(sortedIds((gift) => cents(gift.amount)));
    expect(ids(await sortBy('giftdate', true))).toEqual(sortedIds((gift) => gift.giftDate, true));
    expect(ids(await sortBy('ReceiptDate'))).toEqual(sortedIds((gift) => gift.receiptDate ?? ''));
    expect(ids(await sortBy('BATCH'))).toEqual(sortedIds((gift) => (gift.batch ?? '').toLowerCase()));
    expect(ids(await sortBy('Id', true))).toEqual([...sim.expectedGiftIds()].reverse());

    for (const value of ['modifiedDateTimeUtc', 'Last Modified Date', 'LastModifiedDate', 'Gift Id', 'Contact Id', 'Gift Date', 'Name']) {
      const response = await queryGifts(sim, { sortBy: value });
      expect(response.status, value).toBe(400);
      expect(response.json.error).toMatchObject({
        code: 'INVALID_SORT',
        message: expect.stringContaining('Id, Amount, GiftDate, ReceiptDate or Batch'),
      });
    }
  });

  it('filters on the gift date and ignores includeArchived, gifts having no archived state', async () => {
    await start();
    const in2020 = sim
      .expectedGiftIds()
      .filter((id) => sim.fullGift(id)!.giftDate.startsWith('2020-'))
      .sort((a, b) => a - b);
    expect(in2020.length).toBeGreaterThan(3);
    const response = await queryGifts(
      sim,
      { groups: [{ conditions: [condition('Gift Date', 'OnOrAfter', '2020-01-01'), condition('Gift Date', 'Before', '2021-01-01')] }] },
      { take: 1000 },
    );
    expect(ids(response)).toEqual(in2020);
    expect(response.json.total).toBe(in2020.length);

    for (const includeArchived of [true, false, 'not even a boolean']) {
      const answer = await queryGifts(sim, { includeArchived }, { take: 1 });
      expect(answer.status).toBe(200);
      expect(answer.json.total).toBe(250);
    }
  });

  it('refuses gift requests without a valid token with the plain-text 401', async () => {
    await start({ token: 'secret' });
    for (const token of [null, 'wrong']) {
      for (const response of [
        await queryGifts(sim, {}, { token }),
        await queryGifts(sim, {}, { token, full: true }),
        await request(sim, 'GET', '/api/Gift/QueryOptions', undefined, token),
      ]) {
        expect(response.status).toBe(401);
        expect(response.text).toBe(DENIED);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
        expect(response.headers.get('x-ratelimit-remaining')).not.toBeNull();
      }
    }
    expect((await queryGifts(sim, {}, { token: 'secret' })).status).toBe(200);
  });

  it("spends one rate window per organization for its gifts and its contacts alike; another organization's is its own", async () => {
    await start({
      token: 'a',
      rateLimit: { limit: 4, windowMs: HOUR_MS },
      organizations: [{ name: 'b', tokens: ['b'], contacts: 10, gifts: 10, rateLimit: { limit: 4, windowMs: HOUR_MS } }],
    });
    const answers = [
      await queryContacts(sim, {}),
      await queryGifts(sim, {}),
      await request(sim, 'GET', '/api/Gift/QueryOptions'),
      await queryGifts(sim, {}, { full: true }),
      await queryContacts(sim, {}),
      await queryGifts(sim, {}),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200, 429, 429]);
    expect(answers.map((answer) => answer.headers.get('x-ratelimit-remaining'))).toEqual(['3', '2', '1', '0', '0', '0']);
    expect(answers[5]!.json.error.code).toBe('RATE_LIMITED');
    expect(Number(answers[5]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const fromB = await queryGifts(sim, {}, { token: 'b', take: 100 });
    expect(fromB.status).toBe(200);
    expect(fromB.headers.get('x-ratelimit-remaining')).toBe('3');
    expect(ids(fromB)).toEqual(sim.organization('b').expectedGiftIds());
  });

  it('counts gift requests by route and gift rows among the rows served, matching paths case-insensitively', async () => {
    await start();
    await queryGifts(sim, {}, { take: 7 });
    await request(sim, 'POST', '/API/GIFT/QUERY/FULLGIFT?take=3', '{}');
    await request(sim, 'GET', '/api/gift/queryoptions/');
    await queryContacts(sim, {}, { take: 2 });
    expect((await request(sim, 'GET', '/api/Gift/Query')).status).toBe(405);
    expect((await request(sim, 'POST', '/api/Gift/QueryOptions', '{}')).status).toBe(405);
    expect(sim.stats).toEqual({
      requests: 6,
      byStatus: { 200: 4, 405: 2 },
      byRoute: { giftQuery: 2, fullGift: 1, giftQueryOptions: 2, query: 1 },
      rowsServed: 12,
    });
    expect(sim.organization('default').stats.rowsServed).toBe(12);
  });

  it("gives each organization its own gifts, of its own contacts, with ids apart from every other organization's", async () => {
    await start({ organizations: [{ name: 'b', tokens: ['token-b'], contacts: 30, gifts: 90 }] });
    const a = sim.organization('default');
    const b = sim.organization('b');
    expect(b.expectedGiftIds()).toHaveLength(90);
    expect(b.expectedGiftIds()[0]!).toBeGreaterThan(a.expectedGiftIds().at(-1)!);
    expect(a.expectedGiftIds()[0]!).toBeGreaterThan(a.expectedIds({ includeArchived: true }).at(-1)!);
    const { seen } = await giftKeysetExport(sim, 'Gift Id', 40, { token: 'token-b' });
    expect(seen).toEqual(b.expectedGiftIds());
    const contactsOfB = new Set(b.expectedIds({ includeArchived: true }));
    expect(seen.every((id) => contactsOfB.has(b.fullGift(id)!.contactId))).toBe(true);
    expect(a.fullGift(seen[0]!)).toBeUndefined();
    await sim.close();

    // The same seed gives the same gifts.
    const again = await startVirtuousSimulator({ contacts: 80, gifts: 250, seed: 5 });
    const other = await startVirtuousSimulator({ contacts: 80, gifts: 250, seed: 5 });
    try {
      expect(again.expectedGiftIds().map((id) => again.fullGift(id))).toEqual(other.expectedGiftIds().map((id) => other.fullGift(id)));
    } finally {
      await Promise.all([again.close(), other.close()]);
    }
  });

  it('refuses gifts without contacts and organizations whose gift ids would meet', async () => {
    await expect(startVirtuousSimulator({ contacts: 0, gifts: 5 })).rejects.toThrow(/no contacts/);
    await expect(startVirtuousSimulator({ contacts: 1, gifts: -1 })).rejects.toThrow(/gifts must be an integer/);
    await expect(
      startVirtuousSimulator({
        contacts: 10,
        gifts: 1000,
        organizations: [{ name: 'b', tokens: ['token-b'], contacts: 10, gifts: 10, firstGiftId: 50_001_000 }],
      }),
    ).rejects.toThrow(/'default' and 'b' would share gift ids: 'b' needs firstGiftId >= 50003000/);
    sim = await start({ gifts: 0, organizations: [{ name: 'b', tokens: ['token-b'], contacts: 10, gifts: 10, firstGiftId: 7_000 }] });
    expect(sim.organization('b').expectedGiftIds()[0]!).toBeLessThan(7_003);
  });
});
