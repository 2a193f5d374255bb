import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors/index.js';
import { keysetQuery } from '../../src/sources/virtuous/keyset-query.js';
import { findIdParameter, type VirtuousQueryOptions } from '../../src/sources/virtuous/query-options.js';

const ops = (...names: string[]) => names.map((operator) => ({ operator, multipleValuesAllowed: false, valueRequired: true }));

describe('keysetQuery', () => {
  it('bounds one id slice with the real operator names, values as strings, sorted by id ascending', () => {
    expect(keysetQuery({ idParameter: 'Contact Id', afterId: 41000, upToId: 82000, includeArchived: true, sortBy: 'Id' })).toEqual({
      groups: [
        {
          conditions: [
            { parameter: 'Contact Id', operator: 'GreaterThan', value: '41000' },
            { parameter: 'Contact Id', operator: 'LessThanOrEqual', value: '82000' },
          ],
        },
      ],
      sortBy: 'Id',
      descending: false,
      includeArchived: true,
    });
  });

  it('drops open bounds, and with none matches every contact through empty groups', () => {
    expect(keysetQuery({ idParameter: 'Id', afterId: null, upToId: 10, includeArchived: false, sortBy: 'Id' }).groups).toEqual([
      { conditions: [{ parameter: 'Id', operator: 'LessThanOrEqual', value: '10' }] },
    ]);
    const all = keysetQuery({ idParameter: 'Id', afterId: null, upToId: null, includeArchived: false, sortBy: 'Id', descending: true });
    expect(all.groups).toEqual([]);
    expect(all.descending).toBe(true);
  });
});

describe('findIdParameter', () => {
  it('prefers the documented "Contact Id" and falls back to another spelling with the keyset operators', () => {
    const options = (params: [string, string[]][]): VirtuousQueryOptions => ({
      options: params.map(([parameter, names]) => ({ parameter, type: 'Int', operatorOptions: ops(...names), valueOptions: [] })),
    });
    expect(findIdParameter(options([['Id', ['GreaterThan', 'LessThanOrEqual']], ['Contact Id', ['GreaterThan', 'LessThanOrEqual']]]))).toBe('Contact Id');
    expect(findIdParameter(options([['ContactId', ['GreaterThan', 'LessThanOrEqual', 'Is']], ['Last Name', ['Is']]]))).toBe('ContactId');
    expect(() => findIdParameter(options([['Contact Id', ['Is']]]))).toThrow(InvalidInputError);
    expect(() => findIdParameter(options([['Contact Id', ['Is']]]))).toThrow(/"Contact Id"/);
  });
});
