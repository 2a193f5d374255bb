/**
 * Selectors per search request (`_fields.contact` entries) unless Close refuses fewer: a public
 * connector saw about 80 work and about 140 refused with a 400 (docs/sources/close.md, "Evidence: contact
 * object and custom fields"), so the exporter stays well below the lower figure. A refusal naming
 * `_fields` halves it (see CloseSource).
 */
export const DEFAULT_MAX_FIELD_SELECTORS = 64;

/** The fewest selectors per request the exporter steps down to: the key fields and one more. */
export const MIN_FIELD_SELECTORS = 4;

/** The `_fields` of the requests that together read one page of contacts. */
export interface FieldRequests {
  /** The walk's own request: the key fields (id and the walked timestamps) and the first selectors. */
  main: string[];
  /** Further requests for the same contacts by id: `id` and the remaining selectors, at most `max` each. */
  extra: string[][];
}

/**
 * Splits the selectors of an export into requests of at most `max` selectors each. One request
 * carries every field when they fit (the common case, and the only one Close documents); an
 * organization with more custom fields than fit gets its page read by the walk and completed by
 * searches for the same contacts' ids, each asking for the next selectors.
 */
export function splitFieldSelectors(keyFields: readonly string[], selectors: readonly string[], max: number): FieldRequests {
  const keys = [...new Set(keyFields)];
  const rest = selectors.filter((name) => !keys.includes(name));
  const inMain = Math.max(0, max - keys.length);
  const main = [...keys, ...rest.slice(0, inMain)];
  const extra: string[][] = [];
  const perExtra = Math.max(1, max - 1);
  for (let start = inMain; start < rest.length; start += perExtra) extra.push(['id', ...rest.slice(start, start + perExtra)]);
  return { main, extra };
}
