import { describe, expect, it } from 'vitest';
import { jsonArrayItemSpans } from '../../src/sources/http/json-array-item-spans.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function spans(json: string, key: string): string[] | null {
  return jsonArrayItemSpans(encoder.encode(json), key)?.map((span) => decoder.decode(span)) ?? null;
}

describe('jsonArrayItemSpans', () => {
  it('finds each item of the named array, byte for byte, whatever other keys come first', () => {
    const items = [
      { id: 1, name: 'A "quoted" name, with {braces} and [brackets]', tags: ['x', 'y'] },
      { id: 2, nested: { deep: [{ a: '\\' }, { b: '\\"' }] }, emoji: 'café ☕ 🎉', nothing: null },
      { id: 3, escaped: 'line\nbreak\ttab \\\\ "end\\', number: -1.5e3, yes: true },
    ];
    const json = JSON.stringify({ total: 3, meta: { list: ['not this one'] }, list: items, after: [1, 2] });
    const found = spans(json, 'list')!;
    expect(found).toEqual(items.map((item) => JSON.stringify(item)));
    expect(found.map((text) => JSON.parse(text))).toEqual(items);
  });

  it('tolerates whitespace anywhere JSON allows it and keeps it inside items', () => {
    const json = ' \n{ "total" : 2 ,\r\n "data" :\t[ {"a": 1} ,\n  { "b" : [ 2 , 3 ] }\n ] }\n';
    expect(spans(json, 'data')).toEqual(['{"a": 1}', '{ "b" : [ 2 , 3 ] }']);
  });

  it('returns scalars and an empty array as they are', () => {
    expect(spans('{"list":[1,"two",null,true,-3.5]}', 'list')).toEqual(['1', '"two"', 'null', 'true', '-3.5']);
    expect(spans('{"list":[]}', 'list')).toEqual([]);
    expect(spans('{"list":[ ]}', 'list')).toEqual([]);
  });

  it('is null when the document does not have the shape', () => {
    expect(spans('[{"list":[1]}]', 'list')).toBeNull();
    expect(spans('{"other":[1]}', 'list')).toBeNull();
    expect(spans('{"list":{"a":1}}', 'list')).toBeNull();
    expect(spans('{"lis":[1],"listing":[2]}', 'list')).toBeNull();
  });

  it('keeps the last of a repeated key, as JSON.parse does', () => {
    expect(spans('{"list":[1],"list":[2,3]}', 'list')).toEqual(['2', '3']);
    expect(spans('{"list":[1],"list":{"a":1}}', 'list')).toBeNull();
  });

  it('agrees with JSON.parse on generated documents', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pieces = ['"', '\\', '{', '}', '[', ']', ',', ':', ' ', 'é', '\n', 'x', '\u2028', '😀'];
    const text = () => Array.from({ length: Math.floor(random() * 12) }, () => pieces[Math.floor(random() * pieces.length)]).join('');
    const value = (depth: number): unknown => {
      const kind = Math.floor(random() * (depth > 2 ? 4 : 6));
      if (kind === 0) return text();
      if (kind === 1) return Math.round(random() * 1e6) / 100;
      if (kind === 2) return random() < 0.5 ? null : random() < 0.5;
      if (kind === 3) return -Math.floor(random() * 1e9);
      if (kind === 4) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(random() * 4) }, () => [text(), value(depth + 1)]));
    };
    for (let round = 0; round < 200; round++) {
      const items = Array.from({ length: Math.floor(random() * 6) }, () => value(0));
      const json = JSON.stringify({ [text()]: value(1), list: items, total: items.length }, null, round % 3 === 0 ? 2 : undefined);
      const found = spans(json, 'list');
      expect(found?.map((span) => JSON.parse(span))).toEqual(items);
    }
  });
});
