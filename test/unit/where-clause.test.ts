import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/errors/index.js';
import { closeMatches, editDistance, rankCandidates, suggestionText } from '../../src/sources/suggestions.js';
import { withConditions } from '../../src/sources/virtuous/keyset-query.js';
import type { VirtuousQueryOptions } from '../../src/sources/virtuous/query-options.js';
import { buildWhereGroups, parseValueList, parseWhere, resolveWhere, splitGroup } from '../../src/sources/virtuous/where-clause.js';
import { queryOptionsResponse } from '../../simulators/virtuous/query-options-catalog.js';

/** The simulated organization's catalogue: the same shape GET /api/Contact/QueryOptions returns. */
const OPTIONS = queryOptionsResponse() as unknown as VirtuousQueryOptions;
const NAMES = OPTIONS.options.map((option) => option.parameter);

const refusal = (action: () => unknown): string => {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
};

describe('parseWhere: PARAMETER OPERATOR VALUE', () => {
  it('splits at the first operator word when the parameter is not known, and at a known parameter otherwise', () => {
    expect(parseWhere('Contact Type Is Household')).toMatchObject({ parameter: 'Contact Type', operator: 'Is', rest: 'Household' });
    expect(parseWhere('  Tag   IsAnyOf   Major Donor ')).toMatchObject({ parameter: 'Tag', operator: 'IsAnyOf', rest: 'Major Donor' });
    // A known parameter is matched whole (case-insensitively), so a value word that is an operator name is harmless.
    expect(parseWhere('last name Is Is', NAMES)).toMatchObject({ parameter: 'last name', operator: 'Is', rest: 'Is' });
    // A quoted parameter may contain operator names.
    expect(parseWhere('"Is Member" IsTrue')).toMatchObject({ parameter: 'Is Member', operator: 'IsTrue', rest: '' });
    expect(parseWhere('Create Date Between 2020-01-01 and 2020-12-31')).toMatchObject({
      parameter: 'Create Date',
      operator: 'Between',
      rest: '2020-01-01 and 2020-12-31',
    });
  });

  it('refuses a clause without an operator, listing the operators', () => {
    expect(refusal(() => parseWhere('Tag Major Donor'))).toMatch(
      /has no operator: write PARAMETER OPERATOR VALUE with OPERATOR one of Is, IsNot, .*IsAnyOf/,
    );
    expect(refusal(() => parseWhere(''))).toMatch(/--where is empty/);
  });

  it('splits value lists and groups outside quotes', () => {
    expect(parseValueList('"Major Donor","Board"')).toEqual(['Major Donor', 'Board']);
    expect(parseValueList('Major Donor, Board ,"A, B", "say \\"hi\\""')).toEqual(['Major Donor', 'Board', 'A, B', 'say "hi"']);
    expect(splitGroup('State Is CA; Tag IsAnyOf "a;b"')).toEqual(['State Is CA', 'Tag IsAnyOf "a;b"']);
    expect(refusal(() => parseValueList('"open'))).toMatch(/Unbalanced double quotes/);
  });
});

describe('resolveWhere: checked against QueryOptions', () => {
  const resolve = (text: string, warnings: string[] = []) => resolveWhere(parseWhere(text, NAMES), OPTIONS, warnings);

  it('builds value, values and secondaryValue by operator, and corrects the case of names', () => {
    expect(resolve('Tag IsAnyOf "Major Donor","Board"')).toEqual({ parameter: 'Tag', operator: 'IsAnyOf', values: ['Major Donor', 'Board'] });
    expect(resolve('tag isanyof Major Donor')).toEqual({ parameter: 'Tag', operator: 'IsAnyOf', values: ['Major Donor'] });
    expect(resolve('City Is Portland, OR')).toEqual({ parameter: 'City', operator: 'Is', value: 'Portland, OR' });
    expect(resolve('Create Date Between 2020-01-01, 2020-12-31')).toEqual({
      parameter: 'Create Date',
      operator: 'Between',
      value: '2020-01-01',
      secondaryValue: '2020-12-31',
    });
    expect(resolve('Volunteer Hours IsKnown')).toEqual({ parameter: 'Volunteer Hours', operator: 'IsKnown' });
    expect(resolve('Contact Id Between 1000 and 1003')).toEqual({
      parameter: 'Contact Id',
      operator: 'Between',
      value: '1000',
      secondaryValue: '1003',
    });
    // Real catalogues offer ids no In/NotIn/IsNot, and so does the simulated organization.
    expect(refusal(() => resolve('Contact Id NotIn 1000, 1003'))).toMatch(/"NotIn" is not an operator of "Contact Id"/);
  });

  it('names the intended parameter first for a misspelled one, then lists every parameter', () => {
    const message = refusal(() => resolve('Tga IsAnyOf Major Donor'));
    expect(message).toMatch(/unknown parameter "Tga".*did you mean "Tag"\?/);
    expect(message).toContain('"Contact Type"');
    expect(message.indexOf('"Tag"')).toBeLessThan(message.indexOf('"Contact Type"'));
    expect(refusal(() => resolve('Last Modifed Date OnOrAfter 2024-01-01'))).toMatch(/did you mean "Last Modified Date"/);
  });

  it('refuses an operator the parameter does not offer, suggesting its operators', () => {
    expect(refusal(() => resolve('Tag Contains Board'))).toMatch(
      /"Contains" is not an operator of "Tag" \(List\); Valid operators of "Tag": "IsAnyOf", "IsNoneOf"/,
    );
    expect(refusal(() => resolve('Create Date OnOrAftr 2024-01-01'))).toMatch(/did you mean "OnOrAfter"/);
  });

  it('refuses missing, extra or ill-typed values', () => {
    expect(refusal(() => resolve('Tag IsAnyOf'))).toMatch(/IsAnyOf needs a value, e.g. "Tag IsAnyOf "/);
    expect(refusal(() => resolve('Is Private IsTrue yes'))).toMatch(/IsTrue takes no value/);
    expect(refusal(() => resolve('Contact Id GreaterThan ten'))).toMatch(/"ten" is not an Int value for "Contact Id"/);
    expect(refusal(() => resolve('Create Date Between 2020-01-01'))).toMatch(/Between needs two values/);
  });

  it('warns (without refusing) about a value outside the offered valueOptions', () => {
    const warnings: string[] = [];
    resolve('Tag IsAnyOf Major Donr', warnings);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/"Major Donr" is not among the values QueryOptions offers for "Tag" \(did you mean "Major Donor"\?\)/);
  });

  it('ANDs --where into every --where-group, and the paging conditions into every group', () => {
    const groups = buildWhereGroups(['Contact Type Is Household'], ['Tag IsAnyOf Board; State Is CA', 'Is Private IsTrue'], OPTIONS);
    expect(groups).toEqual([
      {
        conditions: [
          { parameter: 'Contact Type', operator: 'Is', value: 'Household' },
          { parameter: 'Tag', operator: 'IsAnyOf', values: ['Board'] },
          { parameter: 'State', operator: 'Is', value: 'CA' },
        ],
      },
      {
        conditions: [
          { parameter: 'Contact Type', operator: 'Is', value: 'Household' },
          { parameter: 'Is Private', operator: 'IsTrue' },
        ],
      },
    ]);
    expect(buildWhereGroups([], [], OPTIONS)).toEqual([]);
    const bound = { parameter: 'Contact Id', operator: 'GreaterThan', value: '5' };
    expect(withConditions(groups, [bound]).map((group) => group.conditions.at(-1))).toEqual([bound, bound]);
    expect(withConditions([], [bound])).toEqual([{ conditions: [bound] }]);
  });
});

describe('suggestion ranking', () => {
  it('measures edits case- and space-insensitively, transpositions counting once', () => {
    expect(editDistance('Tga', 'Tag')).toBe(1);
    expect(editDistance('lastmodifieddate', 'Last Modified Date')).toBe(0);
    expect(editDistance('Cty', 'City')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('ranks close matches first, keeps the rest in catalogue order, and suggests only close ones', () => {
    const ranked = rankCandidates('Stat', NAMES);
    expect(ranked[0]!.candidate).toBe('State');
    expect(ranked.filter((entry) => !entry.close).map((entry) => entry.candidate)).toEqual(
      NAMES.filter((name) => !ranked.find((r) => r.candidate === name)!.close),
    );
    expect(closeMatches('Modified', NAMES)).toEqual(['Last Modified Date']);
    expect(closeMatches('zzzzzz', NAMES)).toEqual([]);
    expect(suggestionText('Tga', ['Tag', 'City'], 'parameters')).toBe('did you mean "Tag"? Valid parameters: "Tag", "City".');
    expect(suggestionText('qqq', ['Tag'], 'parameters')).toBe('Valid parameters: "Tag".');
  });
});
