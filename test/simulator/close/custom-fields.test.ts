import { afterEach, describe, expect, it } from 'vitest';
import { startCloseSimulator, type CloseSimulator } from '../../../simulators/close/index.js';
import { contactQuery, search } from './close-client.js';

/** The simulator's contact custom fields: the list endpoint, how search answers their values, and the `_fields` cap. */
describe('Close simulator custom fields', () => {
  let sim: CloseSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const list = (s: CloseSimulator, query = '', call: { apiKey?: string | null; method?: string } = {}) =>
    search(s, undefined, {
      path: `/custom_field/contact/${query}`,
      method: call.method ?? 'GET',
      ...(call.apiKey === undefined ? {} : { apiKey: call.apiKey }),
    });

  it('lists the contact custom fields with _skip/_limit and has_more, shaped like Close documents them', async () => {
    sim = await startCloseSimulator({ contacts: 10, customFields: 150 });
    const first = await list(sim);
    expect(first.status).toBe(200);
    expect(Object.keys(first.json)).toEqual(['has_more', 'data']);
    expect(first.json.has_more).toBe(true);
    expect(first.json.data).toHaveLength(100);
    const second = await list(sim, '?_skip=100&_limit=100');
    expect(second.json).toMatchObject({ has_more: false });
    expect(second.json.data).toHaveLength(50);
    const all = [...first.json.data, ...second.json.data];
    expect(all.map((field: { id: string }) => field.id)).toEqual(sim.customFieldIds());
    expect(
      all.map(({ id, name, type, accepts_multiple_values }: Record<string, unknown>) => ({
        id,
        name,
        type,
        acceptsMultipleValues: accepts_multiple_values,
      })),
    ).toEqual(sim.customFields());
    const tier = all[0];
    expect(tier).toMatchObject({
      name: 'Tier',
      type: 'choices',
      choices: ['Gold', 'Silver', 'Bronze', 'Trial'],
      accepts_multiple_values: false,
      description: null,
      editable_with_roles: [],
    });
    expect(Object.keys(all[1])).not.toContain('choices');
    expect(new Set(all.map((field: { type: string }) => field.type))).toEqual(
      new Set(['choices', 'number', 'text', 'date', 'hidden', 'datetime', 'user', 'contact']),
    );
    expect(new Set(all.map((field: { name: string }) => field.name)).size).toBe(150);
    expect((await list(sim, '?_skip=140&_limit=5')).json.data.map((field: { id: string }) => field.id)).toEqual(sim.customFieldIds().slice(140, 145));
    expect((await list(sim, '?_skip=150')).json).toEqual({ has_more: false, data: [] });
    expect(sim.stats.customFieldListings).toBe(4);
  });

  it('answers the list endpoint with the same auth, 400s and 405 as search', async () => {
    sim = await startCloseSimulator({ contacts: 1 });
    expect((await list(sim, '', { apiKey: 'wrong' })).status).toBe(401);
    const bad = await list(sim, '?_limit=0');
    expect(bad.status).toBe(400);
    expect(bad.json['field-errors']).toHaveProperty('_limit');
    const post = await list(sim, '', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    expect((await search(sim, undefined, { path: '/custom_field/contact', method: 'GET' })).status).toBe(404);
  });

  it('answers custom values as flat keys, or one custom object keyed by id or by name, as configured', async () => {
    const body = (fields: string[]) => ({ query: contactQuery(), _fields: { contact: ['id', 'name', ...fields] }, _limit: 50 });
    for (const shape of ['flat', 'nested-by-id', 'nested-by-name'] as const) {
      sim = await startCloseSimulator({ contacts: 50, customFields: 11, customFieldShape: shape });
      const fields = sim.customFields();
      const keys = fields.map((field) => `custom.${field.id}`);
      const named = await search(sim, body(keys));
      const everything = await search(sim, body(['custom']));
      for (const [k, item] of (named.json.data as Record<string, unknown>[]).entries()) {
        const truth = sim.contact(item.id as string)!;
        const set = keys.filter((key) => key in truth);
        const asked = Object.fromEntries(fields.map((field) => [field.id, truth[`custom.${field.id}`] ?? null]));
        const all = (everything.json.data as Record<string, unknown>[])[k]!;
        if (shape === 'flat') {
          expect(Object.keys(item)).toEqual(['__object_type', 'id', 'name', ...keys]);
          expect(Object.fromEntries(keys.map((key) => [key.slice(7), item[key]]))).toEqual(asked);
          expect(Object.keys(all)).toEqual(['__object_type', 'id', 'name', ...set]);
        } else {
          const label = (id: string) => (shape === 'nested-by-id' ? id : fields.find((field) => field.id === id)!.name);
          expect(Object.keys(item)).toEqual(['__object_type', 'id', 'name', 'custom']);
          expect(item.custom).toEqual(Object.fromEntries(Object.entries(asked).map(([id, value]) => [label(id), value])));
          const setValues = Object.fromEntries(set.map((key) => [label(key.slice(7)), truth[key]]));
          expect(all.custom ?? {}).toEqual(setValues);
        }
      }
      await sim.close();
      sim = undefined;
    }
  });

  it('adds lead_id to results that did not ask for it when unaskedLeadId is set', async () => {
    sim = await startCloseSimulator({ contacts: 5, unaskedLeadId: true });
    const response = await search(sim, { query: contactQuery(), _fields: { contact: ['id', 'name'] } });
    for (const item of response.json.data) expect(Object.keys(item)).toEqual(['__object_type', 'id', 'name', 'lead_id']);
    const bare = await search(sim, { query: contactQuery() });
    expect(Object.keys(bare.json.data[0])).toEqual(['__object_type', 'id']);
  });

  it('refuses more _fields selectors than maxFieldSelectors with a 400 naming _fields', async () => {
    sim = await startCloseSimulator({ contacts: 5, customFields: 150, maxFieldSelectors: 80 });
    const keys = sim.customFieldIds().map((id) => `custom.${id}`);
    const ok = await search(sim, { query: contactQuery(), _fields: { contact: ['id', ...keys.slice(0, 79)] } });
    expect(ok.status).toBe(200);
    const refused = await search(sim, { query: contactQuery(), _fields: { contact: ['id', ...keys.slice(0, 80)] } });
    expect(refused.status).toBe(400);
    expect(Object.keys(refused.json['field-errors'])).toEqual(['_fields']);
    expect(refused.json.errors[0]).toMatch(/81.*80/);
    await sim.close();
    // The default is well above what an exporter that stays under about 80 sends.
    sim = await startCloseSimulator({ contacts: 5, customFields: 150 });
    expect((await search(sim, { query: contactQuery(), _fields: { contact: keys.slice(0, 100) } })).status).toBe(200);
    expect((await search(sim, { query: contactQuery(), _fields: { contact: keys.slice(0, 101) } })).status).toBe(400);
  });
});
