import { CLOSE_BRACE, COLON, COMMA, OPEN_BRACE, QUOTE, skipWhitespace, stringEnd, valueEnd } from './json-byte-scanner.js';

const utf8 = new TextDecoder();

/** One member of a JSON object, as bytes of the document it was found in. */
export interface JsonMember {
  /** The key, unescaped. */
  key: string;
  /** `"key": value`, exactly as written. */
  member: Uint8Array;
  /** The value alone, exactly as written. */
  value: Uint8Array;
}

/**
 * The top-level members of the JSON object `json` (valid JSON, parsed separately), as views over its
 * bytes, or null when it is not an object. Only finds where members start and end: strings (escapes
 * included) are skipped, nested values by depth.
 */
export function jsonObjectMembers(json: Uint8Array): JsonMember[] | null {
  let at = skipWhitespace(json, 0);
  if (json[at] !== OPEN_BRACE) return null;
  at = skipWhitespace(json, at + 1);
  const members: JsonMember[] = [];
  if (json[at] === CLOSE_BRACE) return members;
  while (at < json.length && json[at] === QUOTE) {
    const keyStart = at;
    const keyEnd = stringEnd(json, at);
    let key: string;
    try {
      key = JSON.parse(utf8.decode(json.subarray(keyStart, keyEnd))) as string;
    } catch {
      return null;
    }
    at = skipWhitespace(json, keyEnd);
    if (json[at] !== COLON) return null;
    const valueStart = skipWhitespace(json, at + 1);
    const end = valueEnd(json, valueStart);
    members.push({ key, member: json.subarray(keyStart, end), value: json.subarray(valueStart, end) });
    at = skipWhitespace(json, end);
    if (json[at] === CLOSE_BRACE) return members;
    if (json[at] !== COMMA) return null;
    at = skipWhitespace(json, at + 1);
  }
  return null;
}
