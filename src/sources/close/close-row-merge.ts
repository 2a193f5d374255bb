import type { SourceRow } from '../export-source.js';
import { jsonObjectMembers, type JsonMember } from '../http/json-object-members.js';

/** What every answer of the same contact repeats: never taken from a later answer. */
const IDENTITY_KEYS = new Set(['__object_type', 'id']);

const encoder = new TextEncoder();
const OPEN = encoder.encode('{');
const COMMA = encoder.encode(',');
const CLOSE = encoder.encode('}');

/**
 * One contact read in several requests (more field selectors than one request carries): `main` (the
 * walk's answer) with the fields of `extra` (an answer for the same id) that it lacks. A nested `custom`
 * object in both is merged entry by entry; anything else `main` already has stays as `main` has it
 * (Close may add `lead_id` unasked to any answer).
 */
export function mergeContactFields(main: SourceRow, extra: SourceRow): SourceRow {
  const merged: SourceRow = { ...main };
  for (const [key, value] of Object.entries(extra)) {
    if (IDENTITY_KEYS.has(key)) continue;
    if (!Object.hasOwn(merged, key)) merged[key] = value;
    else if (key === 'custom' && isPlainObject(merged.custom) && isPlainObject(value)) merged.custom = { ...value, ...merged.custom };
  }
  return merged;
}

/**
 * The same merge on the answers' bytes, so that an NDJSON line stays made of the API's own bytes:
 * `main`'s members as sent, then `extra`'s new members as sent (a nested `custom` object likewise,
 * entry by entry). Null when either is not a JSON object.
 */
export function mergeContactBytes(main: Uint8Array, extra: Uint8Array): Uint8Array | null {
  const mainMembers = jsonObjectMembers(main);
  const extraMembers = jsonObjectMembers(extra);
  if (!mainMembers || !extraMembers) return null;
  const present = new Set(mainMembers.map((member) => member.key));
  const parts: Uint8Array[] = [];
  for (const member of mainMembers) {
    const other = member.key === 'custom' ? extraMembers.find((candidate) => candidate.key === 'custom') : undefined;
    const custom = other ? mergeObjectBytes(member, other) : null;
    parts.push(custom ?? member.member);
  }
  for (const member of extraMembers) if (!IDENTITY_KEYS.has(member.key) && !present.has(member.key)) parts.push(member.member);
  return joinObject(parts);
}

/** `"custom": {...main's entries, ...extra's other entries}`, or null when either value is not an object. */
function mergeObjectBytes(main: JsonMember, extra: JsonMember): Uint8Array | null {
  const mainEntries = jsonObjectMembers(main.value);
  const extraEntries = jsonObjectMembers(extra.value);
  if (!mainEntries || !extraEntries) return null;
  const present = new Set(mainEntries.map((entry) => entry.key));
  const entries = [
    ...mainEntries.map((entry) => entry.member),
    ...extraEntries.filter((entry) => !present.has(entry.key)).map((entry) => entry.member),
  ];
  const keyBytes = main.member.subarray(0, main.member.length - main.value.length);
  return concat([keyBytes, joinObject(entries)]);
}

function joinObject(members: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = [OPEN];
  members.forEach((member, index) => {
    if (index > 0) parts.push(COMMA);
    parts.push(member);
  });
  parts.push(CLOSE);
  return concat(parts);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const bytes = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
