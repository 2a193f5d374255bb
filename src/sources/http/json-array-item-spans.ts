import {
  CLOSE_BRACE,
  CLOSE_BRACKET,
  COLON,
  COMMA,
  OPEN_BRACE,
  OPEN_BRACKET,
  QUOTE,
  skipWhitespace,
  stringEnd,
  valueEnd,
} from './json-byte-scanner.js';

const keyEncoder = new TextEncoder();

/**
 * The bytes of each item of the array under `key` in a JSON object document (`{"list":[{...},{...}],...}`),
 * as views over `json`, or null when the document does not have that shape. The document must be
 * valid JSON (it is parsed separately); this only finds where each item starts and ends, skipping
 * strings (escapes included) and nested values by depth.
 */
export function jsonArrayItemSpans(json: Uint8Array, key: string): Uint8Array[] | null {
  const wanted = keyEncoder.encode(key);
  let at = skipWhitespace(json, 0);
  if (json[at] !== OPEN_BRACE) return null;
  at = skipWhitespace(json, at + 1);
  let found: Uint8Array[] | null = null;
  while (at < json.length && json[at] === QUOTE) {
    const keyEnd = stringEnd(json, at);
    const matches = keyEnd - at - 2 === wanted.length && sameBytes(json, at + 1, wanted);
    at = skipWhitespace(json, keyEnd);
    if (json[at] !== COLON) return null;
    at = skipWhitespace(json, at + 1);
    let end: number;
    if (matches) {
      // A repeated key: JSON.parse keeps the last one, and so does this.
      const array = arrayItems(json, at);
      if (!array) return null;
      found = array.items;
      end = array.end;
    } else {
      end = valueEnd(json, at);
    }
    at = skipWhitespace(json, end);
    if (json[at] === CLOSE_BRACE) return found;
    if (json[at] !== COMMA) return null;
    at = skipWhitespace(json, at + 1);
  }
  return null;
}

/** The items of the array starting at `start` and the index just after it, or null when that value is not an array. */
function arrayItems(json: Uint8Array, start: number): { items: Uint8Array[]; end: number } | null {
  if (json[start] !== OPEN_BRACKET) return null;
  const items: Uint8Array[] = [];
  let at = skipWhitespace(json, start + 1);
  if (json[at] === CLOSE_BRACKET) return { items, end: at + 1 };
  while (at < json.length) {
    const itemEnd = valueEnd(json, at);
    items.push(json.subarray(at, itemEnd));
    at = skipWhitespace(json, itemEnd);
    if (json[at] === CLOSE_BRACKET) return { items, end: at + 1 };
    if (json[at] !== COMMA) return null;
    at = skipWhitespace(json, at + 1);
  }
  return null;
}

function sameBytes(json: Uint8Array, at: number, wanted: Uint8Array): boolean {
  for (let index = 0; index < wanted.length; index++) if (json[at + index] !== wanted[index]) return false;
  return true;
}
