import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors/index.js';
import { parseFieldList, closeSchemaFor, CLOSE_CONTACT_FIELDS } from '../../src/sources/close/close-fields.js';
import { parseUserQuery, queryProblem, sortByDateCreated, windowQuery } from '../../src/sources/close/close-query.js';

const DATE_CREATED = { type: 'regular_field', object_type: 'contact', field_name: 'date_created' };

const leadStatusWithEmail = {
  type: 'and',
  queries: [
    {
      type: 'has_related',
      this_object_type: 'contact',
      related_object_type: 'lead',
      related_query: {
        type: 'field_condition',
        field: { type: 'regular_field', object_type: 'lead', field_name: 'status_id' },
        condition: { type: 'reference', reference_type: 'status', object_ids: ['stat_x'] },
      },
    },
    {
      type: 'field_condition',
      field: { type: 'regular_field', object_type: 'contact', field_name: 'emails_count' },
      condition: { type: 'number_range', gte: 1 },
    },
  ],
};

describe('Close window queries', () => {
  it('ANDs object_type, the date_created window and the user query', () => {
    const query = windowQuery({
      onOrAfter: '2018-01-01T00:00:00.000000+00:00',
      before: '2019-01-01T00:00:00.000000+00:00',
      userQuery: leadStatusWithEmail,
    });
    expect(query).toEqual({
      type: 'and',
      queries: [
        { type: 'object_type', object_type: 'contact' },
        {
          type: 'field_condition',
          field: DATE_CREATED,
          condition: {
            type: 'moment_range',
            on_or_after: { type: 'fixed_utc', value: '2018-01-01T00:00:00.000000+00:00' },
            before: { type: 'fixed_utc', value: '2019-01-01T00:00:00.000000+00:00' },
          },
        },
        leadStatusWithEmail,
      ],
    });
  });

  it('leaves out open bounds, a missing user query, and adds a negated id list to exclude', () => {
    expect(windowQuery({ onOrAfter: null, before: null, userQuery: null })).toEqual({
      type: 'and',
      queries: [{ type: 'object_type', object_type: 'contact' }],
    });
    const openBelow = windowQuery({ onOrAfter: null, before: '2019-01-01T00:00:00.000000+00:00', userQuery: null });
    expect((openBelow.queries as { condition?: unknown }[])[1]!.condition).toEqual({
      type: 'moment_range',
      before: { type: 'fixed_utc', value: '2019-01-01T00:00:00.000000+00:00' },
    });
    const excluding = windowQuery({ onOrAfter: '2018-01-01T00:00:00.000000+00:00', before: null, userQuery: null, excludeIds: ['cont_a', 'cont_b'] });
    expect((excluding.queries as unknown[]).at(-1)).toEqual({
      type: 'or',
      negate: true,
      queries: [
        { type: 'id', value: 'cont_a' },
        { type: 'id', value: 'cont_b' },
      ],
    });
    expect(sortByDateCreated('desc')).toEqual([{ direction: 'desc', field: DATE_CREATED }]);
  });
});

describe('user queries (--query)', () => {
  it('accepts the documented node, field, condition and moment types, bare or under "query"', () => {
    expect(parseUserQuery(JSON.stringify(leadStatusWithEmail), 'q.json')).toEqual(leadStatusWithEmail);
    expect(parseUserQuery(JSON.stringify({ query: leadStatusWithEmail, _fields: {} }), 'q.json')).toEqual(leadStatusWithEmail);
    const everything = {
      type: 'or',
      negate: false,
      queries: [
        { type: 'object_type', object_type: 'contact' },
        { type: 'id', value: 'cont_abc' },
        { type: 'text', value: 'Bruce', mode: 'phrase' },
        { type: 'match_all' },
        { type: 'field_condition', field: { type: 'custom_field', custom_field_id: 'cf_1' }, condition: { type: 'term', values: ['Gold'] } },
        {
          type: 'field_condition',
          field: { type: 'regular_field', object_type: 'contact', field_name: 'title' },
          condition: { type: 'text', value: 'CEO', mode: 'exact_value' },
          negate: true,
        },
        { type: 'field_condition', field: { type: 'custom_field', custom_field_id: 'cf_2' }, condition: { type: 'boolean', value: true } },
        {
          type: 'field_condition',
          field: { type: 'regular_field', object_type: 'contact', field_name: 'created_by' },
          condition: { type: 'current_user' },
        },
        { type: 'field_condition', field: { type: 'regular_field', object_type: 'contact', field_name: 'title' }, condition: { type: 'exists' } },
        {
          type: 'field_condition',
          field: DATE_CREATED,
          condition: {
            type: 'moment_range',
            on_or_after: { type: 'fixed_local_date', value: '2020-01-01', which: 'start' },
            before: { type: 'offset', value: '-P30D', moment: { type: 'now' } },
          },
        },
      ],
    };
    expect(queryProblem(everything, 'query')).toBeNull();
  });

  it('refuses an unknown node type, naming its path and the valid types', () => {
    const bad = {
      type: 'and',
      queries: [
        { type: 'object_type', object_type: 'contact' },
        { type: 'fuzzy', value: 'x' },
      ],
    };
    expect(() => parseUserQuery(JSON.stringify(bad), 'bad.json')).toThrow(InvalidInputError);
    expect(() => parseUserQuery(JSON.stringify(bad), 'bad.json')).toThrow(
      '--query bad.json is not a valid Close query: query.queries[1].type "fuzzy" is not a supported query type; use one of and, or, object_type, id, text, field_condition, has_related, match_all.',
    );
  });

  it.each([
    [
      'an unknown condition type',
      { type: 'field_condition', field: DATE_CREATED, condition: { type: 'between' } },
      /query\.condition\.type "between" is not a supported condition type; use one of text, term, reference, number_range, moment_range, exists, boolean, current_user/,
    ],
    [
      'an unknown field type',
      { type: 'field_condition', field: { type: 'lead_field' }, condition: { type: 'exists' } },
      /query\.field\.type "lead_field" is not a supported field type; use one of regular_field, custom_field/,
    ],
    [
      'an unknown moment type',
      { type: 'field_condition', field: DATE_CREATED, condition: { type: 'moment_range', before: { type: 'tomorrow' } } },
      /query\.condition\.before\.type "tomorrow" is not a supported moment type; use one of fixed_utc, fixed_local_date, now, offset/,
    ],
    [
      'a bad text mode',
      { type: 'text', value: 'x', mode: 'exact_value' },
      /query\.mode "exact_value" is not a supported text mode here; use one of full_words, phrase/,
    ],
    [
      'a number_range without bounds',
      { type: 'field_condition', field: DATE_CREATED, condition: { type: 'number_range' } },
      /needs at least one of gt, gte, lt, lte/,
    ],
    [
      'a bad fixed_utc',
      { type: 'field_condition', field: DATE_CREATED, condition: { type: 'moment_range', on_or_after: { type: 'fixed_utc', value: 'soon' } } },
      /on_or_after\.value must be an ISO 8601 date-time/,
    ],
    ['and without queries', { type: 'and' }, /query\.queries must be a list/],
    ['a has_related without a related query', { type: 'has_related', related_object_type: 'lead' }, /query\.related_query must be a JSON object/],
    ['a non-boolean negate', { type: 'match_all', negate: 'yes' }, /query\.negate must be true or false/],
    ['a list', [], /query must be a JSON object/],
  ])('refuses %s', (_label, query, message) => {
    expect(() => parseUserQuery(JSON.stringify(query), 'q.json')).toThrow(message);
  });

  it('refuses a file that is not JSON', () => {
    expect(() => parseUserQuery('{type: and}', 'q.json')).toThrow(/--query q\.json is not valid JSON/);
  });
});

describe('--fields', () => {
  it('defaults to every regular field plus every custom field found', () => {
    expect(parseFieldList(undefined)).toEqual({ fields: [...CLOSE_CONTACT_FIELDS], customFieldKeys: [], discoverCustomFields: true });
  });

  it('always adds id and date_created, keeps schema order, takes custom keys', () => {
    expect(parseFieldList('emails, name,custom.cf_Ab1,custom')).toEqual({
      fields: ['id', 'name', 'emails', 'date_created'],
      customFieldKeys: ['custom.cf_Ab1'],
      discoverCustomFields: true,
    });
    expect(parseFieldList('title').discoverCustomFields).toBe(false);
  });

  it('refuses unknown names, listing the valid ones', () => {
    expect(() => parseFieldList('name,phone,custom.x')).toThrow(
      /Unknown --fields "phone", "custom\.x": use id, lead_id, .*"custom" \(every custom field\) or custom\.cf_<id>/,
    );
    expect(() => parseFieldList(' , ')).toThrow(/--fields is empty/);
  });

  it('builds the schema from the chosen regular fields and every custom key', () => {
    const schema = closeSchemaFor(['id', 'name', 'date_created'], ['custom.cf_a', 'custom.cf_b']);
    expect(schema.name).toBe('close.contact');
    expect(schema.fields.map((field) => field.name)).toEqual(['id', 'name', 'date_created', 'custom_cf_a', 'custom_cf_b']);
    expect(schema.fields.at(-1)).toEqual({ name: 'custom_cf_b', sourceKey: 'custom.cf_b', type: { kind: 'json' } });
  });
});
