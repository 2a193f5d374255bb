import { describe, expect, it } from 'vitest';
import { BulkExportError, InvalidInputError } from '../../src/errors/index.js';
import { MAX_WRITTEN_VERSIONS, readClockPosition, rememberWritten } from '../../src/queue/read-clock-watermark.js';
import type { CommittedPart } from '../../src/sinks/manifest.js';
import { ChangeCut } from '../../src/sources/virtuous/change-cut.js';
import { keysetQuery, prefilterCondition } from '../../src/sources/virtuous/keyset-query.js';
import { findIdKeyset, findModifiedPrefilter, type VirtuousQueryOptions } from '../../src/sources/virtuous/query-options.js';
import { VIRTUOUS_CONTACTS, VIRTUOUS_GIFTS } from '../../src/sources/virtuous/virtuous-records.js';
import { parseIsoMicros } from '../../src/time/iso-instant.js';
import { CONTACT_ID_KEYSET } from '../support/virtuous-keyset.js';

const ops = (...names: string[]) => names.map((operator) => ({ operator, multipleValuesAllowed: false, valueRequired: true }));
const catalogue = (params: [string, string, string[]][]): VirtuousQueryOptions => ({
  options: params.map(([parameter, type, names]) => ({ parameter, type, operatorOptions: ops(...names), valueOptions: [] })),
});
/** What real catalogues offer id parameters (docs/sources/virtuous.md, "Evidence: QueryOptions"). */
const ID_OPERATORS = ['Is', 'LessThan', 'LessThanOrEqual', 'GreaterThan', 'GreaterThanOrEqual', 'Between'];

const contactKeyset = (options: VirtuousQueryOptions) => findIdKeyset(options, VIRTUOUS_CONTACTS);
const contactPrefilter = (options: VirtuousQueryOptions) => findModifiedPrefilter(options, VIRTUOUS_CONTACTS);

describe('keysetQuery', () => {
  it('bounds one id slice with the real operator names, values as strings, sorted by id ascending', () => {
    expect(keysetQuery({ keyset: CONTACT_ID_KEYSET, afterId: 41000, upToId: 82000, includeArchived: true, sortBy: 'Id' })).toEqual({
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

  it('uses GreaterThanOrEqual / LessThan one id further when those are what the organization offers', () => {
    const keyset = { parameter: 'Id', after: 'GreaterThanOrEqual', upTo: 'LessThan' } as const;
    expect(keysetQuery({ keyset, afterId: 41000, upToId: 82000, includeArchived: false, sortBy: 'Id' }).groups).toEqual([
      {
        conditions: [
          { parameter: 'Id', operator: 'GreaterThanOrEqual', value: '41001' },
          { parameter: 'Id', operator: 'LessThan', value: '82001' },
        ],
      },
    ]);
  });

  it('drops open bounds, with none matches every contact through empty groups, and ANDs extra conditions', () => {
    expect(keysetQuery({ keyset: CONTACT_ID_KEYSET, afterId: null, upToId: 10, includeArchived: false, sortBy: 'Id' }).groups).toEqual([
      { conditions: [{ parameter: 'Contact Id', operator: 'LessThanOrEqual', value: '10' }] },
    ]);
    const all = keysetQuery({ keyset: CONTACT_ID_KEYSET, afterId: null, upToId: null, includeArchived: false, sortBy: 'Id', descending: true });
    expect(all.groups).toEqual([]);
    expect(all.descending).toBe(true);
    const date = { parameter: 'Last Modified Date', operator: 'OnOrAfter', value: '2026-11-28' };
    expect(keysetQuery({ keyset: CONTACT_ID_KEYSET, afterId: 5, upToId: null, includeArchived: true, sortBy: 'Id', extra: [date] }).groups).toEqual([
      { conditions: [{ parameter: 'Contact Id', operator: 'GreaterThan', value: '5' }, date] },
    ]);
  });
});

describe('findIdKeyset', () => {
  it('prefers the documented "Contact Id" with GreaterThan / LessThanOrEqual, falling back to other spellings and operators', () => {
    expect(
      contactKeyset(
        catalogue([
          ['Id', 'Int', ID_OPERATORS],
          ['Contact Id', 'Int', ID_OPERATORS],
        ]),
      ),
    ).toEqual(CONTACT_ID_KEYSET);
    expect(
      contactKeyset(
        catalogue([
          ['ContactId', 'Int', ['GreaterThan', 'LessThanOrEqual', 'Is']],
          ['Last Name', 'String', ['Is']],
        ]),
      ),
    ).toEqual({
      parameter: 'ContactId',
      after: 'GreaterThan',
      upTo: 'LessThanOrEqual',
    });
    expect(contactKeyset(catalogue([['Contact Id', 'Int', ['GreaterThanOrEqual', 'LessThan']]]))).toEqual({
      parameter: 'Contact Id',
      after: 'GreaterThanOrEqual',
      upTo: 'LessThan',
    });
  });

  it('refuses, naming the parameter, the operators missing and what the organization offers', () => {
    const refuse = () =>
      contactKeyset(
        catalogue([
          ['Contact Id', 'Int', ['Is', 'Between']],
          ['Tag', 'List', ['IsAnyOf']],
        ]),
      );
    expect(refuse).toThrow(InvalidInputError);
    expect(refuse).toThrow(/lower bound \(GreaterThan or GreaterThanOrEqual\) and an upper bound \(LessThanOrEqual or LessThan\)/);
    expect(refuse).toThrow(/offers "Contact Id" with Is, Between/);
    expect(() => contactKeyset(catalogue([['Tag', 'List', ['IsAnyOf']]]))).toThrow(/no id parameter at all \(parameters: "Tag"\)/);
  });
});

describe('findIdKeyset for gifts', () => {
  it('prefers "Gift Id", takes another spelling of a gift id, never the contact id, and names the gift QueryOptions when none is usable', () => {
    expect(
      findIdKeyset(
        catalogue([
          ['Contact Id', 'Int', ID_OPERATORS],
          ['Id', 'Int', ID_OPERATORS],
          ['Gift Id', 'Int', ID_OPERATORS],
        ]),
        VIRTUOUS_GIFTS,
      ),
    ).toEqual({ parameter: 'Gift Id', after: 'GreaterThan', upTo: 'LessThanOrEqual' });
    expect(findIdKeyset(catalogue([['Id', 'Int', ID_OPERATORS]]), VIRTUOUS_GIFTS)).toEqual({
      parameter: 'Id',
      after: 'GreaterThan',
      upTo: 'LessThanOrEqual',
    });
    const refuse = () => findIdKeyset(catalogue([['Contact Id', 'Int', ID_OPERATORS]]), VIRTUOUS_GIFTS);
    expect(refuse).toThrow(/gift-id parameter .* GET \/api\/Gift\/QueryOptions offers no id parameter at all .* --records gifts/);
  });
});

describe('findModifiedPrefilter and the date it sends', () => {
  it('prefers Last Modified Date with OnOrAfter, then another modification parameter and operator', () => {
    const dates = ['Before', 'After', 'OnOrBefore', 'OnOrAfter', 'Between'];
    expect(
      contactPrefilter(
        catalogue([
          ['Last Modified DateTime UTC', 'Date', dates],
          ['Last Modified Date', 'Date', dates],
        ]),
      ),
    ).toEqual({
      parameter: 'Last Modified Date',
      operator: 'OnOrAfter',
    });
    expect(contactPrefilter(catalogue([['Date Modified', 'Date', ['After', 'Before']]]))).toEqual({
      parameter: 'Date Modified',
      operator: 'After',
    });
    const refuse = () => contactPrefilter(catalogue([['Last Modified Date', 'Date', ['IsKnown', 'Before']]]));
    expect(refuse).toThrow(/lower bound \(OnOrAfter, GreaterThanOrEqual, After, GreaterThan\).*offers "Last Modified Date" with IsKnown, Before/);
  });

  it('sends a calendar date a day before the start (two for an exclusive operator), never a time of day', () => {
    const since = parseIsoMicros('2026-11-29T00:00:00.000001Z')!;
    expect(prefilterCondition({ parameter: 'Last Modified Date', operator: 'OnOrAfter' }, since)).toEqual({
      parameter: 'Last Modified Date',
      operator: 'OnOrAfter',
      value: '2026-11-28',
    });
    expect(prefilterCondition({ parameter: 'Last Modified Date', operator: 'GreaterThanOrEqual' }, since).value).toBe('2026-11-28');
    expect(prefilterCondition({ parameter: 'Last Modified Date', operator: 'After' }, since).value).toBe('2026-11-27');
    expect(
      prefilterCondition({ parameter: 'Last Modified Date', operator: 'GreaterThan' }, parseIsoMicros('2026-03-01T23:59:59.9999999')!).value,
    ).toBe('2026-02-27');
  });
});

describe('ChangeCut', () => {
  const row = (id: number, stamp: unknown) => ({ id, modifiedDateTimeUtc: stamp });
  const keeps = (cut: ChangeCut, id: number, stamp: string) => cut.keeps(row(id, stamp), ChangeCut.stampOf(row(id, stamp), VIRTUOUS_CONTACTS));

  it('keeps contacts modified after the start, and at it unless the start lists them, comparing zone-less 0-7 digit stamps as instants', () => {
    const cut = new ChangeCut({ at: '2026-11-29T10:00:00.353333+00:00', idsAtLast: ['7'] });
    expect(keeps(cut, 1, '2026-11-29T10:00:00.3533333')).toBe(true); // the 7th digit is within the same microsecond...
    expect(keeps(cut, 7, '2026-11-29T10:00:00.353333')).toBe(false); // ...and a listed id there is left out
    expect(keeps(cut, 8, '2026-11-29T10:00:00.3533339')).toBe(true);
    expect(keeps(cut, 9, '2026-11-29T10:00:00.35')).toBe(false);
    expect(keeps(cut, 9, '2026-11-29T10:00:01')).toBe(true);
    expect(keeps(cut, 9, '2026-11-28T23:59:59.9999999')).toBe(false);
    expect(keeps(new ChangeCut(null), 1, '1999-01-01T00:00:00')).toBe(true);
  });

  it('refuses a record without a readable modification time rather than guess', () => {
    expect(() => ChangeCut.stampOf(row(3, undefined), VIRTUOUS_CONTACTS)).toThrow(BulkExportError);
    expect(() => ChangeCut.stampOf(row(3, 'yesterday'), VIRTUOUS_CONTACTS)).toThrow(/contact 3 without a readable modifiedDateTimeUtc/);
    expect(() => ChangeCut.stampOf(row(4, null), VIRTUOUS_GIFTS)).toThrow(
      /gift 4 without a readable modifiedDateTimeUtc.*\/api\/Gift\/Query\/FullGift/,
    );
  });
});

describe('the watermark of an incremental export read by id (read-clock-watermark)', () => {
  const micros = (iso: string) => parseIsoMicros(iso)!;
  const part = (newestChange: string, readBy: number): CommittedPart => ({
    key: 'k',
    rows: 1,
    bytes: 1,
    firstKey: 1,
    lastKey: 1,
    rangeIndex: 0,
    sequence: 0,
    newestChange,
    readBy,
  });
  const start = micros('2026-11-30T12:00:00Z');

  it('is the newest change less the Redis time elapsed until it was read, less the overlap, taking the best part', () => {
    const parts = [
      part('2026-11-30T11:59:59.5', start + 2_000_000), // read 2 s in: proves 11:59:57.5
      part('2026-11-30T12:00:30', start + 40_000_000), // a change during the run, read 40 s in: proves 11:59:50
    ];
    expect(readClockPosition(null, parts, [], start, 0)).toEqual({ at: '2026-11-30T11:59:57.500000+00:00', idsAtLast: [] });
    expect(readClockPosition(null, parts, [], start, 60_000)).toEqual({ at: '2026-11-30T11:58:57.500000+00:00', idsAtLast: [] });
  });

  it('never goes back before the start, and stays there when no part proves more', () => {
    const since = { at: '2026-11-30T11:59:58.000000+00:00', idsAtLast: ['3'] };
    expect(readClockPosition(since, [part('2026-11-30T11:59:59', start + 5_000_000)], [], start, 0)).toEqual(since);
    expect(readClockPosition(since, [], [], start, 0)).toEqual(since);
    expect(readClockPosition(null, [], [], start, 0)).toBeNull();
    expect(readClockPosition(null, [part('2026-11-30T11:00:00', start)], [], null, 0)).toBeNull();
  });

  it('remembers the versions written at or after the watermark, carrying the earlier ones over, one per id, the newest first', () => {
    const changes = [
      { id: '1', stamp: '2026-11-30T11:59:00', micros: micros('2026-11-30T11:59:00Z') },
      { id: '2', stamp: '2026-11-30T11:59:59', micros: micros('2026-11-30T11:59:59Z') },
      { id: '3', stamp: '2026-11-30T11:59:59.9', micros: micros('2026-11-30T11:59:59.9Z') },
    ];
    // A part read 1 s in proves 11:59:58.9: with no overlap, contact 1 cannot lie at or after the watermark.
    const remembered = rememberWritten([], changes, micros('2026-11-30T11:59:58.9Z'), 0);
    expect(remembered).toEqual([
      { id: '3', modified: '2026-11-30T11:59:59.9' },
      { id: '2', modified: '2026-11-30T11:59:59' },
    ]);
    const since = {
      at: '2026-11-30T11:59:50.000000+00:00',
      idsAtLast: [],
      written: [
        { id: '9', modified: '2026-11-30T11:59:58.95' },
        { id: '2', modified: '2026-11-30T11:59:51' },
      ],
    };
    const position = readClockPosition(since, [part('2026-11-30T11:59:59.9', start + 1_000_000)], remembered, start, 0);
    expect(position).toEqual({
      at: '2026-11-30T11:59:58.900000+00:00',
      idsAtLast: [],
      written: [
        { id: '3', modified: '2026-11-30T11:59:59.9' },
        { id: '2', modified: '2026-11-30T11:59:59' },
        { id: '9', modified: '2026-11-30T11:59:58.95' },
      ],
    });
    // Nothing proves more than the start: the start stays, with everything written since.
    expect(readClockPosition(since, [], [], start, 0)).toEqual(since);
    const many = Array.from({ length: MAX_WRITTEN_VERSIONS + 10 }, (_, k) => ({
      id: String(k),
      stamp: '2026-11-30T12:00:00',
      micros: micros('2026-11-30T12:00:00Z'),
    }));
    expect(rememberWritten([], many, micros('2026-11-30T11:00:00Z'), 0)).toHaveLength(MAX_WRITTEN_VERSIONS);
  });
});
