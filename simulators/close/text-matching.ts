import { badRequest } from './close-errors.js';

/**
 * Text matching for the `text` query and `text` conditions. Text is split into lower-case words at
 * every character that is not a letter or digit (so `bruce.wayne@gmail.com` is bruce, wayne, gmail,
 * com); accents are kept (`josé` does not match `jose`).
 *
 * - full_words: every word of the value is a whole word of the text, in any order;
 * - phrase: the words of the value appear consecutively and in order;
 * - beginning_of_words: every word of the value begins some word of the text;
 * - exact_value: the whole text equals the value, ignoring case and surrounding spaces.
 */
export type TextMode = 'full_words' | 'phrase' | 'exact_value' | 'beginning_of_words';

export const QUERY_TEXT_MODES: readonly TextMode[] = ['full_words', 'phrase'];
export const CONDITION_TEXT_MODES: readonly TextMode[] = ['full_words', 'phrase', 'exact_value', 'beginning_of_words'];

/** True when some of `texts` (one field's values, or all searched fields) matches. */
export type TextMatcher = (texts: readonly string[]) => boolean;

export function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

export function compileTextMatcher(mode: unknown, value: unknown, allowed: readonly TextMode[], path: string): TextMatcher {
  const chosen = mode === undefined || mode === null ? 'full_words' : mode;
  if (typeof chosen !== 'string' || !allowed.includes(chosen as TextMode)) {
    throw badRequest(`Unknown text mode ${JSON.stringify(mode)}; expected one of ${allowed.join(', ')}.`, `${path}.mode`);
  }
  if (typeof value !== 'string') throw badRequest(`${path}.value must be a string.`, `${path}.value`);
  if (chosen === 'exact_value') {
    const wanted = value.trim().toLowerCase();
    return (texts) => texts.some((text) => text.trim().toLowerCase() === wanted);
  }
  const wanted = words(value);
  if (wanted.length === 0) throw badRequest(`${path}.value must contain at least one word.`, `${path}.value`);
  switch (chosen as Exclude<TextMode, 'exact_value'>) {
    case 'full_words':
      // Words may come from different values (e.g. a name and a title).
      return (texts) => {
        const present = new Set(texts.flatMap(words));
        return wanted.every((word) => present.has(word));
      };
    case 'phrase':
      return (texts) => texts.some((text) => containsSequence(words(text), wanted));
    case 'beginning_of_words':
      return (texts) => {
        const present = texts.flatMap(words);
        return wanted.every((word) => present.some((candidate) => candidate.startsWith(word)));
      };
  }
}

function containsSequence(haystack: readonly string[], needle: readonly string[]): boolean {
  outer: for (let start = 0; start + needle.length <= haystack.length; start++) {
    for (let k = 0; k < needle.length; k++) if (haystack[start + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}
