/**
 * Finding where JSON values start and end in a document's bytes, without parsing them: the shared
 * steps of `jsonArrayItemSpans` and `jsonObjectMembers`. The document must be valid JSON (it is parsed
 * separately); strings (escapes included) are skipped natively with `indexOf`, nested values by depth.
 */

export const QUOTE = 0x22;
export const COLON = 0x3a;
export const COMMA = 0x2c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
const BACKSLASH = 0x5c;

/** Index just after the value starting at `at`. */
export function valueEnd(json: Uint8Array, at: number): number {
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
export function stringEnd(json: Uint8Array, at: number): number {
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

export function skipWhitespace(json: Uint8Array, at: number): number {
  let index = at;
  while (index < json.length && isWhitespace(json[index]!)) index++;
  return index;
}

function isWhitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
