import type { CloseClient, CloseSearchBody, CloseSearchResponse } from './close-client.js';
import { DEFAULT_MAX_FIELD_SELECTORS, MIN_FIELD_SELECTORS } from './close-field-selectors.js';
import { isFieldSelectorRefusal, isPageSizeRefusal } from './close-refusals.js';

/**
 * The page size (`_limit`) and the selectors per request (`_fields`) that Close accepts, learnt from
 * its refusals: Close publishes neither ceiling, so a 400 naming `_limit` halves the page size
 * (200, 100, 50, ...) and a 400 naming `_fields` halves the selectors per request, and the request is
 * sent again, instead of failing the export. One instance serves one source, so a range learns once.
 */
export class CloseRequestLimits {
  pageSize: number;
  maxSelectors: number;

  constructor(pageSize: number, maxSelectors: number = DEFAULT_MAX_FIELD_SELECTORS) {
    this.pageSize = pageSize;
    this.maxSelectors = Math.max(MIN_FIELD_SELECTORS, maxSelectors);
  }

  /** Halves the page size; false when it is 1 already. */
  stepDownPageSize(): boolean {
    if (this.pageSize <= 1) return false;
    this.pageSize = Math.max(1, Math.floor(this.pageSize / 2));
    return true;
  }

  /** Halves the selectors per request; false when at the floor already. */
  stepDownSelectors(): boolean {
    if (this.maxSelectors <= MIN_FIELD_SELECTORS) return false;
    this.maxSelectors = Math.max(MIN_FIELD_SELECTORS, Math.floor(this.maxSelectors / 2));
    return true;
  }

  /**
   * Sends the search `build()` describes (built again after each step down, from these limits) until
   * Close accepts it. `stepSelectors: false` leaves a `_fields` refusal to the caller, whose request
   * has a fixed list of selectors to split differently.
   */
  async search<T extends Record<string, unknown>>(
    client: CloseClient,
    build: () => CloseSearchBody,
    signal: AbortSignal | undefined,
    options: { rawRows?: boolean; stepSelectors?: boolean } = {},
  ): Promise<CloseSearchResponse<T>> {
    for (;;) {
      try {
        return await client.search<T>(build(), signal, { rawRows: options.rawRows ?? false });
      } catch (error) {
        if (isPageSizeRefusal(error) && this.stepDownPageSize()) continue;
        if ((options.stepSelectors ?? true) && isFieldSelectorRefusal(error) && this.stepDownSelectors()) continue;
        throw error;
      }
    }
  }
}
