const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

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

/** Index just after the value starting at `at`. */
function valueEnd(json: Uint8Array, at: number): number {
  const first = json[at];
  if (first === QUOTE) return stringEnd(json, at);
  if (first === OPEN_BRACE || first === OPEN_BRACKET) {
    let depth = 0;
    let index = at;
    while (index < json.length) {
      const byte = json[index]!;
      if (byte === QUOTE) {
        index = stringEnd(json, index);
        continue;
      }
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return index + 1;
      }
      index++;
    }
    return json.length;
  }
  let index = at;
  while (index < json.length) {
    const byte = json[index]!;
    if (byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || isWhitespace(byte)) break;
    index++;
  }
  return index;
}

/** Index just after the closing quote of the string whose opening quote is at `at` (found natively, by indexOf). */
function stringEnd(json: Uint8Array, at: number): number {
  let from = at + 1;
  for (;;) {
    const quote = json.indexOf(QUOTE, from);
    if (quote < 0) return json.length;
    let backslashes = 0;
    while (json[quote - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

function skipWhitespace(json: Uint8Array, at: number): number {
  let index = at;
  while (index < json.length && isWhitespace(json[index]!)) index++;
  return index;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}

function sameBytes(json: Uint8Array, at: number, wanted: Uint8Array): boolean {
  for (let index = 0; index < wanted.length; index++) if (json[at + index] !== wanted[index]) return false;
  return true;
}
