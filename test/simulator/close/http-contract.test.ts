import { afterEach, describe, expect, it } from 'vitest';
import { startCloseSimulator, type CloseSimulator } from '../../../simulators/close/index.js';
import { basicAuth, contactQuery, custom, fieldCondition, ids, OBJECT_TYPE_CONTACT, regular, search } from './close-client.js';

describe('Close simulator HTTP contract', () => {
  let sim: CloseSimulator;
  afterEach(async () => {
    await sim.close();
  });

  it('serves /api/v1 on 127.0.0.1 with the default key', async () => {
    sim = await startCloseSimulator({ contacts: 5 });
    expect(sim.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v1$/);
    expect(sim.apiKey).toBe('close-sim-key');
  });

  it('accepts only HTTP Basic with the API key as user name and an empty password', async () => {
    sim = await startCloseSimulator({ contacts: 5, apiKey: 'api_123' });
    const body = { query: OBJECT_TYPE_CONTACT };
    const refused = [
      await search(sim, body, { apiKey: null }),
      await search(sim, body, { apiKey: 'api_wrong' }),
      await search(sim, body, { authorization: basicAuth('api_123', 'secret') }),
      await search(sim, body, { authorization: 'Bearer api_123' }),
      await search(sim, body, { authorization: 'Basic !!!' }),
    ];
    for (const response of refused) {
      expect(response.status).toBe(401);
      expect(response.json.error).toEqual(expect.any(String));
      expect(response.headers.get('ratelimit')).toMatch(/^limit=\d+, remaining=\d+, reset=[\d.]+$/);
    }
    expect((await search(sim, body)).status).toBe(200);
    expect(sim.stats.byStatus).toEqual({ 200: 1, 401: 5 });
  });

  it('answers 404 for a path without the trailing slash or unknown, 405 for other methods', async () => {
    sim = await startCloseSimulator({ contacts: 5 });
    const body = { query: OBJECT_TYPE_CONTACT };
    expect((await search(sim, body, { path: '/data/search' })).status).toBe(404);
    expect((await search(sim, body, { path: '/contact/' })).status).toBe(404);
    const get = await search(sim, undefined, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('returns bare {__object_type, id} results and a null cursor when one page holds everything', async () => {
    sim = await startCloseSimulator({ contacts: 30 });
    const response = await search(sim, { query: contactQuery() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(Object.keys(response.json)).toEqual(['data', 'cursor']);
    expect(response.json.cursor).toBeNull();
    expect(response.json.data).toHaveLength(30);
    for (const item of response.json.data) {
      expect(Object.keys(item)).toEqual(['__object_type', 'id']);
      expect(item.__object_type).toBe('contact');
      expect(item.id).toMatch(/^cont_[A-Za-z0-9]{43}$/);
    }
    expect(new Set(ids(response))).toEqual(new Set(sim.expectedIds()));
    expect(sim.stats.rowsServed).toBe(30);
  });

  it('returns the requested _fields, custom fields included, and ignores unknown names', async () => {
    sim = await startCloseSimulator({ contacts: 40, customFields: 4 });
    const [tier, score] = sim.customFieldIds();
    const response = await search(sim, {
      query: contactQuery(),
      _fields: { contact: ['id', 'name', 'title', 'emails', 'phones', 'urls', 'date_created', `custom.${tier}`, `custom.${score}`, 'no_such_field'] },
      _limit: 40,
    });
    expect(response.status).toBe(200);
    for (const item of response.json.data) {
      const full = sim.contact(item.id)!;
      expect(Object.keys(item)).toEqual([
        '__object_type',
        'id',
        'name',
        'title',
        'emails',
        'phones',
        'urls',
        'date_created',
        `custom.${tier}`,
        `custom.${score}`,
      ]);
      expect(item).toEqual({
        __object_type: 'contact',
        id: full['id'],
        name: full['name'],
        title: full['title'],
        emails: full['emails'],
        phones: full['phones'],
        urls: full['urls'],
        date_created: full['date_created'],
        [`custom.${tier}`]: full[`custom.${tier}`] ?? null,
        [`custom.${score}`]: full[`custom.${score}`] ?? null,
      });
    }
    const all = await search(sim, { query: contactQuery(), _fields: { contact: ['id', 'custom'] }, _limit: 40 });
    for (const item of all.json.data) {
      const full = sim.contact(item.id)!;
      const customKeys = Object.keys(full).filter((key) => key.startsWith('custom.'));
      expect(Object.keys(item)).toEqual(['__object_type', 'id', ...customKeys]);
    }
  });

  it('ignores unknown top-level keys and treats null as absent', async () => {
    sim = await startCloseSimulator({ contacts: 10 });
    const response = await search(sim, { query: contactQuery(), _limit: null, cursor: null, sort: null, whatever: { deep: 1 }, _skip: 5 });
    expect(response.status).toBe(200);
    expect(response.json.data).toHaveLength(10);
  });

  it('uses _limit 100 by default and refuses _limit above maxLimit (200 by default or configured)', async () => {
    sim = await startCloseSimulator({ contacts: 250 });
    const first = await search(sim, { query: contactQuery() });
    expect(first.json.data).toHaveLength(100);
    expect(first.json.cursor).toEqual(expect.any(String));
    expect((await search(sim, { query: contactQuery(), _limit: 200 })).json.data).toHaveLength(200);
    for (const limit of [201, 0, -1, 2.5, '50']) {
      const response = await search(sim, { query: contactQuery(), _limit: limit });
      expect(response.status, `_limit ${limit}`).toBe(400);
      expect(response.json['field-errors']).toHaveProperty('_limit');
    }
    await sim.close();
    sim = await startCloseSimulator({ contacts: 10, maxLimit: 50 });
    const over = await search(sim, { query: contactQuery(), _limit: 51 });
    expect(over.status).toBe(400);
    expect(over.json.errors[0]).toContain('50');
  });

  it('answers 400 with errors and field-errors naming the problem', async () => {
    sim = await startCloseSimulator({ contacts: 10 });
    const cases: [unknown, string, RegExp][] = [
      [{}, 'query', /query is required/],
      [{ query: { type: 'and', queries: [] } }, 'query', /object_type/],
      [{ query: contactQuery({ type: 'fancy' }) }, 'query.queries[1].type', /Unknown query type "fancy"/],
      [
        { query: contactQuery(fieldCondition(regular('shoe_size'), { type: 'exists' })) },
        'query.queries[1].field.field_name',
        /Unknown field "shoe_size"/,
      ],
      [
        { query: contactQuery(fieldCondition(regular('title'), { type: 'fuzzy', value: 'x' })) },
        'query.queries[1].condition.type',
        /Unknown condition type "fuzzy"/,
      ],
      [
        { query: contactQuery(fieldCondition(regular('title'), { type: 'number_range', gt: 1 })) },
        'query.queries[1].condition.type',
        /cannot be used with contact.title/,
      ],
      [
        { query: contactQuery(fieldCondition(custom('cf_nope'), { type: 'exists' })) },
        'query.queries[1].field.custom_field_id',
        /Unknown contact custom field/,
      ],
      [
        { query: contactQuery(fieldCondition(regular('status_id', 'lead'), { type: 'exists' })) },
        'query.queries[1].field.object_type',
        /has_related/,
      ],
      [
        { query: contactQuery(fieldCondition(regular('title'), { type: 'text', mode: 'regex', value: 'x' })) },
        'query.queries[1].condition.mode',
        /Unknown text mode/,
      ],
      [{ query: { type: 'object_type', object_type: 'banana' } }, 'query.object_type', /Unknown object type/],
      [
        { query: contactQuery({ type: 'has_related', this_object_type: 'contact', related_object_type: 'opportunity', related_query: {} }) },
        'query.queries[1].related_object_type',
        /not supported/,
      ],
      [
        {
          query: contactQuery(
            fieldCondition(regular('date_created'), {
              type: 'moment_range',
              on_or_after: { type: 'fixed_local_date', value: '2020-01-01T00:00:00Z' },
            }),
          ),
        },
        'query.queries[1].condition.on_or_after.value',
        /YYYY-MM-DD/,
      ],
      [{ query: contactQuery(), results_limit: -1 }, 'results_limit', /results_limit/],
      [{ query: contactQuery(), include_counts: 'yes' }, 'include_counts', /include_counts/],
      [{ query: contactQuery(), _fields: { contact: 'name' } }, '_fields.contact', /list/],
    ];
    for (const [body, path, message] of cases) {
      const response = await search(sim, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(Object.keys(response.json)).toEqual(['errors', 'field-errors']);
      expect(response.json.errors[0], path).toMatch(message);
      expect(Object.keys(response.json['field-errors']), JSON.stringify(body)).toEqual([path]);
    }
    for (const rawBody of ['{"query": ', '[1,2]', 'null']) {
      const response = await search(sim, undefined, { rawBody });
      expect(response.status).toBe(400);
      expect(response.json.errors).toEqual([expect.any(String)]);
    }
  });
});
