import { afterEach, describe, expect, it } from 'vitest';
import { SourceRequestError } from '../../src/errors/index.js';
import { startCloseSimulator, type CloseSimulator } from '../../simulators/close/index.js';
import { CloseClient } from '../../src/sources/close/close-client.js';
import { sortByDateCreated, windowQuery } from '../../src/sources/close/close-query.js';
import { isCursorRefusal, isFieldSelectorRefusal, isPageSizeRefusal } from '../../src/sources/close/close-refusals.js';
import { apiErrorMessage, apiFieldErrors } from '../../src/sources/http/source-http-client.js';

/** A 400 as the HTTP client builds it from an answer's body. */
function refusal(body: unknown, status = 400): SourceRequestError {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new SourceRequestError({
    source: 'Close',
    status,
    endpoint: 'POST /data/search/',
    apiMessage: apiErrorMessage(text),
    advice: '',
    fieldErrors: apiFieldErrors(text),
  });
}

describe('recognising Close refusals by structure', () => {
  it('a cursor refusal: field-errors naming the cursor, or an answer without field-errors whose message names it', () => {
    expect(isCursorRefusal(refusal({ error: 'Invalid request.', 'field-errors': { cursor: 'Cursor expired.' } }))).toBe(true);
    expect(isCursorRefusal(refusal({ errors: [], 'field-errors': { cursor: 'This search has returned its maximum of 10000 objects.' } }))).toBe(true);
    expect(isCursorRefusal(refusal({ error: 'The cursor has expired; restart the search.' }))).toBe(true);
    expect(isCursorRefusal(refusal({ errors: ['Invalid cursor'] }))).toBe(true);
    expect(isCursorRefusal(refusal('Cursor is no longer valid'))).toBe(true);
  });

  it('not a cursor refusal: other paths in field-errors even when the words mention a cursor, other statuses, other errors', () => {
    expect(isCursorRefusal(refusal({ errors: ['cursor and query disagree'], 'field-errors': { 'query.queries[1].type': 'Unknown type.' } }))).toBe(
      false,
    );
    expect(isCursorRefusal(refusal({ error: 'Invalid request.', 'field-errors': { _limit: 'Too large.' } }))).toBe(false);
    expect(isCursorRefusal(refusal({ error: 'The cursor has expired.' }, 401))).toBe(false);
    expect(isCursorRefusal(refusal({ error: 'Recursor is not a word' }))).toBe(false);
    expect(isCursorRefusal(new Error('cursor'))).toBe(false);
    expect(isCursorRefusal(undefined)).toBe(false);
  });

  it('a page size refusal names _limit (not results_limit); a selector refusal names _fields', () => {
    expect(isPageSizeRefusal(refusal({ errors: ['_limit must be 200 or less'], 'field-errors': { _limit: '_limit must be 200 or less' } }))).toBe(
      true,
    );
    expect(isPageSizeRefusal(refusal({ error: 'Ensure _limit is less than or equal to 100.' }))).toBe(true);
    expect(isPageSizeRefusal(refusal({ error: 'results_limit must be an integer.' }))).toBe(false);
    expect(isPageSizeRefusal(refusal({ errors: [], 'field-errors': { results_limit: 'bad' } }))).toBe(false);
    expect(isFieldSelectorRefusal(refusal({ errors: ['Too many fields'], 'field-errors': { _fields: 'Too many fields.' } }))).toBe(true);
    expect(isFieldSelectorRefusal(refusal({ errors: [], 'field-errors': { '_fields.contact': 'Must be a list.' } }))).toBe(true);
    expect(isFieldSelectorRefusal(refusal({ error: 'Too many _fields requested.' }))).toBe(true);
    expect(isFieldSelectorRefusal(refusal({ error: 'Unknown custom_fields.' }))).toBe(false);
  });

  it('keeps the parsed field-errors on the error and names them in its message', () => {
    const error = refusal({ error: 'Invalid request.', 'field-errors': { cursor: 'Cursor expired.' } });
    expect(error.fieldErrors).toEqual({ cursor: 'Cursor expired.' });
    expect(error.message).toBe('Close answered 400 to POST /data/search/: Invalid request. (field-errors: cursor: Cursor expired.). ');
    expect(refusal({ errors: ['_limit too large'], 'field-errors': { _limit: '_limit too large' } }).message).toContain(
      ': _limit too large (field-errors: _limit).',
    );
    expect(refusal('plain text').fieldErrors).toEqual({});
  });
});

describe('cursor refusals as the simulator answers them', () => {
  let sim: CloseSimulator | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  for (const cursorErrorShape of ['field-errors', 'message'] as const) {
    it(`recognises an expired cursor (${cursorErrorShape}) and the cap refusal, and not other 400s`, async () => {
      let now = 1_000_000;
      sim = await startCloseSimulator({
        contacts: 50,
        cursorTtlMs: 100,
        cursorErrorShape,
        maxObjectsPerWalk: 20,
        walkCapShape: 'refuse',
        now: () => now,
      });
      const client = new CloseClient({ baseUrl: sim.url, apiKey: sim.apiKey });
      const body = { query: windowQuery({ onOrAfter: null, before: null, userQuery: null }), sort: sortByDateCreated(), _limit: 10 };
      const first = await client.search(body);
      now += 101;
      const expired = await client.search({ ...body, cursor: first.cursor! }).catch((caught: unknown) => caught);
      expect(expired).toBeInstanceOf(SourceRequestError);
      expect(isCursorRefusal(expired)).toBe(true);
      const second = await client.search(body);
      const third = await client.search({ ...body, cursor: second.cursor! });
      const capped = await client.search({ ...body, cursor: third.cursor! }).catch((caught: unknown) => caught);
      expect(isCursorRefusal(capped)).toBe(true);
      const tooLarge = await client.search({ ...body, _limit: 500 }).catch((caught: unknown) => caught);
      expect([isCursorRefusal(tooLarge), isPageSizeRefusal(tooLarge)]).toEqual([false, true]);
    });
  }
});
