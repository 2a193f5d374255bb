import { describe, expect, it } from 'vitest';
import { closeContactSchemaWith } from '../../src/sources/close/close-contact-schema.js';
import { parseCustomFieldPage, type CloseCustomField } from '../../src/sources/close/close-custom-fields.js';
import { CustomValueReader } from '../../src/sources/close/close-custom-values.js';
import { splitFieldSelectors } from '../../src/sources/close/close-field-selectors.js';
import { mergeContactBytes, mergeContactFields } from '../../src/sources/close/close-row-merge.js';

const CATALOGUE: CloseCustomField[] = [
  { id: 'cf_tier', name: 'Tier', type: 'choices', acceptsMultipleValues: false },
  { id: 'cf_score', name: 'Score', type: 'number', acceptsMultipleValues: false },
  { id: 'cf_renewal', name: 'Renewal Date', type: 'date', acceptsMultipleValues: false },
  { id: 'cf_demo', name: 'Last Demo', type: 'datetime', acceptsMultipleValues: false },
  { id: 'cf_interests', name: 'Interests', type: 'choices', acceptsMultipleValues: true },
  { id: 'cf_owner', name: 'Account Owner', type: 'user', acceptsMultipleValues: false },
  { id: 'cf_hidden', name: 'Sync', type: 'hidden', acceptsMultipleValues: false },
  { id: 'ccf_old', name: 'Legacy', type: 'text', acceptsMultipleValues: false },
];
const KEYS = CATALOGUE.map((field) => `custom.${field.id}`);

const VALUES = {
  cf_tier: 'Gold',
  cf_score: 12.5,
  cf_renewal: '2024-02-29',
  cf_demo: '2014-06-27T22:00:00.123456-08:00',
  cf_interests: ['Pricing', 'Support'],
  cf_owner: 'user_abc',
  cf_hidden: { synced: true },
  ccf_old: 'before 2021',
};

describe('CustomValueReader', () => {
  const reader = new CustomValueReader(KEYS, CATALOGUE);
  const flat = Object.fromEntries(KEYS.map((key) => [key, VALUES[key.slice(7) as keyof typeof VALUES]]));

  it('reads flat custom.<id> keys, a custom object keyed by id, and one keyed by name, alike', () => {
    const byId = { custom: { ...VALUES } };
    const byName = { custom: Object.fromEntries(CATALOGUE.map((field) => [field.name, VALUES[field.id as keyof typeof VALUES]])) };
    for (const shape of [flat, byId, byName]) {
      expect(reader.read({ id: 'cont_1', name: 'Ann', ...shape })).toEqual({ id: 'cont_1', name: 'Ann', ...flat });
    }
  });

  it('reads a field the answer leaves out as null, and prefers a flat key to a nested entry', () => {
    expect(reader.read({ id: 'cont_1' })).toEqual({ id: 'cont_1', ...Object.fromEntries(KEYS.map((key) => [key, null])) });
    const both = reader.read({ id: 'cont_1', 'custom.cf_tier': 'Gold', custom: { cf_tier: 'Silver', Score: 3 } });
    expect([both['custom.cf_tier'], both['custom.cf_score']]).toEqual(['Gold', 3]);
  });

  it('brings values to their columns: a lone value of a multi-valued field is a list of one, a number in text a number', () => {
    const row = reader.read({ id: 'c', 'custom.cf_interests': 'Pricing', 'custom.cf_score': ' 42.50 ', 'custom.ccf_old': 7 });
    expect([row['custom.cf_interests'], row['custom.cf_score'], row['custom.ccf_old']]).toEqual([['Pricing'], 42.5, 7]);
  });

  it('refuses a value its typed column cannot hold, naming the field and the contact', () => {
    expect(() => reader.read({ id: 'cont_9', 'custom.cf_score': 'lots' })).toThrow(
      /"lots" for the custom field "Score" \(cf_score, type number\) of contact cont_9.*--format ndjson/,
    );
    expect(() => reader.read({ id: 'c', 'custom.cf_renewal': '2024-02-30' })).toThrow(/not a date YYYY-MM-DD/);
    expect(() => reader.read({ id: 'c', 'custom.cf_demo': 'yesterday' })).toThrow(/not a ISO 8601 date-time/);
  });

  it('refuses values keyed by a name that two exported fields share', () => {
    const twins = new CustomValueReader(
      ['custom.cf_a', 'custom.cf_b'],
      [
        { id: 'cf_a', name: 'Status', type: 'text', acceptsMultipleValues: false },
        { id: 'cf_b', name: 'Status', type: 'text', acceptsMultipleValues: false },
      ],
    );
    expect(twins.read({ id: 'c', custom: { cf_a: 'x', cf_b: 'y' } })).toMatchObject({ 'custom.cf_a': 'x', 'custom.cf_b': 'y' });
    expect(() => twins.read({ id: 'c', custom: { Status: 'x' } })).toThrow(/share the name "Status"/);
  });

  it('reads keys without a catalogue entry as they are (JSON columns)', () => {
    const bare = new CustomValueReader(['custom.cf_shared'], []);
    expect(bare.read({ id: 'c', custom: { cf_shared: { any: 1 } } })).toEqual({ id: 'c', 'custom.cf_shared': { any: 1 } });
  });
});

describe('typed custom columns', () => {
  it('maps Close types to column types, multi-valued fields to lists, hidden and unknown ones to JSON', () => {
    const schema = closeContactSchemaWith([...KEYS, 'custom.cf_unlisted'], [...CATALOGUE]);
    const custom = schema.fields.filter((field) => field.sourceKey !== undefined).map((field) => [field.name, field.type]);
    expect(custom).toEqual([
      ['custom_cf_tier', { kind: 'utf8' }],
      ['custom_cf_score', { kind: 'float64' }],
      ['custom_cf_renewal', { kind: 'date' }],
      ['custom_cf_demo', { kind: 'timestamp', unit: 'microsecond' }],
      ['custom_cf_interests', { kind: 'list', item: { kind: 'utf8' } }],
      ['custom_cf_owner', { kind: 'utf8' }],
      ['custom_cf_hidden', { kind: 'json' }],
      ['custom_ccf_old', { kind: 'utf8' }],
      ['custom_cf_unlisted', { kind: 'json' }],
    ]);
  });

  it('reads a page of GET /custom_field/contact/', () => {
    const page = parseCustomFieldPage(
      {
        has_more: false,
        data: [
          { id: 'cf_1', name: 'Role', type: 'choices', choices: ['CEO'], accepts_multiple_values: true, editable_with_roles: [] },
          { id: 'cf_2' },
        ],
      },
      'GET /custom_field/contact/',
    );
    expect(page).toEqual({
      hasMore: false,
      fields: [
        { id: 'cf_1', name: 'Role', type: 'choices', acceptsMultipleValues: true },
        { id: 'cf_2', name: 'cf_2', type: 'unknown', acceptsMultipleValues: false },
      ],
    });
    expect(parseCustomFieldPage({ data: [] }, 'x').hasMore).toBeUndefined();
    expect(() => parseCustomFieldPage({ data: [{ name: 'no id' }] }, 'GET /custom_field/contact/')).toThrow(/entry without an id/);
    expect(() => parseCustomFieldPage({ fields: [] }, 'GET /custom_field/contact/')).toThrow(/without a "data" list/);
  });
});

describe('reading a page in several requests', () => {
  it('splits selectors: the key fields and the first ones in the walk, the rest by id in requests of at most max', () => {
    const selectors = ['id', 'name', 'date_created', ...Array.from({ length: 10 }, (_, k) => `custom.cf_${k}`)];
    expect(splitFieldSelectors(['id', 'date_created', 'date_created'], selectors, 100)).toEqual({
      main: ['id', 'date_created', 'name', ...selectors.slice(3)],
      extra: [],
    });
    const split = splitFieldSelectors(['id', 'date_created'], selectors, 5);
    expect(split.main).toEqual(['id', 'date_created', 'name', 'custom.cf_0', 'custom.cf_1']);
    expect(split.extra).toEqual([
      ['id', 'custom.cf_2', 'custom.cf_3', 'custom.cf_4', 'custom.cf_5'],
      ['id', 'custom.cf_6', 'custom.cf_7', 'custom.cf_8', 'custom.cf_9'],
    ]);
    expect(
      [split.main, ...split.extra]
        .flat()
        .filter((name) => name !== 'id')
        .sort(),
    ).toEqual(selectors.filter((name) => name !== 'id').sort());
  });

  it("merges a later answer into the walk's: new fields added, nested custom objects entry by entry, nothing overwritten", () => {
    const main = { __object_type: 'contact', id: 'c1', name: 'Ann', lead_id: 'lead_1', custom: { cf_a: 1 } };
    const extra = { __object_type: 'contact', id: 'c1', lead_id: 'lead_2', 'custom.cf_b': 'x', custom: { cf_a: 9, cf_c: [1, 2] } };
    expect(mergeContactFields(main, extra)).toEqual({
      __object_type: 'contact',
      id: 'c1',
      name: 'Ann',
      lead_id: 'lead_1',
      custom: { cf_a: 1, cf_c: [1, 2] },
      'custom.cf_b': 'x',
    });
  });

  it("merges the answers' bytes the same way, each value kept as Close wrote it", () => {
    const encode = (text: string) => new TextEncoder().encode(text);
    const main = encode('{"__object_type":"contact","id":"c1","price":10.50,"custom":{"cf_a":1.0},"q":"a\\"}b"}');
    const extra = encode('{ "__object_type" : "contact", "id":"c1", "custom.cf_b" : 2.50 , "custom" : {"cf_a":3, "cf_c" : "x,}"}, "q":"other"}');
    const merged = new TextDecoder().decode(mergeContactBytes(main, extra)!);
    expect(merged).toBe('{"__object_type":"contact","id":"c1","price":10.50,"custom":{"cf_a":1.0,"cf_c" : "x,}"},"q":"a\\"}b","custom.cf_b" : 2.50}');
    expect(JSON.parse(merged)).toEqual(mergeContactFields(JSON.parse(new TextDecoder().decode(main)), JSON.parse(new TextDecoder().decode(extra))));
    expect(mergeContactBytes(encode('[1]'), extra)).toBeNull();
  });
});
